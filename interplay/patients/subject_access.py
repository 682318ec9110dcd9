"""Subject access: everything Interplay holds about one person, as JSON and as a PDF.

``document(patient)`` gathers it into plain data in a fixed number of queries (the same
however many referrals, courses, sessions, letters or looks there are); ``as_json`` and
``as_pdf`` write that one document, so the two downloads always say the same. The
structure is documented in README.md (format ``interplay.subject-access``, version 1):
fields may be added; renaming or removing one needs a new version.

Each app writes its own rows (``<app>/export.py``, beside its models); this module
reads them all at once and puts the document together. The looks at the record come
from ``access_log.py``.

Reads only: ``services.export_subject_access`` checks permission and audits.
"""

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from interplay.clinic.models import ServiceSettings
from interplay.courses.export import appointment_data, course_data, course_task_data
from interplay.courses.models import Appointment, Course, CourseTask
from interplay.encounters.export import record_data
from interplay.encounters.models import Addendum
from interplay.formulation.export import ENTRY_LABELS, focus_rows, formulation_data
from interplay.formulation.models import (
    EntryRevision,
    FocusRevision,
    InventoryEntry,
    LifeEvent,
)
from interplay.letters.export import letter_data
from interplay.letters.models import Letter
from interplay.lib.export import person_name, rows
from interplay.lib.pdf import html_to_pdf
from interplay.measures.export import (
    Instruments,
    course_response_data,
    load_instruments,
    response_data,
)
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring.export import alert_data
from interplay.monitoring.models import RiskAlert
from interplay.patients.access_log import access_log
from interplay.patients.models import Consent, Patient, PatientAuthenticator
from interplay.progress.export import (
    ending_letter_data,
    ending_review_data,
    problem_data,
    task_data,
)
from interplay.progress.models import BetweenSessionTask, CourseLetter, Problem, ProblemRating
from interplay.referrals.export import ABOUT_THEM, OWN_WORDS, REFERRAL_CONSENT, referral_details
from interplay.referrals.models import Referral
from interplay.supervision.export import note_data
from interplay.supervision.models import SupervisionNote
from interplay.triage.export import allocation_data, assessment_data, attempt_data, decision_data
from interplay.triage.models import Allocation, ContactAttempt

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


def document(patient: Patient) -> dict[str, Any]:
    """Everything held about ``patient``, decrypted, as plain data (dates as objects)."""
    instruments = load_instruments()
    referrals = list(_referrals(patient))
    courses = list(_courses(patient))
    consents = Consent.objects.filter(patient=patient).select_related("recorded_by")
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": timezone.now(),
        "service": _service(),
        "patient": _patient(patient),
        "consents": [_consent(c) for c in consents.order_by("recorded_at", "id")],
        "referrals": [_referral(r, instruments) for r in referrals],
        "courses": [_course(c, instruments) for c in courses],
        "portal": _portal(patient),
        "access": access_log(patient, referrals, courses),
    }


def as_json(doc: Mapping[str, Any]) -> bytes:
    """The document as UTF-8 JSON: times in the service's time zone with their offset."""
    return json.dumps(doc, indent=2, ensure_ascii=False, default=_plain).encode()


