"""Subject access: everything Interplay holds about one person, as JSON and as a PDF.

``document(patient)`` gathers it into plain data in a fixed number of queries (the same
however many referrals, courses, sessions, letters or looks there are); ``as_json`` and
``as_pdf`` write that one document, so the two downloads always say the same. The
structure is documented in README.md (format ``interplay.subject-access``, version 1):
fields may be added; renaming or removing one needs a new version.

Reads only: ``services.export_subject_access`` checks permission and audits.
"""

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from interplay.accounts.roles import Modality
from interplay.audit.models import AuditEvent, AuditEventQuerySet
from interplay.clinic.models import ServiceSettings
from interplay.courses import protocols
from interplay.courses.models import Appointment, Course, CourseTask
from interplay.encounters.models import Addendum
from interplay.formulation.models import (
    ENTRY_FIELDS,
    FOCUS_TEXT_FIELDS,
    EntryRevision,
    Focus,
    FocusRevision,
    InventoryEntry,
    LifeEvent,
    area_label,
)
from interplay.formulation.rules import focus_fields
from interplay.letters.models import Letter
from interplay.lib.nhs_number import format_nhs_number
from interplay.lib.pdf import html_to_pdf
from interplay.measures.instruments import BUILT_IN, DIFFICULTY_OPTIONS, Instrument
from interplay.measures.models import InstrumentDefinition, QuestionnaireResponse
from interplay.monitoring.models import RiskAlert
from interplay.patients.models import Consent, Patient, PatientAuthenticator
from interplay.progress.models import (
    BetweenSessionTask,
    CourseLetter,
    Problem,
    ProblemRating,
)
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
    "course.viewed": "Opened the course",
    "session_record.viewed": "Opened a session record",
    "formulation.viewed": "Opened the formulation",
    "formulation.person_viewed": "Opened a person in the formulation",
    "formulation.focus_history_viewed": "Opened the earlier versions of the focus",
    "progress.problems_viewed": "Opened the problems and goals",
    "progress.ending_viewed": "Opened the ending review",
    "progress.letters_viewed": "Opened the ending letters",
    "alert.viewed": "Opened a risk alert",
}
# Looks at a course's pages whose action does not end ".viewed" (each names the course).
COURSE_PAGES = (
    "formulation.person_viewed",
    "formulation.focus_history_viewed",
    "progress.problems_viewed",
    "progress.ending_viewed",
    "progress.letters_viewed",
)
AUDIT_FIELDS = ("sequence", "at", "action", "actor_label", "object_id", "detail")
ACTOR_FIELDS = ("actor__username", "actor__first_name", "actor__last_name")


def document(patient: Patient) -> dict[str, Any]:
    """Everything held about ``patient``, decrypted, as plain data (dates as objects)."""
    instruments = _instruments()
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
        "access": _access(patient, referrals, courses),
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
        "courses": [
            {
                "data": course,
                "people": [
                    {"data": entry, "rows": _rows(entry, _ENTRY_LABELS)}
                    for entry in course["formulation"]["inventory"]
                ],
                "focus": _focus_rows(course),
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
        "recorded_by": _name(consent.recorded_by),
        "source": consent.source,
        "source_label": consent.get_source_display(),
        "note": consent.note,
    }


def _referral(referral: Referral, instruments: "Instruments") -> dict[str, Any]:
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
        "questionnaires": [_response(r, instruments) for r in referral.responses.all()],
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
            out[f"{name}_label"] = choices.get(str(value), value) if value is not None else None
    return out


def _choices(obj: models.Model, name: str) -> dict[str, str]:
    field = obj._meta.get_field(name)
    choices = getattr(field, "choices", None)
    if choices:
        return {str(k): str(v) for k, v in choices}
    return _LIST_CHOICES.get((obj._meta.label, name), {})


class Instruments:
    """Every instrument definition, read once: the version each response was answered on.

    Resolves as ``measures.services.instrument(code, version)`` does (a stored definition,
    else the built-in of that version when the code has no stored rows), without a query
    per response. One that cannot be found gives None: the response is then shown with
    its code and each answer's stored value."""

    def __init__(self, rows: Iterable[InstrumentDefinition]) -> None:
        self.stored: dict[tuple[str, str], InstrumentDefinition] = {}
        for row in rows:
            self.stored[(row.code, row.version)] = row
        self.codes = {code for code, _ in self.stored}
        self.built: dict[tuple[str, str], Instrument | None] = {}

    def get(self, code: str, version: str) -> Instrument | None:
        key = (code, version)
        if key not in self.built:
            row = self.stored.get(key)
            fallback = BUILT_IN.get(code)
            if row is not None:
                self.built[key] = row.instrument()
            elif fallback and fallback.version == version and code not in self.codes:
                self.built[key] = fallback
            else:
                self.built[key] = None
        return self.built[key]


def _instruments() -> Instruments:
    return Instruments(InstrumentDefinition.objects.only("code", "version", "definition"))


def _response(response: QuestionnaireResponse, instruments: Instruments) -> dict[str, Any]:
    instrument = instruments.get(response.instrument_code, response.instrument_version)
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
        ]
        if instrument
        else _stored_answers(response),
    }


