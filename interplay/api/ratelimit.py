"""A rate limit per API token (django-ratelimit), counted in the database cache shared by
every app server (``interplay.clinic.ratecache``).

Keyed by the token, not the address: a GP system behind one address and a person on a
shared network each have their own allowance, and a leaked key is slowed wherever it is
used. One allowance per token, ``INTERPLAY_API_RATE_LIMIT``, for the JSON API and FHIR
together: the JSON API counts a request when it authenticates (``check``), FHIR in its
views' wrapper (``interplay.api.fhir.base.fhir_view``, through ``wait``), in the same
counter. Over the limit: 429 with ``Retry-After`` (the seconds until the window ends),
problem+json from the JSON API, an OperationOutcome (``throttled``) from FHIR.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import Throttled

from interplay.api.models import ApiToken
from interplay.clinic.ratelimit import usage as counted

GROUP = "api-token"


def _rate(group: str, request: HttpRequest) -> str:
    return str(settings.API_RATE_LIMIT)


def wait(request: HttpRequest, token: ApiToken) -> int | None:
    """Count one request by ``token``: None while within the limit, else the seconds to
    wait (at least 1)."""
    usage = counted(
        request, group=GROUP, key=lambda group, request: str(token.public_id), rate=_rate
    )
    if usage is not None and usage["should_limit"]:
        return max(1, int(usage["time_left"]))
    return None


def check(request: HttpRequest, token: ApiToken) -> None:
    """Count one request by ``token``; raise ``Throttled`` (429) once over the limit."""
    seconds = wait(request, token)
    if seconds is not None:
        raise Throttled(wait=seconds)
