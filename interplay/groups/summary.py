"""A group's own summary: attendance per session, each member's attendance, members
finished and left, and recovery and reliable improvement from each member's own course
(the same pure outcome functions as the course page and the service figures).

A fixed number of queries whatever the size of the group.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Appointment, AppointmentStatus
from interplay.groups.models import Group, GroupMember, GroupSession, MemberStatus
from interplay.measures import outcomes
from interplay.measures.models import QuestionnaireResponse
from interplay.supervision.caseloads import MISSED_AT

A = AppointmentStatus


@dataclass
class MemberRow:
    member: GroupMember
    attendance: dict[int, str] = field(default_factory=dict)  # session number to status
    outcome: outcomes.CourseOutcome | None = None
    pre_group: str = ""
    pre_group_id: Any = None  # the public id of the member's pre-group session
    cells: list[str] = field(default_factory=list)  # status at each group session, in order

    @property
    def missed(self) -> int:
        """Group sessions missed (did not attend, or cancelled too late): two or more is
        flagged, as for a course run one to one."""
        return sum(status in (A.DID_NOT_ATTEND, A.CANCELLED_LATE) for status in self.cells)

    @property
    def flagged_for_missing(self) -> bool:
        return self.missed >= MISSED_AT


@dataclass
class SessionRow:
    session: GroupSession
    counts: Counter[str]

    @property
    def attended(self) -> int:
        return self.counts[A.ATTENDED]

    @property
    def missed(self) -> int:
        return self.counts[A.DID_NOT_ATTEND] + self.counts[A.CANCELLED_LATE]

    @property
    def expected(self) -> int:
        return sum(n for status, n in self.counts.items() if status != A.NOT_NEEDED)


@dataclass
class Summary:
    sessions: list[SessionRow]
    members: list[MemberRow]

    @property
    def numbers(self) -> list[int]:
        return [row.session.number for row in self.sessions]

    def count(self, status: str) -> int:
        return sum(1 for row in self.members if row.member.status == status)

    @property
    def finished(self) -> int:
        return self.count(MemberStatus.FINISHED)

    @property
    def left(self) -> int:
        return self.count(MemberStatus.LEFT)

    def _flag(self, name: str) -> int:
        return sum(1 for row in self.members if row.outcome and getattr(row.outcome, name))

    @property
    def paired(self) -> int:
        return sum(1 for row in self.members if row.outcome and row.outcome.paired)

    @property
    def at_caseness(self) -> int:
        return sum(
            1
            for row in self.members
            if row.outcome and row.outcome.paired and row.outcome.at_caseness
        )

    @property
    def recovered(self) -> int:
        return self._flag("recovered")

    @property
    def reliable_improvement(self) -> int:
        return self._flag("reliable_improvement")


def summarise(group: Group) -> Summary:
    """The group's summary (five queries)."""
    sessions = list(group.sessions.all())
    members = list(group.members.select_related("referral", "course").order_by("invited_at", "id"))
    by_course = {m.course_id: m for m in members if m.course_id}
    rows = {m.pk: MemberRow(m) for m in members}
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    places = Appointment.objects.filter(course_id__in=by_course).values_list(
        "course_id", "number", "status", "public_id"
    )
    for course_id, number, status, public_id in places:
        member = by_course[course_id]
        if number == 0:
            rows[member.pk].pre_group, rows[member.pk].pre_group_id = status, public_id
            continue
        rows[member.pk].attendance[number] = status
        counts[number][status] += 1
    _outcomes(rows, by_course)
    for row in rows.values():
        row.cells = [row.attendance.get(s.number, "") for s in sessions]
    return Summary(
        sessions=[SessionRow(s, counts[s.number]) for s in sessions],
        members=list(rows.values()),
    )


def _outcomes(rows: dict[int, MemberRow], by_course: dict[Any, GroupMember]) -> None:
    if not by_course:
        return
    rule = ServiceSettings.load().mixed_change_rule
    totals: dict[Any, dict[str, list[int]]] = defaultdict(lambda: {"phq9": [], "gad7": []})
    scores = (
        QuestionnaireResponse.objects.filter(
            course_id__in=by_course, complete=True, instrument_code__in=("phq9", "gad7")
        )
        .order_by("answered_at", "id")
        .values_list("course_id", "instrument_code", "total")
    )
    for course_id, code, total in scores:
        if total is not None:
            totals[course_id][code].append(total)
    for course_id, member in by_course.items():
        row = rows[member.pk]
        attended = sum(1 for s in row.attendance.values() if s == A.ATTENDED)
        row.outcome = outcomes.course_outcome(
            totals[course_id]["phq9"],
            totals[course_id]["gad7"],
            attended=attended,
            mixed_rule=rule,
        )
