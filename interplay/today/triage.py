"""The triage clinician's day: what needs them now, in the order it matters.

The rules are the triage app's own: the urgent clock (``triage.services.UrgentClock``,
``ServiceSettings.urgent_triage_working_days``) and the waiting-time standing
(``triage.services.standing``, ``ServiceSettings.breach_warning_days``).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from interplay.clinic.models import ServiceSettings
from interplay.referrals.models import Referral, ReferralStatus
from interplay.referrals.permissions import visible_referrals
from interplay.triage import rules
from interplay.triage import services as triage
from interplay.triage.models import ContactAttempt, ContactOutcome

# Before treatment starts, the waiting-time clock is still running (docs/clinical-rules.md 5.6).
STILL_WAITING = (
    ReferralStatus.RECEIVED,
    ReferralStatus.IN_TRIAGE,
    ReferralStatus.WAITING,
    ReferralStatus.ALLOCATED,
)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def last_working_day(today: dt.date, closed: set[dt.date]) -> dt.date:
    """The working day before ``today`` (weekends, bank holidays and closures skipped)."""
    day = today - dt.timedelta(days=1)
    while day.weekday() >= 5 or day in closed:
        day -= dt.timedelta(days=1)
    return day


# Each panel shows at most this many, and says when there are more: a large service's
# first screen stays a screen, and the queue and the waiting lists hold the rest.
SHOWN = 50


def urgent(user: Any, now: dt.datetime) -> list[triage.QueueRow]:
    """Urgent referrals awaiting triage, the longest waiting first, each timed against
    the service's limit (three queries: the referrals, their scores, the closures); at
    most ``SHOWN`` and one more, so the page can say there are more."""
    referrals = list(triage.queue_for(user).filter(urgent=True)[: SHOWN + 1])
    return triage.queue_rows(referrals, now)


def new_since(user: Any, since: dt.date) -> list[Referral]:
    """Routine referrals awaiting triage that arrived since the start of ``since`` (the
    urgent ones are in their own panel above), oldest first (one query; ``SHOWN`` and
    one more at most)."""
    return list(
        triage.queue_for(user)
        .filter(urgent=False, received_at__gte=_midnight(since))
        .prefetch_related(None)[: SHOWN + 1]
    )


def contacts_due(user: Any, today: dt.date) -> list[Referral]:
    """People awaiting triage not yet reached whose last attempt failed before today: the
    next attempt is due today, the longest waiting first (one query; ``SHOWN`` and one
    more at most)."""
    latest = ContactAttempt.objects.filter(referral=OuterRef("pk")).order_by("-at", "-id")
    return list(
        triage.queue_for(user)
        .prefetch_related(None)
        .exclude(contact_attempts__outcome=ContactOutcome.REACHED)
        .annotate(
            last_outcome=Subquery(latest.values("outcome")[:1]),
            last_attempt_at=Subquery(latest.values("at")[:1]),
        )
        .filter(
            last_outcome__in=sorted(rules.UNSUCCESSFUL_CONTACT),
            last_attempt_at__lt=_midnight(today),
        )
        .order_by("received_at", "id")[: SHOWN + 1]
    )


@dataclass(frozen=True)
class Breach:
    referral: Referral
    standing: rules.WaitStanding
    today: dt.date

    @property
    def standard(self) -> str:
        """The standard about to be missed: "6-week" or "18-week"."""
        return "6-week" if self.standing.within_6_weeks else "18-week"

    @property
    def last_day(self) -> dt.date:
        """The last day a first treatment session still meets that standard."""
        return self.today + dt.timedelta(days=_days_left(self))


def breaches_within_week(user: Any, today: dt.date) -> list[Breach]:
    """People not yet in treatment whose 6- or 18-week standard falls due before the
    service's warning days run out ("... standard soon"), the nearest first (one query:
    only the arrival days that can be near a standard are read, a few days' referrals
    whatever the service's size; ``SHOWN`` and one more at most are kept)."""
    policy = triage.wait_policy()
    candidates = visible_referrals(user).filter(
        status__in=STILL_WAITING, received_at__lt=_midnight(today + dt.timedelta(days=1))
    )
    near = None
    for limit in (rules.SIX_WEEKS, rules.EIGHTEEN_WEEKS):
        last = limit if policy.boundary_inclusive else limit - 1
        earliest = _midnight(today - dt.timedelta(days=last))
        latest = _midnight(today - dt.timedelta(days=last - policy.warn_days))
        window = candidates.filter(received_at__gte=earliest, received_at__lt=latest)
        near = window if near is None else near | window
    assert near is not None
    rows = [
        Breach(r, triage.standing(r, policy, today), today)
        for r in near.order_by("received_at", "id").only(
            "public_id", "reference", "first_name", "last_name", "received_at", "status", "urgent"
        )
    ]
    return sorted((b for b in rows if b.standing.warning.endswith("soon")), key=_days_left)[
        : SHOWN + 1
    ]


def _days_left(breach: Breach) -> int:
    standing = breach.standing
    return standing.days_left_6_weeks if standing.within_6_weeks else standing.days_left_18_weeks


def context(request: HttpRequest) -> dict[str, Any]:
    """The panels of the triage clinician's first screen, for ``today/triage.html``."""
    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    closed = ServiceSettings.load().closed_days(today - dt.timedelta(days=14))
    since = last_working_day(today, closed)
    panels: dict[str, list[Any]] = {
        "urgent": urgent(user, now),
        "new": new_since(user, since),
        "contacts": contacts_due(user, today),
        "breaches": breaches_within_week(user, today),
    }
    return {
        "now": now,
        "today": today,
        "since": since,
        **{name: rows[:SHOWN] for name, rows in panels.items()},
        # The panels holding more than they show (the page says so, and where the rest are).
        "more": frozenset(name for name, rows in panels.items() if len(rows) > SHOWN),
    }


def shown(panels: dict[str, Any]) -> dict[str, Any]:
    """What the audit keeps of one look: the referrals on screen (by reference), no name."""
    referrals = {row.referral.reference for row in panels["urgent"]}
    referrals |= {r.reference for r in panels["new"] + panels["contacts"]}
    referrals |= {b.referral.reference for b in panels["breaches"]}
    return {"referrals": sorted(referrals)}
