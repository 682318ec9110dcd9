"""Forms for the inventory, the circle, the timeline and the focus (NHS.UK markup through
``interplay.forms``). The focus form shows the focus rules beside their fields."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from interplay.forms import DateField, DateInputs, InterplayForm, InterplayModelForm
from interplay.formulation import rules
from interplay.formulation.models import (
    ENTRY_FIELDS,
    DisputeStage,
    InventoryEntry,
    MoodChange,
    Ring,
    area_choices,
)


def _text(label: str, help_text: str = "", rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        required=False,
        max_length=4000,
        **kwargs,
    )


class PeopleField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PersonForm(InterplayModelForm):
    prefix = "person"

    class Meta:
        model = InventoryEntry
        fields = ENTRY_FIELDS
        widgets = {
            "relationship": forms.RadioSelect,
            "expectations_met": forms.RadioSelect,
            "can_confide": forms.RadioSelect,
        }
        help_texts = {
            "name": "A first name or a label, such as Mum or my manager",
            "contact": "How often they are in touch, and what they do together",
            "desired_change": "In the patient's words",
            "episode_link": "Did this relationship change near when the depression began, "
            "or has the depression changed it?",
            "style_markers": "For example: asserting themselves, showing anger, closeness. "
            "Never shared with the patient.",
        }
        error_messages = {
            "name": {"required": "Enter a name or a label for this person"},
            "relationship": {"required": "Choose who this person is to the patient"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ENTRY_FIELDS:
            field = self.fields[name]
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
            if isinstance(field, forms.ChoiceField):
                choices: list[Any] = list(field.choices)  # type: ignore[arg-type]
                field.choices = [c for c in choices if c[0] != ""]
                field.inline = not field.required  # type: ignore[attr-defined]


RING_CHOICES = [(str(value), label) for value, label in Ring.choices] + [("", "Not on the circle")]


class PlaceForm(InterplayForm):
    """One set of radios per person: which ring they are on."""

    prefix = "place"

    def __init__(self, *args: Any, entries: list[InventoryEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = {f"ring_{entry.public_id}": entry for entry in entries}
        for name, entry in self.entries.items():
            self.fields[name] = forms.TypedChoiceField(
                label=str(entry.name),
                choices=RING_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                initial="" if entry.ring is None else str(entry.ring),
                widget=forms.RadioSelect,
            )

    def placements(self) -> list[tuple[InventoryEntry, int | None]]:
        return [(entry, self.cleaned_data.get(name)) for name, entry in self.entries.items()]


class ApproximateDateField(forms.Field):
    """A date as precisely as it is remembered: the year, a month and year, or all three."""

    widget = DateInputs

    def to_python(self, value: Any) -> tuple[int, int | None, int | None] | None:
        day, month, year = (str(v or "").strip() for v in (value or ["", "", ""]))
        if not any((day, month, year)):
            return None
        if not year:
            raise ValidationError("The date must include a year", code="incomplete")
        if not all(p.isdigit() for p in (day, month, year) if p) or len(year) != 4:
            raise ValidationError("The date must be numbers, with a 4-digit year", code="invalid")
        if day and not month:
            raise ValidationError("Give the month as well as the day", code="incomplete")
        try:
            dt.date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            raise ValidationError("The date must be a real date", code="invalid") from None
        return int(year), int(month) if month else None, int(day) if day else None


class LifeEventForm(InterplayForm):
    prefix = "event"
    when = ApproximateDateField(
        label="When it happened",
        help_text="Leave out the day, or the day and month, if the patient is not sure. "
        "For example, 3 2024 for March 2024.",
        error_messages={"required": "Enter at least the year it happened"},
    )
    description = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Describe what happened"},
    )
    mood_change = forms.ChoiceField(
        label="How their mood changed around then",
        choices=MoodChange.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how their mood changed"},
    )
    people = PeopleField(
        label="People involved (optional)", queryset=InventoryEntry.objects.none(), required=False
    )

    def __init__(self, *args: Any, entries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = entries  # type: ignore[attr-defined]
        self.fields["mood_change"].inline = True  # type: ignore[attr-defined]


def _area(label: str, modality: str, *, optional: bool) -> forms.ChoiceField:
    choices = area_choices(modality)
    if optional:
        choices = [("", "No second area"), *choices]
    return forms.ChoiceField(label=label, choices=choices, required=False, widget=forms.RadioSelect)


class FocusForm(InterplayForm):
    """The focus of this course's modality; the fields that do not apply are removed."""

    prefix = "focus"
    dispute_stage = forms.ChoiceField(
        label="Stage of the dispute",
        help_text="Only for a dispute",
        choices=DisputeStage.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    self_representation = _text("Self representation", "How the patient sees themselves")
    other_representation = _text("Other representation", "How they see the other person")
    linking_affect = _text("Linking affect", "The feeling that links the two")
    defensive_function = _text("Defensive function", "What the pattern protects against")
    rationale = _text("Rationale", "Why this focus. Never shared with the patient.", rows=4)
    people = PeopleField(
        label="People involved (optional)", queryset=InventoryEntry.objects.none(), required=False
    )
    formulation = _text(
        "Interpersonal formulation",
        "As agreed with the patient, in words they would use. This is what can be shared.",
        rows=5,
    )
    patient_version = _text(
        "The focus in plain language, for the patient",
        "This is what can be shared with the patient.",
        rows=5,
    )
    agreed_on = DateField(
        label="Date agreed with the patient (optional)",
        noun="date agreed",
        help_text="Leave empty until the patient has agreed it. For example, 21 9 2026",
        required=False,
    )
    shared_with_patient = forms.BooleanField(
        label="Share this with the patient",
        help_text="They will see the text written for them, never the rationale.",
        required=False,
    )

    def __init__(
        self, *args: Any, modality: str, fields: tuple[str, ...], entries: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.modality = modality
        self.defensive = "defensive_function" in fields
        self.fields["problem_area"] = _area("Problem area", modality, optional=False)
        self.fields["second_area"] = _area(
            "Second problem area (optional)", modality, optional=True
        )
        self.fields["people"].queryset = entries  # type: ignore[attr-defined]
        self.order_fields(fields)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        problems = rules.focus_problems(self.modality, cleaned, defensive_function=self.defensive)
        for field, message in problems.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return cleaned
