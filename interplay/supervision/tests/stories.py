"""Courses for supervision stories: a supervisee's courses on Mondays from 7 September
2026, looked at on Tuesday 20 October 2026 (sessions 1 to 7 have happened by then)."""

import datetime as dt
from typing import Any

from interplay.accounts.models import WorkingHours
from interplay.courses import attendance
from interplay.courses import services as courses
from interplay.courses.models import Appointment, Course
from interplay.encounters import services as encounters
from interplay.monitoring import services as monitoring
from interplay.reports import rows
from interplay.test import allocated_to, give_hours, qualify

NOW = dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC)
FIRST_MONDAY = dt.date(2026, 9, 7)


def start(
    therapist: Any,
    surname: str,
    *,
    hour: int = 10,
    modality: str = "ipt",
    protocol: str = "ipt16",
    first_date: dt.date = FIRST_MONDAY,
) -> Course:
    """A course with ``therapist`` for a person called ``surname``, Mondays at ``hour``."""
    qualify(therapist, modality)
    if not WorkingHours.objects.filter(profile=therapist.clinician, weekday=0).exists():
        give_hours(therapist, (0, "08:00", "18:00"))
    referral = allocated_to(therapist, modality, last_name=surname)
    course = courses.start_course(
        actor=therapist,
        referral=referral,
        protocol_code=protocol,
        weekday=0,
        at=dt.time(hour),
        first_date=first_date,
        history=True,
    )
    rows.refresh(course)
    return course


def session(course: Course, number: int) -> Appointment:
    return course.appointments.get(number=number)


def attend(course: Course, *numbers: int, status: str = "attended") -> None:
    for number in numbers:
        attendance.record_attendance(
            actor=course.therapist, appointment=session(course, number), status=status
        )
    rows.refresh(course)


def sign(course: Course, *numbers: int) -> None:
    """Sessions ``numbers`` attended, their records written, risk checked and signed."""
    attend(course, *numbers)
    for number in numbers:
        appointment = session(course, number)
        encounters.save_record(
            actor=course.therapist, appointment=appointment, notes="Talked.", risk_checked=True
        )
        encounters.sign_record(actor=course.therapist, appointment=appointment)


def spread(total: int, items: int) -> dict[int, int | None]:
    """Answers adding up to ``total``, the earlier questions first (each 0 to 3)."""
    values = {}
    for n in range(1, items + 1):
        values[n] = min(3, total)
        total -= values[n]
    return dict(values)


def answer(course: Course, number: int, phq9: int, gad7: int) -> None:
    """Complete PHQ-9 and GAD-7 typed in at session ``number`` (question 9 at 0)."""
    phq9_answers = spread(phq9, 8) | {9: 0}
    for code, answers in (("phq9", phq9_answers), ("gad7", spread(gad7, 7))):
        monitoring.submit_response(
            actor=course.therapist,
            appointment=session(course, number),
            instrument_code=code,
            answers=answers,
            source="in_session",
        )
    rows.refresh(course)
