"""Readable factories for group stories: people waiting for group IPT, and a group of
them formed, invited, accepted and started with the personas as facilitators."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from interplay.accounts.models import User, WorkingHours
from interplay.accounts.roles import Role
from interplay.audit.actors import PatientActor
from interplay.courses.models import Course
from interplay.groups import services
from interplay.groups.models import Group, GroupMember
from interplay.referrals.models import Referral
from interplay.test import give_hours, make_referral, make_user, qualify

LONDON = ZoneInfo("Europe/London")
# A Tuesday: the stories' groups meet on Tuesdays at 14:00 from 15 September 2026.
NOW = dt.datetime(2026, 9, 1, 9, tzinfo=LONDON)
FIRST_DATE = dt.date(2026, 9, 15)
NAMES = ("Ada", "Bea", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kit", "Lou")


def waiting_for_group(first_name: str, **details: Any) -> Referral:
    """A person triaged and put on the group IPT waiting list."""
    from interplay.triage import services as triage

    lead = User.objects.filter(username__in=("triage", "triage-lead")).first() or make_user(
        "triage-lead", Role.TRIAGE
    )
    details.setdefault("email", "")
    referral = make_referral(first_name=first_name, last_name="Waiting", **details)
    triage.save_assessment(
        actor=lead, referral=referral, urgency="routine", suitable_for=["group_ipt"]
    )
    triage.decide(actor=lead, referral=referral, outcome="offer_group_ipt")
    referral.refresh_from_db()
    return referral


def ready_to_facilitate(*users: User) -> None:
    """Qualified for IPT and group IPT, working Monday to Friday, 9 to 5."""
    for user in users:
        qualify(user, "ipt", "group_ipt")
        if not WorkingHours.objects.filter(profile=user.clinician).exists():
            give_hours(user, *((day, "09:00", "17:00") for day in range(5)))


def form(actor: User, lead: User, co: User | None = None, **fields: Any) -> Group:
    details: dict[str, Any] = {
        "name": "Tuesday group",
        "protocol_code": "who-group-ipt",
        "weekday": 1,
        "at": dt.time(14),
        "first_date": FIRST_DATE,
        "video_link": "https://meet.example.org/tuesday",
        "min_members": 5,
        "max_members": 8,
    }
    details.update(fields)
    return services.form_group(actor=actor, lead=lead, co_facilitator=co, **details)


def accept(member: GroupMember) -> GroupMember:
    patient = member.referral.patient
    return services.respond_to_invitation(actor=PatientActor(patient), member=member, accept=True)


def running_group(lead: User, co: User | None = None, members: int = 6, **fields: Any) -> Group:
    """A group of ``members`` who all accepted, started (call inside the stories' time)."""
    group = form(lead, lead, co, **fields)
    for name in NAMES[:members]:
        accept(services.invite_member(actor=lead, group=group, referral=waiting_for_group(name)))
    return services.start_group(actor=lead, group=group)


def course_of(member: GroupMember) -> Course:
    """The member's own course (the group has started)."""
    assert member.course is not None
    return member.course
