"""The focus rules, pure: which fields a course's focus has and what makes one complete.

Forms show the problems beside their fields; the services refuse the same problems, so the
rule is written once. No Django, no database.
"""

from collections.abc import Mapping
from typing import Any

DISPUTE = "role_dispute"

IPT_FIELDS = (
    "problem_area",
    "second_area",
    "dispute_stage",
    "rationale",
    "people",
    "formulation",
    "agreed_on",
    "shared_with_patient",
)
DIT_FIELDS = (
    "self_representation",
    "other_representation",
    "linking_affect",
    "defensive_function",
    "rationale",
    "people",
    "patient_version",
    "agreed_on",
    "shared_with_patient",
)


def focus_fields(modality: str, *, defensive_function: bool) -> tuple[str, ...]:
    """The focus's fields for this modality. For DIT, the defensive function (the fourth
    IPAF component as commonly taught; docs/clinical-rules.md 2.2 unverified) only when the service
    records it."""
    if modality != "dit":
        return IPT_FIELDS
    if defensive_function:
        return DIT_FIELDS
    return tuple(f for f in DIT_FIELDS if f != "defensive_function")


def patient_text_field(modality: str) -> str:
    """The text written for the patient: the formulation (IPT), the plain-language IPAF (DIT)."""
    return "patient_version" if modality == "dit" else "formulation"


def focus_problems(
    modality: str, values: Mapping[str, Any], *, defensive_function: bool
) -> dict[str, str]:
    """What is wrong with this focus, by field: empty when it may be recorded."""
    problems = _dit(values, defensive_function) if modality == "dit" else _ipt(values)
    text = patient_text_field(modality)
    written = bool(str(values.get(text) or "").strip())
    if values.get("agreed_on") and not written:
        problems.setdefault(text, "Write what you agreed with the patient before marking it agreed")
    if values.get("shared_with_patient") and not written:
        problems.setdefault(text, "Write the text the patient will see before sharing it")
    return problems


def _ipt(values: Mapping[str, Any]) -> dict[str, str]:
    # docs/clinical-rules.md 1.6, 1.7: one problem area (a second is optional); a dispute
    # has a stage.
    problems: dict[str, str] = {}
    first, second = values.get("problem_area") or "", values.get("second_area") or ""
    if not first:
        problems["problem_area"] = "Choose the problem area"
    if second and second == first:
        problems["second_area"] = "Choose a second problem area different from the first, or none"
    stage = values.get("dispute_stage") or ""
    if DISPUTE in (first, second) and not stage:
        problems["dispute_stage"] = "Choose the stage of the dispute"
    if stage and DISPUTE not in (first, second):
        problems["dispute_stage"] = "Give a stage only for a dispute"
    return problems


def _dit(values: Mapping[str, Any], defensive_function: bool) -> dict[str, str]:
    # docs/clinical-rules.md 2.2: self and other representations linked by an affect.
    required = {
        "self_representation": "Describe how the patient sees themselves",
        "other_representation": "Describe how the patient sees the other person",
        "linking_affect": "Name the feeling that links them",
    }
    if defensive_function:
        required["defensive_function"] = "Describe what the pattern protects against"
    return {
        field: message
        for field, message in required.items()
        if not str(values.get(field) or "").strip()
    }
