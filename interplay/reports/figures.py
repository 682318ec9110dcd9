"""The service figures, each defined once as a database condition and aggregated there.

A *tally* is one named set of rows (courses from ``CourseFigures``, or referrals) with its
definition in words; it counts the rows, or sums one column over them (sessions, missed
appointments). A *rate* divides one tally by another, as published (docs/clinical-rules.md
5.5, 5.6). The dashboard's numbers and the drill-down lists (``lists.py``) read the same
conditions, so a list always holds exactly the rows its figure counts.

The work is a constant number of aggregate queries whatever the size of the service:
all course tallies in one query (and one per breakdown), all referral tallies in one,
the waiting-time medians from a histogram of days (bounded by the number of distinct
waits, not of courses). No course's history is read here: ``rows.refresh`` keeps each
course's row.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from interplay.accounts.roles import Modality
from interplay.clinic.models import ServiceSettings
from interplay.referrals.models import Referral, ReferralSource, ReferralStatus
from interplay.reports import flags, rates
from interplay.reports.models import CourseFigures
from interplay.triage.models import Outcome, TriageDecision

COURSES, REFERRALS = "courses", "referrals"
SIX_WEEKS, EIGHTEEN_WEEKS = 6, 18


@dataclass(frozen=True)
class Filters:
    """What the figures are counted over: a period (both days included) and, if chosen,
    one modality, one therapist (a user id) and one referral source."""

    start: dt.date
    end: dt.date
    modality: str = ""
    therapist_id: int | None = None
    source: str = ""
    # Set (``ended_rows``) when the query's rows are already the courses that ended in the
    # period: each tally then leaves out that date test, which it would repeat per row.
    ended_known: bool = False

    def ended_rows(self) -> "Filters":
        return dataclasses.replace(self, ended_known=True)

    def courses(self) -> Q:
        q = Q()
        if self.modality:
            q &= Q(modality=self.modality)
        if self.therapist_id:
            q &= Q(therapist_id=self.therapist_id)
        if self.source:
            q &= Q(referral_source=self.source)
        return q

    def referrals(self) -> Q:
        """A referral has a modality once a triage decision offers one, and a therapist
        once its course starts; choosing either keeps only the referrals that have it."""
        q = Q()
        if self.source:
            q &= Q(source=self.source)
        if self.modality:
            q &= Q(offered_modality=self.modality)
        if self.therapist_id:
            q &= Q(course__therapist_id=self.therapist_id)
        return q

    def period(self) -> tuple[dt.date, dt.date]:
        return (self.start, self.end)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as moments where the service is: from the first day's midnight to
        the midnight after the last day (a range the index on a moment can use)."""
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=zone)
        return start, dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def moments(field: str, f: Filters) -> dict[str, dt.datetime]:
    """A moment ``field`` falling on a day of the period."""
    start, after = f.moments()
    return {f"{field}__gte": start, f"{field}__lt": after}


@dataclass(frozen=True)
class Policy:
    """The service's settings that change how a figure counts."""

    mixed_change_rule: str = "deterioration"
    wait_boundary_inclusive: bool = True

    @classmethod
    def of_service(cls) -> "Policy":
        settings = ServiceSettings.load()
        return cls(settings.mixed_change_rule, settings.wait_boundary_inclusive)


Condition = Callable[[Filters, Policy], Q]


@dataclass(frozen=True)
class Tally:
    key: str
    table: str
    label: str
    words: str
    condition: Condition
    # A column (or sum of columns) added up over the rows, instead of counting them.
    total: tuple[str, ...] = ()

    def value(self) -> Any:
        """The expression summed (or 1 a row when counting)."""
        if not self.total:
            return Value(1, output_field=IntegerField())
        expression: Any = F(self.total[0])
        for name in self.total[1:]:
            expression = expression + F(name)
        return expression

    def per_row(self, filters: Filters, policy: Policy) -> Any:
        """What one row adds to the tally: its value where the condition holds, else 0
        (summed by ``grouping.grouped``)."""
        condition = self.condition(filters, policy)
        if not condition:
            return self.value()
        return Case(When(condition, then=self.value()), default=Value(0))

    def aggregate(self, filters: Filters, policy: Policy, given: Q | None = None) -> Any:
        """The tally over rows that all meet ``given`` (the query's own condition), which
        its condition then need not test again, row by row."""
        condition = beyond(self.condition(filters, policy), given)
        if not self.total:
            # Of a constant, not of a column: an index holding the condition's columns
            # then answers alone (COUNT(id) had PostgreSQL read each row for its id).
            return Count(Value(1), filter=condition) if condition else Count(Value(1))
        return Coalesce(Sum(self.value(), filter=condition or None), 0)


