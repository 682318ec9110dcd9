"""Subject access: everything Interplay holds about one person, as JSON and as a PDF.

``document(patient)`` gathers it into plain data in a fixed number of queries (the same
however many referrals, letters or looks there are); ``as_json`` and ``as_pdf`` write that
one document, so the two downloads always say the same. The structure is documented in
README.md (format ``interplay.subject-access``, version 1): fields may be added; renaming
or removing one needs a new version.

Reads only: ``services.export_subject_access`` checks permission and audits.
"""

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from interplay.accounts.roles import Modality
from interplay.audit.models import AuditEvent, AuditEventQuerySet
from interplay.clinic.models import ServiceSettings
from interplay.letters.models import Letter
from interplay.lib.nhs_number import format_nhs_number
from interplay.lib.pdf import html_to_pdf
from interplay.measures.instruments import BUILT_IN, DIFFICULTY_OPTIONS
from interplay.measures.models import QuestionnaireResponse
from interplay.patients.models import Consent, Patient
from interplay.referrals.models import AvailableTime, ProblemArea, Referral, RiskReason
from interplay.triage.models import Allocation, ContactAttempt, Exclusion, TriageAssessment

FORMAT = "interplay.subject-access"
VERSION = 1
PRINT_DIR = Path(__file__).resolve().parent / "print"

PATIENT_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "nhs_number",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "phone",
    "email",
    "gp_practice",
    "gp_address",
)
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
_LIST_CHOICES: dict[tuple[str, str], dict[str, str]] = {
    ("referrals.Referral", "available_times"): dict(AvailableTime.choices),
    ("referrals.Referral", "problem_areas"): dict(ProblemArea.choices),
    ("referrals.Referral", "risk_reasons"): dict(RiskReason.choices),
    ("triage.TriageAssessment", "exclusions"): dict(Exclusion.choices),
    ("triage.TriageAssessment", "suitable_for"): dict(Modality.choices),
}
# Lists that name referrals by reference in their audit detail (the key holding them).
REFERRAL_LISTS = {"triage_queue.viewed": "referrals", "waiting_list.viewed": "referrals"}
PATIENT_LISTS = {"patient_search.viewed": "patients"}
LOOKS = {
    "referral.viewed": "Opened the referral",
    "triage_queue.viewed": "Saw the referral on the triage queue",
    "waiting_list.viewed": "Saw the referral on a waiting list",
    "letter.viewed": "Opened a letter",
    "patient.viewed": "Opened the patient record",
    "patient_search.viewed": "Saw the patient record in search results",
    "patient.exported": "Exported the whole record (subject access)",
}
AUDIT_FIELDS = ("sequence", "at", "action", "actor_label", "object_id", "detail")
ACTOR_FIELDS = ("actor__username", "actor__first_name", "actor__last_name")


def document(patient: Patient) -> dict[str, Any]:
    """Everything held about ``patient``, decrypted, as plain data (dates as objects)."""
    referrals = list(_referrals(patient))
    consents = Consent.objects.filter(patient=patient).select_related("recorded_by")
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": timezone.now(),
        "service": _service(),
        "patient": _patient(patient),
        "consents": [_consent(c) for c in consents.order_by("recorded_at", "id")],
        "referrals": [_referral(r) for r in referrals],
        "access": _access(patient, referrals),
    }


def as_json(doc: Mapping[str, Any]) -> bytes:
    """The document as UTF-8 JSON: times in the service's time zone with their offset."""
    return json.dumps(doc, indent=2, ensure_ascii=False, default=_plain).encode()


def as_pdf(doc: Mapping[str, Any]) -> bytes:
    """The document as a printable PDF, styled by ``print/subject_access.css``."""
    context = {
        "doc": doc,
        "patient_rows": _rows(doc["patient"], _PATIENT_LABELS),
        "referrals": [
            {
                "data": referral,
                "about": _rows(referral["details"], ABOUT_THEM),
                "own_words": _rows(referral["details"], OWN_WORDS),
                "consent": _rows(referral["details"], REFERRAL_CONSENT),
            }
            for referral in doc["referrals"]
        ],
    }
    html = render_to_string("patients/subject_access.html", context)
    return html_to_pdf(html, base_dir=PRINT_DIR)


# Gathering


