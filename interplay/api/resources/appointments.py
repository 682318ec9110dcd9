"""Appointments: a course's sessions, one session, and recording attendance.

Recording attendance calls ``courses.attendance.record_attendance``, the service the
session page calls (a missed session raises the same risk check and review), with
``If-Match`` so two writers cannot overwrite each other.
"""

import datetime as dt
import uuid
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from interplay.accounts.permissions import Action
from interplay.api import etags
from interplay.api.auth import require_write
from interplay.api.guards import UPDATES, answers, need, refusals
from interplay.api.moments import Moment
from interplay.api.pagination import DEFAULT_LIMIT, envelope, page
from interplay.api.resources.courses import PhaseOut, label, phase, visible_course
from interplay.audit.services import record
from interplay.courses import attendance
from interplay.courses.models import RECORDABLE, Appointment, Course
from interplay.courses.permissions import visible_courses

router = Router(tags=["appointments"])


class AppointmentOut(Schema):
    id: uuid.UUID
    course: uuid.UUID
    number: int
    label: str
    phase: PhaseOut
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    updated_at: dt.datetime


class AppointmentPage(Schema):
    items: list[AppointmentOut]
    next_cursor: str | None


class AttendanceIn(Schema):
    # What a therapist may record: any status but "booked" and "not needed" (the system's).
    status: Literal[tuple(s.value for s in RECORDABLE)]  # type: ignore[valid-type]


class AttendanceOut(AppointmentOut):
    tasks_raised: list[str]


def etag(appointment: Appointment) -> str:
    return etags.tag(
        appointment.public_id, appointment.status, appointment.starts_at, appointment.ends_at
    )


def visible_appointment(
    request: HttpRequest, public_id: uuid.UUID, action: Action, *, lock: bool = False
) -> Appointment:
    """The session, if the role may ``action`` (403) and its course is visible (404)."""
    user = need(request, action)
    sessions = Appointment.objects.filter(course__in=visible_courses(user))
    if lock:
        sessions = sessions.select_for_update(of=("self",))
    return get_object_or_404(
        sessions.select_related("course__patient", "course__therapist").defer(
            "backdate_reason", "course__end_reason"
        ),
        public_id=public_id,
    )


def out(appointment: Appointment, course: Course) -> dict[str, Any]:
    return {
        "id": appointment.public_id,
        "course": course.public_id,
        "number": appointment.number,
        "label": label(course, appointment.number),
        "phase": phase(course, appointment.number),
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "status": appointment.status,
        "updated_at": appointment.updated_at,
    }


@router.get(
    "/courses/{uuid:course_id}/appointments",
    response=answers(AppointmentPage),
    summary="A course's sessions, in order",
)
def list_appointments(
    request: HttpRequest,
    course_id: uuid.UUID,
    updated_since: Moment | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """``updated_since``: sessions that changed since then (booked, moved, attendance
    recorded, no longer needed once the course ended). A look is not a change."""
    course = visible_course(request, course_id, Action.VIEW_COURSE)
    sessions = course.appointments.defer("backdate_reason")
    if updated_since:
        sessions = sessions.filter(updated_at__gte=updated_since)
    rows, next_cursor = page(sessions, cursor=cursor, limit=limit)
    record(
        actor=request.user,
        action="course.viewed",
        obj=course,
        detail={"via": "api", "sessions": [a.number for a in rows]},
    )
    return envelope([out(a, course) for a in rows], next_cursor)


@router.get(
    "/appointments/{uuid:appointment_id}",
    response=answers(AppointmentOut),
    summary="One session: its number, phase and status (with its ETag)",
)
def read_appointment(
    request: HttpRequest, response: HttpResponse, appointment_id: uuid.UUID
) -> dict[str, Any]:
    appointment = visible_appointment(request, appointment_id, Action.VIEW_COURSE)
    record(
        actor=request.user,
        action="course.viewed",
        obj=appointment.course,
        detail={"via": "api", "session": appointment.number},
    )
    etags.send(response, etag(appointment))
    return out(appointment, appointment.course)


@router.post(
    "/appointments/{uuid:appointment_id}/attendance",
    response=answers(AttendanceOut, UPDATES),
    summary="Record what happened to a session (the course's therapist; needs If-Match)",
)
def record_attendance(
    request: HttpRequest, response: HttpResponse, appointment_id: uuid.UUID, body: AttendanceIn
) -> dict[str, Any]:
    require_write(request)
    with transaction.atomic():
        appointment = visible_appointment(request, appointment_id, Action.RUN_COURSE, lock=True)
        etags.check(request, etag(appointment))
        with refusals():
            raised = attendance.record_attendance(
                actor=request.user, appointment=appointment, status=body.status
            )
    appointment.refresh_from_db(fields=["status", "updated_at"])
    etags.send(response, etag(appointment))
    return out(appointment, appointment.course) | {"tasks_raised": [t.kind for t in raised]}
