"""A course with PHQ-9 and GAD-7 answered for its sessions, for the measures tests."""

import datetime as dt
from collections.abc import Sequence

from interplay.accounts.models import User
from interplay.courses import services as courses
from interplay.courses.models import Appointment, Course
from interplay.measures.services import store_response
from interplay.test import allocated_to


def answers_totalling(total: int, items: int) -> dict[int, int | None]:
    """Answers adding up to ``total``, the last item (PHQ-9's risk item) answered 0."""
    values = [*([3] * (total // 3) + [total % 3] + [0] * items)[: items - 1], 0]
    assert sum(values) == total, total
    return dict(enumerate(values, start=1))


def course_with_scores(
    therapist: User,
    phq: Sequence[int | None],
    gad: Sequence[int | None],
    *,
    attended: int = 0,
    nhs_number: str = "",
) -> Course:
    """An IPT-16 course from 7 December 2026 with one PHQ-9 and one GAD-7 per session
    from session 1; None is a response with item 1 unanswered (incomplete)."""
    referral = allocated_to(therapist, "ipt", nhs_number=nhs_number)
    course = courses.start_course(
        actor=therapist,
        referral=referral,
        protocol_code="ipt16",
        weekday=0,
        at=dt.time(10),
        first_date=dt.date(2026, 12, 7),
        history=True,
    )
    sessions = list(course.appointments.order_by("number"))
    for appointment, p, g in zip(sessions, phq, gad, strict=False):
        for code, total, items in (("phq9", p, 9), ("gad7", g, 7)):
            answers = answers_totalling(total, items) if total is not None else {1: None}
            store_response(
                instrument_code=code,
                answers=answers,
                source="portal",
                answered_at=appointment.starts_at - dt.timedelta(hours=2),
                course=course,
                appointment=appointment,
            )
    Appointment.objects.filter(course=course, number__lte=attended).update(status="attended")
    return course
