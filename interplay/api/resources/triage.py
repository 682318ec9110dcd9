"""Triage decisions: what happens next for a referral.

``POST /referrals/{id}/decision`` calls ``triage.services.decide``, the service the
triage page's decision form calls: the same rules (an offer needs an assessment saying it
suits; signposting needs where; declining or referring on needs a reason), the same move
of the referral's status, letters and audit.
"""

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from interplay.accounts.permissions import Action
from interplay.api.audited import allow, viewed
from interplay.referrals.models import Referral
from interplay.referrals.permissions import visible_referrals
from interplay.triage import services
from interplay.triage.models import Outcome, TriageDecision

router = Router(tags=["triage"])


class DecisionIn(Schema):
    outcome: Outcome
    signposted_to: Annotated[str, Field(max_length=200)] = Field(
        "", description="Where the person is signposted to (needed for 'signpost')"
    )
    reason: Annotated[str, Field(max_length=5000)] = Field(
        "", description="Why (needed for 'decline' and 'refer_on'); written to the person"
    )


class DecisionOut(Schema):
    id: uuid.UUID
    referral: uuid.UUID
    outcome: Outcome
    modality: str
    signposted_to: str
    reason: str
    decided_by: str
    decided_at: dt.datetime


def _out(decision: TriageDecision, referral: Referral) -> dict[str, Any]:
    return {
        "id": decision.public_id,
        "referral": referral.public_id,
        "outcome": decision.outcome,
        "modality": decision.modality,
        "signposted_to": decision.signposted_to,
        "reason": decision.reason,
        "decided_by": decision.decided_by.get_username(),
        "decided_at": decision.decided_at,
    }


def _referral(request: HttpRequest, public_id: uuid.UUID) -> Referral:
    return get_object_or_404(visible_referrals(request.user), public_id=public_id)


@router.post(
    "/referrals/{public_id}/decision",
    response={201: DecisionOut},
    summary="Decide a referral (offer, signpost, refer on, decline)",
    description="409 when a rule of triage refuses it (already decided; no assessment "
    "saying the offered therapy suits; no reason given).",
)
def decide(request: HttpRequest, public_id: uuid.UUID, body: DecisionIn) -> Status[Any]:
    allow(request, Action.TRIAGE_REFERRAL, write=True)
    referral = _referral(request, public_id)
    decision = services.decide(
        actor=request.user,
        referral=referral,
        outcome=body.outcome,
        signposted_to=body.signposted_to,
        reason=body.reason,
    )
    return Status(201, _out(decision, referral))


@router.get(
    "/referrals/{public_id}/decision",
    response=DecisionOut,
    summary="A referral's triage decision (404 until decided)",
)
def get_decision(request: HttpRequest, public_id: uuid.UUID) -> dict[str, Any]:
    allow(request, Action.VIEW_REFERRAL)
    referral = _referral(request, public_id)
    decision = TriageDecision.objects.select_related("decided_by").filter(referral=referral).first()
    if decision is None:
        raise Http404
    viewed(request, "referral.viewed", referral, part="decision")
    return _out(decision, referral)
