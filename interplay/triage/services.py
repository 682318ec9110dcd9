"""Triage services: assess, try to reach, decide, allocate. Shared by the pages and the API.

Each checks the actor's permission, changes state in one transaction, and audits with
coded values only (never the clinical text).
"""

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from interplay.accounts.models import ClinicianProfile, User, WorkingHours
from interplay.accounts.permissions import Action, can
from interplay.accounts.roles import Modality
from interplay.audit.services import record
from interplay.clinic.models import ServiceSettings
from interplay.lib.dates import add_working_days
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.referrals.models import Referral, ReferralQuerySet, ReferralStatus
from interplay.referrals.permissions import visible_referrals
from interplay.triage import notices, rules
from interplay.triage.models import (
    OFFER_MODALITY,
    Allocation,
    ContactAttempt,
    Outcome,
    TriageAssessment,
    TriageDecision,
)

S = ReferralStatus
CLOSING = {
    Outcome.SIGNPOST: S.SIGNPOSTED,
    Outcome.REFER_ON: S.REFERRED_ON,
    Outcome.DECLINE: S.DECLINED,
    Outcome.WITHDRAWN: S.WITHDRAWN,
}


def _require(actor: Any, action: Action) -> None:
    if not can(actor, action):
        raise PermissionDenied(f"{actor} may not {action}.")


def _move(actor: Any, referral: Referral, to: str, why: str, **also: Any) -> None:
    """Change a referral's state if the transition table allows it; audit who, when, why.
    ``also`` sets other fields in the same write."""
    referral.check_transition(to)
    before = referral.status
    referral.status = to
    for name, value in also.items():
        setattr(referral, name, value)
    referral.save(update_fields=["status", *also])
    record(
        actor=actor,
        action="referral.status_changed",
        obj=referral,
        detail={"from": before, "to": to, "why": why},
    )


def _locked(referral: Referral) -> Referral:
    """Re-read the referral under a row lock so two triage clinicians cannot both decide."""
    return Referral.objects.select_for_update().get(pk=referral.pk)


def _in_triage(actor: Any, referral: Referral) -> None:
    if referral.status == S.RECEIVED:
        _move(actor, referral, S.IN_TRIAGE, "triage started")


def _built_once(
    build: Callable[..., ReferralQuerySet],
) -> Callable[..., ReferralQuerySet]:
    """``build(visible_referrals(user))``, built once per process (per arguments) for
    everyone who sees every referral: a list page's query takes longer to put together
    than SQLite takes to answer it. Each call gets its own copy, never evaluated here, so
    no rows are kept between requests; anyone whose referrals are scoped (or who sees
    none) gets ``build`` of their own, as before."""
    built: dict[Any, ReferralQuerySet] = {}

    def scoped(user: Any, *args: Any) -> ReferralQuerySet:
        visible = visible_referrals(user)
        if visible.query.where:  # none, or only some: not the same for everyone
            return build(visible, *args)
        query = built.get(args)
        if query is None:
            query = build(Referral.objects.all(), *args)
            if len(built) < 32:  # a few arguments (the modalities), never an open set
                built[args] = query
        return query.all()

    return scoped


