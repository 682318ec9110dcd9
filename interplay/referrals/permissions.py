"""Who may see which referrals."""

from typing import Any

from interplay.accounts.permissions import Action, can
from interplay.referrals.models import Referral, ReferralQuerySet


def visible_referrals(user: Any) -> ReferralQuerySet:
    """Triage clinicians and supervisors see every referral; everyone else none (yet).

    Therapists will see their allocated patients' referrals once allocation exists.
    """
    if can(user, Action.VIEW_REFERRAL):
        return Referral.objects.all()
    return Referral.objects.none()
