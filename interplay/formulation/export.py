"""A course's formulation (inventory, timeline, focus) as plain data, for the subject
access export, and the focus's rows as its PDF prints them."""

from collections.abc import Mapping
from typing import Any

from interplay.courses.models import Course
from interplay.formulation.models import (
    ENTRY_FIELDS,
    FOCUS_TEXT_FIELDS,
    EntryRevision,
    Focus,
    FocusRevision,
    InventoryEntry,
    LifeEvent,
    area_label,
)
from interplay.formulation.rules import focus_fields
from interplay.lib.export import coded, person_name, rows


def formulation_data(course: Course) -> dict[str, Any]:
    return {
        "inventory": [_entry(entry) for entry in course.inventory.all()],
        "timeline": [_life_event(event) for event in course.timeline.all()],
        "focus": _focus(getattr(course, "focus", None), course.modality),
    }


def _entry(entry: InventoryEntry) -> dict[str, Any]:
    return {
        "public_id": entry.public_id,
        "created_at": entry.created_at,
        **coded(entry, ENTRY_FIELDS),
        **coded(entry, ("ring",)),
        "placed_by": "The patient" if entry.placed_by_patient else person_name(entry.placed_by),
        "placed_at": entry.placed_at,
        "revisions": [_revision(r) for r in entry.revisions.all()],
    }


def _revision(revision: EntryRevision | FocusRevision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "changed_at": revision.changed_at,
        "changed_by": person_name(revision.changed_by),
        "values": revision.values,
    }


def _life_event(event: LifeEvent) -> dict[str, Any]:
    return {
        "public_id": event.public_id,
        "when": event.when,
        "year": event.year,
        "month": event.month,
        "day": event.day,
        "description": event.description,
        **coded(event, ("mood_change",)),
        "people": [person.name for person in event.people.all()],
        "added_by": person_name(event.added_by),
        "added_at": event.added_at,
    }


FOCUS_FIELDS = ("problem_area", "second_area", "dispute_stage", *FOCUS_TEXT_FIELDS)


def _focus(focus: Focus | None, modality: str) -> dict[str, Any] | None:
    if focus is None:
        return None
    fields = coded(focus, FOCUS_FIELDS)
    for name in ("problem_area", "second_area"):  # group IPT says them in the WHO's words
        fields[f"{name}_label"] = area_label(modality, fields[name])
    return {
        "public_id": focus.public_id,
        **fields,
        "agreed_on": focus.agreed_on,
        "shared_with_patient": focus.shared_with_patient,
        "people": [person.name for person in focus.people.all()],
        "revisions": [_revision(r) for r in focus.revisions.all()],
    }


ENTRY_LABELS = {
    name: str(getattr(InventoryEntry._meta.get_field(name), "verbose_name", name)).capitalize()
    for name in (*ENTRY_FIELDS, "ring")
} | {"ring": "Closeness circle"}


FOCUS_LABELS = {
    "problem_area": "Problem area",
    "second_area": "Second problem area",
    "dispute_stage": "Stage of the dispute",
    "rationale": "Why this focus (therapist's notes)",
    "formulation": "Formulation agreed with you",
    "self_representation": "How you see yourself",
    "other_representation": "How you see the other person",
    "linking_affect": "The feeling that links them",
    "defensive_function": "What the pattern protects against",
    "patient_version": "The focus in your words",
    "agreed_on": "Agreed with you on",
    "shared_with_patient": "Shown to you in the portal",
    "people": "People it involves",
}


def focus_rows(course: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The focus's fields as the course's modality has them (DIT's defensive function only
    when the service recorded one)."""
    focus = course["formulation"]["focus"]
    if not focus:
        return []
    names = focus_fields(course["modality"], defensive_function=bool(focus["defensive_function"]))
    return rows(focus, {name: FOCUS_LABELS[name] for name in FOCUS_LABELS if name in names})
