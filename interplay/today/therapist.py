"""The therapist's day: what needs them now, in the order it matters.

Each panel is read with a fixed number of queries whatever the caseload's size, and each
item leaves the page once the work it names is done (the rule that decides "done" is
the owning app's: an alert acknowledged, a record signed, a task reviewed, a problem
re-rated at its session, an ending review saved).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone

from interplay.courses import protocols
from interplay.courses.models import Appointment, AppointmentStatus, Course, CourseStatus
from interplay.encounters.models import SessionRecord
from interplay.groups import diary
from interplay.groups.models import GroupSession
from interplay.lib.prepared import Prepared
from interplay.measures.instruments import BUILT_IN
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring.models import RiskAlert
from interplay.patients.models import Patient
from interplay.progress import stage
from interplay.progress.models import BetweenSessionTask, Problem, Rater
from interplay.triage.rules import time_waited

# The patient's name, all that the page shows of them: the rest of the row stays unread.
NAME = ("patient__first_name", "patient__last_name")
COURSE_NAME = tuple(f"course__{f}" for f in NAME)

# A course is "nearing its end" once a session of its ending phase falls within this
# many days (or has happened): time enough to write the ending review with the person.
ENDING_LOOKAHEAD_DAYS = 7


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@dataclass(frozen=True)
class Score:
    """A questionnaire's score this week, and the change since the one before."""

    code: str
    response: QuestionnaireResponse | None
    previous: QuestionnaireResponse | None

    @property
    def name(self) -> str:
        """The measure as people write it ("PHQ-9"), from the built-in instruments."""
        known = BUILT_IN.get(self.code)
        return known.name if known else self.code.upper()

    @property
    def change(self) -> int | None:
        if self.response is None or self.previous is None:
            return None
        return int(self.response.total or 0) - int(self.previous.total or 0)


@dataclass(frozen=True)
class SessionRow:
    appointment: Appointment
    label: str
    scores: list[Score] = field(default_factory=list)
    is_group: ClassVar[bool] = False

    @property
    def starts_at(self) -> dt.datetime:
        return self.appointment.starts_at

    @property
    def questionnaires_in(self) -> bool:
        return all(score.response is not None for score in self.scores)


def sessions(
    user: Any, today: dt.date, meetings: list[diary.Meeting] | None = None
) -> list[SessionRow | diary.Meeting]:
    """Today's and tomorrow's sessions with this week's scores, each group session I
    facilitate once (not a row per member), by time (three queries, four with a group).
    ``meetings``: the group sessions of those days, if already read (``diary.of_day``)."""
    start, end = _midnight(today), _midnight(today + dt.timedelta(days=2))
    appointments = _DAYS_SESSIONS.run(user=user.pk, start=start, end=end)
    # Their courses' complete responses, each course's in answering order (one query).
    responses: dict[int, list[QuestionnaireResponse]] = {}
    if appointments:
        for response in _DAYS_RESPONSES.run(user=user.pk, start=start, end=end):
            responses.setdefault(response.course_id, []).append(response)
    rows: list[SessionRow | diary.Meeting] = [
        _session_row(a, responses.get(a.course_id, [])) for a in appointments
    ]
    if meetings is None:
        meetings = diary.meetings(user, start, end)
    rows += diary.with_questionnaires(meetings)
    return sorted(rows, key=lambda row: row.starts_at)


def _days_sessions(user: Any, start: dt.datetime, end: dt.datetime) -> Any:
    """The therapist's own sessions between ``start`` and ``end``, by time."""
    return (
        Appointment.objects.live()
        .filter(course__therapist=user, starts_at__gte=start, starts_at__lt=end)
        # A member's place at a group session: the group's meeting stands for it.
        .exclude(shared=True)
        # The same sessions: each holds its course's therapist's time. Said of the
        # session too, so the database reads them from the index of each therapist's
        # booked times, not from every session of the service in the two days.
        .filter(therapist=user)
    )


_DAYS_SESSIONS = Prepared(
    Appointment,
    lambda user, start, end: (
        _days_sessions(user, start, end)
        .select_related("course__patient", "room")
        .only(
            "public_id",
            "number",
            "starts_at",
            "course__public_id",
            "course__planned_sessions",
            "course__video_link",
            # The course's protocol found by its snapshot's digest (``Course.protocol``).
            "course__protocol_digest",
            "room__name",
            *COURSE_NAME,
        )
        .order_by("starts_at")
    ),
    user="id",
    start="datetime",
    end="datetime",
)
# The complete responses of the courses of those sessions, in the model's order
# (answered_at, id): what each session's scores are found among.
_DAYS_RESPONSES = Prepared(
    QuestionnaireResponse,
    lambda user, start, end: QuestionnaireResponse.objects.filter(
        complete=True,
        course__in=_days_sessions(user, start, end).values("course_id"),
    ).only("course_id", "appointment_id", "instrument_code", "total", "band", "answered_at"),
    user="id",
    start="datetime",
    end="datetime",
)


def _session_row(appointment: Appointment, responses: list[QuestionnaireResponse]) -> SessionRow:
    course = appointment.course
    protocol = course.protocol()
    label = protocols.session_label(protocol, appointment.number, course.planned_sessions)
    scores = [_score(responses, appointment, code) for code in protocol.measures_due]
    return SessionRow(appointment, label, scores)


def _score(responses: list[QuestionnaireResponse], appointment: Appointment, code: str) -> Score:
    """This session's response to ``code`` (its own, answered before or in it) and the
    course's complete response of that measure before it (``responses``: the course's
    complete responses, in answering order)."""
    of_code = [r for r in responses if r.instrument_code == code]
    this = next((r for r in reversed(of_code) if r.appointment_id == appointment.pk), None)
    before = appointment.starts_at if this is None else this.answered_at
    previous = next(
        (r for r in reversed(of_code) if r is not this and r.answered_at <= before), None
    )
    return Score(code, this, previous)


@dataclass(frozen=True)
class AlertRow:
    alert: RiskAlert
    open_for: str  # "less than an hour", "2 days, 3 hours"


def open_alerts(user: Any, now: dt.datetime) -> list[AlertRow]:
    """Open risk alerts of my courses, the longest open first, with how long each has
    been open, to the hour (one query)."""
    return [AlertRow(a, time_waited(a.raised_at, now)) for a in _OPEN_ALERTS.run(user=user.pk)]


_OPEN_ALERTS = Prepared(
    RiskAlert,
    lambda user: (
        RiskAlert.objects.open()
        .filter(course__therapist=user)
        .select_related("course__patient")
        .only(
            "public_id",
            "kind",
            "raised_at",
            "due_by",
            "escalated_at",
            "course__public_id",
            *COURSE_NAME,
        )
        .order_by("raised_at", "id")
    ),
    user="id",
)


RECORDS_SHOWN = 50
# A record left unsigned when its course ended stays work for this long after the end.
ENDED_RECORDS_DAYS = 30


@dataclass(frozen=True)
class GroupRecord:
    """A group session I facilitate whose attendance or shared record still waits."""

    session: GroupSession
    is_group: ClassVar[bool] = True

    @property
    def starts_at(self) -> dt.datetime:
        return self.session.starts_at

    @property
    def unrecorded(self) -> bool:
        """Some member's attendance is not yet recorded."""
        return bool(getattr(self.session, "unrecorded", 0))


def records_to_sign(
    user: Any,
    now: dt.datetime,
    groups: list[GroupSession] | None = None,
    courses: dict[int, Course] | None = None,
) -> list[Appointment | GroupRecord]:
    """Sessions that have happened whose record is not signed, the oldest first: attended
    ones without a signed record (of courses running or ended in the last 30 days), booked
    ones of active courses whose attendance is not yet recorded, and each group session I
    facilitate once (its record is shared: ``diary.to_sign``). Two queries; at most
    ``RECORDS_SHOWN`` and one more, so the page can say there are more. ``groups``: the
    group sessions to sign, if already read (``diary.of_day``); ``courses``: courses
    already read with their patient's name, by id, for the records to share."""
    ended_since = now - dt.timedelta(days=ENDED_RECORDS_DAYS)
    if groups is None:
        groups = diary.to_sign(user, now, ended_since, RECORDS_SHOWN + 1)
    found: list[Appointment | GroupRecord] = _own_records(user, now, ended_since, courses or {})
    found += [GroupRecord(s) for s in groups]
    found.sort(key=lambda item: item.starts_at)
    return found[: RECORDS_SHOWN + 1]


# The appointment's columns a record to sign shows, in the model's order (``from_db``).
_RECORD_FIELDS = [
    f.attname
    for f in Appointment._meta.concrete_fields
    if f.attname in {"id", "public_id", "course_id", "number", "starts_at", "status"}
]


def _own_records(
    user: Any, now: dt.datetime, ended_since: dt.datetime, courses: dict[int, Course]
) -> list[Any]:
    rows = _OWN_RECORDS.run(user=user.pk, now=now, ended_since=ended_since)
    # Read as values and made into appointments here: a course with several records
    # (or already on the page) is one course, with its patient, not one per record.
    width = len(_RECORD_FIELDS)
    course_at = _RECORD_FIELDS.index("course_id")
    found = []
    for row in rows:
        appointment = Appointment.from_db(DEFAULT_DB_ALIAS, _RECORD_FIELDS, row[:width])
        course_id = row[course_at]
        course = courses.get(course_id)
        if course is None:
            course = courses[course_id] = _named_course(course_id, *row[width : width + 4])
        record_id, signed_at = row[width + 4 :]
        record = (
            None
            if record_id is None
            else _instance(
                SessionRecord, id=record_id, appointment_id=appointment.pk, signed_at=signed_at
            )
        )
        Appointment.course.field.set_cached_value(appointment, course)
        Appointment.record.related.set_cached_value(appointment, record)
        found.append(appointment)
    return found


