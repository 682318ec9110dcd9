"""The therapist's caseload, starting a course, and a course's sessions."""

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, IntegerField, JSONField, OuterRef, Subquery
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.accounts.decorators import require
from interplay.accounts.models import User
from interplay.accounts.permissions import Action
from interplay.audit.services import record
from interplay.courses import attendance, protocols, rules, services, shared
from interplay.courses.forms import (
    AttendanceForm,
    EndCourseForm,
    RescheduleForm,
    ShiftForm,
    StartCourseForm,
    TaskDoneForm,
)
from interplay.courses.models import Appointment, Course, CourseStatus, CourseTask
from interplay.courses.permissions import course_scope, scope_shape, visible_courses
from interplay.lib import sorting
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.lib.prepared import Prepared
from interplay.measures.models import QuestionnaireResponse
from interplay.measures.panel import attended_among, outcome_panel
from interplay.monitoring.models import RiskAlert
from interplay.referrals.models import Referral, ReferralStatus
from interplay.triage.models import Allocation


def _me(request: HttpRequest) -> User:
    """The signed-in staff member (the view guards have made sure there is one)."""
    assert isinstance(request.user, User)
    return request.user


# The caseload's sortable columns; without ?sort= it runs by surname. "next" (the next
# session) is read with the rows, so it is sorted once they are built, at no query.
CASELOAD_COLUMNS = {"person": "Person", "therapy": "Therapy", "next": "Next session"}
CASELOAD_ORDER = {
    "person": ("patient__last_name", "patient__first_name", "id"),
    "therapy": ("modality", "patient__last_name", "id"),
}


@require_GET
@require(Action.RUN_COURSE)
def caseload(request: HttpRequest) -> HttpResponse:
    """People allocated to me and waiting to start, and my courses with where each is."""
    sort = sorting.read(request.GET, CASELOAD_COLUMNS)
    to_start = _TO_START.run(user=request.user.pk)
    order = sort.order_by(CASELOAD_ORDER) or ("patient__last_name",)
    courses = _CASELOAD.run(tuple(order), user=request.user.pk)
    now = timezone.now()
    upcoming = _next_sessions(request.user, courses, now)
    # A group member's course stays a row of its own (their scores, alerts, next place),
    # labelled with its group; each group I run is listed once above the table.
    places = shared.caseload_places(request.user) if courses else {}
    rows = [_row(c, upcoming.get(c.pk)) | {"group": places.get(c.pk)} for c in courses]
    if sort.key == "next":
        # Soonest first; courses with nothing booked after every booked one.
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        rows.sort(key=lambda row: row["next"].starts_at if row["next"] else far)
        if sort.descending:
            rows.reverse()
    record(
        actor=request.user,
        action="caseload.viewed",
        detail={"courses": [str(c.public_id) for c in courses]},
    )
    context = {
        "to_start": to_start,
        "rows": rows,
        "sort": sort,
        "groups": shared.running_groups(request.user, now),
    }
    return render(request, "courses/caseload.html", context)


# In the model's own field order, as ``Model.from_db`` reads them.
NEXT_FIELDS = ["id", "course_id", "number", "starts_at"]


def _next_sessions(
    user: Any, courses: Sequence[Course], now: dt.datetime
) -> dict[int, Appointment]:
    """Each course's next live session, by course id (one query): read as plain values,
    the soonest per course kept, and only those made into appointments (a model for every
    booked session ahead was most of the cost of this read)."""
    if not courses:
        return {}
    soonest = {row[1]: row for row in _AHEAD.run(user=user.pk, now=now)}
    return {
        course_id: Appointment.from_db("default", NEXT_FIELDS, row)
        for course_id, row in soonest.items()
    }


# The live sessions ahead of my courses in progress (the caseload's courses), the latest
# first, so that the soonest of each course is kept.
_AHEAD = Prepared(
    Appointment,
    lambda user, now: (
        Appointment.objects.live()
        .filter(course__therapist=user, course__status=CourseStatus.ACTIVE, starts_at__gte=now)
        .order_by("-starts_at")
        .values_list(*NEXT_FIELDS)
    ),
    user="id",
    now="datetime",
)
# People allocated to me and waiting to start, the longest allocated first.
_TO_START = Prepared(
    Allocation,
    lambda user: (
        Allocation.objects.active()
        .filter(therapist=user, referral__status=ReferralStatus.ALLOCATED)
        .select_related("referral")
        .order_by("allocated_at")
    ),
    user="id",
)


