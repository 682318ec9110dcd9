"""The audit viewer's filters. Validation only: the view turns clean values into a query."""

import datetime as dt
import re
import uuid
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from interplay.forms import DateField, DateInputs, InterplayForm

USERNAME = RegexValidator(
    # A username, or a label such as patient:<public id> for a patient in the portal.
    re.compile(r"^[\w.@+:-]+\Z"),
    "Enter a username using only letters, numbers and @ . + - _ :",
)
ACTION = RegexValidator(
    re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*\Z"),
    "Enter an action like referral.viewed, or a group like referral, in lower case",
)
RECORD = RegexValidator(
    re.compile(r"^[A-Za-z0-9-]+\Z"),
    "Enter a record's id or reference using only letters, numbers and hyphens",
)


def filter_date(noun: str, label: str) -> DateField:
    # Not a birthday: the browser should not offer to fill these boxes in.
    widget = DateInputs(attrs={"autocomplete": "off"})
    return DateField(noun=noun, label=label, required=False, widget=widget)


class EventFilterForm(InterplayForm):
    actor = forms.CharField(
        label="Person",
        help_text="Their username, exactly, patient:<id> for a patient in the portal, or "
        "public for people who were not signed in",
        required=False,
        max_length=150,
        validators=[USERNAME],
    )
    action = forms.CharField(
        label="Action",
        help_text="For example referral.viewed, or referral for every referral action",
        required=False,
        max_length=64,
        validators=[ACTION],
    )
    record = forms.CharField(
        label="Record",
        help_text="Its id or reference, as the Record column shows it",
        required=False,
        max_length=64,
        validators=[RECORD],
    )
    date_from = filter_date("start date", "From")
    date_to = filter_date("end date", "To")

    def clean_record(self) -> str:
        value: str = self.cleaned_data["record"]
        try:
            return str(uuid.UUID(value))  # a public id as stored, however it was typed
        except ValueError:
            return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return cleaned

    def filters(self) -> dict[str, str]:
        """The filters in use, as text, for the audit row and the page."""
        return {
            name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }
