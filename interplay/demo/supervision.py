"""Supervision in the demo: the supervisor's second supervisee, Riley Reyes (not a demo
sign-in), with two flagged courses, and a supervision note on the therapist's
deteriorating IPT course. Synthetic people and words only.

- Riley's DIT course, ten weeks in: sessions 6 and 9 missed, the last attended session's
  record unsigned, and Riley's DIT accreditation lapsing four weeks from now, before the
  course's agreed end.
- Riley's IPT course, begun nineteen weeks ago and never ended: past its agreed end date.
"""

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from interplay.accounts import services as accounts
from interplay.accounts.models import ClinicianProfile, Qualification, User
from interplay.accounts.roles import Modality, Role
from interplay.courses import attendance
from interplay.courses import services as courses
from interplay.courses.models import Course
from interplay.encounters import services as encounters
from interplay.referrals.models import Referral, ReferralStatus
from interplay.reports import rows
from interplay.supervision import services as supervision
from interplay.triage import services as triage

NOTE = (
    "Supervision: PHQ-9 up 7 since the start, alongside the role dispute with her sister "
    "moving to impasse. Agreed: Taylor reviews risk and the safety plan at the next "
    "session, and we look again at the dispute stage in two weeks."
)
DIT_SCORES = {1: (17, 13), 2: (16, 12), 3: (15, 12), 4: (14, 11), 5: (13, 10)}
DIT_SCORES |= {7: (12, 10), 8: (12, 9), 10: (11, 9)}
IPT_SCORES = {n: (18 - n, 14 - n // 2) for n in range(1, 17)}
# The note's form token: the demo adds it once, however often it runs.
NOTE_TOKEN = uuid.UUID("5e0d0a7e-0000-4000-8000-000000000013")


def build(users: dict[str, User]) -> None:
    """Riley's two flagged courses and the note; then every demo course's figures row."""
    riley = _supervisee(users["supervisor"])
    _dit_course(riley, users["triage"])
    _overdue_course(riley, users["triage"])
    _note(users["supervisor"], users["therapist"])
    rows.rebuild()  # the figures of every demo course, whichever way it was built


def _supervisee(supervisor: User) -> User:
    riley, _ = User.objects.get_or_create(
        username="riley",
        defaults={"first_name": "Riley", "last_name": "Reyes", "email": "riley@example.org"},
    )
    riley.set_unusable_password()
    riley.save()
    accounts.grant_role(actor=None, user=riley, role=Role.THERAPIST)
    profile, _ = ClinicianProfile.objects.get_or_create(
        user=riley,
        defaults={
            "registration_body": "ukcp",
            "registration_number": "DEMO-riley",
            "psychodynamic_supervised_hours": 320,
            "caseload_capacity": 6,
            "supervisor": supervisor,
        },
    )
    profile.working_hours.all().delete()
    profile.working_hours.create(weekday=0, start="09:00", end="17:00")
    for modality in (Modality.IPT, Modality.DIT):
        accounts.grant_qualification(actor=None, profile=profile, modality=modality)
    # DIT practitioner status is renewed; Riley's lapses in four weeks (set by an
    # administrator in the admin).
    Qualification.objects.filter(profile=profile, modality=Modality.DIT).update(
        expires_on=timezone.localdate() + dt.timedelta(weeks=4)
    )
    return riley


def _allocated(riley: User, lead: User, modality: str, weeks_ago: int) -> tuple[Referral, dt.date]:
    """The longest-waiting person not yet triaged, offered ``modality`` and allocated to
    Riley, their referral moved to a month before a first Monday ``weeks_ago`` weeks ago."""
    referral = (
        Referral.objects.filter(status=ReferralStatus.RECEIVED, urgent=False)
        .order_by("received_at")
        .first()
    )
    assert referral is not None, "the demo keeps untriaged referrals"
    today = timezone.localdate()
    started = today - dt.timedelta(days=today.weekday(), weeks=weeks_ago)
    received = timezone.make_aware(dt.datetime.combine(started, dt.time(9))) - dt.timedelta(weeks=4)
    Referral.objects.filter(pk=referral.pk).update(
        received_at=received, acknowledgement_sent_at=received
    )
    triage.save_assessment(
        actor=lead,
        referral=referral,
        urgency="routine",
        suitable_for=[modality],
        relational_focus=modality == Modality.DIT,
        presenting_problem=referral.main_difficulties,
    )
    triage.decide(actor=lead, referral=referral, outcome=f"offer_{modality}")
    triage.allocate(actor=lead, referral=referral, therapist=riley)
    referral.refresh_from_db()
    return referral, started


def _start(
    riley: User, lead: User, modality: str, protocol: str, weeks_ago: int, hour: int
) -> Course:
    referral, started = _allocated(riley, lead, modality, weeks_ago)
    return courses.start_course(
        actor=riley,
        referral=referral,
        protocol_code=protocol,
        weekday=0,
        at=dt.time(hour),
        first_date=started,
        history=True,
    )


def _dit_course(riley: User, lead: User) -> None:
    course = _start(riley, lead, Modality.DIT, "dit16", weeks_ago=10, hour=10)
    held = _past_sessions(course, missed=(6, 9))
    for appointment in held[:-1]:  # the last attended session's record is not yet signed
        _sign(riley, appointment)
    _scores(course, DIT_SCORES)


def _overdue_course(riley: User, lead: User) -> None:
    course = _start(riley, lead, Modality.IPT, "ipt16", weeks_ago=19, hour=14)
    for appointment in _past_sessions(course, missed=()):
        _sign(riley, appointment)
    _scores(course, IPT_SCORES)


def _past_sessions(course: Course, missed: tuple[int, ...]) -> list[Any]:
    """Record every past session, attended but the ``missed`` ones; the attended, in order."""
    held = []
    for appointment in course.appointments.filter(starts_at__lt=timezone.now()):
        status = "dna" if appointment.number in missed else "attended"
        attendance.record_attendance(actor=course.therapist, appointment=appointment, status=status)
        if status == "attended":
            held.append(appointment)
    return held


def _sign(therapist: User, appointment: Any) -> None:
    encounters.save_record(
        actor=therapist,
        appointment=appointment,
        notes="Synthetic demo note: worked on the focus agreed.",
        risk_checked=True,
    )
    encounters.sign_record(actor=therapist, appointment=appointment)


def _scores(course: Course, scores: dict[int, tuple[int, int]]) -> None:
    from interplay.demo.management.commands.demo_setup import Command

    Command()._scores(course, scores, source="portal")


def _note(supervisor: User, therapist: User) -> None:
    """A note on the therapist's IPT course in the middle phase (Tuesdays at 11:00)."""
    course = Course.objects.filter(therapist=therapist, weekday=1, time=dt.time(11)).first()
    if course is None:
        return
    supervision.record_note(
        actor=supervisor,
        course=course,
        text=NOTE,
        submission_token=NOTE_TOKEN,
    )
