"""Refusals in the audit trail: who was turned away from what, and bursts of them.

A 403, or a 404 from a page's own scope check, answered to someone signed in (staff, or
a patient in the portal) is recorded as ``access.refused`` with the method, the path and
the page's name, never the query string. More than ``REFUSAL_BURST_LIMIT`` refusals of
one account within ``REFUSAL_BURST_MINUTES`` is probing or a broken link worth a look:
it is recorded as ``access.refusal_burst`` and the active administrators are emailed,
once per window.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from interplay.audit.models import AuditEvent
from interplay.audit.services import record
from interplay.audit.tasks import alert_refusal_burst

REFUSED = "access.refused"
BURST = "access.refusal_burst"
# Path parts that are secrets in themselves (a calendar feed's token): never recorded.
SECRET_KWARGS = ("token",)


def request_path(request: HttpRequest) -> str:
    """The path asked for, without the query string and with any secret in it masked."""
    path = request.path
    match = request.resolver_match
    for name in SECRET_KWARGS:
        value = match.kwargs.get(name) if match else None
        if value:
            path = path.replace(str(value), f"<{name}>")
    return path


def record_refusal(*, actor: Any, request: HttpRequest, status: int) -> AuditEvent:
    """Audit one refusal of ``actor``; raise the burst alert when it is one too many."""
    match = request.resolver_match
    detail = {
        "status": status,
        "method": request.method,
        "path": request_path(request),
        "page": match.view_name if match else "",
    }
    with transaction.atomic():
        event = record(actor=actor, action=REFUSED, detail=detail)
        _alert_on_burst(actor, event)
    return event


def _alert_on_burst(actor: Any, event: AuditEvent) -> None:
    minutes = settings.REFUSAL_BURST_MINUTES
    since = event.at - dt.timedelta(minutes=minutes)
    recent = AuditEvent.objects.filter(actor_label=event.actor_label, at__gte=since)
    refusals = recent.filter(action=REFUSED).count()
    if refusals <= settings.REFUSAL_BURST_LIMIT or recent.filter(action=BURST).exists():
        return
    record(actor=actor, action=BURST, detail={"refusals": refusals, "minutes": minutes})
    label = event.actor_label
    transaction.on_commit(lambda: alert_refusal_burst.enqueue(label, refusals, minutes))
