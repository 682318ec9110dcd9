"""Waiting lists per modality: who waits, in the order they will be offered a place
(urgent first, then the longest waiting), and where each stands against the 6- and
18-week standards. The same query and rules as the waiting-list page."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from interplay.accounts.permissions import Action
from interplay.accounts.roles import Modality
from interplay.api.audited import allow, viewed
from interplay.triage import services

router = Router(tags=["waiting lists"])


class Waiting(Schema):
    position: int
    referral: uuid.UUID
    reference: str
    first_name: str
    last_name: str
    urgent: bool
    received_at: dt.datetime
    days_waited: int
    within_6_weeks: bool
    within_18_weeks: bool
    warning: str


class WaitingList(Schema):
    modality: Modality
    count: int
    items: list[Waiting]


@router.get(
    "/waiting-lists/{modality}",
    response=WaitingList,
    summary="The waiting list for one modality, in offer order",
)
def waiting_list(request: HttpRequest, modality: Modality) -> dict[str, Any]:
    allow(request, Action.VIEW_WAITING_LIST)
    referrals = list(services.waiting_list(request.user, modality))
    policy, today = services.wait_policy(), timezone.localdate()
    items = []
    for position, referral in enumerate(referrals, start=1):
        standing = services.standing(referral, policy, today)
        items.append(
            {
                "position": position,
                "referral": referral.public_id,
                "reference": referral.reference,
                "first_name": referral.first_name,
                "last_name": referral.last_name,
                "urgent": referral.urgent,
                "received_at": referral.received_at,
                "days_waited": standing.days,
                "within_6_weeks": standing.within_6_weeks,
                "within_18_weeks": standing.within_18_weeks,
                "warning": standing.warning,
            }
        )
    viewed(
        request,
        "waiting_list.viewed",
        modality=modality,
        referrals=[r.reference for r in referrals],
    )
    return {"modality": modality, "count": len(items), "items": items}
