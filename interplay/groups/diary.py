"""A facilitator's group sessions as their own screens show them: the day, the week, the
calendar feed and the caseload list each meeting once, for both facilitators, whichever
of them holds which members' courses.

Each member's place is an appointment on their own course (``Appointment.shared``), so a
list of a therapist's appointments would show a meeting once per member they hold, and
not at all the members their co-facilitator holds; these read the group's own session.
Every function is a fixed number of queries whatever the group's size.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import CharField, Count, IntegerField, Min, OuterRef, Q, Subquery

from interplay.accounts.permissions import Action, can
from interplay.courses import protocols
from interplay.courses.calendar import SharedEvent
from interplay.courses.models import LIVE, Course, CourseStatus
from interplay.groups.models import (
    Group,
    GroupMember,
    GroupSession,
    GroupStatus,
    MemberStatus,
    waiting_for_facilitator,
    waits_for_facilitator,
)
from interplay.groups.permissions import facilitated_sessions
from interplay.lib.prepared import Prepared
from interplay.measures.models import QuestionnaireResponse


@dataclass(frozen=True)
class Meeting:
    """One group session on a facilitator's screen."""

    session: GroupSession
    label: str  # "Session 4 of 8, middle phase"
    total: int  # the group's sessions, as its members' courses plan them
    measures: tuple[str, ...] = ()
    answered: int = 0  # members whose questionnaires due before this session are all in
    is_group: ClassVar[bool] = True

    @property
    def starts_at(self) -> dt.datetime:
        return self.session.starts_at

    @property
    def group(self) -> Group:
        return self.session.group

    @property
    def expected(self) -> int:
        """Members whose place holds this session's time (booked or happened)."""
        return int(getattr(self.session, "expected", 0))


def _of_members(column: str, output: Any) -> Subquery:
    """``column`` of the group's first member course (their protocol and planned sessions
    are the group's), read inside the session's own query."""
    course = Course.objects.filter(group_place__group=OuterRef("group_id")).order_by("id")
    return Subquery(course.values(column)[:1], output_field=output)


def meetings(user: Any, start: dt.datetime, end: dt.datetime) -> list[Meeting]:
    """The group sessions ``user`` facilitates starting in [start, end) with at least one
    member's place holding the time, the earliest first (one query)."""
    sessions = _as_meetings(
        facilitated_sessions(user)
        .with_places("expected")
        .filter(Q(expected__gt=0), starts_at__gte=start, starts_at__lt=end)
    )
    return [_meeting(s) for s in sessions]


def _as_meetings(sessions: Any, *fields: str) -> Any:
    """``sessions`` read with what a ``Meeting`` shows (and ``fields``), earliest first."""
    return (
        sessions.select_related("group", "group__room")
        .only(
            "public_id",
            "number",
            "starts_at",
            "ends_at",
            "signed_at",
            "group__public_id",
            "group__name",
            "group__video_link",
            "group__room__name",
            *fields,
        )
        .annotate(
            # The protocol found by its snapshot's digest (``Course.protocol``): the 1.5 kB
            # snapshot is read only for a protocol this process has not met.
            first_course=_of_members("id", IntegerField()),
            digest=_of_members("protocol_digest", CharField()),
            planned=_of_members("planned_sessions", IntegerField()),
        )
        .order_by("starts_at", "id")
    )


def _meeting(session: Any) -> Meeting:
    # Every course stores its digest (``Course.save``, migration ``courses.0010``).
    protocol = protocols.from_digest(session.digest, lambda: _snapshot(session.first_course))
    label = protocols.session_label(protocol, session.number, session.planned)
    return Meeting(session, label, session.planned, tuple(protocol.measures_due))


def _snapshot(course_id: int) -> Any:
    return Course.objects.values_list("protocol_snapshot", flat=True).get(pk=course_id)


def with_questionnaires(found: list[Meeting]) -> list[Meeting]:
    """``found`` with how many members have every questionnaire due before each session
    in (the answers tied to their own place at it, as an individual session's are): one
    query, none when there is no meeting."""
    if not found:
        return []
    answers = QuestionnaireResponse.objects.filter(
        complete=True,
        appointment__shared=True,
        appointment__status__in=LIVE,
        appointment__course__group_place__group_id__in={m.session.group_id for m in found},
        appointment__starts_at__in={m.starts_at for m in found},
    ).values_list(
        "appointment__course__group_place__group_id",
        "appointment__number",
        "appointment_id",
        "instrument_code",
    )
    codes: dict[tuple[int, int], dict[int, set[str]]] = {}
    for group_id, number, place, code in answers:
        codes.setdefault((group_id, number), {}).setdefault(place, set()).add(code)
    return [_answered(m, codes.get((m.session.group_id, m.session.number), {})) for m in found]


def _answered(meeting: Meeting, codes: dict[int, set[str]]) -> Meeting:
    due = set(meeting.measures)
    count = sum(1 for answered in codes.values() if due <= answered)
    return dataclasses.replace(meeting, answered=count)


