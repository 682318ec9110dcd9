"""Each supervisee's active courses, with the flags a supervisor looks at first.

Built in a fixed number of queries however many supervisees and courses there are: the
supervisees; their active courses, each flag counted in the database by a subquery per
course (open alerts, missed sessions, unsigned records, reliable deterioration from the
course's figures row, the therapist's DIT qualification, the next session); the attended
sessions with whether both questionnaires were answered for them; the service's
mixed-change rule. Nothing here walks a course's history in Python.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from interplay.accounts.models import Qualification, User
from interplay.accounts.roles import Modality
from interplay.clinic.models import ServiceSettings
from interplay.courses import protocols
from interplay.courses.attendance import MISSED
from interplay.courses.models import Appointment, AppointmentStatus, Course
from interplay.groups.models import GroupSession
from interplay.measures.instruments import GAD7, PHQ9
from interplay.measures.models import QuestionnaireResponse
from interplay.measures.scoring import band_for
from interplay.monitoring.models import RiskAlert
from interplay.reports import flags
from interplay.reports.models import CourseFigures
from interplay.supervision.permissions import supervised_courses

# A session record should be signed within two days of the session (the service's
# expectation for clinical notes); after that the supervisor sees it.
UNSIGNED_AFTER = dt.timedelta(hours=48)
# Two or more missed sessions (did not attend, or cancelled too late) is where the
# protocols' attendance policy asks for a review (docs/clinical-rules.md 7).
MISSED_AT = 2


@dataclass(frozen=True)
class Flag:
    key: str  # stable, for tests and the page's tag colour
    text: str
    colour: str  # an NHS.UK tag colour


@dataclass(frozen=True)
class LatestScore:
    total: int
    band: str
    on: dt.date | None


@dataclass
class CourseRow:
    course: Course
    label: str
    phq9: LatestScore | None
    gad7: LatestScore | None
    flags: list[Flag]


@dataclass
class Supervisee:
    therapist: User
    rows: list[CourseRow] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return sum(1 for row in self.rows if row.flags)


def caseloads(supervisor: Any, *, now: dt.datetime | None = None) -> list[Supervisee]:
    """Every supervisee of ``supervisor`` (by name) with their active courses, flagged
    courses first (then by the person's name)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rule = ServiceSettings.load().mixed_change_rule
    people = {
        user.pk: Supervisee(user) for user in User.objects.filter(clinician__supervisor=supervisor)
    }
    courses = list(_courses(supervisor, now, rule))
    unanswered = _unanswered_at_last_two(courses)
    for course in courses:
        row = _row(course, today, course.pk in unanswered)
        people[course.therapist_id].rows.append(row)
    for person in people.values():
        person.rows.sort(key=lambda r: (not r.flags, r.course.patient.full_name.casefold()))
    return list(people.values())


def _courses(supervisor: Any, now: dt.datetime, rule: str) -> QuerySet[Course]:
    sessions = Appointment.objects.filter(course=OuterRef("pk"))
    dit = Qualification.objects.filter(profile__user=OuterRef("therapist"), modality=Modality.DIT)
    return (
        supervised_courses(supervisor)
        .active()
        .select_related("patient", "figures")
        .defer("protocol_snapshot")  # each protocol found by its digest (``Course.protocol``)
        .annotate(
            open_alerts=_count(RiskAlert.objects.open().filter(course=OuterRef("pk"))),
            missed=_count(sessions.filter(status__in=MISSED)),
            unsigned=_count(
                sessions.filter(
                    status=AppointmentStatus.ATTENDED, ends_at__lte=now - UNSIGNED_AFTER
                )
                # A member's place at a group session has no record of its own: the
                # group's one record, signed on the group's session page, is theirs.
                .filter(
                    Q(shared=False, record__signed_at__isnull=True)
                    | Q(Exists(_unsigned_group_session), shared=True)
                )
            ),
            deteriorated=Exists(
                CourseFigures.objects.filter(
                    flags.reliable_deterioration(rule), course=OuterRef("pk")
                )
            ),
            next_number=Subquery(
                sessions.live()
                .filter(starts_at__gte=now)
                .order_by("starts_at")
                .values("number")[:1]
            ),
            dit_held=Exists(dit),
            dit_expires_on=Subquery(dit.values("expires_on")[:1]),
        )
    )


# The group session a member's place (an appointment) stands for, when its shared record
# is not signed.
_unsigned_group_session = GroupSession.objects.filter(
    group__members__course=OuterRef("course"), number=OuterRef("number"), signed_at__isnull=True
)


def _count(rows: QuerySet[Any]) -> Coalesce:
    """How many of ``rows`` (filtered on the outer course) there are, as a subquery."""
    counted = rows.order_by().values("course").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _unanswered_at_last_two(courses: list[Course]) -> set[int]:
    """Courses whose last two attended sessions each lack a complete PHQ-9 or GAD-7."""

    def answered(code: str) -> Exists:
        return Exists(
            QuestionnaireResponse.objects.filter(
                appointment=OuterRef("pk"), instrument_code=code, complete=True
            )
        )

    latest: dict[int, list[bool]] = {}
    for course_id, phq9, gad7 in (
        Appointment.objects.filter(
            course__in=[c.pk for c in courses], status=AppointmentStatus.ATTENDED
        )
        .annotate(phq9=answered(PHQ9.code), gad7=answered(GAD7.code))
        .order_by("course_id", "-starts_at")
        .values_list("course_id", "phq9", "gad7")
    ):
        latest.setdefault(course_id, []).append(phq9 and gad7)
    return {pk for pk, seen in latest.items() if len(seen) >= 2 and not any(seen[:2])}


def _row(course: Any, today: dt.date, unanswered: bool) -> CourseRow:
    # The next booked session's number (a group's pre-group session is 0), else the last.
    number = course.next_number if course.next_number is not None else course.planned_sessions
    figures = _figures(course)
    return CourseRow(
        course=course,
        label=protocols.session_label(course.protocol(), number, course.planned_sessions),
        phq9=_latest(PHQ9, figures.phq9_last, figures.phq9_latest_on) if figures else None,
        gad7=_latest(GAD7, figures.gad7_last, figures.gad7_latest_on) if figures else None,
        flags=_flags(course, today, unanswered),
    )


def _figures(course: Course) -> CourseFigures | None:
    try:
        return course.figures
    except ObjectDoesNotExist:  # not built yet: `manage.py rebuild_figures`
        return None


def _latest(instrument: Any, total: int | None, on: dt.date | None) -> LatestScore | None:
    return None if total is None else LatestScore(total, band_for(instrument, total), on)


def _flags(course: Any, today: dt.date, unanswered: bool) -> list[Flag]:
    found = []
    if course.open_alerts:
        n = course.open_alerts
        found.append(Flag("alerts", f"{n} open risk alert{'s' if n > 1 else ''}", "red"))
    if course.deteriorated:
        found.append(Flag("deterioration", "Reliable deterioration", "red"))
    lapse = _qualification_lapse(course, today)
    if lapse:
        found.append(Flag("qualification", lapse, "red"))
    if course.missed >= MISSED_AT:
        found.append(Flag("missed", f"{course.missed} missed sessions", "orange"))
    if course.unsigned:
        n = course.unsigned
        text = f"{n} session record{'s' if n > 1 else ''} unsigned after 48 hours"
        found.append(Flag("unsigned", text, "orange"))
    if unanswered:
        found.append(Flag("unanswered", "No questionnaires at the last two sessions", "yellow"))
    if course.agreed_end_date < today:
        text = f"Past its agreed end date, {_day(course.agreed_end_date)}"
        found.append(Flag("overdue", text, "yellow"))
    return found


def _qualification_lapse(course: Any, today: dt.date) -> str | None:
    """Why a DIT course's therapist is not qualified for all of it, or None: the
    qualification has lapsed, or lapses on or before the agreed end date
    (docs/clinical-rules.md 2.6: DIT practitioner status)."""
    if course.modality != Modality.DIT:
        return None
    if not course.dit_held:
        return "Therapist holds no DIT qualification"
    expires: dt.date | None = course.dit_expires_on
    if expires is None:
        return None
    if expires <= today:
        return f"Therapist's DIT qualification lapsed on {_day(expires)}"
    if expires <= course.agreed_end_date:
        return f"Therapist's DIT qualification lapses on {_day(expires)}, before the agreed end"
    return None


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"
