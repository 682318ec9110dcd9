"""Triage services. The queue is read here so the HTML page and the API share it."""

from collections.abc import Iterable
from typing import Any

from interplay.audit.services import record
from interplay.referrals.models import Referral, ReferralQuerySet
from interplay.referrals.permissions import visible_referrals


def queue_for(user: Any) -> ReferralQuerySet:
    """The referrals ``user`` may triage, in queue order, with their scores prefetched."""
    return (
        visible_referrals(user)
        .awaiting_triage()
        .in_queue_order()
        .with_scores()
        .only(
            "public_id",
            "reference",
            "first_name",
            "last_name",
            "received_at",
            "urgent",
            "risk_reasons",
            "status",
        )
    )


def view_queue(*, actor: Any, referrals: Iterable[Referral]) -> None:
    """Audit one look at the queue, naming the referrals that were on screen."""
    record(
        actor=actor,
        action="triage_queue.viewed",
        detail={"referrals": [r.reference for r in referrals]},
    )
