"""The triage's day: what needs them now, in the order it matters."""

from typing import Any

from django.http import HttpRequest


def context(request: HttpRequest) -> dict[str, Any]:
    """The panels of the triage's first screen, for ``today/triage.html``."""
    return {}
