"""Working hours and leave: an administrator keeps everyone's, a therapist their own.

Sessions are proposed only inside working hours and never on days of leave. Every change
goes through ``accounts.services``, which checks permission and audits.
"""

import datetime as dt
import uuid
from typing import Any, cast

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.accounts import services
from interplay.accounts.decorators import require
from interplay.accounts.forms import BaseWeekFormSet, LeaveForm, WeekFormSet
from interplay.accounts.models import ClinicianProfile, Leave
from interplay.accounts.permissions import Action
from interplay.lib.errors import RuleViolation

FORM_METHODS = ["GET", "HEAD", "POST"]


def _upcoming_leave() -> Prefetch:
    return Prefetch("leave", queryset=Leave.objects.filter(ends_on__gte=timezone.localdate()))


@require_GET
@require(Action.MANAGE_WORKING_HOURS)
def staff(request: HttpRequest) -> HttpResponse:
    """Every clinician's week and coming leave, in a fixed number of queries."""
    profiles = (
        ClinicianProfile.objects.filter(user__is_active=True)
        .select_related("user")
        .prefetch_related("working_hours", _upcoming_leave())
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return render(request, "accounts/staff_hours.html", {"profiles": profiles})


def _someone(public_id: uuid.UUID) -> ClinicianProfile:
    return get_object_or_404(
        ClinicianProfile.objects.select_related("user"), user__public_id=public_id
    )


def _mine(request: HttpRequest) -> ClinicianProfile:
    profile = (
        ClinicianProfile.objects.select_related("user").filter(user_id=request.user.pk or 0).first()
    )
    if profile is None:
        raise Http404("No clinician profile: ask your administrator to add one.")
    return profile


def _urls(profile: ClinicianProfile, mine: bool) -> dict[str, str]:
    if mine:
        return {"week": reverse("hours:my_week"), "leave": reverse("hours:my_leave")}
    key = profile.user.public_id
    return {
        "week": reverse("hours:week", args=[key]),
        "leave": reverse("hours:leave", args=[key]),
        "back": reverse("hours:staff"),
    }


def _week(request: HttpRequest, profile: ClinicianProfile, mine: bool) -> HttpResponse:
    initial = [
        {"weekday": row.weekday, "start": row.start, "end": row.end}
        for row in profile.working_hours.all()
    ]
    data = request.POST if request.method == "POST" else None
    formset = cast(BaseWeekFormSet, WeekFormSet(data, initial=initial, prefix="hours"))
    urls = _urls(profile, mine)
    if data is not None and formset.is_valid():
        try:
            services.set_working_hours(
                actor=request.user,  # type: ignore[arg-type]
                profile=profile,
                spans=formset.spans(),
            )
        except RuleViolation as error:
            # The formset checks the same rule first; this is the service's own guard.
            messages.error(request, str(error))
        else:
            messages.success(request, f"Working hours of {profile.user} saved.")
            return redirect(urls["week"])
    context = {"formset": formset, "person": profile.user, "mine": mine, "urls": urls}
    status = 400 if data is not None else 200
    return render(request, "accounts/week.html", context, status=status)


def _leave(request: HttpRequest, profile: ClinicianProfile, mine: bool) -> HttpResponse:
    form = LeaveForm(request.POST if request.method == "POST" else None)
    urls = _urls(profile, mine)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.add_leave(actor=request.user, profile=profile, **form.cleaned_data)  # type: ignore[arg-type]
            except RuleViolation as error:
                form.add_error(error.field, str(error))
            else:
                messages.success(request, f"Leave of {profile.user} added.")
                return redirect(urls["leave"])
        status = 400
    context: dict[str, Any] = {
        "form": form,
        "person": profile.user,
        "mine": mine,
        "urls": urls,
        "leave": profile.leave.filter(ends_on__gte=timezone.localdate()),
    }
    return render(request, "accounts/leave.html", context, status=status)


def _cancel(request: HttpRequest, profile: ClinicianProfile, pk: int, mine: bool) -> HttpResponse:
    leave = get_object_or_404(Leave.objects.select_related("profile__user"), pk=pk, profile=profile)
    services.cancel_leave(actor=request.user, leave=leave)  # type: ignore[arg-type]
    messages.success(
        request, f"Leave from {_day(leave.starts_on)} to {_day(leave.ends_on)} cancelled."
    )
    return redirect(_urls(profile, mine)["leave"])


@require_http_methods(FORM_METHODS)
@require(Action.MANAGE_WORKING_HOURS)
def week(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A clinician's working hours, kept by an administrator."""
    return _week(request, _someone(public_id), mine=False)


@require_http_methods(FORM_METHODS)
@require(Action.MANAGE_WORKING_HOURS)
def leave(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A clinician's leave, kept by an administrator."""
    return _leave(request, _someone(public_id), mine=False)


@require_POST
@require(Action.MANAGE_WORKING_HOURS)
def cancel_leave(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    return _cancel(request, _someone(public_id), pk, mine=False)


@require_http_methods(FORM_METHODS)
@require(Action.KEEP_OWN_HOURS)
def my_week(request: HttpRequest) -> HttpResponse:
    """The signed-in therapist's own working hours."""
    return _week(request, _mine(request), mine=True)


@require_http_methods(FORM_METHODS)
@require(Action.KEEP_OWN_HOURS)
def my_leave(request: HttpRequest) -> HttpResponse:
    """The signed-in therapist's own leave."""
    return _leave(request, _mine(request), mine=True)


@require_POST
@require(Action.KEEP_OWN_HOURS)
def my_cancel_leave(request: HttpRequest, pk: int) -> HttpResponse:
    return _cancel(request, _mine(request), pk, mine=True)


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"
