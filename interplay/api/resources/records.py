"""Session records: the phase's tasks, the risk check and whether the record is signed.

What was written (notes, the work between sessions, risk notes, addenda) comes only from
``/record/notes``, with a token made to carry notes, and never to a service manager.
Saving and signing call ``encounters.services.save_record`` and ``sign_record``, the
services of the record page, with ``If-Match``.
"""

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied as Forbidden
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from interplay.accounts.permissions import Action
from interplay.accounts.roles import Role
from interplay.api import etags
from interplay.api.auth import require_notes, require_write
from interplay.api.guards import UPDATES, answers, refusals
from interplay.api.resources.appointments import visible_appointment
from interplay.api.resources.courses import PhaseOut, label
from interplay.audit.services import record as audit
from interplay.courses import protocols
from interplay.courses.models import Appointment
from interplay.encounters import services
from interplay.encounters.models import SessionRecord

router = Router(tags=["records"])

# Written about the person: only with a token that carries notes.
NOTE_FIELDS = ("notes", "previous_task_review", "between_session_task", "risk_notes")
PLAIN = ("public_id", "appointment_id", "phase", "tasks_done", "risk_checked", "updated_at")


class TaskOut(Schema):
    key: str
    text: str
    optional: bool
    done: bool


class RecordOut(Schema):
    id: uuid.UUID | None = Field(description="None until the record is first saved")
    appointment: uuid.UUID
    session: int
    label: str
    phase: PhaseOut
    tasks: list[TaskOut]
    risk_checked: bool
    saved: bool
    signed: bool
    signed_at: dt.datetime | None
    signed_by: str | None
    updated_at: dt.datetime | None


class AddendumOut(Schema):
    text: str
    written_by: str
    written_at: dt.datetime


class NotesOut(Schema):
    appointment: uuid.UUID
    session: int
    notes: str
    previous_task_review: str
    between_session_task: str
    risk_notes: str
    addenda: list[AddendumOut]


class RecordIn(Schema):
    """The fields to change; those left out stay as they are. The free-text fields need
    a token that carries notes."""

    tasks_done: list[str] = Field(default_factory=list)
    risk_checked: bool = False
    share_task: bool | None = Field(
        None, description="Show the work between sessions in the patient's portal"
    )
    notes: str = Field("", max_length=20000)
    previous_task_review: str = Field("", max_length=4000)
    between_session_task: str = Field("", max_length=4000)
    risk_notes: str = Field("", max_length=4000)


def _record(appointment: Appointment, *, lock: bool = False) -> SessionRecord | None:
    rows = SessionRecord.objects.filter(appointment=appointment)
    if lock:
        rows = rows.select_for_update(of=("self",))
    return rows.select_related("signed_by").only(*PLAIN, "signed_at", "signed_by").first()


def etag(appointment: Appointment, found: SessionRecord | None) -> str:
    return etags.tag(
        appointment.public_id,
        "record",
        found.updated_at if found else None,
        found.signed_at if found else None,
    )


def out(appointment: Appointment, found: SessionRecord | None) -> dict[str, Any]:
    course = appointment.course
    phase = protocols.phase_for(course.protocol(), appointment.number, course.planned_sessions)
    done = set(found.tasks_done) if found else set()
    return {
        "id": found.public_id if found else None,
        "appointment": appointment.public_id,
        "session": appointment.number,
        "label": label(course, appointment.number),
        "phase": PhaseOut(key=phase.key, name=phase.name),
        "tasks": [
            {"key": t.key, "text": t.text, "optional": t.optional, "done": t.key in done}
            for t in phase.tasks
        ],
        "risk_checked": bool(found and found.risk_checked),
        "saved": found is not None,
        "signed": bool(found and found.signed),
        "signed_at": found.signed_at if found else None,
        "signed_by": found.signed_by.get_username() if found and found.signed_by else None,
        "updated_at": found.updated_at if found else None,
    }


def _viewed(request: HttpRequest, appointment: Appointment, **detail: Any) -> None:
    audit(
        actor=request.user,
        action="session_record.viewed",
        obj=appointment.course,
        detail={"via": "api", "session": appointment.number, **detail},
    )


def _may_read_notes(request: HttpRequest) -> None:
    require_notes(request)
    if request.user.has_role(Role.SERVICE_MANAGER):  # type: ignore[union-attr]
        raise Forbidden("Session notes are never shown to service managers.")


@router.get(
    "/appointments/{uuid:appointment_id}/record",
    response=answers(RecordOut),
    summary="A session's record: the phase's tasks, the risk check, signed or not",
)
def read_record(
    request: HttpRequest, response: HttpResponse, appointment_id: uuid.UUID
) -> dict[str, Any]:
    appointment = visible_appointment(request, appointment_id, Action.VIEW_COURSE)
    found = _record(appointment)
    _viewed(request, appointment)
    etags.send(response, etag(appointment, found))
    return out(appointment, found)


@router.get(
    "/appointments/{uuid:appointment_id}/record/notes",
    response=answers(NotesOut),
    summary="What was written in a session's record (a token with notes; never managers)",
)
def read_notes(request: HttpRequest, appointment_id: uuid.UUID) -> dict[str, Any]:
    _may_read_notes(request)
    appointment = visible_appointment(request, appointment_id, Action.VIEW_COURSE)
    found = (
        SessionRecord.objects.filter(appointment=appointment)
        .prefetch_related("addenda__written_by")
        .first()
    )
    _viewed(request, appointment, notes=True)
    return {
        "appointment": appointment.public_id,
        "session": appointment.number,
        **{name: str(getattr(found, name)) if found else "" for name in NOTE_FIELDS},
        "addenda": [
            {"text": a.text, "written_by": a.written_by.get_username(), "written_at": a.written_at}
            for a in (found.addenda.all() if found else [])
        ],
    }


@router.patch(
    "/appointments/{uuid:appointment_id}/record",
    response=answers(RecordOut, UPDATES),
    summary="Save the record as a draft (the course's therapist; needs If-Match)",
)
def save_record(
    request: HttpRequest, response: HttpResponse, appointment_id: uuid.UUID, body: RecordIn
) -> dict[str, Any]:
    require_write(request)
    fields = body.model_dump(exclude_unset=True)
    if set(fields) & set(NOTE_FIELDS):
        _may_read_notes(request)
    share = fields.pop("share_task", None)
    with transaction.atomic():
        appointment = visible_appointment(request, appointment_id, Action.RUN_COURSE, lock=True)
        etags.check(request, etag(appointment, _record(appointment, lock=True)))
        with refusals():
            services.save_record(
                actor=request.user, appointment=appointment, share_task=share, **fields
            )
    found = _record(appointment)
    etags.send(response, etag(appointment, found))
    return out(appointment, found)


@router.post(
    "/appointments/{uuid:appointment_id}/record/sign",
    response=answers(RecordOut, UPDATES),
    summary="Sign the record: from then on it changes only by addenda (needs If-Match)",
)
def sign_record(
    request: HttpRequest, response: HttpResponse, appointment_id: uuid.UUID
) -> dict[str, Any]:
    require_write(request)
    with transaction.atomic():
        appointment = visible_appointment(request, appointment_id, Action.RUN_COURSE, lock=True)
        etags.check(request, etag(appointment, _record(appointment, lock=True)))
        with refusals():
            services.sign_record(actor=request.user, appointment=appointment)
    found = _record(appointment)
    etags.send(response, etag(appointment, found))
    return out(appointment, found)
