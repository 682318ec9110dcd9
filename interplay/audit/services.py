"""Writing the audit trail. Every service calls ``record`` inside its own transaction."""

from typing import Any

from django.db import models

from interplay.audit.context import current
from interplay.audit.models import AuditEvent, public_key


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event for ``action`` by ``actor`` (None or anonymous for the public).

    The request id and client address come from the request being served, if any.
    """
    context = current.get()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else "public",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=public_key(obj) if obj is not None else "",
        detail=detail or {},
        client_address=context.client_address,
        request_id=context.request_id,
    )
