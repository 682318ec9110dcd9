import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from interplay.accounts.models import Weekday
from interplay.accounts.rules import working_hours_problem
from interplay.forms import CleanTextMixin, DateField, InterplayForm
from interplay.lib.crypto import encrypt_text

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your administrator.",
    }


class CodeForm(InterplayForm):
    """One code from an authenticator app (6 digits) or a backup code (8 characters)."""

    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code your authenticator app shows now, or one of your backup codes.",
        max_length=20,
        error_messages={"required": "Enter the code from your authenticator app"},
    )
    code.input_width = 10  # type: ignore[attr-defined]
    code.widget.attrs.update(
        {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
    )


class SetupCodeForm(CodeForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code the app shows after you add Interplay."


class SpanForm(InterplayForm):
    """One span of working hours: a day, a start and an end."""

    weekday = forms.TypedChoiceField(
        label="Day",
        coerce=int,
        choices=[("", "Choose a day"), *Weekday.choices],
        error_messages={"required": "Select the day"},
    )
    start = forms.TimeField(
        label="From",
        help_text="24-hour clock, for example 09:00",
        input_formats=TIME_FORMATS,
        error_messages={
            "required": "Enter the time the hours start",
            "invalid": "Enter a start time like 09:00 or 13:30",
        },
    )
    end = forms.TimeField(
        label="Until",
        help_text="For example, 17:00",
        input_formats=TIME_FORMATS,
        error_messages={
            "required": "Enter the time the hours end",
            "invalid": "Enter an end time like 12:30 or 17:00",
        },
    )
    start.input_width = end.input_width = 5  # type: ignore[attr-defined]
    start.widget.format = end.widget.format = "%H:%M"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "The end time must be after the start time")
        return data


class BaseWeekFormSet(forms.BaseFormSet):
    """A week of working hours; two spans on one day must not overlap."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove these hours"

    def clean(self) -> None:
        if any(self.errors):
            return
        problem = working_hours_problem(self.spans())
        if problem:
            raise forms.ValidationError(problem)

    def spans(self) -> list[tuple[int, dt.time, dt.time]]:
        """The week as (weekday, start, end), leaving out empty and removed rows."""
        return [
            (form.cleaned_data["weekday"], form.cleaned_data["start"], form.cleaned_data["end"])
            for form in self.forms
            # An untouched empty row has no cleaned data; a removed row is left out.
            if "weekday" in form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


WeekFormSet = forms.formset_factory(
    SpanForm, formset=BaseWeekFormSet, extra=3, can_delete=True, can_delete_extra=False
)


class LeaveForm(InterplayForm):
    starts_on = DateField(
        label="First day away",
        noun="first day away",
        help_text="For example, 3 8 2026",
        error_messages={"required": "Enter the first day away"},
    )
    ends_on = DateField(
        label="Last day away",
        noun="last day away",
        help_text="The same as the first day for a single day. For example, 14 8 2026",
        error_messages={"required": "Enter the last day away"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day away must be the same as or after the first")
        return data


class PasswordResetRequestForm(CleanTextMixin, PasswordResetForm):
    """The address someone types; saving only queues the lookup and the email
    (``tasks.send_password_reset``), so a known and an unknown address take as long."""

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]
        from interplay.accounts.tasks import send_password_reset

        send_password_reset.enqueue(encrypt_text(self.cleaned_data["email"]))
