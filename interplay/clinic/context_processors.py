from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from interplay.clinic.models import ServiceSettings


def service(request: HttpRequest) -> dict[str, Any]:
    """The service's settings for templates, read only if a template uses them."""
    return {"service": SimpleLazyObject(ServiceSettings.load)}