def beyond(condition: Q, given: Q | None) -> Q:
    """``condition`` less the terms of ``given`` it is made of ("received in the period
    and from a GP", given "received in the period": "from a GP"); ``condition`` itself if
    it is not ``given`` and more."""
    plain = [q for q in (condition, given) if q is not None and q.connector == Q.AND]
    if len(plain) < 2 or condition.negated or given is None or given.negated or not given:
        return condition
    if not all(child in condition.children for child in given.children):
        return condition
    return Q(*(child for child in condition.children if child not in given.children))


def ended_in(f: Filters, p: Policy) -> Q:
    return Q() if f.ended_known else Q(ended_on__range=f.period())


def finished_in(f: Filters, p: Policy) -> Q:
    return ended_in(f, p) & Q(finished=True)


def _within(weeks: int) -> Condition:
    """Finished courses whose wait to the first session was within ``weeks`` weeks (5.6),
    the boundary day counting as within unless the service's setting says otherwise
    (the same arithmetic as ``rates.within``)."""

    def condition(f: Filters, p: Policy) -> Q:
        limit = weeks * 7
        wait = Q(wait_days__lte=limit) if p.wait_boundary_inclusive else Q(wait_days__lt=limit)
        return finished_in(f, p) & wait

    return condition


def received_in(f: Filters, p: Policy) -> Q:
    return Q(**moments("received_at", f))


def _received_from(source: str) -> Condition:
    return lambda f, p: received_in(f, p) & Q(source=source)


def _waiting_for(modality: str) -> Condition:
    return lambda f, p: Q(status=ReferralStatus.WAITING, offered_modality=modality)


ENDED_WORDS = "courses that ended in the period"
FINISHED_WORDS = (
    "courses that ended in the period after at least two attended treatment sessions (5.2)"
)

