"""Forms of the settings pages: the service's words, its rules, rooms and closures."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from interplay.clinic.models import ServiceSettings
from interplay.forms import DateField, InterplayForm, InterplayModelForm


class _SettingsForm(InterplayModelForm):
    """A part of the one settings row, with a message naming each field's problem."""

    nouns: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            noun = self.nouns.get(name, str(field.label).lower())
            field.error_messages["required"] = f"Enter {noun}"
            if isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = f"Enter {noun} as a whole number, like 7"
                field.error_messages["min_value"] = f"Enter {noun} of %(limit_value)s or more"
                field.error_messages["max_value"] = f"Enter {noun} of %(limit_value)s or less"
                field.input_width = 3  # type: ignore[attr-defined]
            if isinstance(field, forms.ChoiceField):
                field.error_messages["required"] = f"Select {noun}"


class ServiceWordsForm(_SettingsForm):
    """What the service calls itself and what its public pages and letters say."""

    nouns = {
        "name": "the service's name",
        "crisis_text": "the crisis signposting",
        "next_steps_text": "what happens after a referral",
        "privacy_notice": "the privacy notice",
        "out_of_area_text": "what people outside the area are told",
    }

    class Meta:
        model = ServiceSettings
        fields = [
            "name",
            "phone",
            "crisis_text",
            "next_steps_text",
            "privacy_notice",
            "out_of_area_text",
        ]
        labels = {
            "name": "Service name",
            "phone": "Phone number (optional)",
            "crisis_text": "Crisis signposting",
            "next_steps_text": "What happens after a referral",
            "privacy_notice": "Privacy notice",
            "out_of_area_text": "What people outside the area are told",
        }
        help_texts = {
            "name": "Shown at the top of every page and in emails and letters.",
            "crisis_text": "Shown to anyone who says they are not safe, and after a risk "
            "disclosure. One help line on each line; a line may start with '- '.",
            "next_steps_text": "Shown to a person once their referral is sent.",
            "privacy_notice": "Shown on the referral form, before the consent questions.",
            "out_of_area_text": "Shown when a postcode is outside the area the service covers.",
        }
        widgets = {
            field: forms.Textarea(attrs={"rows": 6})
            for field in ("crisis_text", "next_steps_text", "privacy_notice", "out_of_area_text")
        }


class ServiceRulesForm(_SettingsForm):
    """The choices the service makes: who may refer, how long things take, what counts."""

    nouns = {
        "minimum_referral_age": "the minimum age",
        "area_postcode_prefixes": "the postcode districts",
        "breach_warning_days": "the days of warning",
        "contact_attempts_before_letter": "the number of attempts",
        "retention_years": "the years records are kept",
        "nation": "whose bank holidays close the service",
        "questionnaire_window_hours": "the hours before a session",
        "alert_escalation_working_days": "the working days",
        "mixed_change_rule": "how a mixed change counts",
        "backdate_window_days": "the days back",
        "urgent_triage_working_days": "the working days",
        "group_minimum_members": "the number of members",
    }

    class Meta:
        model = ServiceSettings
        fields = [
            "minimum_referral_age",
            "area_postcode_prefixes",
            "nation",
            "wait_boundary_inclusive",
            "breach_warning_days",
            "urgent_triage_working_days",
            "contact_attempts_before_letter",
            "questionnaire_window_hours",
            "alert_escalation_working_days",
            "backdate_window_days",
            "group_minimum_members",
            "mixed_change_rule",
            "ipaf_defensive_function",
            "retention_years",
        ]
        labels = {
            "minimum_referral_age": "Minimum age to refer yourself, in years",
            "area_postcode_prefixes": "Postcode districts covered (optional)",
            "nation": "Whose bank holidays close the service",
            "wait_boundary_inclusive": "A wait of exactly 6 or 18 weeks counts as within the "
            "standard",
            "breach_warning_days": "Warn before a waiting-time standard is missed, in days",
            "urgent_triage_working_days": "Urgent referrals stand out after this many working days",
            "contact_attempts_before_letter": "Failed contact attempts before a letter",
            "questionnaire_window_hours": "Questionnaires open this many hours before a session",
            "alert_escalation_working_days": "Unacknowledged risk alerts go to the supervisor "
            "after this many working days",
            "backdate_window_days": "Sessions may be recorded this many days back",
            "group_minimum_members": "Members a new IPT group needs before it starts",
            "mixed_change_rule": "When one measure reliably improves and the other reliably "
            "worsens",
            "ipaf_defensive_function": "A DIT focus records the defensive function",
            "retention_years": "Years records are kept after the last contact",
        }
        help_texts = {
            "minimum_referral_age": "Services use 16, 17 (17 years and 9 months) or 18.",
            "area_postcode_prefixes": "Separate them with commas, for example LS1, LS2. Leave "
            "empty to accept every area.",
            "wait_boundary_inclusive": "The published sources do not settle this.",
            "urgent_triage_working_days": "In the triage queue.",
            "contact_attempts_before_letter": "In a row, before a 'we could not reach you' "
            "letter is sent.",
            "questionnaire_window_hours": "In the patient portal.",
            "backdate_window_days": "With a reason, to record a session that really happened. "
            "0 refuses every date in the past.",
            "group_minimum_members": "People who have accepted their invitation. A group may "
            "set its own.",
            "mixed_change_rule": "How the course's outcome counts it.",
            "ipaf_defensive_function": "The fourth part of the interpersonal-affective focus "
            "as commonly taught.",
            "retention_years": "Then the record is anonymised. 8 is the usual minimum for adult "
            "mental health records in the NHS records retention schedule; set your "
            "organisation's own period.",
        }
        widgets = {
            "nation": forms.RadioSelect,
            "mixed_change_rule": forms.RadioSelect,
        }


class RoomForm(InterplayForm):
    name = forms.CharField(
        label="Room name",
        max_length=100,
        error_messages={
            "required": "Enter the room's name",
            "max_length": "Room name must be 100 characters or fewer",
        },
    )


class ChangeRoomForm(RoomForm):
    active = forms.BooleanField(
        label="In use",
        required=False,
        help_text="A room out of use is not offered for new courses. Sessions already booked "
        "in it keep it.",
    )


class ClosureForm(InterplayForm):
    date = DateField(
        label="Date",
        noun="date",
        help_text="For example, 24 12 2026",
        error_messages={"required": "Enter the date the service is closed"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=200,
        help_text="Staff see it when a session would fall on the day, for example Training day.",
        error_messages={
            "required": "Enter why the service is closed",
            "max_length": "Reason must be 200 characters or fewer",
        },
    )

    def clean_date(self) -> dt.date:
        date: dt.date = self.cleaned_data["date"]
        if date < timezone.localdate():
            raise forms.ValidationError("Date must be today or in the future")
        return date
