"""Building a course's formulation: the inventory, the closeness circle, the timeline and
the focus. Only the course's therapist writes; the patient may also place people on the
circle (through the portal). Every change is audited with coded values only.
"""

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from interplay.accounts.permissions import Action, can
from interplay.audit.actors import PatientActor
from interplay.audit.services import record as audit
from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Course, CourseStatus
from interplay.formulation import rules
from interplay.formulation.models import (
    ENTRY_FIELDS,
    EntryRevision,
    Focus,
    FocusRevision,
    InventoryEntry,
    LifeEvent,
    MoodChange,
    Ring,
)
from interplay.lib.errors import PermissionDenied, RuleViolation

AGREE_FOCUS_TASK = "agree_focus"  # the initial-phase task's key in every built-in protocol


def _therapist(actor: Any, course: Course) -> None:
    if not can(actor, Action.RUN_COURSE) or course.therapist_id != actor.pk:
        raise PermissionDenied("Only the course's therapist writes its formulation.")
    if course.status != CourseStatus.ACTIVE:
        raise RuleViolation("This course has ended; its formulation is closed.")


def _entry_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise ValueError(f"Not inventory fields: {sorted(unknown)}")
    if not str(fields.get("name", "")).strip():
        raise RuleViolation("Enter a name or a label for this person", field="name")


def _revise(entry: InventoryEntry, actor: Any) -> EntryRevision:
    number = entry.revisions.count() + 1
    return EntryRevision.objects.create(
        entry=entry,
        number=number,
        data=json.dumps(entry.snapshot()),
        changed_by=actor,
        changed_at=timezone.now(),
    )


@transaction.atomic
def add_person(*, actor: Any, course: Course, **fields: Any) -> InventoryEntry:
    """Add an important person to the course's interpersonal inventory
    (docs/clinical-rules.md 1.4)."""
    _therapist(actor, course)
    _entry_fields(fields)
    entry = InventoryEntry.objects.create(course=course, created_at=timezone.now(), **fields)
    _revise(entry, actor)
    audit(
        actor=actor,
        action="formulation.person_added",
        obj=course,
        detail={"entry": str(entry.public_id), "relationship": entry.relationship},
    )
    return entry


@transaction.atomic
def edit_person(*, actor: Any, entry: InventoryEntry, **fields: Any) -> InventoryEntry:
    """Change an inventory entry, keeping the earlier version as a dated revision.
    Saving without a change makes no new version."""
    entry = InventoryEntry.objects.select_for_update().select_related("course").get(pk=entry.pk)
    _therapist(actor, entry.course)
    _entry_fields({**entry.snapshot(), **fields})
    before = entry.snapshot()
    for name, value in fields.items():
        setattr(entry, name, value)
    changed = sorted(name for name, value in entry.snapshot().items() if before[name] != value)
    if not changed:
        return entry
    entry.save()
    revision = _revise(entry, actor)
    audit(
        actor=actor,
        action="formulation.person_changed",
        obj=entry.course,
        detail={"entry": str(entry.public_id), "version": revision.number, "fields": changed},
    )
    return entry


def _may_place(actor: Any, course: Course) -> bool:
    if isinstance(actor, PatientActor):
        return bool(actor.patient.pk == course.patient_id)
    return can(actor, Action.RUN_COURSE) and course.therapist_id == actor.pk


@transaction.atomic
def place_person(*, actor: Any, entry: InventoryEntry, ring: int | None) -> InventoryEntry:
    """Place a person on the closeness circle by felt closeness (1 = inner ring, closest;
    docs/clinical-rules.md 1.5), or take them off it (``None``). The course's therapist or
    the patient (a ``PatientActor`` of the course's patient, from the portal) may place; who
    placed them is kept."""
    entry = InventoryEntry.objects.select_for_update().select_related("course").get(pk=entry.pk)
    course = entry.course
    if not _may_place(actor, course):
        raise PermissionDenied("Only the patient or their therapist places people on the circle.")
    if course.status != CourseStatus.ACTIVE:
        raise RuleViolation("This course has ended; its formulation is closed.")
    if ring is not None and ring not in Ring.values:
        raise RuleViolation("Choose the inner, middle or outer ring", field="ring")
    by_patient = isinstance(actor, PatientActor)
    entry.ring = ring
    entry.placed_by = None if by_patient or ring is None else actor
    entry.placed_by_patient = by_patient and ring is not None
    entry.placed_at = timezone.now() if ring is not None else None
    entry.save(update_fields=["ring", "placed_by", "placed_by_patient", "placed_at"])
    audit(
        actor=actor,
        action="formulation.person_placed",
        obj=course,
        detail={
            "entry": str(entry.public_id),
            "ring": ring,
            "by": "patient" if by_patient else "therapist",
        },
    )
    return entry


@transaction.atomic
def place_people(
    *, actor: Any, placements: Iterable[tuple[InventoryEntry, int | None]]
) -> list[InventoryEntry]:
    """Place several people at once (the circle's form): all of them or, if one is
    refused, none. People already on the ring chosen are left as they are."""
    return [
        place_person(actor=actor, entry=entry, ring=ring)
        for entry, ring in placements
        if entry.ring != ring
    ]


def _people(course: Course, people: Iterable[InventoryEntry]) -> list[InventoryEntry]:
    chosen = list(people)
    if any(person.course_id != course.pk for person in chosen):
        raise RuleViolation("Choose people from this course's inventory", field="people")
    return chosen


def _approximate_date(year: int, month: int | None, day: int | None) -> None:
    if day is not None and month is None:
        raise RuleViolation("Give the month as well as the day", field="when")
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise RuleViolation("The date must be a real date", field="when") from None