def _own_records_query(user: Any, now: dt.datetime, ended_since: dt.datetime) -> Any:
    unsigned = Q(status=AppointmentStatus.ATTENDED) & (
        Q(record__isnull=True) | Q(record__signed_at__isnull=True)
    )
    current = Q(course__status=CourseStatus.ACTIVE) | Q(course__ended_at__gte=ended_since)
    # A course ended early may keep a past session never recorded: no longer work to do.
    unrecorded = Q(status=AppointmentStatus.BOOKED, course__status=CourseStatus.ACTIVE)
    return (
        Appointment.objects.filter(course__therapist=user, starts_at__lt=now)
        .filter((unsigned & current) | unrecorded)
        # A group session's members share one record, written and signed on the group's
        # session page; their own places carry none (the group's session is listed).
        .exclude(shared=True)
        .order_by("starts_at", "id")
        .values_list(
            *_RECORD_FIELDS,
            "course__public_id",
            "course__patient_id",
            *COURSE_NAME,
            "record__id",
            "record__signed_at",
        )[: RECORDS_SHOWN + 1]
    )


_OWN_RECORDS = Prepared(
    Appointment, _own_records_query, user="id", now="datetime", ended_since="datetime"
)


def _named_course(
    pk: int, public_id: Any, patient_id: int, first_name: str, last_name: str
) -> Course:
    """A course known by its public id and its patient's name, as ``.only()`` reads it."""
    course = _instance(Course, id=pk, public_id=public_id, patient_id=patient_id)
    patient = _instance(Patient, id=patient_id, first_name=first_name, last_name=last_name)
    Course.patient.field.set_cached_value(course, patient)
    return course