def _stored_answers(response: QuestionnaireResponse) -> list[dict[str, Any]]:
    """The answers as stored, for an instrument whose definition cannot be found."""
    numbers = sorted(int(n) for n in response.answers if str(n).isdigit())
    return [
        {
            "number": n,
            "question": f"Question {n}",
            "answer": response.answer(n),
            "answer_label": str(response.answer(n)),
        }
        for n in numbers
    ]


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


# Courses: everything a course of therapy holds about the person, each list oldest first.


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
        )
        .order_by("started_at", "id")
    )


def _course(course: Course, instruments: Instruments) -> dict[str, Any]:
    protocol = course.protocol()
    return {
        "public_id": course.public_id,
        "referral": course.referral.reference,
        **_coded(course, ("modality",)),
        "protocol": protocol.name,
        "protocol_code": course.protocol_code,
        "protocol_version": course.protocol_version,
        "therapist": _name(course.therapist),
        "planned_sessions": course.planned_sessions,
        "weekday": course.weekday,
        "weekday_label": _WEEKDAYS[course.weekday] if 0 <= course.weekday < 7 else None,
        "time": course.time.strftime("%H:%M"),
        "room": course.room.name if course.room else None,
        "video_link": course.video_link,
        "start_date": course.start_date,
        "agreed_end_date": course.agreed_end_date,
        **_coded(course, ("status",)),
        "started_at": course.started_at,
        "started_by": _name(course.started_by),
        "ended_at": course.ended_at,
        "end_reason": course.end_reason,
        "sessions": [_session(a, protocol, course) for a in course.appointments.all()],
        "course_tasks": [_course_task(t) for t in course.tasks.all()],
        "questionnaires": [_course_response(r, instruments) for r in course.responses.all()],
        "risk_alerts": [_alert(a) for a in course.alerts.all()],
        "formulation": _formulation(course),
        "problems": [_problem(p) for p in course.problems.all()],
        "between_session_tasks": [_task(t) for t in course.between_session_tasks.all()],
        "ending_review": _ending_review(course),
        "ending_letters": [_ending_letter(letter) for letter in course.ending_letters.all()],
    }


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _number(appointment: Appointment | None) -> int | None:
    return appointment.number if appointment is not None else None


def _session(appointment: Appointment, protocol: Any, course: Course) -> dict[str, Any]:
    record = getattr(appointment, "record", None)
    return {
        "public_id": appointment.public_id,
        "number": appointment.number,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "therapist": _name(appointment.therapist),
        "room": appointment.room.name if appointment.room else None,
        **_coded(appointment, ("status",)),
        "backdate_reason": appointment.backdate_reason,
        "record": _record(record, protocol, course) if record is not None else None,
    }


