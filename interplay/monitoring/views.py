"""Staff pages: the alert inbox, one alert with its acknowledgement, and typing answers
given on paper or aloud into a session."""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.audit.services import record as audit
from interplay.courses import protocols
from interplay.courses.models import Appointment
from interplay.courses.permissions import visible_courses
from interplay.forms import InterplayForm
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.measures.services import instrument
from interplay.monitoring import services
from interplay.monitoring.forms import AnswersForm, SourceForm
from interplay.monitoring.permissions import visible_alerts

RECENT = 50


@require_GET
@require(Action.VIEW_ALERTS)
def inbox(request: HttpRequest) -> HttpResponse:
    """Open alerts first (oldest first: the longest waiting), then the latest acknowledged."""
    alerts = visible_alerts(request.user).select_related(
        "course__patient", "therapist", "escalated_to"
    )
    open_alerts = list(alerts.open().order_by("raised_at", "id"))
    closed = list(
        alerts.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at")[:RECENT]
    )
    audit(actor=request.user, action="alerts.viewed", detail={"open": len(open_alerts)})
    context = {
        "open_alerts": open_alerts,
        "closed": closed,
        "shown": RECENT,
        "now": timezone.now(),
    }
    return render(request, "monitoring/inbox.html", context)


class AcknowledgeForm(InterplayForm):
    action_note = forms.CharField(
        label="What have you done, or will you do?",
        help_text="For example: phoned them, agreed a safety plan, discussed at supervision.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what you did or will do about this alert"},
    )


@require_http_methods(["GET", "POST"])
@require(Action.VIEW_ALERTS)
def alert(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    item = get_object_or_404(
        visible_alerts(request.user).select_related(
            "course__patient", "response", "therapist", "acknowledged_by", "escalated_to"
        ),
        public_id=public_id,
    )
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.acknowledge_alert(
                actor=request.user, alert=item, action_note=form.cleaned_data["action_note"]
            )
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except RuleViolation as error:
            form.add_error("action_note", str(error))
        else:
            messages.success(request, "Alert acknowledged.")
            return redirect("monitoring:alert", public_id=item.public_id)
    else:
        audit(actor=request.user, action="alert.viewed", obj=item)
    response = item.response
    answered_on = instrument(response.instrument_code, response.instrument_version)
    top = max(value for value, _, _ in answered_on.options)
    context = {
        "alert": item,
        "form": form,
        "may_act": services.may_act_on(request.user, item),
        "response": response,
        "instrument": answered_on,
        # The risk questions' answers, on the version the person answered.
        "risk_answers": [(n, response.answer(n), top) for n in answered_on.risk_items],
    }
    return render(request, "monitoring/alert.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@require(Action.RUN_COURSE)
def enter(request: HttpRequest, public_id: uuid.UUID, code: str) -> HttpResponse:
    """The therapist types the answers a person gave on paper or aloud."""
    appointment = get_object_or_404(
        Appointment.objects.filter(course__in=visible_courses(request.user)).select_related(
            "course__patient"
        ),
        public_id=public_id,
    )
    course = appointment.course
    instrument = services.current_instrument(code)
    if instrument is None or code not in course.protocol().measures_due:
        return render(request, "404.html", status=404)
    data = request.POST if request.method == "POST" else None
    form = AnswersForm(data, instrument=instrument)
    source = SourceForm(data, prefix="how")
    if data is not None and form.is_valid() & source.is_valid():
        try:
            response = services.submit_response(
                actor=request.user,
                appointment=appointment,
                instrument_code=code,
                answers=form.answers(),
                difficulty=form.difficulty_answer(),
                source=source.cleaned_data["source"],
            )
        except (PermissionDenied, RuleViolation) as error:
            form.add_error(None, str(error))
        else:
            what = f"{instrument.name}: " + (
                f"{response.total} ({response.band})" if response.complete else "incomplete"
            )
            messages.success(request, f"Answers saved. {what}.")
            return redirect("courses:session", public_id=appointment.public_id)
    label = protocols.session_label(course.protocol(), appointment.number, course.planned_sessions)
    context: dict[str, Any] = {
        "appointment": appointment,
        "course": course,
        "label": label,
        "instrument": instrument,
        "form": form,
        "source": source,
    }
    return render(
        request,
        "monitoring/enter.html",
        context,
        status=400 if form.errors or source.errors else 200,
    )
