"""Forming a closed IPT group: form it, invite people from the group IPT waiting list,
let them accept or decline in the portal, and start it once enough have accepted.

Each function checks permission, runs in one transaction, writes its audit event and
returns the object. Running the group (attendance, records, leaving, finishing) is in
``running.py``.
"""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from interplay.accounts.models import ClinicianProfile, User
from interplay.accounts.permissions import Action, can
from interplay.accounts.roles import Modality
from interplay.accounts.rules import DAY_NAMES
from interplay.audit.actors import PatientActor
from interplay.audit.services import record
from interplay.clinic.models import Room, ServiceSettings
from interplay.groups import enrol, permissions, schedule
from interplay.groups import rules as group_rules
from interplay.groups.models import (
    HOLDING,
    Group,
    GroupMember,
    GroupSession,
    GroupStatus,
    MemberStatus,
)
from interplay.groups.schedule import group_protocols, protocol_of
from interplay.letters.models import Letter
from interplay.letters.services import produce_letter
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.referrals.models import Referral, ReferralQuerySet, ReferralStatus

DEFAULT_MAX_MEMBERS = 10


def waiting_for_a_group() -> ReferralQuerySet:
    """People on the group IPT waiting list with no place in a group: urgent first, then
    the longest waiting."""
    return (
        Referral.objects.filter(status=ReferralStatus.WAITING, offered_modality=Modality.GROUP_IPT)
        .exclude(group_places__status__in=HOLDING)
        .order_by("-urgent", "received_at", "id")
    )


def _facilitator(user: User, has_supervisor: bool) -> None:
    profile = ClinicianProfile.objects.filter(user=user).prefetch_related("qualifications")
    found = profile.first()
    name = user.get_full_name() or user.username
    modalities = found.modalities if found else frozenset()
    problem = group_rules.facilitator_problem(name, modalities, has_supervisor)
    if problem or not can(user, Action.RUN_GROUP):
        raise RuleViolation(problem or f"{name} is not a therapist.", field="lead")


@transaction.atomic
def form_group(
    *,
    actor: Any,
    name: str,
    protocol_code: str,
    weekday: int,
    at: dt.time,
    first_date: dt.date,
    lead: User,
    co_facilitator: User | None = None,
    supervisor: User | None = None,
    room: Room | None = None,
    video_link: str = "",
    min_members: int | None = None,
    max_members: int | None = None,
    minutes: int | None = None,
) -> Group:
    """Form a group, ready for invitations. One or two facilitators qualified for group
    IPT (a non-specialist only with a named supervisor); a room, a video link or both; a
    weekly day and time; sessions as long as the programme's unless ``minutes`` says
    otherwise (30 to 180). A therapist forms only a group they facilitate."""
    if not can(actor, Action.FORM_GROUP):
        raise PermissionDenied(f"{actor} may not form groups.")
    if not can(actor, Action.VIEW_SERVICE_FIGURES) and actor.pk not in (
        lead.pk,
        getattr(co_facilitator, "pk", None),
    ):
        raise PermissionDenied("A therapist forms only a group they facilitate.")
    protocol = {p.code: p for p in group_protocols()}.get(protocol_code)
    if protocol is None:
        raise RuleViolation("Choose a group programme.", field="protocol_code")
    if co_facilitator is not None and co_facilitator.pk == lead.pk:
        raise RuleViolation("Choose two different facilitators.", field="co_facilitator")
    for facilitator in filter(None, (lead, co_facilitator)):
        _facilitator(facilitator, supervisor is not None)
    if supervisor is not None and not can(supervisor, Action.SUPERVISE):
        raise RuleViolation(f"{supervisor} is not a supervisor.", field="supervisor")
    if room is None and not video_link:
        raise RuleViolation("Give a room, a video link or both.", field="room")
    if minutes is not None and not 30 <= minutes <= 180:
        raise RuleViolation("A group session lasts 30 to 180 minutes.", field="minutes")
    minimum = min_members or ServiceSettings.load().group_minimum_members
    maximum = max_members or max(DEFAULT_MAX_MEMBERS, minimum)
    problem = group_rules.size_problem(minimum, maximum)
    if problem:
        raise RuleViolation(problem, field="min_members")
    group = Group(
        name=name.strip(),
        protocol_code=protocol.code,
        room=room,
        video_link=video_link,
        weekday=weekday,
        time=at,
        first_date=first_date,
        minutes=minutes or protocol.session_minutes,
        min_members=minimum,
        max_members=maximum,
        lead=lead,
        co_facilitator=co_facilitator,
        supervisor=supervisor,
        formed_at=timezone.now(),
        formed_by=actor,
    )
    schedule.check_hours(group)
    group.save()
    record(
        actor=actor,
        action="group.formed",
        obj=group,
        detail={"protocol": protocol.code, "facilitators": len(group.facilitators())},
    )
    return group