def _instance(model: Any, **values: Any) -> Any:
    """``model`` as the database gives it, with only ``values`` read (the rest deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


def noted_tasks(user: Any) -> list[BetweenSessionTask]:
    """Between-session tasks of my active courses the patient has noted on since they were
    set and I have not yet reviewed, each with the session it is reviewed at (one query)."""
    return _NOTED_TASKS.run(user=user.pk)


def _noted_tasks_query(user: Any) -> Any:
    following = Appointment.objects.live().filter(
        course=OuterRef("course"), number__gt=OuterRef("set_at__number")
    )
    return (
        BetweenSessionTask.objects.filter(
            course__therapist=user,
            course__status=CourseStatus.ACTIVE,
            patient_noted_at__isnull=False,
            reviewed_at__isnull=True,
        )
        .select_related("course__patient", "set_at")
        .annotate(review_at=Subquery(following.order_by("number").values("public_id")[:1]))
        .only("patient_noted_at", "course__public_id", "set_at__number", *COURSE_NAME)
        .order_by("patient_noted_at", "id")
    )


_NOTED_TASKS = Prepared(BetweenSessionTask, _noted_tasks_query, user="id")


@dataclass(frozen=True)
class CourseDue:
    course: Course
    detail: str


_ACTIVE_COURSES = Prepared(
    Course,
    lambda user: (
        Course.objects.of_therapist(user)
        .active()
        .select_related("patient", "ending_review")
        .only(
            "public_id",
            "planned_sessions",
            "agreed_end_date",
            "protocol_digest",
            "ending_review__id",
            *NAME,
        )
        .order_by("agreed_end_date", "id")
    ),
    user="id",
)
# The sessions of those courses up to ``horizon``, and their problems with the sessions
# each is rated at: of the same courses (my active ones), joined rather than listed.
_BEGUN = Prepared(
    Appointment,
    lambda user, horizon: (
        Appointment.objects.live()
        .filter(course__therapist=user, course__status=CourseStatus.ACTIVE, starts_at__lt=horizon)
        .order_by()
        .values("course_id")
        # A row a course (its furthest session and the numbers attended, "1,2,4"), not a
        # row a session.
        .annotate(
            furthest=Max("number"),
            attended=StringAgg(
                Cast("number", TextField()),
                Value(","),
                filter=Q(status=AppointmentStatus.ATTENDED),
            ),
        )
        .values_list("course_id", "furthest", "attended")
    ),
    user="id",
    horizon="datetime",
)
_RATED = Prepared(
    Problem,
    lambda user: (
        Problem.objects.filter(course__therapist=user, course__status=CourseStatus.ACTIVE)
        .alias(
            therapist_ratings=FilteredRelation(
                "ratings", condition=Q(ratings__rater=Rater.THERAPIST)
            )
        )
        .values_list("course_id", "id", "therapist_ratings__session__number")
    ),
    user="id",
)


class _Caseload:
    """My active courses with the session numbers each has begun (three queries), read
    once for the panels that depend on where each course is."""

    def __init__(self, user: Any, now: dt.datetime) -> None:
        self.courses: list[Course] = _ACTIVE_COURSES.run(user=user.pk)
        self.attended: dict[int, set[int]] = {c.pk: set() for c in self.courses}
        self.furthest: dict[int, int] = {c.pk: 0 for c in self.courses}
        self.rated: dict[int, dict[int, set[int]]] = {c.pk: {} for c in self.courses}
        if not self.courses:
            return
        horizon = now + dt.timedelta(days=ENDING_LOOKAHEAD_DAYS)
        for course_id, furthest, attended in _BEGUN.run(user=user.pk, horizon=horizon):
            self.furthest[course_id] = furthest
            if attended:
                self.attended[course_id] = {int(n) for n in attended.split(",")}
        # Each problem or goal with the sessions the therapist has rated it at, in one
        # query (a problem not yet rated comes once, with no session).
        for course_id, problem_id, number in _RATED.run(user=user.pk):
            rated = self.rated[course_id].setdefault(problem_id, set())
            if number is not None:
                rated.add(number)

    def by_id(self) -> dict[int, Course]:
        return {course.pk: course for course in self.courses}

    def rerating_due(self) -> list[CourseDue]:
        """Courses with a re-rating session (the protocol's) attended and a problem or goal
        not yet rated at it."""
        due = []
        for course in self.courses:
            problems = self.rated[course.pk]
            missing = [
                n
                for n in stage.rerate_numbers(course)
                if n in self.attended[course.pk] and any(n not in s for s in problems.values())
            ]
            if problems and missing:
                numbers = " and ".join(str(n) for n in missing)
                due.append(CourseDue(course, f"to re-rate at session {numbers}"))
        return due

    def ending_without_review(self) -> list[CourseDue]:
        """Courses whose ending phase has begun or begins within the week, with no ending
        review yet, the nearest end first."""
        due = []
        for course in self.courses:
            if hasattr(course, "ending_review"):
                continue
            first = stage.ending_phase(course).first
            if self.furthest[course.pk] >= first:
                due.append(CourseDue(course, f"ends {course.agreed_end_date:%-d %B %Y}"))
        return due


def context(request: HttpRequest) -> dict[str, Any]:
    """The panels of the therapist's first screen, for ``today/therapist.html``."""
    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    caseload = _Caseload(user, now)
    meetings, group_records = diary.of_day(
        user,
        _midnight(today),
        _midnight(today + dt.timedelta(days=2)),
        now,
        now - dt.timedelta(days=ENDED_RECORDS_DAYS),
        RECORDS_SHOWN + 1,
    )
    rows = sessions(user, today, meetings)
    on_today = [r for r in rows if timezone.localdate(r.starts_at) == today]
    on_tomorrow = [r for r in rows if r not in on_today]
    return {
        "now": now,
        "today": today,
        "sessions_today": on_today,
        "sessions_tomorrow": on_tomorrow,
        "session_days": [("Today", on_today, "today"), ("Tomorrow", on_tomorrow, "tomorrow")],
        "alerts": open_alerts(user, now),
        "records": (records := records_to_sign(user, now, group_records, caseload.by_id()))[
            :RECORDS_SHOWN
        ],
        "more_records": len(records) > RECORDS_SHOWN,
        "tasks": noted_tasks(user),
        "rerating": caseload.rerating_due(),
        "endings": caseload.ending_without_review(),
    }


def shown(panels: dict[str, Any]) -> dict[str, Any]:
    """What the audit keeps of one look: the courses and group sessions on screen (by
    public id), no name."""
    rows = panels["sessions_today"] + panels["sessions_tomorrow"]
    courses = {r.appointment.course.public_id for r in rows if isinstance(r, SessionRow)}
    groups = {r.session.public_id for r in rows if isinstance(r, diary.Meeting)}
    groups |= {r.session.public_id for r in panels["records"] if isinstance(r, GroupRecord)}
    courses |= {row.alert.course.public_id for row in panels["alerts"]}
    courses |= {a.course.public_id for a in panels["records"] if not isinstance(a, GroupRecord)}
    courses |= {t.course.public_id for t in panels["tasks"]}
    courses |= {d.course.public_id for d in panels["rerating"] + panels["endings"]}
    shown = {"courses": sorted(str(c) for c in courses)}
    if groups:
        shown["group_sessions"] = sorted(str(g) for g in groups)
    return shown
