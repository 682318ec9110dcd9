"""Observation: what a clinician charts from the answers. Each complete response gives its
total (LOINC 44261-6 for PHQ-9, 70274-6 for GAD-7) with its severity band; each risk
item answered (PHQ-9 item 9, LOINC 44260-8, "thoughts that you would be better off dead,
or of hurting yourself") gives its own Observation, so an EHR can alert on it alone.

An Observation's id is its response's id and ``-total`` or ``-item<n>``; a search pages
through responses, so a page holds up to two Observations for each PHQ-9.
"""

from typing import Any

from django.db.models import Q

from interplay.api.fhir import access
from interplay.api.fhir.base import LOINC, coding, instant, reference, validate
from interplay.api.fhir.questionnaire_response import (
    PATIENT,
    answer_coding,
    audited,
    instrument,
    subject_of,
)
from interplay.api.fhir.search import (
    Kind,
    Param,
    as_uuid,
    constant_status,
    date_filter,
    updated_param,
)
from interplay.measures.models import QuestionnaireResponse

CATEGORY = coding("http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")


def to_fhir(response: QuestionnaireResponse) -> list[dict[str, Any]]:
    definition = instrument(response.instrument_code, response.instrument_version)
    found = []
    if response.complete and response.total is not None and definition.loinc_total:
        found.append(
            _observation(
                response,
                "total",
                coding(LOINC, definition.loinc_total, f"{definition.name} total score"),
                {"valueInteger": response.total, "interpretation": [{"text": response.band}]},
            )
        )
    for item in definition.items:
        value = response.answer(item.number)
        if item.risk and value is not None and item.loinc:
            found.append(
                _observation(
                    response,
                    f"item{item.number}",
                    coding(LOINC, item.loinc, item.text),
                    {"valueCodeableConcept": {"coding": [answer_coding(response, value)]}},
                )
            )
    return found


def _observation(
    response: QuestionnaireResponse, suffix: str, code: dict[str, str], value: dict[str, Any]
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{response.public_id}-{suffix}",
        "meta": {"lastUpdated": instant(response.answered_at)},
        "status": "final",
        "category": [{"coding": [CATEGORY]}],
        "code": {"coding": [code]},
        "effectiveDateTime": instant(response.answered_at),
        "derivedFrom": [reference("QuestionnaireResponse", response.public_id)],
        **value,
    }
    patient = subject_of(response)
    if patient is not None:
        data["subject"] = reference("Patient", patient.public_id)
    return validate(data)


def lookup(rows: Any, resource_id: str) -> Any:
    return rows.filter(public_id=as_uuid(resource_id[:36])).first()


def scope(user: Any) -> Any:
    return access.responses(user).select_related(
        "course__patient", "referral__patient", "appointment"
    )


def _codes(values: list[str]) -> list[set[str]]:
    return [{v.removeprefix(f"{LOINC}|") for v in value.split(",")} for value in values]


def _code_rows(rows: Any, values: list[str]) -> Any:
    """Responses to the instruments that give any of the codes asked for."""
    for wanted in _codes(values):
        condition = Q(pk__in=[])
        for code in ("phq9", "gad7"):
            definition = instrument(code)
            given = {definition.loinc_total, *(i.loinc for i in definition.items if i.risk)}
            if wanted & given:
                condition |= Q(instrument_code=code)
        rows = rows.filter(condition)
    return rows


def narrow(query: Any, resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for wanted in _codes(query.getlist("code")):
        resources = [r for r in resources if r["code"]["coding"][0]["code"] in wanted]
    for value in query.getlist("_id"):
        resources = [r for r in resources if r["id"] in value.split(",")]
    return resources


KIND = Kind(
    name="Observation",
    readers=access.RESPONSE_READERS,
    scope=scope,
    build=to_fhir,
    params=(
        Param(
            "_id",
            "token",
            "The Observation's id (<response id>-total or -item9).",
            lambda rows, values: rows.filter(
                public_id__in=[as_uuid(v[:36]) for value in values for v in value.split(",")]
            ),
        ),
        PATIENT,
        Param(
            "code",
            "token",
            "LOINC 44261-6 (PHQ-9 total), 70274-6 (GAD-7 total), 44260-8 (PHQ-9 item 9).",
            _code_rows,
        ),
        Param(
            "status",
            "token",
            "final: every Observation is final.",
            constant_status("final"),
        ),
        Param("date", "date", "When the answers were given.", date_filter("answered_at")),
        updated_param("answered_at", "when the answers were given (they never change)"),
    ),
    audited=audited,
    lookup=lookup,
    narrow=narrow,
)