def _referrals(patient: Patient) -> models.QuerySet[Referral]:
    return (
        Referral.objects.filter(patient=patient)
        .select_related("assessment__assessed_by", "decision__decided_by")
        .prefetch_related(
            Prefetch("responses", QuestionnaireResponse.objects.order_by("answered_at", "id")),
            Prefetch("contact_attempts", ContactAttempt.objects.select_related("by")),
            Prefetch(
                "allocations",
                Allocation.objects.select_related("therapist", "allocated_by").order_by(
                    "allocated_at", "id"
                ),
            ),
            # The stored PDF is the letter as sent; its words are here as text.
            Prefetch(
                "letters",
                Letter.objects.defer("pdf").select_related("created_by").order_by("created_at"),
            ),
        )
        .order_by("received_at", "id")
    )


def _service() -> dict[str, Any]:
    service = ServiceSettings.load()
    return {"name": service.name, "phone": service.phone}


def _patient(patient: Patient) -> dict[str, Any]:
    return {
        "public_id": patient.public_id,
        "created_at": patient.created_at,
        **{name: getattr(patient, name) for name in PATIENT_FIELDS},
        "anonymised_at": patient.anonymised_at,
    }


def _consent(consent: Consent) -> dict[str, Any]:
    return {
        "kind": consent.kind,
        "kind_label": consent.get_kind_display(),
        "given": consent.given,
        "recorded_at": consent.recorded_at,
        "recorded_by": _name(consent.recorded_by),
        "source": consent.source,
        "source_label": consent.get_source_display(),
        "note": consent.note,
    }


def _referral(referral: Referral) -> dict[str, Any]:
    fields = {**ABOUT_THEM, **OWN_WORDS, **REFERRAL_CONSENT}
    return {
        "public_id": referral.public_id,
        "reference": referral.reference,
        "status": referral.status,
        "status_label": referral.get_status_display(),
        "received_at": referral.received_at,
        "urgent": referral.urgent,
        "risk_reasons": list(referral.risk_reasons),
        "risk_reasons_labels": referral.risk_reason_labels(),
        "details": _coded(referral, fields),
        "questionnaires": [_response(r) for r in referral.responses.all()],
        "assessment": _assessment(getattr(referral, "assessment", None)),
        "contact_attempts": [_attempt(a) for a in referral.contact_attempts.all()],
        "decision": _decision(referral),
        "allocations": [_allocation(a) for a in referral.allocations.all()],
        "letters": [_letter(letter) for letter in referral.letters.all()],
    }


