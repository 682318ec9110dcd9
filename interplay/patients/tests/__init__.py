"""Patients' tests. ``full_history`` builds a person with one record of every kind."""

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from typing import Any

import time_machine
from pypdf import PdfReader

from interplay.accounts.models import User
from interplay.accounts.roles import Role
from interplay.courses.models import Course
from interplay.monitoring.models import RiskAlert
from interplay.patients.models import Patient
from interplay.patients.services import record_consent
from interplay.referrals.models import Referral
from interplay.test import (
    answers,
    course_for,
    give_hours,
    make_clinician,
    make_letter,
    make_referral,
    qualify,
)
from interplay.triage import services as triaging


def pdf_text(pdf: bytes) -> str:
    """Every page's text, with runs of whitespace (line wraps) made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


@dataclass
class History:
    patient: Patient
    allocated: Referral
    declined: Referral
    therapist: User


def full_history(*, triage: User, admin: User, **person: Any) -> History:
    """Two referrals of one person: one assessed, contacted, offered IPT and allocated, with
    a letter; one declined. Every free text holds a CANARY word naming its kind."""
    therapist = make_clinician("dara", Role.THERAPIST)
    therapist.last_name = "Okafor"
    therapist.save(update_fields=["last_name"])
    qualify(therapist, "ipt")
    give_hours(therapist, (0, "09:00", "17:00"))
    allocated = make_referral(main_difficulties="CANARY-OWN-WORDS low since the move", **person)
    triaging.save_assessment(
        actor=triage,
        referral=allocated,
        urgency="routine",
        suitable_for=["ipt"],
        risk_to_self="CANARY-ASSESSMENT no plans",
    )
    triaging.log_contact_attempt(
        actor=triage, referral=allocated, method="phone", outcome="reached", note="CANARY-CONTACT"
    )
    triaging.decide(
        actor=triage, referral=allocated, outcome="offer_ipt", reason="CANARY-DECISION fits IPT"
    )
    triaging.allocate(actor=triage, referral=allocated, therapist=therapist)
    make_letter(referral=allocated, actor=triage, body="CANARY-LETTER about your first session")
    triaging.view_triage_page(actor=triage, referral=allocated)
    declined = make_referral(**person)
    triaging.decide(actor=triage, referral=declined, outcome="decline", reason="Needs a GP first")
    patient = Patient.objects.get(referrals=allocated)
    record_consent(
        actor=admin, patient=patient, kind="email_contact", given=False, note="CANARY-CONSENT"
    )
    return History(patient, allocated, declined, therapist)


# Every session of a course from 7 September 2026 has happened by then.
AFTER_THE_COURSE = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC)


def course_history(therapist: User, word: str = "CANARY", **person: Any) -> Course:
    """A course of IPT with one record of every kind a course holds, ended (completed).

    Every free text holds ``word`` and a tag naming its kind (``CANARY-SESSION-NOTE``...),
    so a test can tell which record leaked or was kept. Made as at ``AFTER_THE_COURSE``.
    """
    from interplay.audit.actors import PatientActor
    from interplay.courses import attendance
    from interplay.encounters import services as encounters
    from interplay.formulation import services as formulation
    from interplay.monitoring import services as monitoring
    from interplay.progress import services as progress
    from interplay.supervision import services as supervision

    with time_machine.travel(AFTER_THE_COURSE, tick=False):
        course = course_for(therapist, **person)
        first, second = (course.appointments.get(number=n) for n in (1, 2))
        monitoring.submit_response(
            actor=therapist,
            appointment=first,
            instrument_code="phq9",
            answers=answers([2, 2, 2, 2, 2, 2, 2, 2, 1]),
            source="in_session",
        )
        alert = RiskAlert.objects.get(course=course)
        monitoring.acknowledge_alert(
            actor=therapist, alert=alert, action_note=f"{word}-ALERT-NOTE phoned, plan agreed"
        )
        encounters.save_record(
            actor=therapist,
            appointment=first,
            notes=f"{word}-SESSION-NOTE talked about the funeral",
            risk_notes=f"{word}-RISK-NOTE no plans",
            between_session_task=f"{word}-TASK write to my aunt",
            risk_checked=True,
        )
        attendance.record_attendance(actor=therapist, appointment=first, status="attended")
        encounters.sign_record(actor=therapist, appointment=first)
        encounters.add_addendum(actor=therapist, appointment=first, text=f"{word}-ADDENDUM")
        encounters.save_record(
            actor=therapist,
            appointment=second,
            previous_task_review=f"{word}-TASK-REVIEW wrote half of it",
        )
        missed = course.appointments.get(number=3)
        for task in attendance.record_attendance(actor=therapist, appointment=missed, status="dna"):
            attendance.complete_task(actor=therapist, task=task, outcome=f"{word}-TASK-OUTCOME")
        sam = formulation.add_person(
            actor=therapist,
            course=course,
            name=f"{word}-PERSON Sam",
            relationship="sibling",
            feelings=f"{word}-FEELINGS tense",
        )
        formulation.edit_person(actor=therapist, entry=sam, contact=f"{word}-CONTACT weekly")
        formulation.place_person(actor=therapist, entry=sam, ring=1)
        formulation.add_life_event(
            actor=therapist,
            course=course,
            year=2025,
            month=3,
            description=f"{word}-EVENT my father died",
            mood_change="worse",
            people=[sam],
        )
        formulation.record_focus(
            actor=therapist,
            course=course,
            problem_area="grief",
            rationale=f"{word}-RATIONALE",
            formulation=f"{word}-FORMULATION",
            people=[sam],
        )
        problem = progress.add_problem(
            actor=therapist,
            course=course,
            kind="problem",
            description=f"{word}-PROBLEM cannot sleep",
            baseline=8,
            session=first,
        )
        progress.set_shared(actor=therapist, item=problem, shared=True)
        progress.rate_problem(actor=PatientActor(course.patient), problem=problem, score=4)
        task = course.between_session_tasks.get()
        progress.set_shared(actor=therapist, item=task, shared=True)
        progress.note_task(
            actor=PatientActor(course.patient), task=task, note=f"{word}-PATIENT-NOTE"
        )
        for appointment in course.appointments.filter(status="booked"):
            # Every other session happened and is recorded: the ending opens, and the
            # course can end as completed with nothing left to resolve.
            attendance.record_attendance(
                actor=therapist, appointment=appointment, status="attended"
            )
        progress.save_ending_review(
            actor=therapist,
            course=course,
            warning_signs=f"{word}-WARNING-SIGNS",
            relapse_plan=f"{word}-RELAPSE-PLAN",
        )
        letter = progress.save_letter_draft(
            actor=therapist,
            course=course,
            kind="ending_summary",
            draft=f"{word}-ENDING-LETTER you worked hard",
        )
        progress.produce_course_letter(actor=therapist, course_letter=letter)
        supervisor = therapist.clinician.supervisor
        if supervisor is not None:
            supervision.record_note(
                actor=supervisor,
                course=course,
                text=f"{word}-SUPERVISION-NOTE grief work on track",
                submission_token=uuid.uuid4(),
            )
        attendance.end_course(
            actor=therapist, course=course, outcome="completed", reason=f"{word}-END-REASON"
        )
    course.refresh_from_db()
    return course
