"""Running a group: attendance for every member at each session, the group's one record
per session, a member leaving (the group goes on), and members finishing.

Attendance goes through the courses app's own attendance service, member by member, so
a missed session raises the same risk check, and a second the same review, as in an
individual course; each member's course ends through the courses app's ending.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from interplay.audit.services import record
from interplay.courses import attendance, protocols
from interplay.courses.models import Appointment, CourseStatus, CourseTask
from interplay.groups import permissions
from interplay.groups.models import Group, GroupMember, GroupSession, GroupStatus, MemberStatus
from interplay.groups.schedule import protocol_of
from interplay.lib.errors import PermissionDenied, RuleViolation


def _facilitator(actor: Any, group: Group) -> None:
    if not permissions.runs(actor, group):
        raise PermissionDenied("Only the group's facilitators do this.")


def places(session: GroupSession) -> dict[int, Appointment]:
    """Each member's own appointment at ``session``, by member id."""
    members = dict(session.group.members.exclude(course=None).values_list("course_id", "pk"))
    found = Appointment.objects.live().filter(course_id__in=members, number=session.number)
    return {members[a.course_id]: a for a in found}


@transaction.atomic
def record_group_attendance(
    *, actor: Any, session: GroupSession, statuses: Mapping[int, str]
) -> list[CourseTask]:
    """Record what happened at ``session`` for each member (member id to status), through
    each member's own course. Returns the tasks raised (risk checks, reviews)."""
    _facilitator(actor, session.group)
    group = Group.objects.select_for_update().get(pk=session.group_id)
    if group.status != GroupStatus.RUNNING:
        raise RuleViolation("Attendance is recorded while the group runs.")
    seats = places(session)
    unknown = set(statuses) - set(seats)
    if unknown:
        raise RuleViolation("Record attendance only for this session's members.")
    raised: list[CourseTask] = []
    for member_id, status in statuses.items():
        locked = Appointment.objects.select_for_update(of=("self",)).select_related("course")
        appointment = locked.get(pk=seats[member_id].pk)
        if appointment.status == status:
            continue
        raised += attendance.apply_attendance(actor=actor, appointment=appointment, status=status)
    record(
        actor=actor,
        action="group.attendance",
        obj=session.group,
        detail={"session": session.number, "members": len(statuses), "tasks": len(raised)},
    )
    return raised


def phase(session: GroupSession) -> protocols.Phase:
    return protocols.phase_for(protocol_of(session.group), session.number)


@transaction.atomic
def save_group_record(
    *, actor: Any, session: GroupSession, tasks_done: list[str], notes: str
) -> GroupSession:
    """Save the group's record of ``session`` as a draft: the phase's tasks and notes
    (encrypted; staff only, never the portal). A signed record is closed."""
    _facilitator(actor, session.group)
    session = (
        GroupSession.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=session.pk)
    )
    if session.signed:
        raise RuleViolation("This record is signed.")
    allowed = {task.key for task in phase(session).tasks}
    if set(tasks_done) - allowed:
        raise RuleViolation("Tick only the tasks of this session's phase.", field="tasks_done")
    session.tasks_done, session.notes = list(tasks_done), notes
    session.updated_at = timezone.now()
    session.save(update_fields=["tasks_done", "notes", "updated_at"])
    record(
        actor=actor,
        action="group.record_saved",
        obj=session.group,
        detail={"session": session.number, "tasks_done": len(tasks_done)},
    )
    return session


@transaction.atomic
def sign_group_record(*, actor: Any, session: GroupSession) -> GroupSession:
    """Sign the group's record of a session that has happened; it then stays as signed."""
    _facilitator(actor, session.group)
    session = (
        GroupSession.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=session.pk)
    )
    if session.signed:
        raise RuleViolation("This record is already signed.")
    if session.starts_at > timezone.now():
        raise RuleViolation("A session's record is signed once the session has happened.")
    session.signed_at, session.signed_by = timezone.now(), actor
    session.save(update_fields=["signed_at", "signed_by"])
    record(
        actor=actor,
        action="group.record_signed",
        obj=session.group,
        detail={"session": session.number},
    )
    return session


def _member(actor: Any, member: GroupMember) -> GroupMember:
    _facilitator(actor, member.group)
    return (
        GroupMember.objects.select_for_update(of=("self",))
        .select_related("group", "course")
        .get(pk=member.pk)
    )


@transaction.atomic
def member_leaves(*, actor: Any, member: GroupMember, reason: str) -> GroupMember:
    """A member leaves; the group goes on. Their course ends as dropped out and their
    later places become "not needed"."""
    member = _member(actor, member)
    member.move_to(MemberStatus.LEFT)
    member.left_at = timezone.now()
    member.save(update_fields=["status", "left_at"])
    if member.course is not None and member.course.status == CourseStatus.ACTIVE:
        attendance.close_course(
            actor=actor, course=member.course, outcome=CourseStatus.DROPPED_OUT, reason=reason
        )
    record(
        actor=actor,
        action="group.member_left",
        obj=member.group,
        detail={"member": str(member.public_id)},
    )
    return member


@transaction.atomic
def finish_member(*, actor: Any, member: GroupMember) -> GroupMember:
    """A member finishes the group: their course ends as completed, which needs what
    happened at every past session recorded (the courses app's rule)."""
    member = _member(actor, member)
    later = member.group.sessions.filter(starts_at__gt=timezone.now())
    if member.course is None or later.exists():
        raise RuleViolation("A member finishes once the group's last session has happened.")
    member.move_to(MemberStatus.FINISHED)
    member.save(update_fields=["status"])
    if member.course.status == CourseStatus.ACTIVE:
        attendance.close_course(
            actor=actor,
            course=member.course,
            outcome=CourseStatus.COMPLETED,
            reason="Finished the group.",
        )
    record(
        actor=actor,
        action="group.member_finished",
        obj=member.group,
        detail={"member": str(member.public_id)},
    )
    return member


@transaction.atomic
def end_group(*, actor: Any, group: Group) -> Group:
    """End the group after its last session: every member still in it finishes."""
    _facilitator(actor, group)
    group = Group.objects.select_for_update().get(pk=group.pk)
    for member in group.members.filter(status=MemberStatus.ACCEPTED):
        finish_member(actor=actor, member=member)
    invited = group.members.filter(status=MemberStatus.INVITED)
    for member in invited:
        member.move_to(MemberStatus.DECLINED)
        member.save(update_fields=["status"])
    group.move_to(GroupStatus.ENDED)
    group.ended_at = timezone.now()
    group.save(update_fields=["status", "ended_at"])
    record(actor=actor, action="group.ended", obj=group, detail={})
    return group
