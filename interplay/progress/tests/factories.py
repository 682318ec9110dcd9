"""A course part-way or at its end, for the progress tests (synthetic people only)."""

import datetime as dt
from typing import Any

from django.utils import timezone

from interplay.accounts.models import User
from interplay.courses import attendance
from interplay.courses import services as courses
from interplay.courses.models import Course
from interplay.test import allocated_to, give_hours, qualify

# Every session of a course starting on FIRST_MONDAY has happened by AFTER_THE_END.
FIRST_MONDAY = dt.date(2026, 9, 7)
AFTER_THE_END = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC)


def make_course(
    therapist: User, modality: str = "ipt", attended: int = 16, **details: Any
) -> Course:
    """A 16-session course of ``modality`` (IPT-16 or DIT-16) on Mondays at 10:00, its
    sessions up to ``attended`` that have happened by now recorded as attended (what
    opens re-rating and the ending)."""
    # DIT needs 150 supervised psychodynamic hours (docs/clinical-rules.md 2.6).
    if modality == "dit":
        therapist.clinician.psychodynamic_supervised_hours = 200
        therapist.clinician.save(update_fields=["psychodynamic_supervised_hours"])
    qualify(therapist, modality)
    if not therapist.clinician.working_hours.exists():
        give_hours(therapist, (0, "09:00", "17:00"))
    referral = allocated_to(therapist, modality, **details)
    course = courses.start_course(
        actor=therapist,
        referral=referral,
        protocol_code="dit16" if modality == "dit" else "ipt16",
        weekday=0,
        at=dt.time(10),
        first_date=FIRST_MONDAY,
        history=True,
    )
    attend(course, *range(1, attended + 1))
    return course


def attend(course: Course, *numbers: int) -> None:
    """Record sessions ``numbers`` as attended, those that have happened by now."""
    happened = course.appointments.filter(number__in=numbers, starts_at__lte=timezone.now())
    for appointment in happened:
        attendance.record_attendance(
            actor=course.therapist, appointment=appointment, status="attended"
        )
