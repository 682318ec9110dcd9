"""A transaction Bundle carrying a ServiceRequest and its Patient (and, if the referrer has
them, PHQ-9 and GAD-7 answers as QuestionnaireResponses, ``screening.py``): a referral in
from a GP system, made by ``referrals.services.submit_self_referral``, the same service the
self-referral form calls, so a returning person is matched on NHS number (or name and date
of birth) exactly as the pages match them.

Every problem found is named at once in one OperationOutcome (a name missing, an NHS
number whose check digit is wrong, no way to reach the person), each with the FHIRPath of
the element at fault. A Bundle sent again (the same ServiceRequest identifier from the same
account) answers with the referral it already made.
"""

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from interplay.api import moments
from interplay.api.fhir import screening
from interplay.api.fhir.base import NHS_NUMBER, FhirError, reject_invalid, validate
from interplay.lib import nhs_number, phones
from interplay.patients.models import Patient
from interplay.referrals.models import ReferralSource
from interplay.referrals.services import submit_self_referral

Problem = tuple[str, str, str]
REFUSED = "The referral was refused: each issue names a problem and where it is."


def submit(*, actor: Any, data: Any) -> dict[str, Any]:
    """Make the referral the Bundle describes; the transaction-response Bundle."""
    entries = _entries(data)
    patient_at, patient = _one(entries, "Patient")
    request_at, request = _one(entries, "ServiceRequest")
    problems: list[Problem] = []
    details = _patient_details(patient, f"Bundle.entry[{patient_at}].resource", problems)
    details |= _request_details(request, f"Bundle.entry[{request_at}].resource", problems)
    _check_subject(entries, patient_at, request, request_at, problems)
    answers, answered_at = screening.answers_in(entries, problems)
    if problems:
        raise FhirError(422, "invalid", REFUSED, problems)
    returning = Patient.objects.matching(
        nhs_number=details["nhs_number"],
        first_name=details["first_name"],
        last_name=details["last_name"],
        date_of_birth=details["date_of_birth"],
    ).exists()
    referral, created = submit_self_referral(
        actor=actor,
        submission_token=_token(actor, entries[request_at], request),
        details=details,
        phq9=answers["phq9"],
        gad7=answers["gad7"],
    )
    patient_record = referral.patient
    assert patient_record is not None  # every referral made by the service has its record
    located = {
        patient_at: (f"Patient/{patient_record.public_id}", not returning and created),
        request_at: (f"ServiceRequest/{referral.public_id}", created),
    }
    for response in referral.responses.filter(instrument_code__in=answered_at):
        location = f"QuestionnaireResponse/{response.public_id}"
        located[answered_at[response.instrument_code]] = (location, created)
    return _response(len(entries), located)


