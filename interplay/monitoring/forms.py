"""Answering a questionnaire: the same form for the portal and for entry in a session.

Every question is asked; one left blank gets a message beside it and the answers typed
stay. Someone who wants to leave questions out ticks "send without them", and the
response is kept as incomplete, with no total (docs/clinical-rules.md 4.5).
"""

from typing import Any

from django import forms

from interplay.forms import InterplayForm
from interplay.measures.instruments import DIFFICULTY_OPTIONS, DIFFICULTY_QUESTION, Instrument
from interplay.measures.models import ResponseSource


class AnswersForm(InterplayForm):
    send_incomplete = forms.BooleanField(
        required=False,
        label="Send my answers without the questions I have left out",
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", instrument.code)
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        choices = [(str(value), label) for value, label, _ in instrument.options]
        for item in instrument.items:
            self.fields[f"item_{item.number}"] = forms.ChoiceField(
                label=f"{item.number}. {item.text}",
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
            )
        if instrument.code == "phq9":
            self.fields["difficulty"] = forms.ChoiceField(
                label=DIFFICULTY_QUESTION,
                choices=[(str(v), label) for v, label in DIFFICULTY_OPTIONS],
                widget=forms.RadioSelect,
                required=False,
            )
        # The box comes last, after the questions.
        self.fields["send_incomplete"] = self.fields.pop("send_incomplete")

    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"item_{item.number}"] for item in self.instrument.items]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = [i.number for i in self.instrument.items if not data.get(f"item_{i.number}")]
        if missing and not data.get("send_incomplete"):
            for number in missing:
                self.add_error(
                    f"item_{number}",
                    f"Select an answer to question {number}, or tick the box at the end to "
                    "send your answers without it",
                )
        return data

    def answers(self) -> dict[int, int | None]:
        data = self.cleaned_data
        return {
            item.number: int(data[f"item_{item.number}"])
            if data.get(f"item_{item.number}")
            else None
            for item in self.instrument.items
        }

    def difficulty_field(self) -> forms.BoundField | None:
        return self["difficulty"] if "difficulty" in self.fields else None

    def difficulty_answer(self) -> int | None:
        value = self.cleaned_data.get("difficulty")
        return int(value) if value else None


class SourceForm(InterplayForm):
    """How answers typed by the therapist were given."""

    source = forms.ChoiceField(
        label="How were these answers given?",
        choices=[
            (ResponseSource.IN_SESSION.value, "Aloud, in the session"),
            (ResponseSource.PAPER.value, "On a paper form"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the answers were given"},
    )