def _coded(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """Each field's stored value, and beside each coded one its wording (``_label(s)``)."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = list(value) if isinstance(value, list) else value
        choices = _choices(obj, name)
        if choices and isinstance(value, list):
            out[f"{name}_labels"] = [choices.get(v, v) for v in value]
        elif choices:
            out[f"{name}_label"] = choices.get(value, value)
    return out


def _choices(obj: models.Model, name: str) -> dict[str, str]:
    field = obj._meta.get_field(name)
    choices = getattr(field, "choices", None)
    if choices:
        return {str(k): str(v) for k, v in choices}
    return _LIST_CHOICES.get((obj._meta.label, name), {})


def _response(response: QuestionnaireResponse) -> dict[str, Any]:
    instrument = BUILT_IN.get(response.instrument_code)
    options: dict[int | None, str] = (
        {value: label for value, label, _ in instrument.options} if instrument else {}
    )
    items = instrument.items if instrument else ()
    return {
        "public_id": response.public_id,
        "instrument": response.instrument_code,
        "instrument_name": instrument.name if instrument else response.instrument_code,
        "instrument_version": response.instrument_version,
        "answered_at": response.answered_at,
        "source": response.source,
        "source_label": response.get_source_display(),
        "complete": response.complete,
        "total": response.total,
        "max_total": instrument.max_total if instrument else None,
        "band": response.band,
        "at_caseness": response.at_caseness,
        "risk_flagged": response.risk_flagged,
        "difficulty": response.difficulty,
        "difficulty_label": dict(DIFFICULTY_OPTIONS).get(response.difficulty)
        if response.difficulty is not None
        else None,
        "items": [
            {
                "number": item.number,
                "question": item.text,
                "answer": response.answer(item.number),
                "answer_label": options.get(response.answer(item.number), "Not answered"),
            }
            for item in items
        ],
    }


def _assessment(assessment: TriageAssessment | None) -> dict[str, Any] | None:
    if assessment is None:
        return None
    return {
        "assessed_by": _name(assessment.assessed_by),
        "updated_at": assessment.updated_at,
        **_coded(
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
        ),
    }


def _attempt(attempt: ContactAttempt) -> dict[str, Any]:
    return {
        "at": attempt.at,
        "by": _name(attempt.by),
        **_coded(attempt, ("method", "outcome", "note")),
    }


def _decision(referral: Referral) -> dict[str, Any] | None:
    decision = getattr(referral, "decision", None)
    if decision is None:
        return None
    return {
        "decided_at": decision.decided_at,
        "decided_by": _name(decision.decided_by),
        **_coded(decision, ("outcome", "modality", "signposted_to", "reason")),
    }


def _allocation(allocation: Allocation) -> dict[str, Any]:
    return {
        "therapist": _name(allocation.therapist),
        "allocated_at": allocation.allocated_at,
        "allocated_by": _name(allocation.allocated_by),
        "ended_at": allocation.ended_at,
        **_coded(allocation, ("modality",)),
    }


def _letter(letter: Letter) -> dict[str, Any]:
    return {
        "public_id": letter.public_id,
        "created_at": letter.created_at,
        "created_by": _name(letter.created_by),
        "emailed_at": letter.emailed_at,
        **_coded(
            letter,
            (
                "kind",
                "recipient_role",
                "recipient_name",
                "recipient_address",
                "recipient_email",
                "subject",
                "body",
            ),
        ),
    }


def _access(patient: Patient, referrals: list[Referral]) -> list[dict[str, Any]]:
    """Every look at the person's records by anyone, oldest first (one query).

    The looks the audit viewer lists for each referral (``AuditEvent.views_of``), and for
    the patient record, its letters, the search results that listed it and the exports.
    Staff's network addresses are left out: they are not the person's data.
    """
    records: dict[str, str] = {str(patient.public_id): "Patient record"}
    looks: AuditEventQuerySet = AuditEvent.objects.views_of(patient)
    looks |= AuditEvent.objects.about(patient).by_action("patient.exported")
    for key, value in PATIENT_LISTS.items():
        looks |= AuditEvent.objects.filter(
            action=key, **{f"detail__{value}__icontains": f'"{patient.public_id}"'}
        )
    for referral in referrals:
        records[str(referral.public_id)] = f"Referral {referral.reference}"
        looks |= AuditEvent.objects.views_of(referral, listed_in=REFERRAL_LISTS)
        for letter in referral.letters.all():
            records[str(letter.public_id)] = f"Letter about referral {referral.reference}"
            looks |= AuditEvent.objects.views_of(letter)
    events = looks.select_related("actor").only(*AUDIT_FIELDS, *ACTOR_FIELDS)
    references = {r.reference for r in referrals}
    return [
        {
            "at": event.at,
            "by": _name(event.actor) if event.actor else event.actor_label,
            "username": event.actor_label,
            "action": event.action,
            "what": LOOKS.get(event.action, event.action),
            "record": records.get(event.object_id) or _listed(event, references),
        }
        for event in events.order_by("sequence")
    ]


def _listed(event: AuditEvent, references: set[str]) -> str:
    """Which of the person's referrals a list showed ("Patient record" for a search)."""
    if event.action in PATIENT_LISTS:
        return "Patient record"
    key = REFERRAL_LISTS.get(event.action, "")
    shown = event.detail.get(key, []) if isinstance(event.detail, dict) else []
    return ", ".join(f"Referral {ref}" for ref in shown if ref in references)


def _name(user: Any) -> str | None:
    return str(user) if user is not None else None


# Writing


_PATIENT_LABELS = {
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
    "gp_practice": "GP practice",
    "gp_address": "GP address",
    "created_at": "Record made",
}


def _rows(data: Mapping[str, Any], labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """(question, answer as a person reads it) for each field ``labels`` names."""
    return [(label, _readable(data, name)) for name, label in labels.items()]


def _readable(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if f"{name}_labels" in data:
        return ", ".join(data[f"{name}_labels"]) or "None"
    if f"{name}_label" in data:
        return str(data[f"{name}_label"] or "None")
    if name == "nhs_number" and value:
        return format_nhs_number(str(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%-d %B %Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%-d %B %Y")
    return str(value) if value not in (None, "") else "Not given"


def _plain(value: Any) -> Any:
    """How JSON writes what it has no type for: times with offsets, ids as text."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not part of a subject access document")