def _queue(visible: ReferralQuerySet) -> ReferralQuerySet:
    return (
        visible.awaiting_triage()
        .in_queue_order()
        .with_latest_totals()
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


_queue_for = _built_once(_queue)


def queue_for(user: Any) -> ReferralQuerySet:
    """The referrals ``user`` may triage, in queue order, with their latest totals."""
    return _queue_for(user)


@dataclass(frozen=True)
class UrgentWait:
    """How long an urgent referral has waited, against the service's limit."""

    waited: str
    due_by: dt.datetime
    overdue: bool
    working_days: int


class UrgentClock:
    """The service's limit for triaging an urgent referral: a number of working days
    (``ServiceSettings.urgent_triage_working_days``, 1 by default) that skips weekends,
    bank holidays and closures. The sources give no timeframe (docs/clinical-rules.md
    6.2), so the service sets its own. Two queries, however many referrals it times."""

    def __init__(self, since: dt.date, now: dt.datetime | None = None) -> None:
        service = ServiceSettings.load()
        self.working_days = service.urgent_triage_working_days
        self.closed = service.closed_days(since)
        self.now = now or timezone.now()
        self.zone = timezone.get_current_timezone()

    def wait(self, referral: Referral) -> UrgentWait | None:
        """None for a referral that did not arrive urgent."""
        if not referral.urgent:
            return None
        due = add_working_days(
            referral.received_at.astimezone(self.zone), self.working_days, self.closed
        )
        return UrgentWait(
            waited=rules.time_waited(referral.received_at, self.now),
            due_by=due,
            overdue=self.now >= due,
            working_days=self.working_days,
        )


def urgent_clock(referrals: Iterable[Referral], now: dt.datetime | None = None) -> UrgentClock:
    """A clock for these referrals, knowing the closures since the earliest arrived."""
    zone = timezone.get_current_timezone()
    received = [r.received_at.astimezone(zone).date() for r in referrals]
    return UrgentClock(min(received, default=timezone.localdate()), now)


@dataclass(frozen=True)
class QueueRow:
    """One line of the triage queue, worked out once so the template only prints it."""

    referral: Referral
    url: str
    received_on: dt.date
    received: str
    days_waited: int
    risk: str
    phq9: Any
    gad7: Any
    urgent: UrgentWait | None


# A stand-in id, swapped for each referral's: one reverse() for the page, not one a row.
_STAND_IN = uuid.UUID(int=0)


def queue_rows(referrals: Iterable[Referral], now: dt.datetime | None = None) -> list[QueueRow]:
    referrals = list(referrals)
    clock = urgent_clock(referrals, now)
    today = timezone.localdate(clock.now)
    url = reverse("triage:referral", args=[_STAND_IN])
    stand_in = str(_STAND_IN)
    language = translation.get_language()
    rows = []
    for referral in referrals:
        received_on = referral.received_at.astimezone(clock.zone).date()
        rows.append(
            QueueRow(
                referral=referral,
                url=url.replace(stand_in, str(referral.public_id)),
                received_on=received_on,
                received=day_shown(received_on, language),
                days_waited=(today - received_on).days,
                risk=_risk_shown(tuple(referral.risk_reasons)) if referral.urgent else "",
                phq9=getattr(referral, "latest_phq9", None),
                gad7=getattr(referral, "latest_gad7", None),
                urgent=clock.wait(referral),
            )
        )
    return rows


@functools.lru_cache(maxsize=2048)
def day_shown(day: dt.date, language: str | None) -> str:
    """A day as the lists show it ("3 Dec 2026"), worked out once per process and language:
    a queue page holds a few days, and the queue and waiting list come back to the same."""
    return date_format(day, "j M Y")


@functools.lru_cache(maxsize=64)
def _risk_shown(reasons: tuple[str, ...]) -> str:
    """The risk reasons' labels, as ``Referral.risk_reason_labels`` gives them, joined."""
    return "; ".join(Referral(risk_reasons=list(reasons)).risk_reason_labels())


def view_queue(*, actor: Any, referrals: Iterable[Referral]) -> None:
    """Audit one look at the queue, naming the referrals that were on screen."""
    record(
        actor=actor,
        action="triage_queue.viewed",
        detail={"referrals": [r.reference for r in referrals]},
    )


@transaction.atomic
def save_assessment(*, actor: Any, referral: Referral, **answers: Any) -> TriageAssessment:
    """Record or update the triage assessment; the referral is then in triage."""
    _require(actor, Action.TRIAGE_REFERRAL)
    referral = _locked(referral)
    if referral.status not in (S.RECEIVED, S.IN_TRIAGE):
        raise RuleViolation("This referral has been decided; its assessment is closed.")
    _in_triage(actor, referral)
    assessment, created = TriageAssessment.objects.get_or_create(
        referral=referral, defaults={"assessed_by": actor, **answers}
    )
    if not created:
        for name, value in answers.items():
            setattr(assessment, name, value)
        assessment.assessed_by = actor
        assessment.save()
    record(
        actor=actor,
        action="triage.assessed",
        obj=referral,
        # Not the exclusions: they are encrypted at rest, and the audit trail is not.
        detail={"urgency": assessment.urgency, "suitable_for": assessment.suitable_for},
    )
    return assessment


@transaction.atomic
def log_contact_attempt(
    *, actor: Any, referral: Referral, method: str, outcome: str, note: str = ""
) -> ContactAttempt:
    """Log one attempt to reach the person. After the service's number of failed attempts
    in a row, a "we could not reach you" letter goes out (once per run of failures)."""
    _require(actor, Action.TRIAGE_REFERRAL)
    referral = _locked(referral)
    if referral.status not in (S.RECEIVED, S.IN_TRIAGE, S.WAITING):
        raise RuleViolation("This referral is closed; contact attempts are no longer logged.")
    _in_triage(actor, referral)
    attempt = ContactAttempt.objects.create(
        referral=referral, at=timezone.now(), by=actor, method=method, outcome=outcome, note=note
    )
    record(
        actor=actor,
        action="triage.contact_attempted",
        obj=referral,
        detail={"method": method, "outcome": outcome},
    )
    outcomes = list(referral.contact_attempts.values_list("outcome", flat=True))
    limit = ServiceSettings.load().contact_attempts_before_letter
    if rules.needs_not_contactable_letter(
        outcomes, limit
    ) and not rules.needs_not_contactable_letter(outcomes[:-1], limit):
        notices.not_contactable(actor=actor, referral=referral)
    return attempt


@transaction.atomic
def decide(
    *,
    actor: Any,
    referral: Referral,
    outcome: str,
    signposted_to: str = "",
    reason: str = "",
) -> TriageDecision:
    """Decide what happens next: an offer puts the person on that modality's waiting list;
    the other outcomes close the referral. Letters go to the person and, with consent, GP.
    """
    _require(actor, Action.TRIAGE_REFERRAL)
    referral = _locked(referral)
    if hasattr(referral, "decision"):
        raise RuleViolation("This referral has already been decided.")
    modality = OFFER_MODALITY.get(Outcome(outcome), "")
    if modality:
        assessment = getattr(referral, "assessment", None)
        if assessment is None or modality not in assessment.suitable_for:
            label = Modality(modality).label
            raise RuleViolation(
                f"Record in the assessment that this person is suitable for {label} first."
            )
    if outcome == Outcome.SIGNPOST and not signposted_to.strip():
        raise RuleViolation("Say where the person is signposted to.")
    if outcome in (Outcome.DECLINE, Outcome.REFER_ON) and not reason.strip():
        raise RuleViolation("Give the reason for this decision.")
    _in_triage(actor, referral)
    decision = TriageDecision.objects.create(
        referral=referral,
        outcome=outcome,
        modality=modality,
        signposted_to=signposted_to.strip(),
        reason=reason,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    if modality:
        _move(actor, referral, S.WAITING, outcome, offered_modality=modality)
    else:
        _move(actor, referral, CLOSING[Outcome(outcome)], outcome)
    record(actor=actor, action="triage.decided", obj=referral, detail={"outcome": outcome})
    notices.decision_letters(actor=actor, referral=referral, decision=decision)
    return decision


WITHDRAWAL_REASONS = {
    "patient_request": "The person asked to come off the list",
    "not_contactable": "We could not reach the person",
    "other": "Another reason",
}


@transaction.atomic
def withdraw(*, actor: Any, referral: Referral, reason: str) -> Referral:
    """Take someone off the waiting list (or out of triage) before treatment starts.

    ``reason`` is one of WITHDRAWAL_REASONS; an undecided referral also gets a
    "withdrawn" decision so it leaves the queue with the rest of its history.
    """
    _require(actor, Action.TRIAGE_REFERRAL)
    if reason not in WITHDRAWAL_REASONS:
        raise RuleViolation("Choose why the referral is withdrawn.")
    referral = _locked(referral)
    _in_triage(actor, referral)
    _move(actor, referral, S.WITHDRAWN, reason)
    if not hasattr(referral, "decision"):
        TriageDecision.objects.create(
            referral=referral,
            outcome=Outcome.WITHDRAWN,
            reason=WITHDRAWAL_REASONS[reason],
            decided_by=actor,
            decided_at=timezone.now(),
        )
    Allocation.objects.filter(referral=referral).active().update(ended_at=timezone.now())
    record(actor=actor, action="referral.withdrawn", obj=referral, detail={"reason": reason})
    return referral


def capacity_left(profiles: Iterable[ClinicianProfile]) -> dict[int, int]:
    """Places left on each clinician's caseload (capacity less live allocations)."""
    profiles = list(profiles)
    live = dict(
        Allocation.objects.active()
        .filter(therapist__in=[p.user_id for p in profiles])
        .values_list("therapist")
        .annotate(n=Count("id"))
    )
    return {p.user_id: max(0, p.caseload_capacity - live.get(p.user_id, 0)) for p in profiles}


def candidates() -> list[rules.Candidate]:
    """Every therapist as the allocator sees them: qualifications, capacity, times."""
    profiles = list(
        ClinicianProfile.objects.filter(
            user__is_active=True, user__role_assignments__role="therapist"
        )
        .select_related("user")
        .prefetch_related(
            "qualifications", Prefetch("working_hours", queryset=WorkingHours.objects.all())
        )
    )
    left = capacity_left(profiles)
    return [
        rules.Candidate(
            key=p.user.public_id,
            name=str(p.user),
            modalities=p.modalities,
            capacity_left=left[p.user_id],
            times=frozenset().union(
                *(rules.parts_covered(h.weekday, h.start, h.end) for h in p.working_hours.all())
            ),
        )
        for p in profiles
    ]


def suggestions_for(referral: Referral) -> list[rules.Suggestion]:
    """Therapists for this waiting person, best first (see rules.rank_therapists)."""
    decision = getattr(referral, "decision", None)
    if decision is None or not decision.modality:
        return []
    return rules.rank_therapists(candidates(), decision.modality, referral.available_times)


@transaction.atomic
def allocate(*, actor: Any, referral: Referral, therapist: User) -> Allocation:
    """Give a waiting person to a therapist qualified for their modality with a place left.

    The therapist's profile row is locked while their capacity is counted, so two
    allocators cannot overfill one caseload; the database allows one live allocation per
    referral. The therapist is told by email (no clinical content).
    """
    _require(actor, Action.ALLOCATE)
    referral = _locked(referral)
    decision = getattr(referral, "decision", None)
    if referral.status != S.WAITING or decision is None or not decision.modality:
        raise RuleViolation("Only a person on a waiting list can be allocated.")
    profile = ClinicianProfile.objects.select_for_update().filter(user=therapist).first()
    if profile is None or decision.modality not in profile.modalities:
        label = Modality(decision.modality).label
        raise RuleViolation(f"{therapist} is not qualified to offer {label}.")
    if capacity_left([profile])[therapist.pk] <= 0:
        raise RuleViolation(f"{therapist}'s caseload is full.")
    allocation = Allocation.objects.create(
        referral=referral,
        therapist=therapist,
        modality=decision.modality,
        allocated_by=actor,
        allocated_at=timezone.now(),
    )
    _move(actor, referral, S.ALLOCATED, "allocated")
    record(
        actor=actor,
        action="triage.allocated",
        obj=referral,
        detail={"therapist": str(therapist.public_id), "modality": decision.modality},
    )
    notices.tell_therapist(allocation=allocation)
    return allocation


def _waiting(visible: ReferralQuerySet, modality: str) -> ReferralQuerySet:
    return (
        visible.filter(status=S.WAITING, offered_modality=modality)
        .order_by("-urgent", "received_at", "id")
        .only(
            "public_id",
            "reference",
            "first_name",
            "last_name",
            "received_at",
            "urgent",
            "status",
            "available_times",
            "offered_modality",
        )
    )


_waiting_list = _built_once(_waiting)


def waiting_list(user: Any, modality: str) -> ReferralQuerySet:
    """People waiting for ``modality``: urgent first, then the longest waiting."""
    return _waiting_list(user, modality)


def wait_policy() -> rules.WaitPolicy:
    service = ServiceSettings.load()
    return rules.WaitPolicy(service.wait_boundary_inclusive, service.breach_warning_days)


def standing(
    referral: Referral, policy: rules.WaitPolicy, today: dt.date | None = None
) -> rules.WaitStanding:
    today = today or timezone.localdate()
    return rules.wait_standing(timezone.localtime(referral.received_at).date(), today, policy)


def view_waiting_list(*, actor: Any, modality: str, referrals: Iterable[Referral]) -> None:
    record(
        actor=actor,
        action="waiting_list.viewed",
        detail={"modality": modality, "referrals": [r.reference for r in referrals]},
    )


@transaction.atomic
def send_opt_in_letter(*, actor: Any, referral: Referral) -> Any:
    """Ask someone who has waited a while whether they still want therapy (opt in)."""
    _require(actor, Action.TRIAGE_REFERRAL)
    referral = _locked(referral)
    if referral.status != S.WAITING:
        raise RuleViolation("Opt-in letters go to people on a waiting list.")
    letter = notices.opt_in(actor=actor, referral=referral)
    record(actor=actor, action="triage.opt_in_sent", obj=referral, detail={})
    return letter


# How long someone waits before an opt-in letter asks whether they still want therapy.
OPT_IN_AFTER_DAYS = 56


def send_due_opt_in_letters(*, actor: Any, after_days: int) -> int:
    """``manage.py send_opt_in_letters`` and its daily schedule: one letter to each person
    waiting longer than ``after_days``, once, even when two runs overlap (each referral is
    locked and checked again before its letter is written). Returns how many were sent."""
    _require(actor, Action.TRIAGE_REFERRAL)
    sent = 0
    for pk in due_opt_in(after_days).values_list("pk", flat=True):
        with transaction.atomic():
            referral = _locked(Referral(pk=pk))
            if not due_opt_in(after_days).filter(pk=pk).exists():
                continue  # written to, or no longer waiting, since the list was read
            send_opt_in_letter(actor=actor, referral=referral)
            sent += 1
    return sent


def due_opt_in(after_days: int, today: dt.date | None = None) -> ReferralQuerySet:
    """People waiting longer than ``after_days`` who have had no opt-in letter yet."""
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=after_days), dt.time())
    )
    return (
        Referral.objects.filter(status=S.WAITING, received_at__lt=cutoff)
        .exclude(letters__kind="opt_in")
        .order_by("received_at")
    )


def view_triage_page(*, actor: Any, referral: Referral) -> None:
    record(actor=actor, action="referral.viewed", obj=referral, detail={"page": "triage"})


def waiting_counts(user: Any) -> list[tuple[Modality, int]]:
    """How many people wait for each modality (one query)."""
    counts = dict(
        visible_referrals(user)
        .filter(status=S.WAITING)
        .values_list("offered_modality")
        .annotate(n=Count("id"))
    )
    return [(m, counts.get(m.value, 0)) for m in Modality]


# The capacity board reads the people waiting in its own order, this many first, then
# twice as many again each time, until every therapist with a place has their next.
BOARD_FIRST_READ = 100


def capacity_board(user: Any) -> list[tuple[rules.Candidate, Referral | None]]:
    """Each therapist with their places left and the next waiting person they can take
    (``rules.next_for``, worked out for all of them by ``rules.NextPeople``).

    The people waiting are read in queue order, as plain values, a growing slice at a
    time, until every therapist with a place has their next person; only the people
    found are then read as records (their names decrypted). A service with thousands
    waiting is not read whole for a few dozen therapists."""
    board = sorted(candidates(), key=lambda c: c.name)
    search = rules.NextPeople(board)
    waiting = (
        visible_referrals(user)
        .filter(status=S.WAITING, offered_modality__in=sorted(search.lists))
        # The id last: slices of a total order neither skip nor repeat anyone.
        .order_by("-urgent", "received_at", "public_id")
        .values_list("public_id", "urgent", "received_at", "available_times", "offered_modality")
    )
    start, size = 0, BOARD_FIRST_READ
    while not search.settled:
        rows = list(waiting[start : start + size])
        for public_id, urgent, received_at, times, modality in rows:
            search.see(
                rules.Waiting(
                    key=public_id,
                    modality=modality,
                    urgent=urgent,
                    referred_on=timezone.localtime(received_at).date(),
                    times=frozenset(times),
                )
            )
        if len(rows) < size:
            break  # everyone waiting has been read
        start, size = start + size, size * 2
    found = {c.key: search.next_for(c) for c in board}
    people = Referral.objects.in_bulk(
        [w.key for w in found.values() if w is not None], field_name="public_id"
    )
    return [(c, people[w.key] if (w := found[c.key]) else None) for c in board]
