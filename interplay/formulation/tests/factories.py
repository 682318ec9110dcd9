"""A course of each modality for the formulation tests, and a filled-in inventory entry."""

import datetime as dt
from typing import Any

from interplay.accounts.models import User
from interplay.courses import services as courses
from interplay.courses.models import Course
from interplay.test import allocated_to, give_hours, qualify

PROTOCOL = {"ipt": "ipt16", "dit": "dit16", "group_ipt": "who-group-ipt"}


def course_of(therapist: User, modality: str = "ipt", **details: Any) -> Course:
    """A course started by ``therapist`` on Mondays at 10:00 from 7 September 2026."""
    profile = therapist.clinician
    if modality == "dit" and profile.psychodynamic_supervised_hours < 150:
        profile.psychodynamic_supervised_hours = 200
        profile.save()
    qualify(therapist, modality)
    if not profile.working_hours.exists():
        give_hours(therapist, (0, "09:00", "17:00"))
    referral = allocated_to(therapist, modality, **details)
    return courses.start_course(
        actor=therapist,
        referral=referral,
        protocol_code=PROTOCOL[modality],
        weekday=0,
        at=dt.time(10),
        first_date=dt.date(2026, 9, 7),
        history=True,
    )


def person(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Sam",
        "relationship": "partner",
        "contact": "Live together; cook at weekends.",
        "satisfying": "Kind when she is ill.",
        "unsatisfying": "Arguments about money that never end.",
        "expectations": "She expects him to share the bills.",
        "expectations_met": "no",
        "can_confide": "partly",
        "feelings": "Tense, then guilty.",
        "desired_change": "To talk without shouting.",
        "episode_link": "The arguments grew in the month before she felt low.",
        "style_markers": "Avoids saying she is angry.",
    }
    values.update(overrides)
    return values
