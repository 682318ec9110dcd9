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


def sent_referrals(user: Any) -> ReferralQuerySet:
    """The referrals ``user`` itself sent in (``Referral.submitted_by``), for a role the
    table allows ``VIEW_SENT_REFERRALS`` (a GP system's feed); none for anyone else. One
    feed never sees another's, nor a self-referral, whoever the person is."""
    if can(user, Action.VIEW_SENT_REFERRALS):
        return Referral.objects.filter(submitted_by=user)
    return Referral.objects.none()


def readable_referrals(user: Any) -> ReferralQuerySet:
    """Every referral a reader may open: all of them for triage and supervisors, a feed's
    own for a feed."""
    if can(user, Action.VIEW_REFERRAL):
        return visible_referrals(user)
    return sent_referrals(user)
