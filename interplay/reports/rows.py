"""Keeping each course's figures row (``CourseFigures``) equal to its record.

``refresh(course)`` recomputes one course's row from its sessions and questionnaire
answers. Every service that changes what a row holds calls it through
``interplay.courses.figures.changed`` inside its own transaction, so the row and the
record never disagree at a commit. It costs four queries whatever the course holds: the
course with its referral, its sessions, its complete PHQ-9 and GAD-7 totals, and one
upsert. ``rebuild()`` recomputes every row in batches (``manage.py rebuild_figures``).

What the row counts (docs/clinical-rules.md 5):

- Treatment sessions are numbers 1 onwards: a group's pre-group meeting (session 0) is not
  one, so it counts neither towards the two attended sessions that finish a course (5.2)
  nor as the first session that ends the wait (5.6).
- The first and last scores are the course's own complete answers in answer order, as
  the course's outcome panel reads them (5.3), including answers whose session was since
  removed. The flags are the pure rules of ``measures.outcomes``, so the figures and the
  panel count alike; the mixed case is kept as both ``reliable_fall`` and
  ``reliable_rise`` and resolved by the service's rule when aggregating (``flags.py``).
- Dates are the service's local dates (``settings.TIME_ZONE``), whatever time zone a
  request runs in: a session at 00:30 BST belongs to that day, not the UTC one before.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from interplay.courses.models import Appointment, AppointmentStatus, Course, CourseStatus
from interplay.lib.prepared import Prepared
from interplay.measures import outcomes
from interplay.measures.instruments import GAD7, PHQ9
from interplay.measures.models import QuestionnaireResponse
from interplay.reports.models import CourseFigures

MEASURES = (PHQ9.code, GAD7.code)
CANCELLED_BY_PATIENT = (AppointmentStatus.CANCELLED_BY_PATIENT, AppointmentStatus.CANCELLED_LATE)
# What a row is built from: never the encrypted words (the end reason) nor the protocol.
COURSE_FIELDS = (
    "pk",
    "therapist_id",
    "modality",
    "status",
    "start_date",
    "ended_at",
    "referral__received_at",
    "referral__source",
)
# Every field a refresh writes (all but the key): the upsert's update list.
WRITTEN = tuple(f.name for f in CourseFigures._meta.concrete_fields if not f.primary_key)


def refresh(course: Course | int) -> CourseFigures:
    """Recompute and save the figures row of one course (a Course or its id)."""
    course_id = course if isinstance(course, int) else course.pk
    return build([course_id])[0]


def rebuild(batch: int = 1000, *, progress: Any = None) -> int:
    """Recompute every course's row, ``batch`` courses per transaction; returns the count.

    ``progress`` (optional) is called with the number of rows written after each batch.
    """
    done, last = 0, 0
    while True:
        ids = list(
            Course.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        with transaction.atomic():
            build(ids)
        done, last = done + len(ids), ids[-1]
        if progress is not None:
            progress(len(ids))


def _sessions(course_ids: Sequence[int]) -> "QuerySet[Any]":
    return (
        Appointment.objects.filter(course_id__in=course_ids, number__gte=1)
        .order_by("starts_at", "pk")
        .values(*SESSION_VALUES)
    )


def _answers(course_ids: Sequence[int]) -> "QuerySet[Any]":
    return (
        QuestionnaireResponse.objects.filter(
            course_id__in=course_ids, instrument_code__in=MEASURES, complete=True
        )
        .exclude(total=None)
        .order_by("answered_at", "pk")
        .values(*ANSWER_VALUES)
    )


SESSION_VALUES = ("pk", "course_id", "status", "starts_at")
ANSWER_VALUES = ("course_id", "instrument_code", "total", "answered_at", "appointment_id")


class OneCourse:
    """The rows of ``values(*names)`` query ``make([course_id])`` for one course, its SQL put
    together once per process and database (each service that changes a course refreshes
    its row, and the ORM took longer to write these statements than the database took to
    answer them). The same statement, with the course's id in place of a stand-in one."""

    STAND_IN = -(2**52) + 7  # no course's id

    def __init__(self, model: Any, make: Any, names: Sequence[str]) -> None:
        self.model, self.make, self.names = model, make, tuple(names)
        self.kept: dict[str, tuple[Any, str, tuple[Any, ...], list[int], list[Any]]] = {}

    def rows(self, course_id: int) -> list[dict[str, Any]]:
        alias = router.db_for_read(self.model)
        kept = self.kept.get(alias)
        if kept is None:
            compiler = self.make([self.STAND_IN]).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            places = [i for i, p in enumerate(params) if type(p) is int and p == self.STAND_IN]
            assert len(places) == 1, "the stand-in id is in the statement once"
            columns = [s[0] for s in compiler.select[: compiler.col_count]]
            kept = (compiler, sql, tuple(params), places, compiler.get_converters(columns))
            self.kept[alias] = kept
        compiler, sql, params, places, converters = kept
        values = list(params)
        for place in places:
            values[place] = course_id
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, values)
            found: Iterable[Any] = cursor.fetchall()
        if converters:
            found = compiler.apply_converters(found, converters)
        return [dict(zip(self.names, row, strict=True)) for row in found]


_one_course_sessions = OneCourse(Appointment, _sessions, SESSION_VALUES)
_one_course_answers = OneCourse(QuestionnaireResponse, _answers, ANSWER_VALUES)


def _courses() -> "QuerySet[Course]":
    return Course.objects.select_related("referral").only(*COURSE_FIELDS)


