"""QuestionnaireResponse: one completion of PHQ-9 or GAD-7 (``measures.QuestionnaireResponse``),
given with a referral or during a course, on the instrument version it was answered on.
A partly answered one is ``in-progress`` and has no total."""

from typing import Any

from interplay.api.fhir import access
from interplay.api.fhir.base import LOINC, instant, reference, remembered, validate
from interplay.api.fhir.search import (
    Kind,
    Param,
    date_filter,
    id_param,
    patient_param,
    token_filter,
    updated_param,
)
from interplay.courses.models import AppointmentStatus
from interplay.measures.fhir import ORDINAL_VALUE, QUESTIONNAIRE_BASE, TOTAL
from interplay.measures.instruments import Instrument
from interplay.measures.models import InstrumentDefinition, QuestionnaireResponse
from interplay.measures.services import instrument as stored_instrument

ATTENDED = AppointmentStatus.ATTENDED


def instrument(code: str, version: str | None = None) -> Instrument:
    """The instrument a response was answered on. Every stored definition is read in one
    query once per answer, so a page costs the same whichever instruments it holds."""
    stored: dict[tuple[str, str], InstrumentDefinition] = remembered(
        "instruments",
        lambda: {(d.code, d.version): d for d in InstrumentDefinition.objects.all()},
    )
    row = stored.get((code, version or ""))
    if row is None:
        return stored_instrument(code, version)
    found: Instrument = remembered(("instrument", code, version), row.instrument)
    return found


def subject_of(response: QuestionnaireResponse) -> Any:
    owner = response.course if response.course_id is not None else response.referral
    return owner.patient if owner is not None else None


def answer_coding(response: QuestionnaireResponse, value: int) -> dict[str, Any]:
    options = {
        v: (label, code)
        for v, label, code in instrument(
            response.instrument_code, response.instrument_version
        ).options
    }
    label, code = options.get(value, (str(value), ""))
    found: dict[str, Any] = {
        "display": label,
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": value}],
    }
    if code:
        found.update(system=LOINC, code=code)
    return found


def to_fhir(response: QuestionnaireResponse) -> dict[str, Any]:
    definition = instrument(response.instrument_code, response.instrument_version)
    items: list[dict[str, Any]] = []
    for item in definition.items:
        value = response.answer(item.number)
        if value is not None:
            items.append(
                {
                    "linkId": str(item.number),
                    "text": item.text,
                    "answer": [{"valueCoding": answer_coding(response, value)}],
                }
            )
    if response.complete and response.total is not None:
        items.append({"linkId": TOTAL, "answer": [{"valueInteger": response.total}]})
    data: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.public_id),
        "meta": {"lastUpdated": instant(response.answered_at)},
        "questionnaire": f"{QUESTIONNAIRE_BASE}{definition.code}|{definition.version}",
        "status": "completed" if response.complete else "in-progress",
        "authored": instant(response.answered_at),
        "source": {"display": response.get_source_display()},
    }
    patient = subject_of(response)
    if patient is not None:
        data["subject"] = reference("Patient", patient.public_id)
    appointment, referral = response.appointment, response.referral
    if appointment is not None and appointment.status == ATTENDED:
        data["encounter"] = reference("Encounter", appointment.public_id)
    if referral is not None:
        data["basedOn"] = [reference("ServiceRequest", referral.public_id)]
    if items:
        data["item"] = items
    return validate(data)


def scope(user: Any) -> Any:
    return access.responses(user).select_related(
        "course__patient", "referral__patient", "appointment"
    )


def audited(response: QuestionnaireResponse) -> tuple[str, Any] | None:
    if response.course_id is not None:
        return "course.viewed", response.course
    if response.referral_id is not None:
        return "referral.viewed", response.referral
    return None


PATIENT = patient_param("course__patient__public_id", "referral__patient__public_id")

KIND = Kind(
    name="QuestionnaireResponse",
    readers=access.RESPONSE_READERS,
    scope=scope,
    build=lambda response: [to_fhir(response)],
    params=(
        id_param(),
        PATIENT,
        Param(
            "status",
            "token",
            "completed (every question answered, with a total) or in-progress (partly).",
            token_filter({"completed": [True], "in-progress": [False]}, path="complete"),
        ),
        Param("authored", "date", "When the answers were given.", date_filter("answered_at")),
        updated_param("answered_at", "when the answers were given (they never change)"),
    ),
    audited=audited,
)
