"""The formulation pages: one page per course (inventory, circle, timeline, focus), and the
forms that build it. The course's therapist writes; their supervisor reads."""

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from interplay.accounts.decorators import require
from interplay.accounts.permissions import Action
from interplay.audit.services import record as audit
from interplay.courses.models import Course, CourseStatus
from interplay.courses.permissions import visible_courses
from interplay.formulation import circle, services
from interplay.formulation.forms import FocusForm, LifeEventForm, PersonForm, PlaceForm
from interplay.formulation.models import (
    ENTRY_FIELDS,
    Answer,
    DisputeStage,
    Focus,
    InventoryEntry,
    Relationship,
    area_label,
)
from interplay.formulation.permissions import visible_entries
from interplay.lib.errors import PermissionDenied, RuleViolation

FOCUS_LABELS = {
    name: str(field.label).removesuffix(" (optional)")
    for name, field in FocusForm.base_fields.items()
}
FOCUS_LABELS.update(problem_area="Problem area", second_area="Second problem area")
CODED: dict[str, dict[Any, str]] = {
    "relationship": dict(Relationship.choices),
    "expectations_met": dict(Answer.choices),
    "can_confide": dict(Answer.choices),
    "dispute_stage": dict(DisputeStage.choices),
}


def _course(request: HttpRequest, public_id: uuid.UUID) -> Course:
    return get_object_or_404(
        visible_courses(request.user).select_related("patient", "therapist"), public_id=public_id
    )


def _entry(request: HttpRequest, public_id: uuid.UUID) -> InventoryEntry:
    return get_object_or_404(
        visible_entries(request.user).select_related("course__patient"),
        public_id=public_id,
    )


def _mine(request: HttpRequest, course: Course) -> bool:
    return course.therapist_id == request.user.pk and course.status == CourseStatus.ACTIVE


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def _refused(form: forms.BaseForm, error: RuleViolation) -> None:
    """Show the service's refusal beside its field, or above the form."""
    if error.field in form.fields:
        form.add_error(error.field, str(error))
    else:
        form.add_error(None, str(error))


def entry_rows(values: dict[str, Any]) -> list[tuple[str, str]]:
    """An entry's fields (current or a revision's) as label and readable value."""
    labels = {name: PersonForm.base_fields[name].label for name in ENTRY_FIELDS}
    rows = []
    for name in ENTRY_FIELDS:
        value = values.get(name) or ""
        rows.append((str(labels[name]), CODED.get(name, {}).get(value, str(value))))
    return rows


def focus_rows(values: dict[str, Any], course: Course) -> list[tuple[str, str]]:
    """A focus (current or a revision's) as label and readable value, for its modality."""
    rows = []
    for name in services.focus_fields_for(course):
        value = values.get(name)
        if name in ("problem_area", "second_area"):
            value = area_label(course.modality, value or "")
        elif name == "people":
            value = ", ".join(p["name"] for p in value or [])
        elif name == "shared_with_patient":
            value = "Yes" if value else "No"
        elif name in CODED:
            value = CODED[name].get(value, "")
        rows.append((str(FOCUS_LABELS[name]), str(value or "")))
    return rows


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _focus_values(focus: Focus) -> dict[str, Any]:
    values = {name: getattr(focus, name) for name in FOCUS_LABELS if name != "people"}
    values["agreed_on"] = _day(focus.agreed_on) if focus.agreed_on else ""
    values["people"] = [{"name": p.name} for p in focus.people.all()]
    return values


@require_GET
@require(Action.VIEW_COURSE)
def page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The inventory, the closeness circle with its table, the timeline and the focus."""
    course = _course(request, public_id)
    entries = list(course.inventory.with_revision_count().select_related("placed_by"))
    events = course.timeline.in_order().prefetch_related(
        Prefetch("people", queryset=InventoryEntry.objects.only("id", "name"))
    )
    focus = (
        Focus.objects.filter(course=course)
        .annotate(revision_count=Count("revisions"))
        .prefetch_related("people")
        .first()
    )
    audit(actor=request.user, action="formulation.viewed", obj=course)
    context = {
        "course": course,
        "entries": entries,
        "dots": circle.layout([(str(e.name), e.ring) for e in entries if e.ring]),
        "circle": circle,
        "events": events,
        "focus": focus,
        "focus_rows": focus_rows(_focus_values(focus), course) if focus else [],
        "mine": _mine(request, course),
    }
    return render(request, "formulation/page.html", context)


def _write(
    request: HttpRequest,
    course: Course,
    form: forms.BaseForm,
    template: str,
    context: dict[str, Any],
    save: Any,
    done: str,
) -> HttpResponse:
    """The shared POST path of every formulation form: validate, call the service, redirect
    to the formulation page; a refusal is shown beside its field and nothing typed is lost."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except PermissionDenied:
            return _forbidden(request)
        except RuleViolation as error:
            _refused(form, error)
        else:
            messages.success(request, done)
            return redirect("formulation:page", public_id=course.public_id)
    status = 400 if form.errors else 200
    return render(request, template, {"course": course, "form": form, **context}, status=status)


