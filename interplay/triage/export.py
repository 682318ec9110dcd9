"""Triage's records about one referral as plain data, for the subject access export."""

from typing import Any

from interplay.accounts.roles import Modality
from interplay.lib.export import coded, person_name
from interplay.referrals.models import Referral
from interplay.triage.models import Allocation, ContactAttempt, Exclusion, TriageAssessment

# Coded lists stored as JSON, whose field has no choices of its own.
LIST_CHOICES = {"exclusions": dict(Exclusion.choices), "suitable_for": dict(Modality.choices)}


def assessment_data(assessment: TriageAssessment | None) -> dict[str, Any] | None:
    if assessment is None:
        return None
    return {
        "assessed_by": person_name(assessment.assessed_by),
        "updated_at": assessment.updated_at,
        **coded(
            assessment,
            (
                "presenting_problem",
                "risk_to_self",
                "risk_to_others",
                "protective_factors",
                "urgency",
                "exclusions",
                "suitable_for",
                "relational_focus",
                "suitability_reasons",
            ),
            LIST_CHOICES,
        ),
    }


def attempt_data(attempt: ContactAttempt) -> dict[str, Any]:
    return {
        "at": attempt.at,
        "by": person_name(attempt.by),
        **coded(attempt, ("method", "outcome", "note")),
    }


def decision_data(referral: Referral) -> dict[str, Any] | None:
    decision = getattr(referral, "decision", None)
    if decision is None:
        return None
    return {
        "decided_at": decision.decided_at,
        "decided_by": person_name(decision.decided_by),
        **coded(decision, ("outcome", "modality", "signposted_to", "reason")),
    }


def allocation_data(allocation: Allocation) -> dict[str, Any]:
    return {
        "therapist": person_name(allocation.therapist),
        "allocated_at": allocation.allocated_at,
        "allocated_by": person_name(allocation.allocated_by),
        "ended_at": allocation.ended_at,
        **coded(allocation, ("modality",)),
    }
