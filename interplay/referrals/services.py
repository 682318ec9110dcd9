"""Referral intake. Anyone may refer themselves, so there is no role check here."""

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from interplay.audit.services import record
from interplay.lib.ids import reference_code
from interplay.lib.prepared import PreparedInsert
from interplay.measures.instruments import GAD7, PHQ9
from interplay.measures.models import ResponseSource
from interplay.measures.scoring import score
from interplay.measures.services import store_responses
from interplay.patients.services import record_for, record_referral_consents
from interplay.referrals.models import Referral, RiskReason
from interplay.referrals.tasks import send_referral_acknowledgement

REFERRAL_FIELDS = frozenset(
    f.name
    for f in Referral._meta.get_fields()
    if getattr(f, "editable", False)
    and f.name not in {"id", "status", "urgent", "risk_reasons", "patient"}
)


def submit_self_referral(
    *,
    actor: Any = None,
    submission_token: uuid.UUID,
    details: Mapping[str, Any],
    phq9: Mapping[int, int | None],
    gad7: Mapping[int, int | None],
    phq9_difficulty: int | None = None,
) -> tuple[Referral, bool]:
    """Record a self-referral once, however often the same form is submitted.

    Returns the referral and whether this call created it. An ``actor`` (the account
    sending it through the API or FHIR) is kept as ``submitted_by``, so a feed can read
    back what it sent and nothing else. Scores PHQ-9 and GAD-7; PHQ-9
    item 9 above 0 marks the referral urgent (docs/clinical-rules.md 4.1, 6.2). Queues the
    acknowledgement email in the same transaction, so it exists only if the referral does.
    """
    # No look first for the token or the reference: both are unique, so a form sent again
    # (or twice at once) and a reference already taken fail the INSERT, inside a savepoint
    # that takes everything this call wrote back with it. ~38 bits of reference: a clash is
    # rare enough that three in a row is a bug report, not a loop.
    for _ in range(3):
        reference = reference_code()
        try:
            with transaction.atomic():
                referral = _create(
                    submission_token, reference, details, phq9, gad7, phq9_difficulty, actor
                )
        except IntegrityError:
            existing = Referral.objects.filter(submission_token=submission_token).first()
            if existing is not None:
                # The same form, sent again or at the same moment: answer with its referral.
                return existing, False
            if not Referral.objects.filter(reference=reference).exists():
                raise
            continue
        return referral, True
    raise RuntimeError("Could not find an unused referral reference.")


# A referral's 40 columns, compiled to an INSERT once per process (lib/prepared.py).
_INSERT_REFERRAL = PreparedInsert(Referral)


def _create(
    token: uuid.UUID,
    reference: str,
    details: Mapping[str, Any],
    phq9: Mapping[int, int | None],
    gad7: Mapping[int, int | None],
    phq9_difficulty: int | None,
    actor: Any,
) -> Referral:
    unknown = set(details) - REFERRAL_FIELDS
    if unknown:
        raise ValueError(f"Not referral fields: {sorted(unknown)}")
    risk = score(PHQ9, phq9).risk
    patient, returning = record_for(details)
    referral: Referral = _INSERT_REFERRAL.create(
        patient=patient,
        submission_token=token,
        reference=reference,
        urgent=risk,
        risk_reasons=[RiskReason.PHQ9_ITEM9.value] if risk else [],
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        **details,
    )
    record_referral_consents(referral)
    store_responses(
        [(PHQ9.code, phq9, phq9_difficulty), (GAD7.code, gad7, None)],
        source=ResponseSource.SELF_REFERRAL,
        answered_at=timezone.now(),
        referral=referral,
    )
    record(
        actor=actor,
        action="referral.submitted",
        obj=referral,
        # Not the risk reasons: they are encrypted at rest, and the audit trail is not.
        detail={"urgent": referral.urgent, "returning_patient": returning},
    )
    if referral.email:
        send_referral_acknowledgement.enqueue(str(referral.public_id))
    return referral


def view_referral(*, actor: Any, referral: Referral) -> Referral:
    """Audit that ``actor`` opened this referral's full record."""
    record(actor=actor, action="referral.viewed", obj=referral)
    return referral
