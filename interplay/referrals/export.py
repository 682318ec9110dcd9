"""A referral's own answers as plain data, for the subject access export."""

from typing import Any

from interplay.lib.export import coded
from interplay.referrals.models import AvailableTime, ProblemArea, Referral, RiskReason

# A referral's answers, in the order the form asks them, with the words the PDF prints.
ABOUT_THEM = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "nhs_number": "NHS number",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "town": "Town or city",
    "postcode": "Postcode",
    "phone": "Phone",
    "email": "Email",
    "preferred_contact": "Preferred contact",
    "may_leave_message": "Messages may be left",
    "available_times": "Can attend",
    "interpreter_needed": "Interpreter needed",
    "interpreter_language": "Interpreter's language",
    "gp_practice": "GP practice",
    "gp_address": "GP address",
}


OWN_WORDS = {
    "main_difficulties": "What is troubling them",
    "duration": "For how long",
    "problem_areas": "What applies",
    "relationships_affected": "Relationships affected",
    "hoped_change": "Hoped-for change",
    "substance_use": "Alcohol or drugs",
    "substance_detail": "About alcohol or drugs",
    "other_services": "Other services",
}


REFERRAL_CONSENT = {
    "consent_to_referral": "Consent to the referral",
    "consent_to_gp_contact": "Consent to contact with their GP",
}


# Coded lists stored as JSON, whose field has no choices of its own.
LIST_CHOICES = {
    "available_times": dict(AvailableTime.choices),
    "problem_areas": dict(ProblemArea.choices),
    "risk_reasons": dict(RiskReason.choices),
}


def referral_details(referral: Referral) -> dict[str, Any]:
    """Every answer the person gave, with the wording of each coded one."""
    return coded(referral, {**ABOUT_THEM, **OWN_WORDS, **REFERRAL_CONSENT}, LIST_CHOICES)