TALLIES: tuple[Tally, ...] = (
    # Referrals.
    Tally(
        "received",
        REFERRALS,
        "Referrals received",
        "referrals that arrived in the period",
        received_in,
    ),
    *(
        Tally(
            f"received_{source.value}",
            REFERRALS,
            f"Referrals received: {source.label}",
            f"referrals that arrived in the period from this source: {source.label}",
            _received_from(source.value),
        )
        for source in ReferralSource
    ),
    Tally(
        "triaged",
        REFERRALS,
        "People triaged",
        "referrals given a triage decision in the period (not counting withdrawals)",
        lambda f, p: (
            Q(**moments("decision__decided_at", f)) & ~Q(decision__outcome=Outcome.WITHDRAWN)
        ),
    ),
    Tally(
        "waiting",
        REFERRALS,
        "Waiting now",
        "people on a waiting list today: triaged and offered a therapy, not yet given to a "
        "therapist (whatever the period)",
        lambda f, p: Q(status=ReferralStatus.WAITING),
    ),
    *(
        Tally(
            f"waiting_{modality.value}",
            REFERRALS,
            f"Waiting now for {modality.label}",
            f"people on the {modality.label} waiting list today (whatever the period)",
            _waiting_for(modality.value),
        )
        for modality in Modality
    ),
    # Courses.
    Tally(
        "entered",
        COURSES,
        "Entering treatment",
        "courses whose first attended treatment session fell in the period",
        lambda f, p: Q(first_session_on__range=f.period()),
    ),
    Tally("ended", COURSES, "Courses ended", ENDED_WORDS, ended_in),
    Tally("finished", COURSES, "Finished courses", FINISHED_WORDS, finished_in),
    Tally(
        "ended_unfinished",
        COURSES,
        "Ended without finishing",
        "courses that ended in the period with fewer than two attended treatment sessions",
        lambda f, p: ended_in(f, p) & Q(finished=False),
    ),
    Tally(
        "finished_at_caseness",
        COURSES,
        "Finished, at caseness at the start",
        "finished courses whose first PHQ-9 or GAD-7 was at or above its cut-off (5.1)",
        lambda f, p: finished_in(f, p) & Q(at_caseness=True),
    ),
    Tally(
        "finished_not_at_caseness",
        COURSES,
        "Finished, not at caseness at the start",
        "finished courses whose first scores were below both cut-offs, or missing",
        lambda f, p: finished_in(f, p) & Q(at_caseness=False),
    ),
    Tally(
        "recovered",
        COURSES,
        "Recovered",
        "finished courses at caseness at the start and below both cut-offs at the end (5.4)",
        lambda f, p: finished_in(f, p) & Q(at_caseness=True, recovered=True),
    ),
    Tally(
        "reliably_improved",
        COURSES,
        "Reliably improved",
        "finished courses where PHQ-9 fell by 6 or more or GAD-7 by 4 or more, and neither "
        "rose as much (5.4)",
        lambda f, p: finished_in(f, p) & flags.reliable_improvement(p.mixed_change_rule),
    ),
    Tally(
        "reliably_recovered",
        COURSES,
        "Reliably recovered",
        "finished courses both recovered and reliably improved (5.4)",
        lambda f, p: finished_in(f, p) & flags.reliable_recovery(p.mixed_change_rule),
    ),
    Tally(
        "reliably_deteriorated",
        COURSES,
        "Reliably deteriorated",
        "finished courses where PHQ-9 rose by 6 or more or GAD-7 by 4 or more (5.4)",
        lambda f, p: finished_in(f, p) & flags.reliable_deterioration(p.mixed_change_rule),
    ),
    Tally(
        "within_6_weeks",
        COURSES,
        "Started within 6 weeks",
        "finished courses whose first treatment session came 42 days or less after the "
        "referral arrived (day 0)",
        _within(SIX_WEEKS),
    ),
    Tally(
        "within_18_weeks",
        COURSES,
        "Started within 18 weeks",
        "finished courses whose first treatment session came 126 days or less after the "
        "referral arrived (day 0)",
        _within(EIGHTEEN_WEEKS),
    ),
    Tally(
        "sessions_finished",
        COURSES,
        "Sessions attended in finished courses",
        "attended treatment sessions, added up over the finished courses",
        finished_in,
        total=("attended",),
    ),
    Tally(
        "attended",
        COURSES,
        "Sessions attended",
        "attended treatment sessions, added up over " + ENDED_WORDS,
        ended_in,
        total=("attended",),
    ),
    Tally(
        "attended_or_missed",
        COURSES,
        "Sessions attended or missed",
        "attended and missed treatment sessions, added up over " + ENDED_WORDS,
        ended_in,
        total=("attended", "did_not_attend"),
    ),
    Tally(
        "did_not_attend",
        COURSES,
        "Missed sessions",
        "sessions the person did not come to without telling us, added up over " + ENDED_WORDS,
        ended_in,
        total=("did_not_attend",),
    ),
    Tally(
        "cancelled_by_patient",
        COURSES,
        "Cancelled by the person",
        "sessions the person called off, with or without enough notice, added up over "
        + ENDED_WORDS,
        ended_in,
        total=("cancelled_by_patient",),
    ),
    Tally(
        "cancelled_by_service",
        COURSES,
        "Cancelled by the service",
        "sessions the service called off, added up over " + ENDED_WORDS,
        ended_in,
        total=("cancelled_by_service",),
    ),
    Tally(
        "attended_with_paired_scores",
        COURSES,
        "Sessions with both questionnaires",
        "attended sessions with a complete PHQ-9 and GAD-7 for the session, added up over "
        + ENDED_WORDS,
        ended_in,
        total=("attended_with_paired_scores",),
    ),
)
BY_KEY: dict[str, Tally] = {t.key: t for t in TALLIES}
COURSE_TALLIES = tuple(t for t in TALLIES if t.table == COURSES)
REFERRAL_TALLIES = tuple(t for t in TALLIES if t.table == REFERRALS)
OUTCOME_KEYS = (
    "finished",
    "finished_at_caseness",
    "finished_not_at_caseness",
    "recovered",
    "reliably_improved",
    "reliably_recovered",
    "reliably_deteriorated",
)


@dataclass(frozen=True)
class Rate:
    """numerator ÷ (denominator - less), as a percentage: the published arithmetic."""

    key: str
    label: str
    words: str
    numerator: str
    denominator: str
    less: str = ""
    standard: float | None = None

    def of(self, counts: Mapping[str, int]) -> float | None:
        return rates.percent(counts[self.numerator], self.base(counts))

    def base(self, counts: Mapping[str, int]) -> int:
        return counts[self.denominator] - (counts[self.less] if self.less else 0)

    def meets(self, counts: Mapping[str, int]) -> bool | None:
        value = self.of(counts)
        return None if value is None or self.standard is None else value >= self.standard