def _organiser(actor: Any, group: Group) -> Group:
    if not permissions.organises(actor, group):
        raise PermissionDenied("Only the group's facilitators or a manager do this.")
    return Group.objects.select_for_update().get(pk=group.pk)


def _closed(group: Group) -> bool:
    ends = dict(group.sessions.values_list("number", "ends_at"))
    return group_rules.closed_to_newcomers(timezone.now(), ends)


@transaction.atomic
def invite_member(*, actor: Any, group: Group, referral: Referral) -> GroupMember:
    """Invite a person on the group IPT waiting list: a letter (emailed where there is an
    address) with the group's day, time and place. A closed group takes no one after
    session 2, and never more than its maximum."""
    group = _organiser(actor, group)
    if group.status == GroupStatus.ENDED or _closed(group):
        raise RuleViolation("This group is closed: no one joins after its second session.")
    holding = group.members.filter(status__in=HOLDING).count()
    if holding >= group.max_members:
        raise RuleViolation(f"This group already has its {group.max_members} places filled.")
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not waiting_for_a_group().filter(pk=referral.pk).exists():
        raise RuleViolation(f"{referral.reference} is not waiting for a group.")
    try:
        with transaction.atomic():
            member = GroupMember.objects.create(
                group=group, referral=referral, invited_at=timezone.now()
            )
    except IntegrityError:
        raise RuleViolation(f"{referral.reference} already has a place in a group.") from None
    invitation_letter(actor=actor, member=member)
    record(
        actor=actor,
        action="group.member_invited",
        obj=group,
        detail={"referral": referral.reference, "member": str(member.public_id)},
    )
    return member


def invitation_letter(*, actor: Any, member: GroupMember) -> Letter:
    referral = member.referral
    patient = referral.patient
    lines = patient.address_lines() if patient else [referral.address_line_1, referral.town]
    group = member.group
    return produce_letter(
        actor=actor,
        kind="group_invitation",
        referral=referral,
        recipient_role="patient",
        recipient_name=referral.full_name,
        recipient_address="\n".join(lines),
        recipient_email=(patient.email if patient else referral.email) or "",
        subject="An invitation to join a therapy group",
        body="",
        context={
            "weekday": DAY_NAMES[group.weekday],
            "time": group.time,
            "first_date": group.first_date,
            "minutes": group.minutes,
            "room": str(group.room) if group.room else "",
            "online": bool(group.video_link),
        },
    )


@transaction.atomic
def respond_to_invitation(*, actor: PatientActor, member: GroupMember, accept: bool) -> GroupMember:
    """The invited person accepts or declines in the portal. Declining keeps their place
    on the waiting list; accepting a group already running starts their course at once
    (with a pre-group session before the next group session)."""
    member = (
        GroupMember.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=member.pk)
    )
    if not isinstance(actor, PatientActor) or member.referral.patient_id != actor.patient.pk:
        raise PermissionDenied("Only the person invited answers an invitation.")
    if member.status != MemberStatus.INVITED:
        raise RuleViolation("You have already answered this invitation.")
    group = Group.objects.select_for_update().get(pk=member.group_id)
    if accept and (group.status == GroupStatus.ENDED or _closed(group)):
        raise RuleViolation("Sorry: this group has closed to new members.")
    member.move_to(MemberStatus.ACCEPTED if accept else MemberStatus.DECLINED)
    member.responded_at = timezone.now()
    member.save(update_fields=["status", "responded_at"])
    if accept and group.status == GroupStatus.RUNNING:
        _enrol_late(actor, group, member)
    record(
        actor=actor,
        action="group.invitation_answered",
        obj=group,
        detail={"member": str(member.public_id), "accepted": accept},
    )
    return member


