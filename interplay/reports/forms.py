"""The dashboard's filters: a GET form, so every filtered page has an address to share."""

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from interplay.accounts.models import User
from interplay.accounts.roles import Modality, Role
from interplay.forms import DateField, InterplayForm, LongSelect
from interplay.referrals.models import ReferralSource
from interplay.reports.capacity import full_name
from interplay.reports.figures import Filters

PERIODS = [
    ("month", "One month"),
    ("quarter", "Three months"),
    ("year", "Twelve months"),
    ("custom", "From one date to another"),
]
MONTHS_OFFERED = 36
FIELDS = ("period", "month", "start", "end", "modality", "therapist", "source")


def month_choices(today: dt.date) -> list[tuple[str, str]]:
    """The last ``MONTHS_OFFERED`` months, the newest first, as "2026-12"."""
    month, found = today.replace(day=1), []
    for _ in range(MONTHS_OFFERED):
        found.append((f"{month:%Y-%m}", f"{month:%B %Y}"))
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return found


def months_back(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count - 1`` months before ``month``."""
    for _ in range(count - 1):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


class TherapistChoices(ModelChoiceIterator):
    """The therapists offered, read as values rather than model instances (a large
    service has thousands), each labelled as a user is: their name, else username."""

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        assert self.queryset is not None
        for public_id, first, last, username in self.queryset.values_list(
            "public_id", "first_name", "last_name", "username"
        ):
            yield (str(public_id), full_name(first, last, username))


class TherapistField(forms.ModelChoiceField):
    iterator = TherapistChoices


class FiltersForm(InterplayForm):
    period = forms.ChoiceField(
        label="Period",
        choices=PERIODS,
        help_text="One, three or twelve months ending with the month below, or your own dates.",
    )
    month = forms.ChoiceField(label="Ending with the month", choices=(), required=False)
    start = DateField(label="From", noun="start date", required=False)
    end = DateField(label="To", noun="end date", required=False)
    modality = forms.ChoiceField(
        label="Therapy", choices=[("", "All therapies"), *Modality.choices], required=False
    )
    therapist = TherapistField(
        label="Therapist",
        queryset=User.objects.none(),
        to_field_name="public_id",
        empty_label="All therapists",
        required=False,
        widget=LongSelect,
    )
    source = forms.ChoiceField(
        label="Referral source",
        choices=[("", "All sources"), *ReferralSource.choices],
        required=False,
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        self.today = timezone.localdate()
        chosen = self.defaults()
        if data is not None:
            chosen = data.copy()
            for name, value in self.defaults().items():
                chosen.setdefault(name, value)
        super().__init__(chosen, **kwargs)
        month: Any = self.fields["month"]
        month.choices = month_choices(self.today)
        therapist: Any = self.fields["therapist"]
        therapist.queryset = (
            User.objects.filter(role_assignments__role=Role.THERAPIST)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )

    def defaults(self) -> dict[str, str]:
        return {"period": "year", "month": f"{self.today:%Y-%m}"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") in ("month", "quarter", "year") and not data.get("month"):
            self.add_error("month", "Choose the month the period ends with")
        if data.get("period") == "custom":
            for name in ("start", "end"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, f"Enter the {name} date of the period")
            if data.get("start") and data.get("end") and data["end"] < data["start"]:
                self.add_error("end", "The end date must be on or after the start date")
        return data

    def filters(self) -> Filters:
        """The cleaned choices as the figures' filters (call once the form is valid)."""
        data = self.cleaned_data
        start, end = self.dates()
        therapist = data.get("therapist")
        return Filters(
            start=start,
            end=end,
            modality=data.get("modality") or "",
            therapist_id=therapist.pk if therapist else None,
            source=data.get("source") or "",
        )

    def dates(self) -> tuple[dt.date, dt.date]:
        data = self.cleaned_data
        if data["period"] == "custom":
            return data["start"], data["end"]
        last = dt.datetime.strptime(data["month"], "%Y-%m").date()
        count = {"month": 1, "quarter": 3, "year": 12}[data["period"]]
        return months_back(last, count), month_end(last)

    def query(self, **changes: Any) -> str:
        """The filters as a query string, with ``changes`` made (a date as a date; None
        or "" to drop a filter): for links that keep the page's filters."""
        values = {name: self.cleaned_data.get(name) for name in FIELDS if name in self.cleaned_data}
        values.update(changes)
        return urlencode(_pairs(values))

    def for_month(self, month: dt.date) -> str:
        """The query string of the same filters over one month."""
        return self.query(period="custom", start=month, end=month_end(month), month=None)


def _pairs(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Filter values as query pairs, in the form's field order where a name is a field; a
    date as its three boxes, a person as their public id; empty values left out."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if value in (None, ""):
            continue
        if isinstance(value, dt.date):
            for part, number in zip("012", (value.day, value.month, value.year), strict=True):
                pairs.append((f"{name}_{part}", str(number)))
        elif isinstance(value, User):
            pairs.append((name, str(value.public_id)))
        else:
            pairs.append((name, str(value)))
    return pairs