def _record(record: Any, protocol: Any, course: Course) -> dict[str, Any]:
    phases = {p.key: p for p in protocols.phases_for(protocol, course.planned_sessions)}
    phase = phases.get(record.phase)
    tasks = {t.key: t.text for p in phases.values() for t in p.tasks}
    return {
        "phase": record.phase,
        "phase_label": phase.name if phase else record.phase,
        "tasks_done": list(record.tasks_done),
        "tasks_done_labels": [tasks.get(key, key) for key in record.tasks_done],
        "notes": record.notes,
        "previous_task_review": record.previous_task_review,
        "between_session_task": record.between_session_task,
        "risk_checked": record.risk_checked,
        "risk_notes": record.risk_notes,
        "updated_at": record.updated_at,
        "signed_at": record.signed_at,
        "signed_by": _name(record.signed_by),
        "addenda": [
            {"written_at": a.written_at, "written_by": _name(a.written_by), "text": a.text}
            for a in record.addenda.all()
        ],
    }


def _course_task(task: CourseTask) -> dict[str, Any]:
    return {
        **_coded(task, ("kind",)),
        "session": _number(task.appointment),
        "raised_at": task.raised_at,
        "done_at": task.done_at,
        "done_by": _name(task.done_by),
        "outcome": task.outcome,
    }


def _course_response(response: QuestionnaireResponse, instruments: Instruments) -> dict[str, Any]:
    return {
        **_response(response, instruments),
        "session": _number(response.appointment),
        "entered_by": _name(response.entered_by),
    }


def _alert(alert: RiskAlert) -> dict[str, Any]:
    return {
        "public_id": alert.public_id,
        **_coded(alert, ("kind",)),
        "instrument": alert.instrument_code,
        "response": alert.response.public_id,
        "session": _number(alert.response.appointment),
        "therapist": _name(alert.therapist),
        "raised_at": alert.raised_at,
        "due_by": alert.due_by,
        "escalated_at": alert.escalated_at,
        "escalated_to": _name(alert.escalated_to),
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": _name(alert.acknowledged_by),
        "action_note": alert.action_note,
    }


def _formulation(course: Course) -> dict[str, Any]:
    return {
        "inventory": [_entry(entry) for entry in course.inventory.all()],
        "timeline": [_life_event(event) for event in course.timeline.all()],
        "focus": _focus(getattr(course, "focus", None), course.modality),
    }


def _entry(entry: InventoryEntry) -> dict[str, Any]:
    return {
        "public_id": entry.public_id,
        "created_at": entry.created_at,
        **_coded(entry, ENTRY_FIELDS),
        **_coded(entry, ("ring",)),
        "placed_by": "The patient" if entry.placed_by_patient else _name(entry.placed_by),
        "placed_at": entry.placed_at,
        "revisions": [_revision(r) for r in entry.revisions.all()],
    }


def _revision(revision: EntryRevision | FocusRevision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "changed_at": revision.changed_at,
        "changed_by": _name(revision.changed_by),
        "values": revision.values,
    }


def _life_event(event: LifeEvent) -> dict[str, Any]:
    return {
        "public_id": event.public_id,
        "when": event.when,
        "year": event.year,
        "month": event.month,
        "day": event.day,
        "description": event.description,
        **_coded(event, ("mood_change",)),
        "people": [person.name for person in event.people.all()],
        "added_by": _name(event.added_by),
        "added_at": event.added_at,
    }


FOCUS_FIELDS = ("problem_area", "second_area", "dispute_stage", *FOCUS_TEXT_FIELDS)


def _focus(focus: Focus | None, modality: str) -> dict[str, Any] | None:
    if focus is None:
        return None
    coded = _coded(focus, FOCUS_FIELDS)
    for name in ("problem_area", "second_area"):  # group IPT says them in the WHO's words
        coded[f"{name}_label"] = area_label(modality, coded[name])
    return {
        "public_id": focus.public_id,
        **coded,
        "agreed_on": focus.agreed_on,
        "shared_with_patient": focus.shared_with_patient,
        "people": [person.name for person in focus.people.all()],
        "revisions": [_revision(r) for r in focus.revisions.all()],
    }


