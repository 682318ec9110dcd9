"""Keeping each course's figures row (``CourseFigures``) equal to its record.

``refresh(course)`` recomputes one course's row from its sessions and questionnaire
answers; callers run it inside the transaction of the change that moves a figure, so the
row and the record never disagree. ``rebuild()`` recomputes every row (``manage.py
rebuild_figures``). The flags are the pure rules of ``measures.outcomes``, so the figures
and a course's own outcome panel count alike.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.timezone import localdate

from interplay.courses.models import Appointment, AppointmentStatus, Course, CourseStatus
from interplay.measures import outcomes
from interplay.measures.instruments import GAD7, PHQ9
from interplay.measures.models import QuestionnaireResponse
from interplay.reports.models import CourseFigures

MEASURES = (PHQ9.code, GAD7.code)
CANCELLED_BY_PATIENT = (AppointmentStatus.CANCELLED_BY_PATIENT, AppointmentStatus.CANCELLED_LATE)


def refresh(course: Course | int) -> CourseFigures:
    """Recompute and save the figures row of one course (a Course or its id)."""
    course_id = course if isinstance(course, int) else course.pk
    return _build(Course.objects.select_related("referral").filter(pk=course_id))[0]


def rebuild(batch: int = 500) -> int:
    """Recompute every course's row, ``batch`` courses per transaction; returns the count."""
    ids = list(Course.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        _build(Course.objects.select_related("referral").filter(pk__in=ids[start : start + batch]))
    CourseFigures.objects.exclude(course_id__in=Course.objects.values("pk")).delete()
    return len(ids)


def _build(courses_qs: Any) -> list[CourseFigures]:
    courses = list(courses_qs)
    ids = [c.pk for c in courses]
    sessions: dict[int, list[Any]] = defaultdict(list)
    for row in (
        Appointment.objects.filter(course_id__in=ids, number__gte=1)
        .order_by("starts_at", "pk")
        .values("pk", "course_id", "status", "starts_at")
    ):
        sessions[row["course_id"]].append(row)
    answers: dict[int, list[Any]] = defaultdict(list)
    for answer in (
        QuestionnaireResponse.objects.filter(
            course_id__in=ids, instrument_code__in=MEASURES, complete=True, total__isnull=False
        )
        .order_by("answered_at", "pk")
        .values("course_id", "instrument_code", "total", "answered_at", "appointment_id")
    ):
        answers[answer["course_id"]].append(answer)
    built = [_row(c, sessions[c.pk], answers[c.pk]) for c in courses]
    with transaction.atomic():
        for figures in built:
            figures.save()
    return built


def _row(course: Course, sessions: Iterable[Any], answers: list[Any]) -> CourseFigures:
    sessions = list(sessions)
    attended = [s for s in sessions if s["status"] == AppointmentStatus.ATTENDED]
    by_code: dict[str, list[int]] = {code: [] for code in MEASURES}
    latest: dict[str, Any] = {}
    answered_for: dict[int, set[str]] = defaultdict(set)
    for a in answers:
        by_code[a["instrument_code"]].append(a["total"])
        latest[a["instrument_code"]] = a["answered_at"]
        if a["appointment_id"]:
            answered_for[a["appointment_id"]].add(a["instrument_code"])
    outcome = outcomes.course_outcome(
        by_code[PHQ9.code], by_code[GAD7.code], attended=len(attended)
    )
    fell = rose = False
    if outcome.paired:
        assert outcome.phq9 and outcome.gad7 and outcome.phq9.last is not None
        assert outcome.gad7.last is not None
        changes = (
            outcomes.reliable_change(PHQ9, outcome.phq9.first, outcome.phq9.last),
            outcomes.reliable_change(GAD7, outcome.gad7.first, outcome.gad7.last),
        )
        fell, rose = -1 in changes, 1 in changes
    referred_on = localdate(course.referral.received_at)
    first_on = localdate(attended[0]["starts_at"]) if attended else None
    second_on = localdate(attended[1]["starts_at"]) if len(attended) > 1 else None
    ended = course.status != CourseStatus.ACTIVE
    phq, gad = outcome.phq9, outcome.gad7
    return CourseFigures(
        course=course,
        therapist_id=course.therapist_id,
        modality=course.modality,
        referral_source=course.referral.source,
        status=course.status,
        referred_on=referred_on,
        started_on=course.start_date,
        ended_on=localdate(course.ended_at) if ended and course.ended_at else None,
        first_session_on=first_on,
        second_session_on=second_on,
        wait_days=(first_on - referred_on).days if first_on else None,
        attended=len(attended),
        did_not_attend=sum(s["status"] == AppointmentStatus.DID_NOT_ATTEND for s in sessions),
        cancelled_by_patient=sum(s["status"] in CANCELLED_BY_PATIENT for s in sessions),
        cancelled_by_service=sum(
            s["status"] == AppointmentStatus.CANCELLED_BY_SERVICE for s in sessions
        ),
        attended_with_paired_scores=sum(answered_for[s["pk"]] >= set(MEASURES) for s in attended),
        finished=ended and outcomes.finished(len(attended)),
        phq9_first=phq.first if phq else None,
        phq9_last=phq.last if phq else None,
        gad7_first=gad.first if gad else None,
        gad7_last=gad.last if gad else None,
        phq9_latest_on=localdate(latest[PHQ9.code]) if PHQ9.code in latest else None,
        gad7_latest_on=localdate(latest[GAD7.code]) if GAD7.code in latest else None,
        paired=outcome.paired,
        at_caseness=outcome.at_caseness,
        recovered=outcome.recovered,
        reliable_fall=fell,
        reliable_rise=rose,
    )