OUTCOME_RATES = (
    Rate(
        "recovery",
        "Recovery rate",
        "recovered ÷ (finished - finished not at caseness), as a percentage (5.5); the "
        "older standard is 50% (5.6)",
        "recovered",
        "finished",
        less="finished_not_at_caseness",
        standard=50,
    ),
    Rate(
        "reliable_improvement",
        "Reliable improvement rate",
        "reliably improved ÷ finished, as a percentage (5.5)",
        "reliably_improved",
        "finished",
    ),
    Rate(
        "reliable_recovery",
        "Reliable recovery rate",
        "reliably recovered ÷ finished at caseness, as a percentage (5.5)",
        "reliably_recovered",
        "finished_at_caseness",
    ),
    Rate(
        "reliable_deterioration",
        "Reliable deterioration rate",
        "reliably deteriorated ÷ finished, as a percentage",
        "reliably_deteriorated",
        "finished",
    ),
)
WAIT_RATES = (
    Rate(
        "within_6_weeks",
        "Started within 6 weeks",
        "finished courses that started within 6 weeks ÷ finished, as a percentage; the "
        "standard is 75% (5.6)",
        "within_6_weeks",
        "finished",
        standard=75,
    ),
    Rate(
        "within_18_weeks",
        "Started within 18 weeks",
        "finished courses that started within 18 weeks ÷ finished, as a percentage; the "
        "standard is 95% (5.6)",
        "within_18_weeks",
        "finished",
        standard=95,
    ),
)
ATTENDANCE_RATES = (
    Rate(
        "did_not_attend",
        "Missed-appointment (DNA) rate",
        "missed sessions ÷ (attended + missed sessions), as a percentage, over " + ENDED_WORDS,
        "did_not_attend",
        "attended_or_missed",
    ),
    Rate(
        "paired_scores",
        "Sessions with both questionnaires",
        "attended sessions with a complete PHQ-9 and GAD-7 ÷ attended sessions, as a "
        "percentage, over " + ENDED_WORDS,
        "attended_with_paired_scores",
        "attended",
    ),
)
RATES: dict[str, Rate] = {r.key: r for r in (*OUTCOME_RATES, *WAIT_RATES, *ATTENDANCE_RATES)}


def courses(filters: Filters) -> QuerySet[CourseFigures]:
    """Course rows the filters (other than the period) allow."""
    return CourseFigures.objects.filter(filters.courses())


def referrals(filters: Filters) -> QuerySet[Referral]:
    return Referral.objects.filter(filters.referrals())


def rows_of(tally: Tally, filters: Filters, policy: Policy) -> QuerySet[Any]:
    """Exactly the rows a tally counts (for a summed tally, the rows adding to it)."""
    base = courses(filters) if tally.table == COURSES else referrals(filters)
    rows = base.filter(tally.condition(filters, policy))
    if tally.total:
        rows = rows.alias(tally_value=tally.value()).filter(tally_value__gt=0)
    return rows


def course_tallies(
    filters: Filters, policy: Policy, keys: Iterable[str] | None = None
) -> dict[str, int]:
    """Every course tally (or those named): one query for the courses that began
    treatment in the period, one for those that ended in it."""
    chosen = [BY_KEY[k] for k in keys] if keys else COURSE_TALLIES
    found: dict[str, int] = {}
    # Each reads only the rows its own date's index finds, not the whole history (on
    # SQLite, one query with "began or ended" read both indexes and merged them: twice
    # the time of the two).
    for touched, group in (
        (Q(first_session_on__range=filters.period()), [t for t in chosen if t.key in BEGUN]),
        (ended_in(filters, policy), [t for t in chosen if t.key not in BEGUN]),
    ):
        if group:
            rows = courses(filters).filter(touched)
            counting = filters if group[0].key in BEGUN else filters.ended_rows()
            found |= unprefixed(rows.aggregate(**aggregates_of(group, counting, policy)))
    return found