# A service's refresh of one course reads it by a statement compiled once (lib/prepared.py).
_one_course = Prepared(Course, lambda course: _courses().filter(pk=course), course="id")


def build(course_ids: Sequence[int]) -> list[CourseFigures]:
    """Recompute and upsert the rows of ``course_ids``: four queries however many."""
    if len(course_ids) == 1:  # a service's refresh of one course
        courses = _one_course.run(course=course_ids[0])
        session_rows = _one_course_sessions.rows(course_ids[0])
        answer_rows = _one_course_answers.rows(course_ids[0])
    else:
        courses = list(_courses().filter(pk__in=course_ids))
        session_rows, answer_rows = list(_sessions(course_ids)), list(_answers(course_ids))
    sessions: dict[int, list[Any]] = defaultdict(list)
    for row in session_rows:
        sessions[row["course_id"]].append(row)
    answers: dict[int, list[Any]] = defaultdict(list)
    for answer in answer_rows:
        answers[answer["course_id"]].append(answer)
    built = [figures_of(c, sessions[c.pk], answers[c.pk]) for c in courses]
    save(built)
    return built


def save(rows: list[CourseFigures], batch_size: int | None = None) -> None:
    """Insert the rows, or overwrite those already there: one statement per batch."""
    CourseFigures.objects.bulk_create(
        rows,
        batch_size=batch_size,
        update_conflicts=True,
        unique_fields=["course"],
        update_fields=list(WRITTEN),
    )


def local_day(moment: Any) -> Any:
    return timezone.localdate(moment, timezone=ZoneInfo(settings.TIME_ZONE))


def figures_of(
    course: Course, sessions: Iterable[dict[str, Any]], answers: Iterable[dict[str, Any]]
) -> CourseFigures:
    """The row of ``course`` from its treatment sessions and complete answers (dicts with
    the keys ``build`` reads), both in time order. Pure: no query."""
    sessions = list(sessions)
    attended = [s for s in sessions if s["status"] == AppointmentStatus.ATTENDED]
    scores, latest, answered_for = _scores(answers)
    outcome = outcomes.course_outcome(scores[PHQ9.code], scores[GAD7.code], attended=len(attended))
    referred_on = local_day(course.referral.received_at)
    first_on = local_day(attended[0]["starts_at"]) if attended else None
    ended = course.status != CourseStatus.ACTIVE
    phq, gad = outcome.phq9, outcome.gad7
    fell, rose = _reliable_changes(outcome)
    return CourseFigures(
        course=course,
        therapist_id=course.therapist_id,
        modality=course.modality,
        referral_source=course.referral.source,
        status=course.status,
        referred_on=referred_on,
        started_on=course.start_date,
        ended_on=local_day(course.ended_at) if ended and course.ended_at else None,
        first_session_on=first_on,
        second_session_on=local_day(attended[1]["starts_at"]) if len(attended) > 1 else None,
        wait_days=(first_on - referred_on).days if first_on else None,
        attended=len(attended),
        did_not_attend=_count(sessions, AppointmentStatus.DID_NOT_ATTEND),
        cancelled_by_patient=_count(sessions, *CANCELLED_BY_PATIENT),
        cancelled_by_service=_count(sessions, AppointmentStatus.CANCELLED_BY_SERVICE),
        attended_with_paired_scores=sum(answered_for[s["pk"]] >= set(MEASURES) for s in attended),
        finished=ended and outcome.finished,
        phq9_first=phq.first if phq else None,
        phq9_last=phq.last if phq else None,
        gad7_first=gad.first if gad else None,
        gad7_last=gad.last if gad else None,
        phq9_latest_on=local_day(latest[PHQ9.code]) if PHQ9.code in latest else None,
        gad7_latest_on=local_day(latest[GAD7.code]) if GAD7.code in latest else None,
        paired=outcome.paired,
        at_caseness=outcome.at_caseness,
        recovered=outcome.recovered,
        reliable_fall=fell,
        reliable_rise=rose,
    )


def _count(sessions: list[dict[str, Any]], *statuses: str) -> int:
    return sum(s["status"] in statuses for s in sessions)


def _scores(
    answers: Iterable[dict[str, Any]],
) -> tuple[dict[str, list[int]], dict[str, Any], dict[int, set[str]]]:
    """Each measure's totals in answer order, its latest answer's time, and the measures
    answered for each session."""
    by_code: dict[str, list[int]] = {code: [] for code in MEASURES}
    latest: dict[str, Any] = {}
    answered_for: dict[int, set[str]] = defaultdict(set)
    for a in answers:
        by_code[a["instrument_code"]].append(a["total"])
        latest[a["instrument_code"]] = a["answered_at"]
        if a["appointment_id"]:
            answered_for[a["appointment_id"]].add(a["instrument_code"])
    return by_code, latest, answered_for


def _reliable_changes(outcome: outcomes.CourseOutcome) -> tuple[bool, bool]:
    """Whether either measure fell reliably, and whether either rose reliably (both in
    the mixed case), from the paired first and last scores."""
    if not outcome.paired:
        return False, False
    assert outcome.phq9 is not None and outcome.phq9.last is not None
    assert outcome.gad7 is not None and outcome.gad7.last is not None
    changes = (
        outcomes.reliable_change(PHQ9, outcome.phq9.first, outcome.phq9.last),
        outcomes.reliable_change(GAD7, outcome.gad7.first, outcome.gad7.last),
    )
    return -1 in changes, 1 in changes