def as_pdf(doc: Mapping[str, Any]) -> bytes:
    """The document as a printable PDF, styled by ``print/subject_access.css``."""
    context = {
        "doc": doc,
        "patient_rows": rows(doc["patient"], _PATIENT_LABELS),
        "referrals": [
            {
                "data": referral,
                "about": rows(referral["details"], ABOUT_THEM),
                "own_words": rows(referral["details"], OWN_WORDS),
                "consent": rows(referral["details"], REFERRAL_CONSENT),
            }
            for referral in doc["referrals"]
        ],
        "courses": [
            {
                "data": course,
                "people": [
                    {"data": entry, "rows": rows(entry, ENTRY_LABELS)}
                    for entry in course["formulation"]["inventory"]
                ],
                "focus": focus_rows(course),
            }
            for course in doc.get("courses", [])
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
        "recorded_by": person_name(consent.recorded_by),
        "source": consent.source,
        "source_label": consent.get_source_display(),
        "note": consent.note,
    }


def _referral(referral: Referral, instruments: Instruments) -> dict[str, Any]:
    return {
        "public_id": referral.public_id,
        "reference": referral.reference,
        "status": referral.status,
        "status_label": referral.get_status_display(),
        "received_at": referral.received_at,
        "urgent": referral.urgent,
        "risk_reasons": list(referral.risk_reasons),
        "risk_reasons_labels": referral.risk_reason_labels(),
        "details": referral_details(referral),
        "questionnaires": [response_data(r, instruments) for r in referral.responses.all()],
        "assessment": assessment_data(getattr(referral, "assessment", None)),
        "contact_attempts": [attempt_data(a) for a in referral.contact_attempts.all()],
        "decision": decision_data(referral),
        "allocations": [allocation_data(a) for a in referral.allocations.all()],
        "letters": [letter_data(letter) for letter in referral.letters.all()],
    }


def _courses(patient: Patient) -> models.QuerySet[Course]:
    """The person's courses with everything hanging from them, one query a kind of row."""
    return (
        Course.objects.filter(patient=patient)
        .select_related(
            "referral",
            "therapist",
            "started_by",
            "room",
            "focus",
            "ending_review__updated_by",
        )
        .prefetch_related(
            Prefetch(
                "appointments",
                Appointment.objects.select_related(
                    "therapist", "room", "record__signed_by"
                ).order_by("number", "starts_at", "id"),
            ),
            Prefetch(
                "appointments__record__addenda",
                Addendum.objects.select_related("written_by").order_by("written_at", "id"),
            ),
            Prefetch(
                "tasks",
                CourseTask.objects.select_related("done_by", "appointment").order_by(
                    "raised_at", "id"
                ),
            ),
            Prefetch(
                "responses",
                QuestionnaireResponse.objects.select_related("appointment", "entered_by").order_by(
                    "answered_at", "id"
                ),
            ),
            Prefetch(
                "alerts",
                RiskAlert.objects.select_related(
                    "therapist", "escalated_to", "acknowledged_by", "response__appointment"
                ).order_by("raised_at", "id"),
            ),
            Prefetch(
                "inventory",
                InventoryEntry.objects.select_related("placed_by").order_by("created_at", "id"),
            ),
            Prefetch(
                "inventory__revisions",
                EntryRevision.objects.select_related("changed_by").order_by("number"),
            ),
            Prefetch(
                "timeline",
                LifeEvent.objects.in_order().select_related("added_by"),
            ),
            Prefetch("timeline__people", InventoryEntry.objects.order_by("created_at", "id")),
            Prefetch("focus__people", InventoryEntry.objects.order_by("created_at", "id")),
            Prefetch(
                "focus__revisions",
                FocusRevision.objects.select_related("changed_by").order_by("number"),
            ),
            Prefetch(
                "problems",
                Problem.objects.select_related("identified_at", "created_by").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "problems__ratings",
                ProblemRating.objects.select_related("session", "rated_by").order_by(
                    "rated_at", "id"
                ),
            ),
            Prefetch(
                "between_session_tasks",
                BetweenSessionTask.objects.select_related("set_at", "reviewed_at").order_by(
                    "set_at__number", "id"
                ),
            ),
            Prefetch(
                "ending_letters",
                CourseLetter.objects.select_related("letter").only(
                    "public_id",
                    "course_id",
                    "kind",
                    "draft",
                    "shared",
                    "updated_at",
                    "letter",
                    "letter__public_id",
                    "letter__kind",
                    "letter__created_at",
                ),
            ),
            Prefetch(
                "supervision_notes",
                SupervisionNote.objects.select_related("author").order_by("written_at", "id"),
            ),
        )
        .order_by("started_at", "id")
    )


def _course(course: Course, instruments: Instruments) -> dict[str, Any]:
    protocol = course.protocol()
    return {
        **course_data(course),
        "sessions": [_session(a, protocol, course) for a in course.appointments.all()],
        "course_tasks": [course_task_data(t) for t in course.tasks.all()],
        "questionnaires": [course_response_data(r, instruments) for r in course.responses.all()],
        "risk_alerts": [alert_data(a) for a in course.alerts.all()],
        "formulation": formulation_data(course),
        "problems": [problem_data(p) for p in course.problems.all()],
        "between_session_tasks": [task_data(t) for t in course.between_session_tasks.all()],
        "ending_review": ending_review_data(course),
        "ending_letters": [ending_letter_data(letter) for letter in course.ending_letters.all()],
        "supervision_notes": [note_data(n) for n in course.supervision_notes.all()],
    }


def _session(appointment: Appointment, protocol: Any, course: Course) -> dict[str, Any]:
    record = getattr(appointment, "record", None)
    return {
        **appointment_data(appointment),
        "record": record_data(record, protocol, course) if record is not None else None,
    }


def _portal(patient: Patient) -> dict[str, Any]:
    """How the person signs in to the portal: counts and a yes or no, never a secret."""
    row = (
        Patient.objects.filter(pk=patient.pk)
        .annotate(
            issued=Count("sign_in_links"),
            used=Count("sign_in_links", filter=Q(sign_in_links__used_at__isnull=False)),
            app=Exists(PatientAuthenticator.objects.filter(patient=OuterRef("pk"), confirmed=True)),
        )
        .values("issued", "used", "app")
        .get()
    )
    return {
        "sign_in_links_issued": row["issued"],
        "sign_in_links_used": row["used"],
        "authenticator_app": row["app"],
    }


# Writing


_PATIENT_LABELS = {name: ABOUT_THEM[name] for name in PATIENT_FIELDS} | {
    "created_at": "Record made"
}


def _plain(value: Any) -> Any:
    """How JSON writes what it has no type for: times with offsets, ids as text."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not part of a subject access document")
