"""Making and revoking API tokens: each one audited, in one transaction."""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from interplay.accounts.permissions import Action, can
from interplay.api import tokens
from interplay.api.models import ApiToken, Scope
from interplay.audit.services import record


def create_token(
    *,
    actor: Any,
    name: str,
    scope: str = Scope.READ,
    expires_at: datetime | None = None,
    notes: bool = False,
) -> tuple[ApiToken, str]:
    """A new token for ``actor`` and its key, which is shown once and never stored."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("Sign in to make an API token.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("The expiry must be in the future.")
    key = tokens.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=key[: len(tokens.KEY_PREFIX) + 6],
            digest=tokens.digest(key),
            scope=Scope(scope),
            expires_at=expires_at,
            notes=notes,
        )
        record(
            actor=actor,
            action="api_token.created",
            obj=token,
            detail={"scope": token.scope, "notes": notes, "expires": _iso(expires_at)},
        )
    return token, key


def revoke_token(*, actor: Any, token: ApiToken) -> ApiToken:
    """Stop ``token`` working: its owner, or an administrator who manages users."""
    if token.user_id != getattr(actor, "pk", None) and not can(actor, Action.MANAGE_USERS):
        raise PermissionDenied("Only the token's owner or an administrator can revoke it.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at, token.revoked_by = timezone.now(), actor
            token.save(update_fields=["revoked_at", "revoked_by"])
            record(actor=actor, action="api_token.revoked", obj=token)
    return token


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None
