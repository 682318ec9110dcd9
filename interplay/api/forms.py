"""The form that makes a personal API token at /account/tokens/new/."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from interplay.api.models import Scope
from interplay.forms import DateField, InterplayForm

DEFAULT_DAYS = 90
LONGEST_DAYS = 366


def default_expiry(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=DEFAULT_DAYS)


class TokenForm(InterplayForm):
    name = forms.CharField(
        label="Name",
        help_text="What the token is for, so you can tell it apart later: "
        "for example, 'Outcomes spreadsheet'.",
        max_length=100,
        error_messages={"required": "Enter a name for the token"},
    )
    scope = forms.ChoiceField(
        label="What may it do?",
        choices=[
            (Scope.READ, "Read only: see records your role may see"),
            (Scope.READ_WRITE, "Read and write: also make changes your role may make"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the token may make changes"},
    )
    notes = forms.ChoiceField(
        label="May it read session records' notes?",
        choices=[("no", "No"), ("yes", "Yes")],
        widget=forms.RadioSelect,
        help_text="Only if the program you use it with needs the notes themselves.",
        error_messages={"required": "Choose whether the token may read notes"},
    )
    expires_on = DateField(
        noun="expiry date",
        label="Expiry date",
        help_text="The token stops working at the start of this day. At most a year from "
        "today; for example, 31 3 2027.",
        error_messages={"required": "Enter the date the token stops working"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"scope": Scope.READ, "notes": "no", "expires_on": default_expiry()}
        )
        super().__init__(*args, **kwargs)

    def clean_expires_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError("The expiry date must be after today")
        if value > today + dt.timedelta(days=LONGEST_DAYS - 1):
            raise forms.ValidationError("The expiry date must be within a year of today")
        return value

    def expires_at(self) -> dt.datetime:
        """The start of the expiry day, in the service's time zone."""
        day: dt.date = self.cleaned_data["expires_on"]
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
