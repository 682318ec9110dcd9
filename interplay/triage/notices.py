"""What triage tells people: letters to the patient and their GP, and the therapist's email.

The wording lives here, in plain sentences a person can read; the letters app makes the
PDF, stores it with the record and emails it where an address exists.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from interplay.accounts.roles import Modality
from interplay.clinic.models import ServiceSettings
from interplay.letters.models import Letter
from interplay.letters.services import produce_letter
from interplay.lib.nhs_number import format_nhs_number
from interplay.referrals.models import Referral
from interplay.triage.models import Allocation, Outcome, TriageDecision

KIND = {
    Outcome.OFFER_IPT: "triage_offer",
    Outcome.OFFER_DIT: "triage_offer",
    Outcome.OFFER_GROUP_IPT: "triage_offer",
    Outcome.SIGNPOST: "triage_signpost",
    Outcome.REFER_ON: "triage_refer_on",
    Outcome.DECLINE: "triage_decline",
    Outcome.WITHDRAWN: "triage_withdrawn",
}

WHAT_IT_IS = {
    Modality.IPT: "Interpersonal Psychotherapy (IPT): 12 to 16 weekly sessions of 50 minutes "
    "that focus on the relationships and life changes linked to how you feel.",
    Modality.DIT: "Dynamic Interpersonal Therapy (DIT): 16 weekly sessions of 50 minutes that "
    "help you understand patterns in your relationships and how they affect your mood.",
    Modality.GROUP_IPT: "group Interpersonal Therapy: weekly sessions with a small group of "
    "people facing similar difficulties, led by a trained therapist.",
}


def _patient_body(decision: TriageDecision, service: ServiceSettings) -> tuple[str, str]:
    outcome = Outcome(decision.outcome)
    if decision.modality:
        return (
            "An offer of talking therapy",
            f"Thank you for talking to us. We would like to offer you "
            f"{WHAT_IT_IS[Modality(decision.modality)]}\n\n"
            "You are now on our waiting list. We will write again when a therapist is ready "
            "to see you, and we will agree a day and time that suit you.\n\n"
            "If things get worse while you wait, contact your GP, or call NHS 111 and "
            "choose option 2. In an emergency call 999.",
        )
    if outcome == Outcome.SIGNPOST:
        return (
            "Other support that may help",
            "Thank you for talking to us. We think another service is better placed to help "
            f"you: {decision.signposted_to}.\n\nYou can refer to us again in future.",
        )
    if outcome == Outcome.REFER_ON:
        return (
            "Your referral to a specialist service",
            "Thank you for talking to us. We think you need more support than short-term "
            "talking therapy can give, so we are asking a specialist mental health service "
            "to see you. They will contact you.",
        )
    if outcome == Outcome.DECLINE:
        return (
            "Your referral",
            "Thank you for talking to us. We are sorry that we cannot offer you therapy at "
            f"{service.name} at the moment.\n\n{decision.reason}",
        )
    return (
        "Your referral has been closed",
        "As agreed, we have closed your referral. You can refer to us again at any time.",
    )


def _letter(
    *, actor: Any, referral: Referral, kind: str, role: str, subject: str, body: str, **to: str
) -> Letter:
    return produce_letter(
        actor=actor,
        kind=kind,
        referral=referral,
        recipient_role=role,
        recipient_name=to["name"],
        recipient_address=to["address"],
        recipient_email=to.get("email", ""),
        subject=subject,
        body=body,
        context={"referral": referral},
    )


def _to_patient(referral: Referral) -> dict[str, str]:
    patient = referral.patient
    lines = patient.address_lines() if patient else [referral.address_line_1, referral.town]
    return {
        "name": referral.full_name,
        "address": "\n".join(lines),
        "email": (patient.email if patient else referral.email) or "",
    }


def decision_letters(*, actor: Any, referral: Referral, decision: TriageDecision) -> list[Letter]:
    """The decision letter to the person, and to their GP when they agreed to it."""
    service = ServiceSettings.load()
    subject, body = _patient_body(decision, service)
    kind = KIND[Outcome(decision.outcome)]
    letters = [
        _letter(
            actor=actor,
            referral=referral,
            kind=kind,
            role="patient",
            subject=subject,
            body=body,
            **_to_patient(referral),
        )
    ]
    if referral.consent_to_gp_contact:
        born = referral.date_of_birth.strftime("%-d %B %Y")
        nhs = format_nhs_number(referral.nhs_number) if referral.nhs_number else "not known"
        letters.append(
            _letter(
                actor=actor,
                referral=referral,
                kind=kind,
                role="gp",
                subject=f"Your patient {referral.full_name}, born {born}",
                body=f"Your patient {referral.full_name} (born {born}, NHS number {nhs}) "
                f"referred themselves to {service.name}. After triage: "
                f"{decision.get_outcome_display().lower()}."
                + (f" Signposted to {decision.signposted_to}." if decision.signposted_to else "")
                + "\n\nThey agreed to us writing to you. Please contact us if you have "
                "information about risk or safeguarding that we should know.",
                name=f"The GP, {referral.gp_practice}",
                address=referral.gp_address or referral.gp_practice,
            )
        )
    return letters


def not_contactable(*, actor: Any, referral: Referral) -> Letter:
    """We tried and could not reach the person: ask them to get in touch."""
    service = ServiceSettings.load()
    phone = f" on {service.phone}" if service.phone else ""
    return _letter(
        actor=actor,
        referral=referral,
        kind="not_contactable",
        role="patient",
        subject="We have been trying to contact you",
        body=f"We have tried to contact you about your referral to {service.name} but could "
        f"not reach you. Please call us{phone} within 14 days to arrange a time to talk. If "
        "we do not hear from you, we will close your referral and let your GP know.\n\n"
        "If you need help urgently, call NHS 111 and choose option 2, or 999 in an emergency.",
        **_to_patient(referral),
    )


def opt_in(*, actor: Any, referral: Referral) -> Letter:
    """A long wait: do you still want therapy? Reply and stay on the list."""
    service = ServiceSettings.load()
    phone = f" on {service.phone}" if service.phone else ""
    return _letter(
        actor=actor,
        referral=referral,
        kind="opt_in",
        role="patient",
        subject="Do you still want talking therapy?",
        body=f"You are on our waiting list for talking therapy at {service.name}, and we are "
        "sorry that you are still waiting. Please let us know within 14 days whether you "
        f"still want therapy: call us{phone} or reply to this letter. If we do not hear "
        "from you, we will take you off the list and tell your GP; you can refer yourself "
        "again at any time.\n\n"
        "If things get worse while you wait, contact your GP or call NHS 111 and choose "
        "option 2. In an emergency call 999.",
        **_to_patient(referral),
    )


def tell_therapist(*, allocation: Allocation) -> None:
    """Queue the therapist's email (sent once, by the job worker)."""
    tell_therapist_job.enqueue(str(allocation.public_id))


@task()
def tell_therapist_job(allocation_public_id: str) -> bool:
    """Email the therapist that someone is allocated to them: no name, no clinical content."""
    with transaction.atomic():
        claimed = Allocation.objects.filter(
            public_id=allocation_public_id, therapist_told_at__isnull=True
        ).update(therapist_told_at=timezone.now())
        if not claimed:
            return False
        allocation = Allocation.objects.select_related("therapist").get(
            public_id=allocation_public_id
        )
        therapist = allocation.therapist
        if not therapist.email:
            return False
        context = {
            "therapist": therapist,
            "allocation": allocation,
            "service": ServiceSettings.load(),
        }
        message = EmailMultiAlternatives(
            subject="A new person has been allocated to you",
            body=render_to_string("triage/email/allocated.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[therapist.email],
        )
        message.attach_alternative(
            render_to_string("triage/email/allocated.html", context), "text/html"
        )
        message.send()
    return True
