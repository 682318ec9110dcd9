"""Forms for forming and running a group. Rules live in the services; a refusal is shown
beside the field the service names."""

from typing import Any

from django import forms
from django.db.models import Q

from interplay.accounts.models import User, Weekday
from interplay.accounts.roles import Modality, Role
from interplay.clinic.models import Room
from interplay.courses.forms import StartCourseForm
from interplay.courses.models import RECORDABLE, AppointmentStatus
from interplay.forms import InterplayForm


def _people(qs: Any) -> Any:
    return qs.order_by("last_name", "first_name", "username")


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class FormGroupForm(InterplayForm):
    name = forms.CharField(
        label="Name of the group",
        help_text="Staff see it; members see it in their online pages. Use no member's name.",
        max_length=80,
        error_messages={"required": "Enter a name for the group"},
    )
    protocol_code = forms.ChoiceField(
        label="Programme",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the group programme"},
    )
    lead = UserChoice(
        label="Facilitator",
        queryset=User.objects.none(),
        error_messages={"required": "Select the facilitator"},
    )
    co_facilitator = UserChoice(
        label="Second facilitator (optional)", queryset=User.objects.none(), required=False
    )
    supervisor = UserChoice(
        label="Supervisor (optional)",
        help_text="Needed when a facilitator is not an IPT specialist.",
        queryset=User.objects.none(),
        required=False,
    )
    weekday = forms.TypedChoiceField(
        label="Day of the week",
        coerce=int,
        choices=[(d.value, d.label) for d in Weekday if d.value < 5],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the day of the week"},
    )
    time = StartCourseForm.base_fields["time"]
    first_date = StartCourseForm.base_fields["first_date"]
    room = forms.ModelChoiceField(
        label="Room (optional)",
        queryset=Room.objects.filter(active=True),
        required=False,
        empty_label="No room: by video",
    )
    video_link = StartCourseForm.base_fields["video_link"]
    minutes = forms.IntegerField(
        label="Length of each session in minutes (optional)",
        help_text="Leave empty for the programme's own (90 minutes for WHO group IPT).",
        required=False,
        min_value=30,
        max_value=180,
    )
    min_members = forms.IntegerField(
        label="Fewest members to start (optional)",
        help_text="Leave empty for the service's setting.",
        required=False,
        min_value=2,
        max_value=20,
    )
    max_members = forms.IntegerField(
        label="Most members (optional)",
        required=False,
        min_value=2,
        max_value=20,
    )
    members = forms.MultipleChoiceField(
        label="Invite from the group IPT waiting list",
        help_text="Each gets a letter, by email where we have an address, and answers in "
        "their online pages.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, protocols: list[Any], waiting: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol_code"].choices = [  # type: ignore[attr-defined]
            (p.code, f"{p.name}, {p.session_minutes} minutes") for p in protocols
        ]
        if len(protocols) == 1:
            self.fields["protocol_code"].initial = protocols[0].code
        qualified = User.objects.filter(
            clinician__qualifications__modality=Modality.GROUP_IPT, is_active=True
        )
        for name in ("lead", "co_facilitator"):
            self.fields[name].queryset = _people(qualified)  # type: ignore[attr-defined]
        supervisors = User.objects.filter(
            Q(role_assignments__role=Role.SUPERVISOR), is_active=True
        ).distinct()
        self.fields["supervisor"].queryset = _people(supervisors)  # type: ignore[attr-defined]
        self.fields["members"].choices = [  # type: ignore[attr-defined]
            (str(r.public_id), f"{r.full_name} ({r.reference})") for r in waiting
        ]


class InviteForm(InterplayForm):
    members = forms.MultipleChoiceField(
        label="Invite from the group IPT waiting list",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one person to invite"},
    )

    def __init__(self, *args: Any, waiting: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [  # type: ignore[attr-defined]
            (str(r.public_id), f"{r.full_name} ({r.reference})") for r in waiting
        ]


GROUP_RECORDABLE = [
    (s.value, s.label) for s in RECORDABLE if s != AppointmentStatus.CANCELLED_BY_SERVICE
]


class AttendanceForm(InterplayForm):
    """One question per member: what happened to them at this session."""

    def __init__(self, *args: Any, members: list[tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for member, appointment in members:
            name = member.referral.full_name
            field = forms.ChoiceField(
                label=name,
                choices=GROUP_RECORDABLE,
                widget=forms.RadioSelect,
                error_messages={"required": f"Select what happened for {name}"},
            )
            field.inline = True  # type: ignore[attr-defined]
            if appointment.status != AppointmentStatus.BOOKED:
                field.initial = appointment.status
            self.fields[f"member_{member.pk}"] = field

    def statuses(self) -> dict[int, str]:
        return {int(k.removeprefix("member_")): v for k, v in self.cleaned_data.items()}


class GroupRecordForm(InterplayForm):
    tasks_done = forms.MultipleChoiceField(
        label="Tasks covered in this session",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(
        label="Notes",
        help_text="Staff only: never shown in any member's online pages.",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
    )

    def __init__(self, *args: Any, tasks: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tasks_done"].choices = [  # type: ignore[attr-defined]
            (t.key, t.text) for t in tasks
        ]


class LeaveForm(InterplayForm):
    reason = forms.CharField(
        label="Why is this member leaving?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": "Say why the member is leaving"},
    )
