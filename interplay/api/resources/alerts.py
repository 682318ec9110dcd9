"""Risk alerts: the open alerts of my caseload (my supervisees' and any escalated to me,
for a supervisor), one alert, and acknowledging it with a note of what was done.

Acknowledging calls ``monitoring.services.acknowledge_alert``, the alert page's service,
with ``If-Match``: a supervisor and a therapist acting on one alert at once cannot both
close it, and neither overwrites the other's note.
"""

import datetime as dt
import uuid
from typing import Any, Literal

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from interplay.accounts.permissions import Action
from interplay.api import etags
from interplay.api.auth import require_write
from interplay.api.guards import UPDATES, answers, need, refusals
from interplay.api.moments import Moment
from interplay.api.pagination import DEFAULT_LIMIT, envelope, page
from interplay.audit.services import record
from interplay.monitoring import services
from interplay.monitoring.models import RiskAlert
from interplay.monitoring.permissions import visible_alerts

router = Router(tags=["alerts"])

# What the list reads: nothing encrypted (the action note is read one alert at a time).
LISTED: tuple[str, ...] = ("public_id", "course", "response", "kind", "instrument_code")
LISTED += ("therapist", "raised_at", "due_by", "escalated_at", "escalated_to")
LISTED += ("acknowledged_at", "acknowledged_by")


class AlertOut(Schema):
    id: uuid.UUID
    course: uuid.UUID
    patient: str
    response: uuid.UUID
    kind: str
    instrument: str
    therapist: str
    raised_at: dt.datetime
    due_by: dt.datetime
    escalated_at: dt.datetime | None
    escalated_to: str | None
    open: bool
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None


class AlertPage(Schema):
    items: list[AlertOut]
    next_cursor: str | None


class AlertDetail(AlertOut):
    action_note: str
    may_act: bool = Field(description="Whether the token's user may acknowledge it")


class AcknowledgeIn(Schema):
    action_note: str = Field(
        min_length=1,
        max_length=4000,
        description="What was done or will be done: a call made, a safety plan, a referral",
    )


def etag(alert: RiskAlert) -> str:
    return etags.tag(alert.public_id, alert.acknowledged_at, alert.escalated_at)


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def out(alert: RiskAlert) -> dict[str, Any]:
    patient = alert.course.patient
    return {
        "id": alert.public_id,
        "course": alert.course.public_id,
        "patient": f"{patient.first_name} {patient.last_name}",
        "response": alert.response.public_id,
        "kind": alert.kind,
        "instrument": alert.instrument_code,
        "therapist": alert.therapist.get_username(),
        "raised_at": alert.raised_at,
        "due_by": alert.due_by,
        "escalated_at": alert.escalated_at,
        "escalated_to": _name(alert.escalated_to),
        "open": alert.is_open,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": _name(alert.acknowledged_by),
    }


def _related(alerts: Any) -> Any:
    return alerts.select_related(
        "course__patient", "response", "therapist", "escalated_to", "acknowledged_by"
    ).only(
        *LISTED,
        "course__public_id",
        *(f"course__patient__{f}" for f in ("public_id", "first_name", "last_name")),
        "response__public_id",
        *(f"{who}__username" for who in ("therapist", "escalated_to", "acknowledged_by")),
    )


def _detail(request: HttpRequest, alert: RiskAlert) -> dict[str, Any]:
    return out(alert) | {
        "action_note": str(alert.action_note),
        "may_act": services.may_act_on(request.user, alert),
    }


def _visible(request: HttpRequest, public_id: uuid.UUID, *, lock: bool = False) -> RiskAlert:
    alerts = visible_alerts(need(request, Action.VIEW_ALERTS))
    if lock:
        alerts = alerts.select_for_update(of=("self",))
    return get_object_or_404(
        alerts.select_related(
            "course__patient",
            "response",
            "therapist__clinician",
            "escalated_to",
            "acknowledged_by",
        ).defer("response__answers"),
        public_id=public_id,
    )


@router.get(
    "/alerts",
    response=answers(AlertPage),
    summary="Risk alerts of my caseload: open ones unless asked otherwise",
)
def list_alerts(
    request: HttpRequest,
    state: Literal["open", "acknowledged", "all"] = "open",
    updated_since: Moment | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """``updated_since``: alerts raised, escalated or acknowledged since then."""
    user = need(request, Action.VIEW_ALERTS)
    alerts = visible_alerts(user)
    if state == "open":
        alerts = alerts.open()
    elif state == "acknowledged":
        alerts = alerts.filter(acknowledged_at__isnull=False)
    if updated_since:
        alerts = alerts.filter(
            Q(raised_at__gte=updated_since)
            | Q(escalated_at__gte=updated_since)
            | Q(acknowledged_at__gte=updated_since)
        )
    rows, next_cursor = page(_related(alerts), cursor=cursor, limit=limit)
    record(
        actor=user,
        action="alerts.viewed",
        detail={"via": "api", "state": state, "alerts": [str(a.public_id) for a in rows]},
    )
    return envelope([out(a) for a in rows], next_cursor)


@router.get(
    "/alerts/{uuid:alert_id}",
    response=answers(AlertDetail),
    summary="One alert, with what was done about it (and its ETag)",
)
def read_alert(request: HttpRequest, response: HttpResponse, alert_id: uuid.UUID) -> dict[str, Any]:
    alert = _visible(request, alert_id)
    record(actor=request.user, action="alert.viewed", obj=alert, detail={"via": "api"})
    etags.send(response, etag(alert))
    return _detail(request, alert)


@router.post(
    "/alerts/{uuid:alert_id}/acknowledge",
    response=answers(AlertDetail, UPDATES),
    summary="Acknowledge an alert with a note of what was done (needs If-Match)",
)
def acknowledge_alert(
    request: HttpRequest, response: HttpResponse, alert_id: uuid.UUID, body: AcknowledgeIn
) -> dict[str, Any]:
    require_write(request)
    with transaction.atomic():
        alert = _visible(request, alert_id, lock=True)
        etags.check(request, etag(alert))
        with refusals():
            services.acknowledge_alert(
                actor=request.user, alert=alert, action_note=body.action_note
            )
    alert = _visible(request, alert_id)
    etags.send(response, etag(alert))
    return _detail(request, alert)
