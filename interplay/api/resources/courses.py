"""Courses with their sessions (session N of M, phase), focus and status.

A therapist sees their own caseload, a supervisor their supervisees' too
(``courses.permissions.visible_courses``, as the pages); anything else answers 404.
"""

import datetime as dt
import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from interplay.accounts.permissions import Action
from interplay.api.guards import answers, need
from interplay.api.moments import Moment
from interplay.api.pagination import DEFAULT_LIMIT, envelope, page
from interplay.audit.services import record
from interplay.courses import protocols
from interplay.courses.models import Appointment, Course, CourseStatus
from interplay.courses.permissions import visible_courses
from interplay.formulation.models import Focus

router = Router(tags=["courses"])


class PhaseOut(Schema):
    key: str
    name: str


class PatientRef(Schema):
    id: uuid.UUID
    name: str


class ProtocolOut(Schema):
    code: str
    version: str
    name: str


class SessionRef(Schema):
    id: uuid.UUID
    number: int
    label: str
    starts_at: dt.datetime


class CourseOut(Schema):
    id: uuid.UUID
    patient: PatientRef
    therapist: str
    modality: str
    protocol: ProtocolOut
    status: str
    planned_sessions: int
    start_date: dt.date
    agreed_end_date: dt.date
    started_at: dt.datetime
    ended_at: dt.datetime | None
    updated_at: dt.datetime
    next_session: SessionRef | None


class CoursePage(Schema):
    items: list[CourseOut]
    next_cursor: str | None


class SessionOut(Schema):
    id: uuid.UUID
    number: int
    label: str
    phase: PhaseOut
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str


class FocusOut(Schema):
    """The focus's coded values; what was written about the person stays in the pages."""

    problem_area: str
    second_area: str
    dispute_stage: str
    agreed_on: dt.date | None
    shared_with_patient: bool


class CourseDetail(CourseOut):
    phases: list[PhaseOut]
    sessions: list[SessionOut]
    focus: FocusOut | None
    open_tasks: list[str]


def visible_course(request: HttpRequest, public_id: uuid.UUID, action: Action) -> Course:
    """The course, if the token's role may ``action`` (else 403) and it is in their
    caseload or their supervisees' (else 404)."""
    user = need(request, action)
    return get_object_or_404(
        visible_courses(user).select_related("patient", "therapist").defer("end_reason"),
        public_id=public_id,
    )


def label(course: Course, number: int) -> str:
    return protocols.session_label(course.protocol(), number, course.planned_sessions)


def phase(course: Course, number: int) -> PhaseOut:
    found = protocols.phase_for(course.protocol(), number, course.planned_sessions)
    return PhaseOut(key=found.key, name=found.name)


def _summary(course: Course, upcoming: Appointment | None) -> dict[str, Any]:
    protocol = course.protocol()
    patient = course.patient
    return {
        "id": course.public_id,
        "patient": {"id": patient.public_id, "name": f"{patient.first_name} {patient.last_name}"},
        "therapist": course.therapist.get_username(),
        "modality": course.modality,
        "protocol": {
            "code": course.protocol_code,
            "version": course.protocol_version,
            "name": protocol.name,
        },
        "status": course.status,
        "planned_sessions": course.planned_sessions,
        "start_date": course.start_date,
        "agreed_end_date": course.agreed_end_date,
        "started_at": course.started_at,
        "ended_at": course.ended_at,
        "updated_at": course.updated_at,
        "next_session": {
            "id": upcoming.public_id,
            "number": upcoming.number,
            "label": label(course, upcoming.number),
            "starts_at": upcoming.starts_at,
        }
        if upcoming
        else None,
    }


def _next_sessions(courses: list[Course] | QuerySet[Course]) -> dict[int, Appointment]:
    """Each course's next booked session, in one query."""
    return {
        a.course_id: a
        for a in Appointment.objects.live()
        .filter(course__in=courses, starts_at__gte=timezone.now())
        .only("id", "public_id", "course_id", "number", "starts_at")
        .order_by("-starts_at")
    }


@router.get(
    "/courses",
    response=answers(CoursePage),
    summary="My caseload's courses (and my supervisees', for a supervisor)",
)
def list_courses(
    request: HttpRequest,
    status: CourseStatus | None = None,
    updated_since: Moment | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Courses in key order, a page at a time; ``status`` narrows them (e.g. ``active``).

    ``updated_since``: courses that changed since then (``updated_at``: started, a session
    booked, moved or its attendance recorded, ended). A look is not a change. Session
    records and responses keep their own times (their lists)."""
    user = need(request, Action.VIEW_COURSE)
    # Each course's protocol is found by its snapshot's digest (``Course.protocol``).
    courses = (
        visible_courses(user)
        .select_related("patient", "therapist")
        .defer("end_reason", "protocol_snapshot")
    )
    if status:
        courses = courses.filter(status=status)
    if updated_since:
        courses = courses.filter(updated_at__gte=updated_since)
    rows, next_cursor = page(courses, cursor=cursor, limit=limit)
    upcoming = _next_sessions(rows) if rows else {}
    record(
        actor=user,
        action="caseload.viewed",
        detail={"via": "api", "courses": [str(c.public_id) for c in rows]},
    )
    return envelope([_summary(c, upcoming.get(c.pk)) for c in rows], next_cursor)


@router.get(
    "/courses/{uuid:course_id}",
    response=answers(CourseDetail),
    summary="One course: every session with its number and phase, the focus and status",
)
def read_course(request: HttpRequest, course_id: uuid.UUID) -> dict[str, Any]:
    course = visible_course(request, course_id, Action.VIEW_COURSE)
    record(actor=request.user, action="course.viewed", obj=course, detail={"via": "api"})
    sessions = list(course.appointments.all())
    upcoming = next(
        (a for a in sessions if a.status == "booked" and a.starts_at >= timezone.now()), None
    )
    focus = (
        Focus.objects.filter(course=course)
        .only("problem_area", "second_area", "dispute_stage", "agreed_on", "shared_with_patient")
        .first()
    )
    return _summary(course, upcoming) | {
        "phases": [
            PhaseOut(key=p.key, name=p.name)
            for p in protocols.phases_for(course.protocol(), course.planned_sessions)
        ],
        "sessions": [
            {
                "id": a.public_id,
                "number": a.number,
                "label": label(course, a.number),
                "phase": phase(course, a.number),
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "status": a.status,
            }
            for a in sessions
        ],
        "focus": focus,
        "open_tasks": [t.kind for t in course.tasks.open().only("kind")],
    }
