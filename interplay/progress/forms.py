from collections.abc import Sequence
from typing import Any

from django import forms

from interplay.forms import InterplayForm
from interplay.progress.models import Problem, ProblemKind

SCALE_HELP = (
    "From 0 to 10. For a problem: 0 = not a problem at all, 10 = as bad as it could be. "
    "For a goal: 0 = not at all achieved, 10 = fully achieved."
)


def _score(label: str, help_text: str = SCALE_HELP) -> forms.IntegerField:
    field = forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=10,
        error_messages={
            "required": f"Enter a rating from 0 to 10 for {label.lower()}",
            "invalid": "Enter a whole number from 0 to 10",
            "min_value": "The rating must be 0 or more",
            "max_value": "The rating must be 10 or less",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    field.input_width = 2  # type: ignore[attr-defined]
    return field


def _sessions(numbers: Sequence[int]) -> list[tuple[str, str]]:
    return [(str(n), f"Session {n}") for n in numbers]


class ProblemForm(InterplayForm):
    prefix = "problem"
    kind = forms.ChoiceField(
        label="Is this a problem or a goal?",
        choices=ProblemKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select problem or goal"},
    )
    description = forms.CharField(
        label="In the patient's words",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": "Describe the problem or goal"},
    )
    baseline = _score("First rating")
    session = forms.TypedChoiceField(
        label="Identified at",
        coerce=int,
        error_messages={"required": "Select the session"},
    )

    def __init__(self, *args: Any, sessions: Sequence[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = _sessions(sessions)  # type: ignore[attr-defined]


class RerateForm(InterplayForm):
    """The session, then one rating for each problem and goal."""

    prefix = "rerate"
    session = forms.TypedChoiceField(
        label="Re-rating at",
        coerce=int,
        help_text="The sessions the protocol names for re-rating.",
        error_messages={"required": "Select the session"},
    )

    def __init__(
        self, *args: Any, sessions: Sequence[int], problems: Sequence[Problem], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = _sessions(sessions)  # type: ignore[attr-defined]
        self.problems = {f"score_{p.public_id.hex}": p for p in problems}
        for index, (name, problem) in enumerate(self.problems.items(), start=1):
            label = f"{problem.get_kind_display()} {index}: {problem.description}"
            self.fields[name] = _score(label, help_text="")

    def scores(self) -> dict[Problem, int]:
        return {p: self.cleaned_data[name] for name, p in self.problems.items()}


class ReviewForm(InterplayForm):
    prefix = "review"
    patient_reflections = forms.CharField(
        label="The patient's reflections",
        help_text="What they say has changed, and why they think it has.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=8000,
    )
    therapist_reflections = forms.CharField(
        label="Your reflections",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=8000,
    )
    warning_signs = forms.CharField(
        label="Warning signs",
        help_text="The signs that things may be getting harder again.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    relapse_plan = forms.CharField(
        label="What to do if they return",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


class LetterForm(InterplayForm):
    draft = forms.CharField(
        label="The letter",
        help_text="Plain text: leave a blank line between paragraphs. The service's "
        "letterhead, the greeting and the sign-off are added.",
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=20000,
        error_messages={"required": "Write the letter"},
    )


class ShareForm(InterplayForm):
    shared = forms.BooleanField(required=False, widget=forms.HiddenInput)
