"""A small service built by hand, whose figures are worked out by hand in the tests.

Period of interest: 1 January to 30 June 2026. Sessions are weekly, on Mondays.

Each course: therapist, modality, source; referred; first session (wait); sessions in
order; PHQ-9 and GAD-7 first -> last; how it ended.

- A: Sam, IPT, self; 1 Dec 2025; 12 Jan 2026 (42 days); attended, attended; 18, 14 ->
  4, 3; completed 20 Jan.
- B: Sam, IPT, GP; 30 Nov 2025; 12 Jan 2026 (43 days); attended, missed, attended,
  attended; 8, 5 -> 2, 1; completed 3 Feb.
- C: Kim, DIT, self; 5 Jan 2026; 2 Feb 2026 (28 days); attended, cancelled by the
  person, cancelled by the service, attended, attended; 15, 4 -> 7, 9; completed 3 Mar.
- D: Kim, IPT, other; 5 Jan 2026; 2 Feb 2026 (28 days); attended, missed; 12, 10;
  dropped out 10 Feb.
- E: Sam, IPT, self; 2 Feb 2026; 2 Mar 2026 (28 days); attended, attended; no scores;
  in progress.

Also: W, a self-referral of 1 April 2026 waiting for DIT (triaged 8 April), and U, a GP
referral of 10 March 2026 not yet triaged. Each course's triage decision is dated a week
after its referral.

A finishes with exactly two sessions and waited exactly 42 days; B was not at caseness
at the start and improved reliably; C is the mixed case (PHQ-9 fell 8, GAD-7 rose 5).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import time_machine

from interplay.accounts.models import User
from interplay.accounts.roles import Role
from interplay.courses import attendance
from interplay.courses import services as courses
from interplay.courses.models import AppointmentStatus as A
from interplay.courses.models import Course
from interplay.monitoring.services import submit_response
from interplay.referrals.models import Referral
from interplay.reports import rows
from interplay.test import allocated_to, answers, give_hours, make_clinician, make_referral, qualify
from interplay.triage import services as triage
from interplay.triage.models import TriageDecision

PROTOCOLS = {"ipt": "ipt16", "dit": "dit16"}
LONDON = dt.timezone(dt.timedelta(0))  # winter: London is on UTC


@dataclass(frozen=True)
class Plan:
    name: str
    modality: str
    source: str
    referred: dt.date
    first: dt.date
    at: int
    sessions: tuple[str, ...]
    scores: dict[int, tuple[int, int]]
    ended: dt.date | None = None
    outcome: str = "completed"


def on(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def phq(total: int) -> dict[int, int | None]:
    """PHQ-9 answers adding to ``total`` (question 9 kept at 0: no risk alert)."""
    items = [min(3, max(0, total - 3 * n)) for n in range(8)] + [0]
    return answers(items)


def gad(total: int) -> dict[int, int | None]:
    return answers([min(3, max(0, total - 3 * n)) for n in range(7)])


def build_course(therapist: User, plan: Plan) -> Course:
    referral = allocated_to(therapist, plan.modality, first_name=plan.name, email="")
    course = courses.start_course(
        actor=therapist,
        referral=referral,
        protocol_code=PROTOCOLS[plan.modality],
        weekday=0,
        at=dt.time(plan.at),
        first_date=plan.first,
        history=True,
    )
    by_number = {a.number: a for a in course.appointments.all()}
    for number, status in enumerate(plan.sessions, start=1):
        appointment = by_number[number]
        attendance.record_attendance(actor=therapist, appointment=appointment, status=status)
        if number in plan.scores:
            phq9, gad7 = plan.scores[number]
            for code, given in (("phq9", phq(phq9)), ("gad7", gad(gad7))):
                submit_response(
                    actor=therapist,
                    appointment=appointment,
                    instrument_code=code,
                    answers=given,
                    source="paper",
                )
    if plan.ended:
        with time_machine.travel(on(plan.ended), tick=False):
            attendance.end_course(
                actor=therapist, course=course, outcome=plan.outcome, reason="As planned."
            )
    date_referral(referral, plan.referred, plan.source)
    rows.refresh(course)
    return course


def date_referral(referral: Referral, received: dt.date, source: str) -> None:
    Referral.objects.filter(pk=referral.pk).update(received_at=on(received, 9), source=source)
    TriageDecision.objects.filter(referral=referral).update(
        decided_at=on(received + dt.timedelta(days=7))
    )


ATT, DNA = A.ATTENDED, A.DID_NOT_ATTEND
PLANS = (
    Plan(
        "Avery",
        "ipt",
        "self",
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 12),
        10,
        (ATT, ATT),
        {1: (18, 14), 2: (4, 3)},
        dt.date(2026, 1, 20),
    ),
    Plan(
        "Blake",
        "ipt",
        "gp",
        dt.date(2025, 11, 30),
        dt.date(2026, 1, 12),
        11,
        (ATT, DNA, ATT, ATT),
        {1: (8, 5), 4: (2, 1)},
        dt.date(2026, 2, 3),
    ),
    Plan(
        "Casey",
        "dit",
        "self",
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 2),
        10,
        (ATT, A.CANCELLED_BY_PATIENT, A.CANCELLED_BY_SERVICE, ATT, ATT),
        {1: (15, 4), 5: (7, 9)},
        dt.date(2026, 3, 3),
    ),
    Plan(
        "Devon",
        "ipt",
        "other",
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 2),
        11,
        (ATT, DNA),
        {1: (12, 10)},
        dt.date(2026, 2, 10),
        outcome="dropped_out",
    ),
    Plan(
        "Emery",
        "ipt",
        "self",
        dt.date(2026, 2, 2),
        dt.date(2026, 3, 2),
        12,
        (ATT, ATT),
        {},
    ),
)
THERAPIST_OF = {"Avery": "sam", "Blake": "sam", "Casey": "kim", "Devon": "kim", "Emery": "sam"}


def build_service() -> dict[str, Any]:
    """The service of the module docstring; returns the people and courses by name."""
    sam = make_clinician("sam", Role.THERAPIST, caseload_capacity=5)
    kim = make_clinician("kim", Role.THERAPIST, hours=400, caseload_capacity=4)
    for therapist in (sam, kim):
        give_hours(therapist, (0, "09:00", "17:00"))
        qualify(therapist, "ipt")
    qualify(kim, "dit")
    people: dict[str, Any] = {"sam": sam, "kim": kim}
    for plan in PLANS:
        people[plan.name] = build_course(people[THERAPIST_OF[plan.name]], plan)
    people["waiting"] = waiting_referral()
    untriaged = make_referral(first_name="Uma", email="")
    Referral.objects.filter(pk=untriaged.pk).update(
        received_at=on(dt.date(2026, 3, 10), 9), source="gp"
    )
    people["untriaged"] = untriaged
    return people


def waiting_referral() -> Referral:
    lead = User.objects.filter(role_assignments__role=Role.TRIAGE).first()
    referral = make_referral(first_name="Wren", email="")
    triage.save_assessment(
        actor=lead,
        referral=referral,
        urgency="routine",
        suitable_for=["dit"],
        relational_focus=True,
    )
    triage.decide(actor=lead, referral=referral, outcome="offer_dit")
    date_referral(referral, dt.date(2026, 4, 1), "self")
    return referral