def _entries(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise FhirError(400, "structure", 'Send a Bundle ("resourceType": "Bundle").')
    if data.get("type") != "transaction":
        raise FhirError(400, "structure", 'The Bundle\'s type must be "transaction".')
    try:
        Bundle.model_validate(data)
    except ValidationError as error:
        raise reject_invalid(error, "Bundle") from None
    entries: list[dict[str, Any]] = data.get("entry") or []
    for at, entry in enumerate(entries):
        method = (entry.get("request") or {}).get("method")
        kind = (entry.get("resource") or {}).get("resourceType")
        if method != "POST" or kind not in ("Patient", "ServiceRequest", "QuestionnaireResponse"):
            raise FhirError(
                400,
                "not-supported",
                "A transaction here carries one Patient and one ServiceRequest and, if "
                "given, PHQ-9 and GAD-7 QuestionnaireResponses, each to POST; entry "
                f"{at} is {kind or 'empty'} to {method or 'no method'}.",
            )
    return entries


def _one(entries: list[dict[str, Any]], kind: str) -> tuple[int, dict[str, Any]]:
    found = [
        (at, e["resource"]) for at, e in enumerate(entries) if e["resource"]["resourceType"] == kind
    ]
    if len(found) != 1:
        raise FhirError(
            400, "structure", f"The Bundle must carry exactly one {kind}; it has {len(found)}."
        )
    return found[0]


def _patient_details(patient: dict[str, Any], at: str, problems: list[Problem]) -> dict[str, Any]:
    names = patient.get("name") or [{}]
    name = names[0]
    family, given = name.get("family") or "", (name.get("given") or [""])[0]
    if not family.strip():
        problems.append(
            ("required", "The patient's family name is missing.", f"{at}.name[0].family")
        )
    if not given.strip():
        problems.append(("required", "The patient's given name is missing.", f"{at}.name[0].given"))
    born = _birth_date(patient, at, problems)
    number = next(
        (
            i.get("value", "")
            for i in patient.get("identifier") or []
            if i.get("system") == NHS_NUMBER
        ),
        "",
    )
    number = nhs_number.normalise(number)
    if number and not nhs_number.is_valid(number):
        problems.append(
            (
                "value",
                f'"{number}" is not a valid NHS number (its check digit is wrong).',
                f"{at}.identifier",
            )
        )
    address = (patient.get("address") or [{}])[0]
    lines = address.get("line") or []
    for key, label in (("line", "first line"), ("city", "town"), ("postalCode", "postcode")):
        if not address.get(key):
            problems.append(
                ("required", f"The patient's address needs its {label}.", f"{at}.address[0].{key}")
            )
    phone, email = _telecom(patient, at, problems)
    practice = ((patient.get("generalPractitioner") or [{}])[0]).get("display", "")
    if not practice:
        problems.append(
            (
                "required",
                "Name the patient's GP practice (generalPractitioner.display).",
                f"{at}.generalPractitioner",
            )
        )
    return {
        "first_name": given.strip(),
        "last_name": family.strip(),
        "date_of_birth": born,
        "nhs_number": number,
        "address_line_1": lines[0] if lines else "",
        "address_line_2": ", ".join(lines[1:]),
        "town": address.get("city", ""),
        "postcode": address.get("postalCode", "").upper(),
        "phone": phone,
        "email": email,
        "preferred_contact": "phone" if phone else "email",
        "may_leave_message": False,
        "gp_practice": practice,
        "consent_to_referral": True,
        "consent_to_gp_contact": True,
        "source": ReferralSource.GP,
    }


def _birth_date(patient: dict[str, Any], at: str, problems: list[Problem]) -> dt.date | None:
    text = patient.get("birthDate") or ""
    try:
        born = dt.date.fromisoformat(text)
    except ValueError:
        problems.append(
            ("required", "The patient's full date of birth is missing.", f"{at}.birthDate")
        )
        return None
    if born > dt.date.today():
        problems.append(("value", "The date of birth is in the future.", f"{at}.birthDate"))
    elif born < moments.EARLIEST:
        problems.append(
            ("value", f"The date of birth is before {moments.EARLIEST.year}.", f"{at}.birthDate")
        )
    return born


def _telecom(patient: dict[str, Any], at: str, problems: list[Problem]) -> tuple[str, str]:
    phone = email = ""
    for i, point in enumerate(patient.get("telecom") or []):
        value = point.get("value", "")
        if point.get("system") == "phone" and not phone:
            try:
                phone = phones.normalise(value)
            except phones.InvalidPhoneNumber:
                problems.append(
                    ("value", f'"{value}" is not a whole phone number.', f"{at}.telecom[{i}]")
                )
        elif point.get("system") == "email" and not email:
            try:
                validate_email(value)
                email = value
            except DjangoValidationError:
                problems.append(
                    ("value", f'"{value}" is not an email address.', f"{at}.telecom[{i}]")
                )
    if not phone and not email and not problems:
        problems.append(
            (
                "required",
                "Give a phone number or an email address to reach the person.",
                f"{at}.telecom",
            )
        )
    return phone, email


def _request_details(request: dict[str, Any], at: str, problems: list[Problem]) -> dict[str, Any]:
    words = "\n\n".join(n.get("text", "") for n in request.get("note") or [] if n.get("text"))
    reasons = [r.get("text", "") for r in request.get("reasonCode") or [] if r.get("text")]
    text = "\n\n".join([*reasons, words]).strip()
    if not text:
        problems.append(
            (
                "required",
                "Say why the person is referred (reasonCode.text or note.text).",
                f"{at}.note",
            )
        )
    return {"main_difficulties": text}


def _check_subject(
    entries: list[dict[str, Any]],
    patient_at: int,
    request: dict[str, Any],
    request_at: int,
    problems: list[Problem],
) -> None:
    subject = (request.get("subject") or {}).get("reference", "")
    if subject != entries[patient_at].get("fullUrl"):
        problems.append(
            (
                "invalid",
                "The ServiceRequest's subject must be the Patient entry's fullUrl.",
                f"Bundle.entry[{request_at}].resource.subject",
            )
        )


def _token(actor: Any, entry: dict[str, Any], request: dict[str, Any]) -> uuid.UUID:
    """One referral per ServiceRequest a system sends: its identifier (or its urn:uuid
    fullUrl), from this account, always gives the same submission token."""
    identifiers = request.get("identifier") or []
    if identifiers:
        key = f"{identifiers[0].get('system', '')}|{identifiers[0].get('value', '')}"
    elif str(entry.get("fullUrl", "")).startswith("urn:uuid:"):
        key = entry["fullUrl"]
    else:
        return uuid.uuid4()
    return uuid.uuid5(uuid.NAMESPACE_URL, f"interplay-fhir:{actor.pk}:{key}")


def _response(count: int, located: dict[int, tuple[str, bool]]) -> dict[str, Any]:
    """Each entry's location: 201 for what this Bundle made; 200 for a returning person's
    record, or for everything when the Bundle was sent before."""
    rendered = []
    for at in range(count):
        location, new = located[at]
        status = "201 Created" if new else "200 OK"
        rendered.append({"response": {"status": status, "location": location}})
    return validate({"resourceType": "Bundle", "type": "transaction-response", "entry": rendered})
