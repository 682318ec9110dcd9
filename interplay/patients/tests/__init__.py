"""Patients' tests. ``full_history`` builds a person with one record of every kind."""

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader

from interplay.accounts.models import User
from interplay.accounts.roles import Role
from interplay.patients.models import Patient
from interplay.patients.services import record_consent
from interplay.referrals.models import Referral
from interplay.test import give_hours, make_clinician, make_letter, make_referral, qualify
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
