"""Give every request an id (or keep the proxy's) and make it available to audit; audit
every refusal answered to someone signed in."""

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from interplay.audit import refusals
from interplay.audit.actors import acting
from interplay.audit.context import RequestContext, current

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_address(request: HttpRequest) -> str | None:
    key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    value = request.META.get(key) or request.META.get("REMOTE_ADDR")
    if value and "," in value:
        value = value.split(",")[0].strip()
    return value or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = current.set(RequestContext(request_id, client_address(request)))
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RefusalAuditMiddleware:
    """Record a 403, or a 404 from a page that exists (its scope check: a record outside
    the caseload), answered to a signed-in member of staff or patient.

    Hooked here, once, rather than page by page: every guard (the role decorator, a
    scoped ``get_object_or_404``, a portal query from the signed-in patient) ends in one
    of these answers. A 404 for a path no page answers (a typo, ``/favicon.ico``) is not
    a refusal and is not recorded.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        if status == 403 or (status == 404 and request.resolver_match is not None):
            actor = acting(request)
            if actor is not None:
                refusals.record_refusal(actor=actor, request=request, status=status)
        return response
