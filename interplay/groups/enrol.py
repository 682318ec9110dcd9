"""Putting a member on their own course: the course, their pre-group session and their
place at each group session, booked as the courses app books an individual course.

The member's course is an ordinary group IPT ``Course`` with the group's protocol
snapshot; its therapist is one of the group's facilitators (alternating, so each has
their share of pre-group sessions and risk alerts). Session 0 is the member's individual
pre-group session; sessions 1 to N are their places at the group's sessions (``shared``).
"""

import dataclasses
import datetime as dt
from typing import Any

from django.utils import timezone

from interplay.accounts.models import User
from interplay.audit.services import record
from interplay.courses import figures
from interplay.courses.models import Appointment, Course
from interplay.courses.protocols import Protocol
from interplay.groups.models import Group, GroupMember, GroupSession
from interplay.lib.errors import RuleViolation
from interplay.referrals.models import Referral, ReferralStatus
from interplay.triage.models import Allocation


def _move(actor: Any, referral: Referral, to: str, why: str) -> None:
    before = referral.status
    referral.check_transition(to)
    referral.status = to
    referral.save(update_fields=["status"])
    record(
        actor=actor,
        action="referral.status_changed",
        obj=referral,
        detail={"from": before, "to": to, "why": why},
    )


def enrol(
    *,
    actor: Any,
    member: GroupMember,
    protocol: Protocol,
    therapist: User,
    pre_group_at: dt.datetime,
    sessions: list[GroupSession],
) -> Course:
    """Allocate the member to ``therapist``, start their course and book its sessions."""
    group: Group = member.group
    referral = Referral.objects.select_for_update().get(pk=member.referral_id)
    if referral.status != ReferralStatus.WAITING or referral.patient is None:
        raise RuleViolation(f"{referral.reference} is no longer on the waiting list.")
    now = timezone.now()
    # A member who accepts once the group runs starts their own course from the portal:
    # the rows name their facilitator; the audit trail names the person.
    by = actor if isinstance(actor, User) else therapist
    Allocation.objects.create(
        referral=referral,
        therapist=therapist,
        modality=protocol.modality,
        allocated_by=by,
        allocated_at=now,
    )
    _move(actor, referral, ReferralStatus.ALLOCATED, "joined a group")
    course = Course.objects.create(
        referral=referral,
        patient=referral.patient,
        therapist=therapist,
        modality=protocol.modality,
        protocol_code=protocol.code,
        protocol_version=protocol.version,
        protocol_snapshot=dataclasses.asdict(protocol),
        planned_sessions=protocol.default_sessions,
        weekday=group.weekday,
        time=group.time,
        room=group.room,
        video_link=group.video_link,
        start_date=timezone.localtime(pre_group_at).date(),
        agreed_end_date=timezone.localtime(sessions[-1].starts_at).date(),
        started_at=now,
        started_by=by,
    )
    minutes = dt.timedelta(minutes=group.minutes)
    pre_group = Appointment(
        course=course,
        number=0,
        starts_at=pre_group_at,
        ends_at=pre_group_at + minutes,
        therapist=therapist,
        room=group.room,
    )
    places = [
        Appointment(
            course=course,
            number=s.number,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            therapist=therapist,
            room=group.room,
            shared=True,
        )
        for s in sessions
    ]
    Appointment.objects.bulk_create([pre_group, *places])
    member.course = course
    member.save(update_fields=["course"])
    figures.changed(course)
    _move(actor, referral, ReferralStatus.IN_TREATMENT, "group course started")
    record(
        actor=actor,
        action="course.started",
        obj=course,
        detail={
            "referral": referral.reference,
            "protocol": f"{protocol.code}@{protocol.version}",
            "sessions": len(places) + 1,
            "group": str(group.public_id),
        },
    )
    return course