def _problem(problem: Problem) -> dict[str, Any]:
    return {
        "public_id": problem.public_id,
        **_coded(problem, ("kind", "description")),
        "identified_at_session": _number(problem.identified_at),
        "shared": problem.shared,
        "created_at": problem.created_at,
        "created_by": _name(problem.created_by),
        "ratings": [
            {
                "score": rating.score,
                **_coded(rating, ("rater",)),
                "rated_by": _name(rating.rated_by),
                "rated_at": rating.rated_at,
                "session": _number(rating.session),
                "baseline": rating.baseline,
            }
            for rating in problem.ratings.all()
        ],
    }


def _task(task: BetweenSessionTask) -> dict[str, Any]:
    return {
        "public_id": task.public_id,
        "set_at_session": task.set_at.number,
        "text": task.text,
        "shared": task.shared,
        "patient_note": task.patient_note,
        "patient_noted_at": task.patient_noted_at,
        "review": task.review,
        "reviewed_at_session": _number(task.reviewed_at),
        "updated_at": task.updated_at,
    }


def _ending_review(course: Course) -> dict[str, Any] | None:
    review = getattr(course, "ending_review", None)
    if review is None:
        return None
    return {
        "public_id": review.public_id,
        "patient_reflections": review.patient_reflections,
        "therapist_reflections": review.therapist_reflections,
        "warning_signs": review.warning_signs,
        "relapse_plan": review.relapse_plan,
        "updated_at": review.updated_at,
        "updated_by": _name(review.updated_by),
    }


def _ending_letter(course_letter: CourseLetter) -> dict[str, Any]:
    """A draft, or once produced the letter it became (set out in full, with its words,
    among the referral's letters)."""
    letter = course_letter.letter
    return {
        "public_id": course_letter.public_id,
        **_coded(course_letter, ("kind",)),
        "draft": "" if letter is not None else course_letter.draft,
        "shared": course_letter.shared,
        "updated_at": course_letter.updated_at,
        "letter": letter.public_id if letter is not None else None,
        "letter_created_at": letter.created_at if letter is not None else None,
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


def _access(
    patient: Patient, referrals: list[Referral], courses: list[Course]
) -> list[dict[str, Any]]:
    """Every look at the person's records by anyone, oldest first (one query).

    The looks the audit viewer lists for each referral (``AuditEvent.views_of``), and for
    the patient record, its letters, the search results that listed it and the exports;
    for each course, every page of it opened (the course, session records, formulation,
    problems, ending: their ``*viewed`` events name the course) and its risk alerts.
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
    for course in courses:
        name = f"Course of {course.get_modality_display()} from {course.start_date:%-d %B %Y}"
        records[str(course.public_id)] = name
        looks |= AuditEvent.objects.filter(
            Q(action__endswith=".viewed") | Q(action__in=COURSE_PAGES),
            object_type="courses.course",
            object_id=str(course.public_id),
        ).exclude(action__startswith="audit.")
        for alert in course.alerts.all():
            records[str(alert.public_id)] = f"Risk alert ({name})"
            looks |= AuditEvent.objects.views_of(alert)
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


_ENTRY_LABELS = {
    name: str(getattr(InventoryEntry._meta.get_field(name), "verbose_name", name)).capitalize()
    for name in (*ENTRY_FIELDS, "ring")
} | {"ring": "Closeness circle"}
_FOCUS_LABELS = {
    "problem_area": "Problem area",
    "second_area": "Second problem area",
    "dispute_stage": "Stage of the dispute",
    "rationale": "Why this focus (therapist's notes)",
    "formulation": "Formulation agreed with you",
    "self_representation": "How you see yourself",
    "other_representation": "How you see the other person",
    "linking_affect": "The feeling that links them",
    "defensive_function": "What the pattern protects against",
    "patient_version": "The focus in your words",
    "agreed_on": "Agreed with you on",
    "shared_with_patient": "Shown to you in the portal",
    "people": "People it involves",
}


def _focus_rows(course: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The focus's fields as the course's modality has them (DIT's defensive function only
    when the service recorded one)."""
    focus = course["formulation"]["focus"]
    if not focus:
        return []
    names = focus_fields(course["modality"], defensive_function=bool(focus["defensive_function"]))
    return _rows(focus, {name: _FOCUS_LABELS[name] for name in _FOCUS_LABELS if name in names})


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
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "None"
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
