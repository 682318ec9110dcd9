from typing import Any

from django import forms

from interplay.accounts.models import Weekday
from interplay.clinic.models import Room
from interplay.courses.models import RECORDABLE
from interplay.forms import DateField, InterplayForm


def backdate_reason() -> forms.CharField:
    """Why a time already past (only then): the back-dating window's reason."""
    return forms.CharField(
        label="Reason for booking in the past",
        help_text="Only to record a session that really happened then, within the "
        "service's back-dating window. Leave empty for a time to come.",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )


class StartCourseForm(InterplayForm):
    protocol = forms.ChoiceField(
        label="Protocol",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the protocol for this course"},
    )
    weekday = forms.TypedChoiceField(
        label="Day of the week",
        coerce=int,
        choices=[(d.value, d.label) for d in Weekday if d.value < 5],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the day of the week"},
    )
    time = forms.TimeField(
        label="Time",
        help_text="24-hour clock, for example 14:00",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        error_messages={
            "required": "Enter the time of the sessions",
            "invalid": "Enter a time like 09:30 or 14:00",
        },
    )
    time.input_width = 5  # type: ignore[attr-defined]
    first_date = DateField(
        label="First session on or after",
        noun="first session date",
        help_text="For example, 7 12 2026",
        error_messages={"required": "Enter the date of the first session"},
    )
    room = forms.ModelChoiceField(
        label="Room (optional)",
        queryset=Room.objects.filter(active=True),
        required=False,
        empty_label="No room: video or phone",
    )
    video_link = forms.URLField(
        label="Video link (optional)",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address, like https://meet.example.org/abc"},
    )
    reason = backdate_reason()

    def __init__(self, *args: Any, protocols: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["protocol"]
        field.choices = [(p.code, f"{p.name} ({p.default_sessions} sessions)") for p in protocols]  # type: ignore[attr-defined]
        if len(protocols) == 1:
            field.initial = protocols[0].code


class AttendanceForm(InterplayForm):
    prefix = "attendance"
    status = forms.ChoiceField(
        label="What happened?",
        choices=[(s.value, s.label) for s in RECORDABLE],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened to this session"},
    )


class RescheduleForm(InterplayForm):
    prefix = "move"
    date = DateField(
        label="New date",
        noun="new date",
        help_text="For example, 15 1 2027",
        error_messages={"required": "Enter the new date"},
    )
    time = forms.TimeField(
        label="New time",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        error_messages={
            "required": "Enter the new time",
            "invalid": "Enter a time like 09:30 or 14:00",
        },
    )
    time.input_width = 5  # type: ignore[attr-defined]
    reason = backdate_reason()


class TaskDoneForm(InterplayForm):
    outcome = forms.CharField(
        label="What did you do?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say what you did"},
    )


class EndCourseForm(InterplayForm):
    prefix = "end"
    outcome = forms.ChoiceField(
        label="How did the course end?",
        choices=[
            ("completed", "Completed"),
            ("dropped_out", "Dropped out"),
            ("discharged_dna", "Discharged after non-attendance"),
            ("referred_on", "Referred on"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the course ended"},
    )
    reason = forms.CharField(
        label="Why, in a sentence or two",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Say why the course ended"},
    )


class ShiftForm(InterplayForm):
    prefix = "shift"
    from_number = forms.IntegerField(
        label="From session",
        min_value=1,
        error_messages={
            "required": "Enter the first session to move",
            "invalid": "Enter a session number",
        },
    )
    from_number.input_width = 2  # type: ignore[attr-defined]
    weeks = forms.IntegerField(
        label="By how many weeks",
        min_value=1,
        max_value=8,
        error_messages={
            "required": "Enter how many weeks",
            "invalid": "Enter a number of weeks",
            "min_value": "Move sessions by 1 to 8 weeks",
            "max_value": "Move sessions by 1 to 8 weeks",
        },
    )
    weeks.input_width = 2  # type: ignore[attr-defined]
