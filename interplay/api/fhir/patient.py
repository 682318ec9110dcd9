"""Patient: the patient record (``patients.Patient``), one per person however often
they are referred. Identified by the NHS number where there is one."""

from typing import Any

from interplay.api.fhir import access
from interplay.api.fhir.base import NHS_NUMBER, instant, validate
from interplay.api.fhir.search import Kind, Param, id_param, updated_param
from interplay.patients.models import Patient


def to_fhir(patient: Patient) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.public_id),
        "meta": {"lastUpdated": instant(patient.created_at)},
        "active": patient.anonymised_at is None,
        "name": [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}],
        "birthDate": patient.date_of_birth.isoformat(),
    }
    if patient.nhs_number:
        data["identifier"] = [{"system": NHS_NUMBER, "value": patient.nhs_number}]
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        data["telecom"] = telecom
    lines = [line for line in (patient.address_line_1, patient.address_line_2) if line]
    if lines or patient.town or patient.postcode:
        address: dict[str, Any] = {"use": "home"}
        if lines:
            address["line"] = lines
        if patient.town:
            address["city"] = patient.town
        if patient.postcode:
            address["postalCode"] = patient.postcode
        data["address"] = [address]
    if patient.gp_practice:
        data["generalPractitioner"] = [{"display": patient.gp_practice}]
    return validate(data)


def _identifier(rows: Any, values: list[str]) -> Any:
    for value in values:
        number = value.rpartition("|")[2].replace(" ", "")
        rows = rows.filter(nhs_number=number)
    return rows


KIND = Kind(
    name="Patient",
    readers=access.PATIENT_READERS,
    scope=access.patients,
    build=lambda patient: [to_fhir(patient)],
    params=(
        id_param(),
        Param(
            "identifier",
            "token",
            f"The NHS number, as {NHS_NUMBER}|<number> or the number alone.",
            _identifier,
        ),
        updated_param("created_at", "when the record was made (it keeps no time of change)"),
    ),
    audited=lambda patient: ("patient.viewed", patient),
)
