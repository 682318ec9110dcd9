"""The FHIR tests' story: Robin Testwell's IPT course with the therapist, three sessions
in, their answers, a problem and a goal rated twice, an agreed focus and a task between
sessions; and Sam Other's course with the outsider, in another caseload."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.utils import timezone

from interplay.api.models import Scope
from interplay.api.services import create_token
from interplay.courses.models import Appointment, AppointmentStatus, Course
from interplay.formulation.models import Focus
from interplay.measures.models import ResponseSource
from interplay.measures.services import store_response
from interplay.progress.models import BetweenSessionTask, Problem, ProblemRating
from interplay.test import answers, course_for

FHIR = "/fhir/R4/"


@dataclass
class Story:
    course: Course
    other: Course
    sessions: list[Appointment]


def robin_and_sam(therapist: Any, outsider: Any) -> Story:
    course = course_for(therapist, first_date=dt.date(2026, 9, 7), nhs_number="9434765919")
    other = course_for(
        outsider,
        first_date=dt.date(2026, 9, 8),
        first_name="Sam",
        last_name="Other",
        date_of_birth=dt.date(1985, 1, 2),
        nhs_number="",
    )
    sessions = list(course.appointments.order_by("number")[:3])
    for session in sessions:
        Appointment.objects.filter(pk=session.pk).update(status=AppointmentStatus.ATTENDED)
        session.status = AppointmentStatus.ATTENDED
    for n, (phq, gad) in enumerate(
        ((range_of(2, 9, item9=1), range_of(2, 7)), (range_of(1, 9), range_of(1, 7))), start=0
    ):
        moment = sessions[n].starts_at - dt.timedelta(hours=1)
        for code, values in (("phq9", phq), ("gad7", gad)):
            store_response(
                instrument_code=code,
                answers=answers(values),
                source=ResponseSource.PORTAL,
                answered_at=moment,
                course=course,
                appointment=sessions[n],
            )
    store_response(
        instrument_code="phq9",
        answers=answers(range_of(3, 9)),
        source=ResponseSource.PORTAL,
        answered_at=other.appointments.first().starts_at,
        course=other,
    )
    for kind, text in (("problem", "Arguments with my sister"), ("goal", "Talk to her calmly")):
        problem = Problem.objects.create(
            course=course,
            kind=kind,
            description=text,
            identified_at=sessions[0],
            created_at=sessions[0].starts_at,
            created_by=therapist,
        )
        for session, score in ((sessions[0], 8), (sessions[2], 5)):
            ProblemRating.objects.create(
                problem=problem,
                score=score,
                session=session,
                rater="therapist",
                rated_by=therapist,
                rated_at=session.starts_at,
                baseline=session == sessions[0],
            )
    Focus.objects.create(
        course=course,
        problem_area="role_dispute",
        dispute_stage="renegotiation",
        formulation="Robin and her sister disagree about caring for their mother.",
        agreed_on=dt.date(2026, 9, 21),
    )
    BetweenSessionTask.objects.create(
        course=course,
        set_at=sessions[1],
        text="Note when the arguments start.",
        patient_noted_at=timezone.now(),
        patient_note="Mostly on Sundays.",
    )
    return Story(course=course, other=other, sessions=sessions)


def range_of(value: int, items: int, *, item9: int | None = None) -> list[int]:
    values = [value % 4] * items
    if item9 is not None:
        values[8] = item9
    return values


def key_for(user: Any, scope: str = Scope.READ) -> str:
    return create_token(actor=user, name="FHIR", scope=scope)[1]


def get(client: Client, key: str | None, path: str, **query: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.get(FHIR + path, query, headers=headers)
