"""Patient pages' forms: they validate shape; the services apply the rules."""

from typing import Any

from django import forms

from interplay.forms import InterplayForm
from interplay.patients.models import ConsentKind


class SearchForm(InterplayForm):
    q = forms.CharField(
        label="Name, NHS number or referral reference",
        help_text="For example Robin Testwell, 943 476 5919 or IP-7KMX-3QAD",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ConsentForm(InterplayForm):
    kind = forms.ChoiceField(
        label="Which consent?",
        choices=ConsentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select which consent this is"},
    )
    given = forms.ChoiceField(
        label="What did they say?",
        choices=[("yes", "They give it"), ("no", "They withdraw or refuse it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether they give or withdraw this consent"},
    )
    note = forms.CharField(
        label="Note (optional)",
        help_text="How they told us, for example on the phone to the duty worker",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_given(self) -> bool:
        return bool(self.cleaned_data["given"] == "yes")


class EraseForm(InterplayForm):
    reference = forms.CharField(
        label="Type the referral's reference to confirm",
        max_length=40,
        error_messages={"required": "Type the referral's reference to confirm"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        self.expected = expected
        super().__init__(*args, **kwargs)
        self.fields["reference"].help_text = f"It is {expected}"

    def clean_reference(self) -> str:
        typed: str = self.cleaned_data["reference"].strip().upper()
        if typed != self.expected:
            raise forms.ValidationError(
                f"The reference does not match: type {self.expected} to erase this referral"
            )
        return typed