def _own(request: HttpRequest, course: Course) -> bool:
    return course.therapist_id == request.user.pk


@require_http_methods(["GET", "POST"])
@require(Action.RUN_COURSE)
def add_person(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    course = _course(request, public_id)
    if not _own(request, course):
        return _forbidden(request)
    form = PersonForm(_posted(request))
    return _write(
        request,
        course,
        form,
        "formulation/person_form.html",
        {"title": "Add a person to the inventory"},
        lambda data: services.add_person(actor=request.user, course=course, **data),
        "Person added to the inventory.",
    )


@require_GET
@require(Action.VIEW_COURSE)
def person(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One entry as it is now, and every earlier version with who changed it and when."""
    entry = _entry(request, public_id)
    revisions = list(entry.revisions.select_related("changed_by"))
    audit(
        actor=request.user,
        action="formulation.person_viewed",
        obj=entry.course,
        detail={"entry": str(entry.public_id)},
    )
    context = {
        "course": entry.course,
        "entry": entry,
        "rows": entry_rows(entry.snapshot()),
        "times_changed": max(0, len(revisions) - 1),
        "earlier": [(r, entry_rows(r.values)) for r in revisions[1:]],
        "latest": revisions[0] if revisions else None,
        "mine": _mine(request, entry.course),
    }
    return render(request, "formulation/person.html", context)


@require_http_methods(["GET", "POST"])
@require(Action.RUN_COURSE)
def edit_person(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    entry = _entry(request, public_id)
    if not _own(request, entry.course):
        return _forbidden(request)
    form = PersonForm(_posted(request), instance=InventoryEntry.objects.get(pk=entry.pk))
    return _write(
        request,
        entry.course,
        form,
        "formulation/person_form.html",
        {"title": f"Change {entry.name}", "entry": entry},
        lambda data: services.edit_person(actor=request.user, entry=entry, **data),
        "Inventory entry saved. The earlier version is kept.",
    )


@require_http_methods(["GET", "POST"])
@require(Action.RUN_COURSE)
def place(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Place each person of the inventory on a ring of the closeness circle."""
    course = _course(request, public_id)
    if not _own(request, course):
        return _forbidden(request)
    entries = list(course.inventory.all())
    form = PlaceForm(_posted(request), entries=entries)

    return _write(
        request,
        course,
        form,
        "formulation/place.html",
        {"entries": entries},
        lambda data: services.place_people(actor=request.user, placements=form.placements()),
        "Closeness circle saved.",
    )


@require_http_methods(["GET", "POST"])
@require(Action.RUN_COURSE)
def add_event(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    course = _course(request, public_id)
    if not _own(request, course):
        return _forbidden(request)
    form = LifeEventForm(_posted(request), entries=course.inventory.all())

    def save(data: dict[str, Any]) -> None:
        year, month, day = data["when"]
        services.add_life_event(
            actor=request.user,
            course=course,
            year=year,
            month=month,
            day=day,
            description=data["description"],
            mood_change=data["mood_change"],
            people=data["people"],
        )

    return _write(
        request,
        course,
        form,
        "formulation/event_form.html",
        {},
        save,
        "Life event added to the timeline.",
    )


@require_http_methods(["GET", "POST"])
@require(Action.RUN_COURSE)
def focus(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record or change the focus; each version is kept."""
    course = _course(request, public_id)
    if not _own(request, course):
        return _forbidden(request)
    fields = services.focus_fields_for(course)
    current = Focus.objects.filter(course=course).first()
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {name: getattr(current, name) for name in fields if name != "people"}
        initial["people"] = list(current.people.all())
    form = FocusForm(
        _posted(request),
        initial=initial,
        modality=course.modality,
        fields=fields,
        entries=course.inventory.all(),
    )
    return _write(
        request,
        course,
        form,
        "formulation/focus_form.html",
        {"current": current},
        lambda data: services.record_focus(actor=request.user, course=course, **data),
        "Focus saved. Earlier versions are kept.",
    )


@require_GET
@require(Action.VIEW_COURSE)
def focus_history(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every version of the focus, newest first, with who changed it and when."""
    course = _course(request, public_id)
    current = get_object_or_404(Focus, course=course)
    revisions = list(current.revisions.select_related("changed_by"))
    audit(actor=request.user, action="formulation.focus_history_viewed", obj=course)
    versions = []
    for revision in revisions:
        values = revision.values
        if values.get("agreed_on"):
            values["agreed_on"] = _day(dt.date.fromisoformat(values["agreed_on"]))
        versions.append((revision, focus_rows(values, course)))
    return render(
        request, "formulation/focus_history.html", {"course": course, "versions": versions}
    )