def _therapists(group: Group, count: int, already: int = 0) -> list[User]:
    """Each member's own facilitator, taking turns."""
    facilitators = group.facilitators()
    return [facilitators[(already + i) % len(facilitators)] for i in range(count)]


@transaction.atomic
def start_group(*, actor: Any, group: Group, history: bool = False) -> Group:
    """Start the group once its minimum have accepted: book its weekly sessions (skipping
    bank holidays, closures, leave and clashes for each facilitator and the room), each
    accepted member's own course with their individual pre-group session before session
    1 (session 0), and their place at every group session. ``history`` is for the demo
    and factories only: it lets pre-group sessions fall in the past."""
    group = _organiser(actor, group)
    group.move_to(GroupStatus.RUNNING)
    accepted = list(group.members.filter(status=MemberStatus.ACCEPTED).select_related("referral"))
    if len(accepted) < group.min_members:
        raise RuleViolation(
            f"This group needs {group.min_members} members who have accepted; "
            f"it has {len(accepted)}."
        )
    for facilitator in group.facilitators():
        ClinicianProfile.objects.select_for_update().get(user=facilitator)
    protocol = protocol_of(group)
    proposed = schedule.group_sessions(group, protocol)
    sessions = GroupSession.objects.bulk_create(
        GroupSession(group=group, number=p.number, starts_at=p.starts_at, ends_at=p.ends_at)
        for p in proposed
    )
    therapists = _therapists(group, len(accepted))
    earliest = None if history else timezone.localdate()
    first_day = timezone.localtime(sessions[0].starts_at).date()
    times = schedule.pre_group_times(group, therapists, first_day, earliest)
    try:
        with transaction.atomic():
            for member, therapist, at in zip(accepted, therapists, times, strict=True):
                enrol.enrol(
                    actor=actor,
                    member=member,
                    protocol=protocol,
                    therapist=therapist,
                    pre_group_at=at,
                    sessions=sessions,
                )
    except IntegrityError:
        raise RuleViolation("Another booking took one of these times just now.") from None
    group.started_at = timezone.now()
    group.save(update_fields=["status", "started_at"])
    skipped = [s for p in proposed for s in p.skipped]
    record(
        actor=actor,
        action="group.started",
        obj=group,
        detail={"members": len(accepted), "sessions": len(sessions), "skipped": len(skipped)},
    )
    return group


def _enrol_late(actor: Any, group: Group, member: GroupMember) -> None:
    """A member who accepts once the group runs (before it closes after session 2)."""
    upcoming = list(group.sessions.filter(starts_at__gt=timezone.now()))
    if not upcoming:
        raise RuleViolation("Sorry: this group has no sessions left to join.")
    already = group.members.exclude(course=None).count()
    therapist = _therapists(group, 1, already)[0]
    next_day = timezone.localtime(upcoming[0].starts_at).date()
    at = schedule.pre_group_times(group, [therapist], next_day, timezone.localdate())[0]
    enrol.enrol(
        actor=actor,
        member=member,
        protocol=protocol_of(group),
        therapist=therapist,
        pre_group_at=at,
        sessions=upcoming,
    )


def groups_with_counts(user: Any) -> Any:
    """The groups ``user`` sees, each with its members counted by status (one query)."""
    return (
        permissions.visible_groups(user)
        .select_related("lead", "co_facilitator", "room")
        .annotate(
            invited=Count("members", filter=Q(members__status=MemberStatus.INVITED)),
            accepted=Count("members", filter=Q(members__status=MemberStatus.ACCEPTED)),
            finished=Count("members", filter=Q(members__status=MemberStatus.FINISHED)),
            left=Count("members", filter=Q(members__status=MemberStatus.LEFT)),
        )
        .order_by("status", "-formed_at")
    )


def places_of(patient: Any) -> list[GroupMember]:
    """The patient's own places in groups (invited, in, finished), with their group: what
    the portal shows them, never another member."""
    shown = (MemberStatus.INVITED, MemberStatus.ACCEPTED, MemberStatus.FINISHED)
    return list(
        GroupMember.objects.filter(referral__patient=patient, status__in=shown)
        .select_related("group", "group__room")
        .prefetch_related("group__sessions")
        .order_by("-invited_at")
    )