def ended_tallies_by_therapist(
    filters: Filters, policy: Policy, keys: Iterable[str]
) -> QuerySet[Any]:
    """The course tallies ``keys`` (none counted by when treatment began) over the courses
    that ended in the period, as one row per therapist (``therapist_id`` and ``n_<key>``,
    no row for a therapist with none): for one therapist's filters, the counts that
    ``course_tallies`` gives, as a query without an ``aggregate()`` (so a ``Prepared``
    read can compile it once)."""
    chosen = [BY_KEY[k] for k in keys]
    if any(t.key in BEGUN for t in chosen):
        raise ValueError("only tallies counted by the courses' end")
    return (
        courses(filters)
        .filter(ended_in(filters, policy))
        .order_by()
        .values("therapist_id")
        .annotate(**aggregates_of(chosen, filters.ended_rows(), policy))
    )


# The course tallies counted by when treatment began; every other counts by the end.
BEGUN = frozenset({"entered"})
ENDED_KEYS = tuple(t.key for t in COURSE_TALLIES if t.key not in BEGUN)


def _decided_in(f: Filters, p: Policy) -> Q:
    return Q(**moments("decision__decided_at", f))


def _waiting_now(f: Filters, p: Policy) -> Q:
    return Q(status=ReferralStatus.WAITING)


# The referral tallies in three groups, each reading only the rows it can count through
# an index (arrival time, decision time, status), not the whole history: one query each.
REFERRAL_GROUPS: tuple[tuple[Condition, tuple[Tally, ...]], ...] = (
    (received_in, tuple(t for t in REFERRAL_TALLIES if t.key.startswith("received"))),
    (_decided_in, (BY_KEY["triaged"],)),
    (_waiting_now, tuple(t for t in REFERRAL_TALLIES if t.key.startswith("waiting"))),
)


def referral_tallies(filters: Filters, policy: Policy) -> dict[str, int]:
    """Every referral tally, a query per group of ``REFERRAL_GROUPS``."""
    found: dict[str, int] = {}
    for touched, chosen in REFERRAL_GROUPS:
        counted = _from_decisions(touched, chosen, filters, policy)
        if counted is not None:
            found |= counted
            continue
        where = touched(filters, policy)
        rows = referrals(filters).filter(where)
        found |= unprefixed(rows.aggregate(**aggregates_of(chosen, filters, policy, where)))
    return found


def _from_decisions(
    touched: Condition, chosen: Sequence[Tally], filters: Filters, policy: Policy
) -> dict[str, int] | None:
    """A group of tallies counted from the triage decisions alone, when every condition
    reads only the referral's decision and no filter reads the referral; else None.

    A referral has at most one decision, so the counts are the same; at a million
    referrals, reading a year's decisions through their own index takes a tenth of the
    time of joining each to its referral."""
    if filters.referrals():
        return None
    where = _relative(touched(filters, policy), "decision__")
    conditions = {t.key: _relative(t.condition(filters, policy), "decision__") for t in chosen}
    if where is None or any(t.total or conditions[t.key] is None for t in chosen):
        return None
    # Of a column the index on the decision's time holds, so the index answers alone.
    counted = {
        f"n_{key}": Count("referral_id", filter=beyond(c, where) or None)
        for key, c in conditions.items()
        if c is not None
    }
    return unprefixed(TriageDecision.objects.filter(where).aggregate(**counted))


def _relative(q: Q, prefix: str) -> Q | None:
    """``q`` with ``prefix`` taken off every lookup, or None if a lookup lacks it."""
    children: list[Any] = []
    for child in q.children:
        if isinstance(child, Q):
            inner = _relative(child, prefix)
            if inner is None:
                return None
            children.append(inner)
        else:
            lookup, value = cast(tuple[str, Any], child)
            if not lookup.startswith(prefix):
                return None
            children.append((lookup.removeprefix(prefix), value))
    return Q(*children, _connector=q.connector, _negated=q.negated)


# Aggregates are named "n_<key>": a bare key may be a column's name ("finished").
def aggregates_of(
    chosen: Iterable[Tally], filters: Filters, policy: Policy, given: Q | None = None
) -> dict[str, Any]:
    return {f"n_{t.key}": t.aggregate(filters, policy, given) for t in chosen}


def unprefixed(row: Mapping[str, Any], *leave_out: str) -> dict[str, Any]:
    return {k.removeprefix("n_"): v for k, v in row.items() if k not in leave_out}


def tallies(filters: Filters, policy: Policy) -> dict[str, int]:
    return {**referral_tallies(filters, policy), **course_tallies(filters, policy)}
