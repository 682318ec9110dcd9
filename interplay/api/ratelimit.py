"""A rate limit per API token (django-ratelimit), counted in the database cache shared by
every app server (``interplay.clinic.ratecache``).

Keyed by the token, not the address: a GP system behind one address and a person on a
shared network each have their own allowance, and a leaked key is slowed wherever it is
used. Over the limit: 429 problem+json with ``Retry-After`` (the seconds until the window
ends). The JSON API checks it when it authenticates; FHIR may call ``check`` the same way.
"""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from ninja.errors import Throttled

from interplay.api.models import ApiToken

GROUP = "api-token"


def _rate(group: str, request: HttpRequest) -> str:
    return str(settings.API_RATE_LIMIT)


def check(request: HttpRequest, token: ApiToken) -> None:
    """Count one request by ``token``; raise ``Throttled`` (429) once over the limit."""
    usage = get_usage(
        request,
        group=GROUP,
        key=lambda group, request: str(token.public_id),
        rate=_rate,
        method=get_usage.ALL,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        raise Throttled(wait=max(1, int(usage["time_left"])))
