"""Anonymising one person's records at the end of their retention period.

What goes: everything that names or locates the person (on the patient record and on each
referral, which keeps its own copy of the identity fields), and every free-text field,
since staff and people write names and circumstances into them; letters lose their words
and their PDFs. What stays, for the service's statistics: statuses, dates, coded answers
and choices, questionnaire answers and scores, the GP practice, the town, the birth year
and the postcode's outward code (``LS6``).

Writes with queryset updates, so the append-only models (consents) are changed only here.
``services.apply_retention`` chooses the people, holds the transaction and audits.
"""

import datetime as dt

from interplay.letters.models import Letter
from interplay.patients.models import Consent, Patient
from interplay.referrals.models import Referral
from interplay.triage.models import ContactAttempt, TriageAssessment, TriageDecision

ANONYMISED = "Anonymised"
BLANK_ON_PATIENT = (
    "nhs_number",
    "address_line_1",
    "address_line_2",
    "phone",
    "email",
    "gp_address",
)
BLANK_ON_REFERRAL = (
    *BLANK_ON_PATIENT,
    "interpreter_language",
    "main_difficulties",
    "relationships_affected",
    "hoped_change",
    "substance_detail",
    "other_services",
)
BLANK_ON_ASSESSMENT = (
    "presenting_problem",
    "risk_to_self",
    "risk_to_others",
    "protective_factors",
    "suitability_reasons",
)
BLANK_ON_DECISION = ("signposted_to", "reason")
BLANK_ON_LETTER = ("recipient_address", "recipient_email", "subject", "body")


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same instant ``years`` calendar years earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def outward_code(postcode: str) -> str:
    """The part of a UK postcode before the space (``LS6 2AB`` -> ``LS6``): a district of
    some thousands of addresses. Already short (an outward code alone): kept as it is."""
    compact = "".join(postcode.split()).upper()
    return compact[:-3] if len(compact) > 4 else compact


def first_of_year(day: dt.date) -> dt.date:
    return dt.date(day.year, 1, 1)


def counts(patient: Patient) -> dict[str, int]:
    """What anonymising ``patient`` touches: their referrals and letters."""
    referrals = Referral.objects.filter(patient=patient)
    return {
        "referrals": referrals.count(),
        "letters": Letter.objects.filter(referral__in=referrals).count(),
    }


def anonymise(patient: Patient, *, now: dt.datetime) -> dict[str, int]:
    """Remove what identifies ``patient`` and every free text about them; return counts.

    Call inside a transaction holding the patient's row lock.
    """
    touched = counts(patient)
    Patient.objects.filter(pk=patient.pk).update(
        first_name=ANONYMISED,
        last_name=ANONYMISED,
        date_of_birth=first_of_year(patient.date_of_birth),
        postcode=outward_code(patient.postcode),
        anonymised_at=now,
        **dict.fromkeys(BLANK_ON_PATIENT, ""),
    )
    referrals = Referral.objects.filter(patient=patient)
    for pk, born, postcode in referrals.values_list("pk", "date_of_birth", "postcode"):
        Referral.objects.filter(pk=pk).update(
            first_name=ANONYMISED,
            last_name=ANONYMISED,
            date_of_birth=first_of_year(born),
            postcode=outward_code(postcode),
            **dict.fromkeys(BLANK_ON_REFERRAL, ""),
        )
    TriageAssessment.objects.filter(referral__in=referrals).update(
        **dict.fromkeys(BLANK_ON_ASSESSMENT, "")
    )
    ContactAttempt.objects.filter(referral__in=referrals).update(note="")
    TriageDecision.objects.filter(referral__in=referrals).update(
        **dict.fromkeys(BLANK_ON_DECISION, "")
    )
    Letter.objects.filter(referral__in=referrals).update(
        recipient_name=ANONYMISED, pdf=b"", **dict.fromkeys(BLANK_ON_LETTER, "")
    )
    Consent.objects.filter(patient=patient).update(note="")
    return touched
