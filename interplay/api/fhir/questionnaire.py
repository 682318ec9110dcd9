"""Questionnaire: the instruments as stored, versioned definitions (PHQ-9 as LOINC panel
44249-1, GAD-7 as 69737-5), exported by ``interplay.measures.fhir`` exactly as an
administrator's download at /measures/instruments/ is. Not patient data: open to any
member of staff with a token, and not audited."""

from typing import Any

from interplay.api.fhir.base import validate
from interplay.api.fhir.search import Kind, Param, id_param, token_filter
from interplay.measures.fhir import LOINC, to_questionnaire
from interplay.measures.models import InstrumentDefinition


def to_fhir(definition: InstrumentDefinition) -> dict[str, Any]:
    data = to_questionnaire(definition.instrument())
    data["id"] = str(definition.public_id)
    data["status"] = "active" if definition.active else "retired"
    return validate(data)


def _code(rows: Any, values: list[str]) -> Any:
    for value in values:
        codes = [v.removeprefix(f"{LOINC}|") for v in value.split(",")]
        rows = rows.filter(definition__loinc_panel__in=codes)
    return rows


KIND = Kind(
    name="Questionnaire",
    readers=None,
    scope=lambda user: InstrumentDefinition.objects.all(),
    build=lambda definition: [to_fhir(definition)],
    params=(
        id_param(),
        Param("code", "token", "The LOINC panel code: 44249-1 (PHQ-9), 69737-5 (GAD-7).", _code),
        Param(
            "status",
            "token",
            "active (offered for new responses) or retired.",
            token_filter({"active": [True], "retired": [False]}, path="active"),
        ),
    ),
)