def _caseload_courses(order: tuple[str, ...], user: Any) -> Any:
    """My courses in progress with their figures, in ``order``."""
    return (
        Course.objects.of_therapist(user)
        .active()
        .select_related("patient")
        # Only what the page shows: nothing encrypted is read (each value is a decryption),
        # and the scores and alerts come as figures, not a model built for each response.
        .only(
            "public_id",
            "referral_id",
            "modality",
            "planned_sessions",
            "protocol_digest",
            "patient__first_name",
            "patient__last_name",
        )
        .annotate(**_caseload_figures())
        .order_by(*order)
    )


_CASELOAD = Prepared(Course, _caseload_courses, user="id")


@functools.cache
def _caseload_figures() -> dict[str, Any]:
    """Each course's open alerts and latest scores, as subqueries of the caseload's query:
    built once per process (each query copies a subquery as it resolves it, never
    changes it), not on every request."""
    return {
        "open_alerts": _count_of(
            RiskAlert.objects.filter(course=OuterRef("pk"), acknowledged_at__isnull=True)
        ),
        **{
            f"{where}_{code}": _latest_totals(code, where, complete_only=where == "course")
            for code in ("phq9", "gad7")
            for where in ("course", "referral")
        },
    }


def _count_of(rows: Any) -> Any:
    """How many ``rows`` (of one course) there are, as a subquery of the page's own
    query (0 for none)."""
    counted = rows.order_by().values("course").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _latest_totals(code: str, where: str, *, complete_only: bool) -> Subquery:
    """The latest response to ``code`` of the course or of its referral (at screening), as a
    dict of ``total``, ``band`` and ``complete`` (None if there is none): one subquery in
    the page's query, not a model built for every response of every course."""
    outer = OuterRef("pk") if where == "course" else OuterRef("referral_id")
    rows = QuestionnaireResponse.objects.filter(instrument_code=code, **{where: outer})
    if complete_only:
        rows = rows.filter(complete=True)
    totals = JSONObject(total="total", band="band", complete="complete")
    latest = rows.order_by("-answered_at", "-id").values(totals=totals)[:1]
    return Subquery(latest, output_field=JSONField())


def _row(course: Any, next_session: Appointment | None) -> dict[str, Any]:
    protocol = course.protocol()
    number = next_session.number if next_session else course.planned_sessions
    # The latest complete scores: the course's own, else the referral's at screening.
    latest = {
        code: getattr(course, f"course_{code}") or getattr(course, f"referral_{code}")
        for code in ("phq9", "gad7")
    }
    return {
        "open_alerts": course.open_alerts,
        "course": course,
        "next": next_session,
        "label": protocols.session_label(protocol, number, course.planned_sessions),
        "phq9": latest["phq9"],
        "gad7": latest["gad7"],
    }


def _allocated_referral(request: HttpRequest, public_id: uuid.UUID) -> Referral:
    allocation = (
        Allocation.objects.active()
        .filter(therapist=_me(request), referral__public_id=public_id)
        .select_related("referral__decision", "referral__patient")
        .first()
    )
    if allocation is None:
        raise Http404
    return allocation.referral


