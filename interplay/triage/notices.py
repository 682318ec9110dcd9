"""What triage tells people: letters to the patient and their GP, and the therapist's email.

The standard wording lives in each kind's letter template; this module chooses the kind,
the subject and what the template reads (the offer, the questionnaires for the GP), and
passes the clinician's own words as the body. The letters app makes the PDF, stores it
with the record and emails it where an address exists.
"""

import datetime as dt
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
from interplay.measures.instruments import GAD7, PHQ9
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

# What an offer is, in words for the person (the GP letter names the therapy).
WHAT_IT_IS = {
    Modality.IPT: "Interpersonal Psychotherapy (IPT): 12 to 16 weekly sessions of 50 minutes "
    "that focus on the relationships and life changes linked to how you feel",
    Modality.DIT: "Dynamic Interpersonal Therapy (DIT): 16 weekly sessions of 50 minutes that "
    "help you understand patterns in your relationships and how they affect your mood",
    Modality.GROUP_IPT: "group Interpersonal Psychotherapy: weekly sessions with a small group "
    "of people facing similar difficulties, led by a trained therapist",
}

# The letter's heading for the person, and the end of the GP's ("Ada Linley: ...").
SUBJECTS = {
    Outcome.OFFER_IPT: ("An offer of talking therapy", "offered therapy after triage"),
    Outcome.OFFER_DIT: ("An offer of talking therapy", "offered therapy after triage"),
    Outcome.OFFER_GROUP_IPT: ("An offer of talking therapy", "offered therapy after triage"),
    Outcome.SIGNPOST: ("Other support that may help", "signposted to other help after triage"),
    Outcome.REFER_ON: ("Your referral to a specialist service", "referred on after triage"),
    Outcome.DECLINE: ("Your referral", "not offered therapy after triage"),
    Outcome.WITHDRAWN: ("Your referral has been closed", "referral withdrawn"),
}
SPECIALIST = "a specialist mental health service"
RESPOND_WITHIN = dt.timedelta(days=14)


def _context(decision: TriageDecision) -> dict[str, Any]:
    """What the decision's template reads: the offer or where the person was sent."""
    context: dict[str, Any] = {}
    if decision.modality:
        modality = Modality(decision.modality)
        context.update(offer=WHAT_IT_IS[modality], therapy=modality.label)
    if decision.outcome == Outcome.SIGNPOST:
        context["signpost_to"] = decision.signposted_to
    if decision.outcome == Outcome.REFER_ON:
        context["referred_to"] = SPECIALIST
    return context


def screening(referral: Referral) -> dict[str, Any] | None:
    """The PHQ-9 and GAD-7 answered with the referral, as the GP letter states them: each
    total with its band, and PHQ-9 question 9 with the answer given (a risk above "Not at
    all", docs/clinical-rules.md 4.1). None when neither was answered."""
    latest = {r.instrument_code: r for r in referral.responses.all()}  # answer order
    rows = []
    for instrument, about in ((PHQ9, "depression"), (GAD7, "anxiety")):
        response = latest.get(instrument.code)
        if response is not None:
            rows.append(
                {
                    "name": instrument.name,
                    "about": about,
                    "total": response.total if response.complete else None,
                    "max": instrument.max_total,
                    "band": response.band,
                }
            )
    if not rows:
        return None
    phq = latest.get(PHQ9.code)
    answer = phq.answer(9) if phq is not None else None
    labels = {value: label for value, label, _ in PHQ9.options}
    answered = [r.answered_at for r in latest.values()]
    return {
        "scores": rows,
        "item9": None
        if answer is None
        else {"answer": labels.get(answer, str(answer)), "risk": answer > 0},
        "answered_on": timezone.localtime(min(answered)).date(),
    }


def _letter(
    *,
    actor: Any,
    referral: Referral,
    kind: str,
    role: str,
    subject: str,
    body: str = "",
    context: dict[str, Any] | None = None,
    **to: str,
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
        context=context,
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
    """The decision letter to the person, and to their GP when they agreed to it.

    The standard words are the kind's template; the body is only the clinician's own
    reason (to decline or refer on), so no paragraph is printed twice. The GP's letter
    also states the questionnaires answered with the referral and PHQ-9 question 9.
    """
    outcome = Outcome(decision.outcome)
    kind = KIND[outcome]
    to_patient, to_gp = SUBJECTS[outcome]
    reason = decision.reason.strip() if outcome in (Outcome.DECLINE, Outcome.REFER_ON) else ""
    context = _context(decision)
    letters = [
        _letter(
            actor=actor,
            referral=referral,
            kind=kind,
            role="patient",
            subject=to_patient,
            body=reason,
            context=context,
            **_to_patient(referral),
        )
    ]
    if referral.consent_to_gp_contact:
        letters.append(
            _letter(
                actor=actor,
                referral=referral,
                kind=kind,
                role="gp",
                subject=f"{referral.full_name}: {to_gp}",
                body=reason,
                context={**context, "screening": screening(referral)},
                name=f"The GP, {referral.gp_practice}",
                address=referral.gp_address or referral.gp_practice,
            )
        )
    return letters


def not_contactable(*, actor: Any, referral: Referral) -> Letter:
    """We tried and could not reach the person: ask them to get in touch within 14 days."""
    return _letter(
        actor=actor,
        referral=referral,
        kind="not_contactable",
        role="patient",
        subject="We have been trying to contact you",
        context={"respond_by": timezone.localdate() + RESPOND_WITHIN},
        **_to_patient(referral),
    )


def opt_in(*, actor: Any, referral: Referral) -> Letter:
    """A long wait: do you still want therapy? Reply within 14 days and stay on the list."""
    return _letter(
        actor=actor,
        referral=referral,
        kind="opt_in",
        role="patient",
        subject="Do you still want talking therapy?",
        context={"respond_by": timezone.localdate() + RESPOND_WITHIN},
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
