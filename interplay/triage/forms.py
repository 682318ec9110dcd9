"""Triage forms: Django forms validate shape; the services apply the rules."""

from typing import Any

from django import forms

from interplay.accounts.roles import Modality
from interplay.forms import InterplayForm, InterplayModelForm
from interplay.referrals.models import Referral
from interplay.triage.models import (
    ContactMethod,
    ContactOutcome,
    Exclusion,
    Outcome,
    TriageAssessment,
    Urgency,
)
from interplay.triage.services import WITHDRAWAL_REASONS


def _radios(label: str, choices: Any, message: str, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": message},
        **kwargs,
    )


def _text(label: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}), **kwargs
    )


class AssessmentForm(InterplayModelForm):
    urgency = _radios("How urgent is this?", Urgency.choices, "Select how urgent this is")
    exclusions = forms.MultipleChoiceField(
        label="Does any of these apply?",
        help_text="Select all that apply. Each makes primary-care talking therapy less "
        "likely to suit: talk it through with the person and, where it fits, refer on or "
        "signpost instead.",
        choices=Exclusion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    suitable_for = forms.MultipleChoiceField(
        label="Which therapies would suit this person?",
        choices=Modality.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    presenting_problem = _text("Presenting problem", max_length=8000)
    risk_to_self = _text("Risk to self", max_length=8000)
    risk_to_others = _text("Risk to others", max_length=8000)
    protective_factors = _text("Protective factors", max_length=8000)
    suitability_reasons = _text("Reasons for the suitability", max_length=8000)

    class Meta:
        model = TriageAssessment
        fields = [
            "presenting_problem",
            "risk_to_self",
            "risk_to_others",
            "protective_factors",
            "urgency",
            "exclusions",
            "suitable_for",
            "relational_focus",
            "suitability_reasons",
        ]
        labels = {
            "relational_focus": "For DIT: their difficulties are linked to relationships and "
            "they want to reflect on them"
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if Modality.DIT in data.get("suitable_for", []) and not data.get("relational_focus"):
            self.add_error(
                "relational_focus",
                "DIT suits difficulties linked to relationships and a wish to reflect on "
                "them: confirm this, or do not mark DIT as suitable",
            )
        if data.get("urgency") == Urgency.CRISIS and data.get("suitable_for"):
            self.add_error(
                "suitable_for",
                "Someone redirected to crisis care is not offered therapy now: clear these",
            )
        return data


def assessment_form(
    referral: Referral, assessment: TriageAssessment | None = None
) -> AssessmentForm:
    """The assessment as saved, or a new one starting from what is known: a referral that
    arrived urgent (a risk disclosed on the form) opens with urgency set to urgent."""
    if assessment is None:
        urgency = Urgency.URGENT if referral.urgent else Urgency.ROUTINE
        assessment = TriageAssessment(referral=referral, urgency=urgency)
    return AssessmentForm(instance=assessment)


class ContactForm(InterplayForm):
    prefix = "contact"
    method = _radios("How did you try?", ContactMethod.choices, "Select how you tried")
    outcome = _radios("What happened?", ContactOutcome.choices, "Select what happened")
    note = _text("Note (optional)", max_length=2000)


class DecisionForm(InterplayForm):
    prefix = "decision"
    outcome = _radios("Decision", Outcome.choices, "Select a decision")
    signposted_to = forms.CharField(
        label="Signposted to (for a signpost)", required=False, max_length=200
    )
    reason = _text(
        "Reason (needed to decline or refer on)",
        max_length=4000,
        help_text="Write it to the person, as \u201cyou\u201d: it is printed in their letter "
        "and in their GP's.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if outcome == Outcome.SIGNPOST and not data.get("signposted_to", "").strip():
            self.add_error("signposted_to", "Say where you are signposting this person to")
        if outcome in (Outcome.DECLINE, Outcome.REFER_ON) and not data.get("reason", "").strip():
            self.add_error("reason", "Give the reason for this decision")
        return data


class WithdrawForm(InterplayForm):
    prefix = "withdraw"
    reason = _radios(
        "Why is this referral withdrawn?",
        list(WITHDRAWAL_REASONS.items()),
        "Select why the referral is withdrawn",
    )


class AllocateForm(InterplayForm):
    therapist = forms.UUIDField(widget=forms.HiddenInput)
