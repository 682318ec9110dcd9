"""The settings pages: the service's words and rules, rooms and closures (administrators).

Every change goes through ``clinic.services``, which checks permission and audits; a
refusal is shown beside its field and nothing typed is lost.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.clinic import services
from interplay.clinic.forms import (
    ChangeRoomForm,
    ClosureForm,
    RoomForm,
    ServiceRulesForm,
    ServiceWordsForm,
)
from interplay.clinic.models import Closure, Room, ServiceSettings
from interplay.lib.errors import RuleViolation


@require_GET
@require(Action.CONFIGURE_SERVICE)
def index(request: HttpRequest) -> HttpResponse:
    """Where every setting of the service is kept."""
    return render(request, "clinic/index.html")


def _settings_page(
    request: HttpRequest, form_class: type[forms.ModelForm], template: str, done: str
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = form_class(data, instance=ServiceSettings.load())
    if data is not None:
        if form.is_valid():
            services.change_service_settings(
                actor=request.user,  # type: ignore[arg-type]
                settings=form.instance,
                changed=list(form.changed_data),
            )
            messages.success(request, done)
            return redirect("settings:index")
        return render(request, template, {"form": form}, status=400)
    return render(request, template, {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@require(Action.CONFIGURE_SERVICE)
def words(request: HttpRequest) -> HttpResponse:
    """The service's name, phone number and the texts its pages show."""
    return _settings_page(request, ServiceWordsForm, "clinic/words.html", "Service words saved.")


@require_http_methods(["GET", "HEAD", "POST"])
@require(Action.CONFIGURE_SERVICE)
def rules(request: HttpRequest) -> HttpResponse:
    """Who may refer, the waiting-time warnings, the outcome and retention choices."""
    return _settings_page(request, ServiceRulesForm, "clinic/rules.html", "Service rules saved.")


def _refused(form: forms.Form, error: RuleViolation) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


@require_http_methods(["GET", "HEAD", "POST"])
@require(Action.CONFIGURE_SERVICE)
def rooms(request: HttpRequest) -> HttpResponse:
    """Every room, and a form to add one."""
    form = RoomForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                room = services.add_room(actor=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
            except RuleViolation as error:
                _refused(form, error)
            else:
                messages.success(request, f"Room {room.name} added.")
                return redirect("settings:rooms")
        status = 400
    context = {"form": form, "rooms": Room.objects.all()}
    return render(request, "clinic/rooms.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@require(Action.CONFIGURE_SERVICE)
def room(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a room, or take it out of use."""
    row = get_object_or_404(Room, pk=pk)
    initial = {"name": row.name, "active": row.active}
    form = ChangeRoomForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.change_room(actor=request.user, room=row, **form.cleaned_data)  # type: ignore[arg-type]
            except RuleViolation as error:
                _refused(form, error)
            else:
                messages.success(request, f"Room {row.name} saved.")
                return redirect("settings:rooms")
        return render(request, "clinic/room.html", {"form": form, "room": row}, status=400)
    return render(request, "clinic/room.html", {"form": form, "room": row})


@require_http_methods(["GET", "HEAD", "POST"])
@require(Action.CONFIGURE_SERVICE)
def closures(request: HttpRequest) -> HttpResponse:
    """Days the service is closed from today on, and a form to add one."""
    form = ClosureForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                closure = services.add_closure(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except RuleViolation as error:
                _refused(form, error)
            else:
                messages.success(request, f"Closed on {_day(closure)}: {closure.reason}.")
                return redirect("settings:closures")
        status = 400
    context: dict[str, Any] = {
        "form": form,
        "closures": Closure.objects.filter(date__gte=timezone.localdate()),
    }
    return render(request, "clinic/closures.html", context, status=status)


@require_POST
@require(Action.CONFIGURE_SERVICE)
def remove_closure(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the service again on a day it was to be closed."""
    closure = get_object_or_404(Closure, pk=pk)
    services.remove_closure(actor=request.user, closure=closure)  # type: ignore[arg-type]
    messages.success(request, f"The service is open again on {_day(closure)}.")
    return redirect("settings:closures")


def _day(closure: Closure) -> str:
    return f"{closure.date:%A} {closure.date.day} {closure.date:%B %Y}"