@transaction.atomic
def add_life_event(
    *,
    actor: Any,
    course: Course,
    year: int,
    month: int | None = None,
    day: int | None = None,
    description: str,
    mood_change: str,
    people: Iterable[InventoryEntry] = (),
) -> LifeEvent:
    """Add a life event to the timeline, dated as precisely as the patient remembers (a year,
    a month and year, or a day), with how mood changed around it (docs/clinical-rules.md 1.3
    task 6)."""
    _therapist(actor, course)
    _approximate_date(year, month, day)
    if not description.strip():
        raise RuleViolation("Describe what happened", field="description")
    if mood_change not in MoodChange.values:
        raise RuleViolation("Choose how their mood changed", field="mood_change")
    chosen = _people(course, people)
    event = LifeEvent.objects.create(
        course=course,
        year=year,
        month=month,
        day=day,
        description=description,
        mood_change=mood_change,
        added_by=actor,
        added_at=timezone.now(),
    )
    event.people.set(chosen)
    audit(
        actor=actor,
        action="formulation.event_added",
        obj=course,
        detail={
            "event": str(event.public_id),
            "mood_change": mood_change,
            "people": [str(p.public_id) for p in chosen],
        },
    )
    return event


def focus_fields_for(course: Course) -> tuple[str, ...]:
    """The fields of this course's focus (its modality and the service's IPAF setting)."""
    defensive = course.modality == "dit" and ServiceSettings.load().ipaf_defensive_function
    return rules.focus_fields(course.modality, defensive_function=defensive)


def _blank(name: str) -> Any:
    """A focus field's value when the form leaves it out."""
    return {"agreed_on": None, "shared_with_patient": False}.get(name, "")


def _focus_snapshot(focus: Focus, people: list[InventoryEntry]) -> str:
    data: dict[str, Any] = {
        name: getattr(focus, name)
        for name in rules.DIT_FIELDS + rules.IPT_FIELDS
        if name != "people"
    }
    data["agreed_on"] = focus.agreed_on.isoformat() if focus.agreed_on else None
    data["people"] = [{"id": str(p.public_id), "name": p.name} for p in people]
    return json.dumps(data)


@transaction.atomic
def record_focus(*, actor: Any, course: Course, **fields: Any) -> Focus:
    """Record or change the course's focus, keeping every version as a dated revision.

    IPT and group IPT: one problem area, optionally a second different one, the dispute's
    stage for a dispute only (docs/clinical-rules.md 1.6, 1.7), the rationale, the people
    involved and the formulation agreed with the patient. DIT: the interpersonal-affective
    focus (docs/clinical-rules.md 2.2) and its plain-language version for the patient.
    Marking it agreed or shared needs the text written for the patient.
    """
    _therapist(actor, course)
    allowed = focus_fields_for(course)
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Not fields of this course's focus: {sorted(unknown)}")
    defensive = "defensive_function" in allowed
    problems = rules.focus_problems(course.modality, fields, defensive_function=defensive)
    if problems:
        field, message = next(iter(problems.items()))
        raise RuleViolation(message, field=field)
    people = _people(course, fields.pop("people", []))
    focus = Focus.objects.select_for_update().filter(course=course).first() or Focus(course=course)
    before = _focus_snapshot(focus, list(focus.people.all())) if focus.pk else None
    for name in allowed:
        if name != "people":
            setattr(focus, name, fields.get(name, _blank(name)))
    after = _focus_snapshot(focus, people)
    if after == before:
        return focus  # saved without a change: no new version
    focus.save()
    focus.people.set(people)
    number = focus.revisions.count() + 1
    FocusRevision.objects.create(
        focus=focus, number=number, data=after, changed_by=actor, changed_at=timezone.now()
    )
    audit(
        actor=actor,
        action="formulation.focus_recorded",
        obj=course,
        detail={
            "version": number,
            "problem_area": focus.problem_area,
            "second_area": focus.second_area,
            "dispute_stage": focus.dispute_stage,
            "agreed": focus.agreed,
            "shared": focus.shared_with_patient,
        },
    )
    return focus


def focus_agreed(course: Course) -> bool:
    """Whether the course has a focus marked agreed with the patient."""
    return Focus.objects.filter(course=course, agreed_on__isnull=False).exists()


def check_agree_focus_task(course: Course, tasks_done: Iterable[str]) -> None:
    """Refuse the initial phase's "agree the focus" task (docs/clinical-rules.md 1.3 task 8,
    2.2) until a
    focus is recorded and marked agreed. Session records call this before saving."""
    if AGREE_FOCUS_TASK in tasks_done and not focus_agreed(course):
        raise RuleViolation(
            "Record the focus and mark it agreed with the patient on the formulation page "
            "before ticking that you agreed the focus",
            field="tasks_done",
        )


def shared_formulation(course: Course) -> str | None:
    """The focus text the patient may read in the portal, or None.

    Only when the therapist chose to share it: the formulation agreed with the patient
    (IPT, group IPT) or the plain-language IPAF (DIT). The rationale, the IPAF's clinical
    wording and the inventory's style markers are never returned.
    """
    focus = Focus.objects.filter(course=course, shared_with_patient=True).first()
    if focus is None:
        return None
    focus.course = course
    return focus.patient_text() or None


def focus_for_letter(course: Course) -> str:
    """The plain-language focus for the goodbye letter or ending summary: the formulation
    (IPT, group IPT) or the plain-language IPAF (DIT); "" when none is written. The
    therapist drafting the letter decides what is sent, so sharing is not required."""
    focus = Focus.objects.filter(course=course).first()
    if focus is None:
        return ""
    focus.course = course
    return focus.patient_text()
