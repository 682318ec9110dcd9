"""What every API endpoint of the intake resources does first and last: refuse a role the
table does not allow (403, before any record is looked up, so a refusal says nothing about
whether the record exists), and audit a look like the page's, marked ``{"via": "api"}``."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest

from interplay.accounts.permissions import Action, can
from interplay.api.auth import require_write
from interplay.audit.services import record


def allow(request: HttpRequest, *actions: Action, write: bool = False) -> None:
    """403 unless the token's user may do one of ``actions`` (and, for a change, the
    token is read-write)."""
    if not any(can(request.user, action) for action in actions):
        raise PermissionDenied("Your role may not do this.")
    if write:
        require_write(request)


def viewed(request: HttpRequest, action: str, obj: Model | None = None, **detail: Any) -> None:
    """Audit a look through the API as the page's own ``*.viewed`` event."""
    record(actor=request.user, action=action, obj=obj, detail={"via": "api", **detail})
