"""The JSON API's authentication: a personal API token as ``Authorization: Bearer``."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer

from interplay.api import tokens
from interplay.api.models import ApiToken


class TokenAuth(HttpBearer):
    """Finds the live token for the key; the request then acts as the token's user."""

    openapi_description = (
        "A personal API token, made at /account/tokens/ and shown once: "
        "`Authorization: Bearer ipl_…`."
    )

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return tokens.authenticate(request)


def token_of(request: HttpRequest) -> ApiToken:
    token: Any = getattr(request, "api_token", None)
    if not isinstance(token, ApiToken):
        raise PermissionDenied("This needs an API token.")
    return token


def require_write(request: HttpRequest) -> None:
    """Refuse a change made with a read-only token (403, before any service runs)."""
    if not token_of(request).can_write:
        raise PermissionDenied(
            "This token is read-only: make a read-write token to change records."
        )


def require_notes(request: HttpRequest) -> None:
    """Refuse session records' notes to a token that did not ask for them."""
    if not token_of(request).notes:
        raise PermissionDenied("This token may not read notes: make one that includes notes.")
