"""Which alerts a member of staff sees: a therapist their own; a supervisor their
supervisees' and any escalated to them. Everything else answers 404."""

from typing import Any

from django.db.models import Q

from interplay.accounts.permissions import Action, can
from interplay.monitoring.models import AlertQuerySet, RiskAlert


def visible_alerts(user: Any) -> AlertQuerySet:
    scope = Q(pk__in=[])
    if can(user, Action.RUN_COURSE):
        scope |= Q(therapist=user)
    if can(user, Action.SUPERVISE):
        scope |= Q(therapist__clinician__supervisor=user) | Q(escalated_to=user)
    return RiskAlert.objects.filter(scope)