@require_http_methods(["GET", "POST"])
@require(Action.RUN_COURSE)
def start(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Choose the day, time, place and protocol; a POST shows the proposed sessions."""
    referral = _allocated_referral(request, public_id)
    choices = services.protocols_for(referral.decision.modality)
    form = StartCourseForm(request.POST if request.method == "POST" else None, protocols=choices)
    plan = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                plan = services.propose(
                    referral=referral,
                    therapist=request.user,  # type: ignore[arg-type]
                    protocol_code=form.cleaned_data["protocol"],
                    weekday=form.cleaned_data["weekday"],
                    at=form.cleaned_data["time"],
                    first_date=form.cleaned_data["first_date"],
                    room=form.cleaned_data["room"],
                    reason=form.cleaned_data["reason"],
                )
            except RuleViolation as error:
                _explain(form, error)
                status = 409
        else:
            status = 400
    # The choices travel to the booking step exactly as typed.
    carry = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    context = {"referral": referral, "form": form, "plan": plan, "carry": carry}
    return render(request, "courses/start.html", _with_hours(request, context), status=status)


def _explain(form: Any, error: RuleViolation) -> None:
    """The refusal beside the field it is about (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _with_hours(request: HttpRequest, context: dict[str, Any], therapist: Any = None) -> Any:
    """The therapist's working hours, for the pages that refuse a time outside them."""
    hours = services.working_hours(therapist or _me(request))
    return context | {"working_hours": rules.describe_hours(hours)}


@require_POST
@require(Action.RUN_COURSE)
def confirm(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Book the proposed sessions. If a time was taken meanwhile, show the new proposal."""
    referral = _allocated_referral(request, public_id)
    choices = services.protocols_for(referral.decision.modality)
    form = StartCourseForm(request.POST, protocols=choices)
    context = _with_hours(request, {"referral": referral, "form": form})
    if not form.is_valid():
        return render(request, "courses/start.html", context, status=400)
    data = form.cleaned_data
    try:
        course = services.start_course(
            actor=request.user,  # type: ignore[arg-type]
            referral=referral,
            protocol_code=data["protocol"],
            weekday=data["weekday"],
            at=data["time"],
            first_date=data["first_date"],
            room=data["room"],
            video_link=data["video_link"],
            reason=data["reason"],
        )
    except RuleViolation as error:
        _explain(form, error)
        return render(request, "courses/start.html", context, status=409)
    messages.success(request, f"Course started: {course.planned_sessions} sessions booked.")
    return redirect("courses:detail", public_id=course.public_id)


@require_GET
@require(Action.VIEW_COURSE)
def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every session of the course with its number, phase and state."""
    shape = scope_shape(request.user)
    found = (
        _VISIBLE_COURSE.run(*shape, user=request.user.pk, public_id=public_id) if any(shape) else []
    )
    if not found:
        raise Http404("No course here.")
    course = found[0]
    record(actor=request.user, action="course.viewed", obj=course)
    return _detail_page(request, course)


# The course page's course, if the user may open it: compiled once per process for each
# way of seeing courses (their therapist's, their supervisor's, both).
_VISIBLE_COURSE = Prepared(
    Course,
    lambda therapist, supervisor, user, public_id: (
        Course.objects.filter(course_scope(user, therapist, supervisor), public_id=public_id)
        .select_related("patient", "therapist__clinician", "room")
        .defer("end_reason")  # encrypted, and not on the page
    ),
    user="id",
    public_id="uuid",
)


@functools.cache
def blank_form(form_class: type[forms.Form]) -> SafeString:
    """``{{ form }}`` of an unbound ``form_class`` with no initial values: it reads the
    same every time, so it is rendered once."""
    return form_class().render()


def _detail_page(
    request: HttpRequest, course: Course, status: int = 200, **bound: Any
) -> HttpResponse:
    protocol = course.protocol()
    appointments = _COURSE_SESSIONS.run(course=course.pk)
    sessions = [
        (a, protocols.phase_for(protocol, a.number, course.planned_sessions)) for a in appointments
    ]
    context = {
        "course": course,
        "sessions": sessions,
        "protocol": protocol,
        "tasks": _OPEN_TASKS.run(course=course.pk),
        "mine": course.therapist_id == request.user.pk,
        "end_form": bound.get("end_form") or EndCourseForm(),
        "shift_form": bound.get("shift_form") or ShiftForm(),
        # A form sent back with its errors renders itself; a blank one is the same markup
        # on every course page: rendered once per process.
        "end_form_markup": None if bound.get("end_form") else blank_form(EndCourseForm),
        "shift_form_markup": None if bound.get("shift_form") else blank_form(ShiftForm),
        # Every session is read above: the panel counts the attended ones among them.
        "outcomes": outcome_panel(course, attended=attended_among(appointments)),
    }
    if course.status == CourseStatus.ACTIVE and context["mine"]:
        context["unresolved"] = attendance.unresolved_among(appointments, timezone.now())
        context["no_final_score"] = attendance.final_score_missing(course)
    return render(request, "courses/detail.html", context, status=status)


# The course page's reads of one course, compiled once per process (lib/prepared.py).
# Every session, in time order; the encrypted reason for a back-dated one is not on the
# page, so it is not read (each value read is a decryption).
_COURSE_SESSIONS = Prepared(
    Appointment,
    lambda course: Appointment.objects.filter(course=course).defer("backdate_reason"),
    course="id",
)
# Its open tasks, with the session each came after: what the list shows.
_OPEN_TASKS = Prepared(
    CourseTask,
    lambda course: (
        CourseTask.objects.open()
        .filter(course=course)
        .select_related("appointment")
        .only("public_id", "kind", "raised_at", "appointment", "appointment__number")
    ),
    course="id",
)


def _session(request: HttpRequest, public_id: uuid.UUID) -> Appointment:
    return get_object_or_404(
        Appointment.objects.filter(course__in=visible_courses(request.user)).select_related(
            "course__patient", "room"
        ),
        public_id=public_id,
    )


def _session_page(
    request: HttpRequest, appointment: Appointment, status: int = 200, **bound: Any
) -> HttpResponse:
    course = appointment.course
    protocol = course.protocol()
    phase = protocols.phase_for(protocol, appointment.number, course.planned_sessions)
    context = {
        "appointment": appointment,
        "course": course,
        "label": protocols.session_label(protocol, appointment.number, course.planned_sessions),
        "phase": phase,
        "mine": appointment.therapist_id == request.user.pk,
        "tasks": course.tasks.open(),
        "attendance_form": bound.get("attendance_form") or AttendanceForm(),
        "move_form": bound.get("move_form") or RescheduleForm(),
        "task_form": TaskDoneForm(),
    }
    if context["mine"] and appointment.status == "booked":
        context = _with_hours(request, context)
    return render(request, "courses/session.html", context, status=status)


@require_GET
@require(Action.VIEW_COURSE)
def session(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One session: its number and phase, the phase's tasks, attendance, moving it."""
    appointment = _session(request, public_id)
    record(
        actor=request.user,
        action="course.viewed",
        obj=appointment.course,
        detail={"session": appointment.number},
    )
    return _session_page(request, appointment)


def _back(appointment: Appointment) -> HttpResponse:
    return redirect("courses:session", public_id=appointment.public_id)


@require_POST
@require(Action.RUN_COURSE)
def attendance_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    appointment = _session(request, public_id)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        return _session_page(request, appointment, status=400, attendance_form=form)
    try:
        raised = attendance.record_attendance(
            actor=request.user, appointment=appointment, status=form.cleaned_data["status"]
        )
    except PermissionDenied:
        return render(request, "403.html", status=403)
    except RuleViolation as error:
        messages.error(request, str(error))
        return _session_page(request, appointment, status=409, attendance_form=form)
    note = f" {len(raised)} task(s) raised: see below." if raised else ""
    messages.success(request, f"Attendance recorded.{note}")
    return _back(appointment)


@require_POST
@require(Action.RUN_COURSE)
def reschedule_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    appointment = _session(request, public_id)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _session_page(request, appointment, status=400, move_form=form)
    zone = ZoneInfo(settings.TIME_ZONE)
    starts_at = dt.datetime.combine(
        form.cleaned_data["date"], form.cleaned_data["time"], tzinfo=zone
    )
    try:
        attendance.reschedule(
            actor=request.user,
            appointment=appointment,
            starts_at=starts_at,
            reason=form.cleaned_data["reason"],
        )
    except PermissionDenied:
        return render(request, "403.html", status=403)
    except RuleViolation as error:
        _explain(form, error)
        return _session_page(request, appointment, status=409, move_form=form)
    messages.success(request, f"Session {appointment.number} moved.")
    return _back(appointment)


@require_POST
@require(Action.RUN_COURSE)
def task_done(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    task = get_object_or_404(
        CourseTask.objects.filter(course__therapist=_me(request)).select_related("course"),
        public_id=public_id,
    )
    form = TaskDoneForm(request.POST)
    if form.is_valid():
        try:
            attendance.complete_task(
                actor=request.user, task=task, outcome=form.cleaned_data["outcome"]
            )
            messages.success(request, f"Done: {task.get_kind_display()}.")
        except RuleViolation as error:
            messages.error(request, str(error))
    else:
        messages.error(request, "Say what you did before marking the task done.")
    return redirect("courses:detail", public_id=task.course.public_id)


@require_POST
@require(Action.RUN_COURSE)
def end(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """End the course; later sessions are cancelled and the therapist's place frees."""
    course = get_object_or_404(visible_courses(request.user), public_id=public_id)
    form = EndCourseForm(request.POST)
    if form.is_valid():
        try:
            attendance.end_course(actor=request.user, course=course, **form.cleaned_data)
        except PermissionDenied:
            return render(request, "403.html", status=403)
        except RuleViolation as error:
            _explain(form, error)
            return _detail_page(request, course, status=409, end_form=form)
        messages.success(request, "Course ended. Later sessions are marked not needed.")
        return redirect("courses:detail", public_id=course.public_id)
    return _detail_page(request, course, status=400, end_form=form)


@require_POST
@require(Action.RUN_COURSE)
def shift(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Move all remaining sessions later, keeping the day and time."""
    course = get_object_or_404(visible_courses(request.user), public_id=public_id)
    form = ShiftForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, course, status=400, shift_form=form)
    try:
        moved = services.shift_remaining(actor=_me(request), course=course, **form.cleaned_data)
    except PermissionDenied:
        return render(request, "403.html", status=403)
    except RuleViolation as error:
        form.add_error(None, str(error))
        return _detail_page(request, course, status=409, shift_form=form)
    messages.success(request, f"{len(moved)} sessions moved.")
    return redirect("courses:detail", public_id=course.public_id)
