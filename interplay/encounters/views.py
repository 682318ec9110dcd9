"""The session record page: write, save as draft, sign; then addenda only."""

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from interplay.accounts import drafts
from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.audit.services import record as audit
from interplay.courses import protocols
from interplay.courses.models import Appointment
from interplay.courses.permissions import visible_courses
from interplay.encounters import services
from interplay.encounters.forms import AddendumForm, RecordForm
from interplay.encounters.models import SessionRecord
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.progress import services as progress


def _appointment(request: HttpRequest, public_id: uuid.UUID) -> Appointment:
    return get_object_or_404(
        Appointment.objects.filter(course__in=visible_courses(request.user)).select_related(
            "course__patient"
        ),
        public_id=public_id,
    )


def _tasks(appointment: Appointment) -> tuple[Any, list[tuple[str, str]]]:
    course = appointment.course
    protocol = course.protocol()
    phase = protocols.phase_for(protocol, appointment.number, course.planned_sessions)
    return phase, [(task.key, task.text) for task in phase.tasks]


def _page(
    request: HttpRequest, appointment: Appointment, status: int = 200, **bound: Any
) -> HttpResponse:
    phase, tasks = _tasks(appointment)
    record = (
        SessionRecord.objects.filter(appointment=appointment).prefetch_related("addenda").first()
    )
    initial: dict[str, Any] = {"previous_task_review": ""}
    if record is not None:
        initial = {name: getattr(record, name) for name in services.EDITABLE}
    shared = progress.task_will_be_shared(appointment)
    initial["share_task"] = shared
    course = appointment.course
    form = bound.get("form") or RecordForm(
        initial=initial, tasks=tasks, first_name=course.patient.first_name
    )
    protocol = course.protocol()
    context = {
        "appointment": appointment,
        "course": course,
        "label": protocols.session_label(protocol, appointment.number, course.planned_sessions),
        "phase": phase,
        "record": record,
        "task_labels": dict(tasks),
        "form": form,
        "addendum_form": bound.get("addendum_form") or AddendumForm(),
        "mine": appointment.therapist_id == request.user.pk,
        "task_shared": shared,
    }
    return render(request, "encounters/record.html", context, status=status)


@require_GET
@require(Action.VIEW_COURSE)
def record_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    appointment = _appointment(request, public_id)
    audit(
        actor=request.user,
        action="session_record.viewed",
        obj=appointment.course,
        detail={"session": appointment.number},
    )
    kept = drafts.take(request)
    if kept is not None:
        messages.info(request, "Here is what you were writing before you were signed out.")
        _, tasks = _tasks(appointment)
        name = appointment.course.patient.first_name
        form = RecordForm(kept, tasks=tasks, first_name=name)
        form.is_valid()
        again = RecordForm(initial=form.cleaned_data, tasks=tasks, first_name=name)
        return _page(request, appointment, form=again)
    return _page(request, appointment)


def _refused(
    request: HttpRequest, appointment: Appointment, error: Exception, **bound: Any
) -> HttpResponse:
    if isinstance(error, PermissionDenied):
        return render(request, "403.html", status=403)
    messages.error(request, str(error))
    return _page(request, appointment, status=409, **bound)


@require_POST
@require(Action.RUN_COURSE)
def save(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    appointment = _appointment(request, public_id)
    _, tasks = _tasks(appointment)
    form = RecordForm(request.POST, tasks=tasks, first_name=appointment.course.patient.first_name)
    if not form.is_valid():
        return _page(request, appointment, status=400, form=form)
    try:
        services.save_record(actor=request.user, appointment=appointment, **form.cleaned_data)
    except RuleViolation as error:
        if error.field in form.fields:  # beside the field it is about, e.g. a task ticked
            form.add_error(error.field, str(error))
            return _page(request, appointment, status=409, form=form)
        return _refused(request, appointment, error, form=form)
    except PermissionDenied as error:
        return _refused(request, appointment, error, form=form)
    messages.success(request, "Record saved as a draft. Sign it when it is complete.")
    return redirect("encounters:record", public_id=appointment.public_id)


@require_POST
@require(Action.RUN_COURSE)
def sign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    appointment = _appointment(request, public_id)
    try:
        services.sign_record(actor=request.user, appointment=appointment)
    except (RuleViolation, PermissionDenied) as error:
        return _refused(request, appointment, error)
    messages.success(request, "Record signed. It now changes only by addenda.")
    return redirect("encounters:record", public_id=appointment.public_id)


@require_POST
@require(Action.RUN_COURSE)
def addendum(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    appointment = _appointment(request, public_id)
    form = AddendumForm(request.POST)
    if not form.is_valid():
        return _page(request, appointment, status=400, addendum_form=form)
    try:
        services.add_addendum(
            actor=request.user, appointment=appointment, text=form.cleaned_data["text"]
        )
    except (RuleViolation, PermissionDenied) as error:
        return _refused(request, appointment, error, addendum_form=form)
    messages.success(request, "Addendum added.")
    return redirect("encounters:record", public_id=appointment.public_id)
