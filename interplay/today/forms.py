from typing import Any

from django import forms

from interplay.forms import InterplayForm
from interplay.today.landing import Screen


class ChooseScreenForm(InterplayForm):
    """Which of a person's first screens they start the day on."""

    role = forms.ChoiceField(
        label="Start my day on",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the screen to start your day on",
            "invalid_choice": "Choose one of your own screens",
        },
    )

    def __init__(self, *args: Any, screens: list[Screen], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(s.role.value, s.name) for s in screens]  # type: ignore[attr-defined]