def to_sign(user: Any, now: dt.datetime, ended_since: dt.datetime, limit: int) -> list[Any]:
    """Sessions of ``user``'s groups that have happened whose attendance or record still
    waits (``GroupSessionQuerySet.to_sign``), the oldest first, at most ``limit`` (one
    query)."""
    return list(
        facilitated_sessions(user)
        .to_sign(now, ended_since)
        .select_related("group")
        .only("public_id", "number", "starts_at", "signed_at", "updated_at", "group__name")
        .order_by("starts_at", "id")[:limit]
    )


# The groups ``user`` facilitates, and one they run that is running (if any): read
# on every therapist's day and caseload, so compiled once.
_FACILITATED = Prepared(
    Group, lambda user: Group.objects.facilitated_by(user).values_list("pk", flat=True), user="id"
)
_RUNNING = Prepared(
    Group,
    lambda user: (
        Group.objects.facilitated_by(user)
        .filter(status=GroupStatus.RUNNING)
        .order_by()
        .values_list("pk", flat=True)[:1]
    ),
    user="id",
)


def of_day(
    user: Any,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    ended_since: dt.datetime,
    limit: int,
) -> tuple[list[Meeting], list[Any]]:
    """The facilitator's day in one read: ``meetings(user, start, end)`` and
    ``to_sign(user, now, ended_since, limit)``, each as those give it, without their
    answers (``with_questionnaires``). One query for the groups ``user`` facilitates,
    and only if there is one, a second for their sessions of either kind: a therapist
    who runs no group pays one small query, not two of several subqueries each."""
    if not can(user, Action.RUN_GROUP):
        return [], []
    groups = _FACILITATED.run(user=user.pk)
    if not groups:
        return [], []
    waiting = waiting_for_facilitator(now, ended_since)
    sessions = _as_meetings(
        GroupSession.objects.filter(group_id__in=groups)
        .with_places("expected", "attended", "unrecorded")
        .filter(Q(expected__gt=0, starts_at__gte=start, starts_at__lt=end) | waiting),
        "updated_at",
        "group__status",
        "group__ended_at",
    )
    meetings, to_sign = [], []
    for session in sessions:
        if getattr(session, "expected", 0) > 0 and start <= session.starts_at < end:
            meetings.append(_meeting(session))
        if waits_for_facilitator(session, now, ended_since):
            to_sign.append(session)
    return meetings, to_sign[:limit]


@dataclass(frozen=True)
class GroupPlace:
    """A course's place in a group, for a label on the caseload."""

    group_id: Any  # the group's public id
    name: str


def caseload_places(user: Any) -> dict[int, GroupPlace]:
    """The group each of ``user``'s courses in progress is a member's place in, by course
    id (one query, compiled once: it runs on every caseload)."""
    return {
        course: GroupPlace(public_id, name) for course, public_id, name in _PLACES.run(user=user.pk)
    }


_PLACES = Prepared(
    GroupMember,
    lambda user: GroupMember.objects.filter(
        course__therapist=user, course__status=CourseStatus.ACTIVE
    ).values_list("course_id", "group__public_id", "group__name"),
    user="id",
)


def running_groups(user: Any, now: dt.datetime) -> list[Group]:
    """The groups ``user`` runs that are running, each with ``in_group`` (members in it
    now), ``yours`` (of those, whose course ``user`` holds) and ``next_at`` (its next
    session's start, or None), the next meeting first (one small query, and only when
    ``user`` runs a group a second that counts: its three aggregates cost a therapist
    without a group more than the check)."""
    if not can(user, Action.RUN_GROUP):
        return []
    if not _RUNNING.run(user=user.pk):
        return []
    ids = facilitated_sessions(user).values("group_id")
    return list(
        Group.objects.filter(pk__in=ids, status=GroupStatus.RUNNING)
        .only("public_id", "name")
        .annotate(
            in_group=Count(
                "members", filter=Q(members__status=MemberStatus.ACCEPTED), distinct=True
            ),
            yours=Count(
                "members",
                filter=Q(members__status=MemberStatus.ACCEPTED, members__course__therapist=user),
                distinct=True,
            ),
            next_at=Min("sessions__starts_at", filter=Q(sessions__starts_at__gte=now)),
        )
        .order_by("next_at", "id")
    )


def feed_events(user: Any, start: dt.datetime, end: dt.datetime) -> list[SharedEvent]:
    """The group sessions ``user`` facilitates as calendar-feed events: times, the
    session's number and the room; no group name (it may say where or who), no member."""
    return [
        SharedEvent(
            uid=str(m.session.public_id),
            starts_at=m.starts_at,
            ends_at=m.session.ends_at,
            summary=f"Group therapy session {m.session.number} of {m.total}",
            location=m.group.room.name if m.group.room else "",
        )
        for m in meetings(user, start, end)
    ]
