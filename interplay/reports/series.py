"""The figures over time: waiting-time medians and monthly trends, in a few queries.

A median is worked out from a histogram that the database counts (how many courses
waited each number of days), so the rows read grow with the number of distinct waits,
never with the number of courses.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, DateField, F, Func, IntegerField, Q, Value, When
from django.utils import timezone

from interplay.reports.figures import (
    BY_KEY,
    ENDED_KEYS,
    OUTCOME_KEYS,
    Filters,
    Policy,
    course_tallies,
    courses,
    finished_in,
    referrals,
)
from interplay.reports.grouping import grouped


@dataclass
class Waits:
    """The waiting-time medians, overall and per month the courses ended in."""

    histogram: dict[int, int] = field(default_factory=dict)
    by_month: dict[dt.date, dict[int, int]] = field(default_factory=dict)
    gaps: dict[int, int] = field(default_factory=dict)

    @property
    def median_days(self) -> float | None:
        return median_of(self.histogram)

    @property
    def median_gap_days(self) -> float | None:
        return median_of(self.gaps)

    def monthly_medians(self) -> dict[dt.date, float | None]:
        return {month: median_of(h) for month, h in sorted(self.by_month.items())}


# The breakdowns of the outcomes that the dashboard shows.
BREAKDOWNS = ("modality", "therapist", "month")


@dataclass
class Ended:
    """The courses that ended in the period: every course tally counted by the end
    (``counts``), the outcome tallies by therapy, by therapist and by month (``by``, each
    in order) and the waiting-time histograms of the finished courses."""

    counts: dict[str, int]
    by: dict[str, dict[Any, dict[str, int]]]
    waits: Waits


def ended(filters: Filters, policy: Policy) -> Ended:
    """Two queries over the courses that ended in the period, whatever their number:
    the tallies of them all (``course_tallies``), and one (``grouping.grouped``) grouped
    four ways: by therapist, by therapy and month (added up here into each), by month
    and wait (days from referral to first session, 5.6) and by the days from the first
    session to the second. The histograms count finished courses only."""
    counts = course_tallies(filters, policy, ENDED_KEYS)
    found = grouped(
        # Every figure grouped here counts finished courses only.
        courses(filters).filter(finished_in(filters, policy)),
        keys={
            "modality": F("modality"),
            "therapist": F("therapist_id"),
            "month": month_of("ended_on", filters),
            "wait": F("wait_days"),
            "gap": DaysBetween("second_session_on", "first_session_on"),
        },
        values={key: BY_KEY[key].per_row(filters.ended_rows(), policy) for key in OUTCOME_KEYS},
        sets=[("therapist",), ("modality", "month"), ("month", "wait"), ("gap",)],
    )
    by: dict[str, dict[Any, dict[str, int]]] = {}
    for name, rows in (
        ("modality", found[("modality", "month")]),
        ("therapist", found[("therapist",)]),
        ("month", found[("modality", "month")]),
    ):
        into: dict[Any, dict[str, int]] = {}
        for row in rows:
            totals = into.setdefault(row[name], dict.fromkeys(OUTCOME_KEYS, 0))
            for key in OUTCOME_KEYS:
                totals[key] += row[key]
        by[name] = dict(sorted(into.items()))
    waits = Waits()
    for row in found[("month", "wait")]:
        if row["finished"]:
            waits.by_month.setdefault(row["month"], {})[row["wait"]] = row["finished"]
            waits.histogram[row["wait"]] = waits.histogram.get(row["wait"], 0) + row["finished"]
    waits.gaps = {row["gap"]: row["finished"] for row in found[("gap",)] if row["finished"]}
    return Ended(counts, by, waits)


def waits(filters: Filters, policy: Policy) -> Waits:
    """Days from referral to the first session and from the first to the second, over
    finished courses (5.6), as histograms."""
    return ended(filters, policy).waits


class DaysBetween(Func):
    """Whole days from the second date to the first, worked out by the database itself
    (Django's date subtraction calls back into Python for every row on SQLite)."""

    arity = 2
    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


class MonthStart(Func):
    """The first day of a date's month, worked out by the database itself (Django's
    ``TruncMonth`` calls back into Python for every row on SQLite; a SQLite date is text,
    "2026-03-14", so its month is its first seven characters)."""

    arity = 1
    output_field = DateField()
    template = "CAST(DATE_TRUNC('month', %(expressions)s) AS date)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="(substr(%(expressions)s, 1, 7) || '-01')", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # The date less its day of the month, less one: over the 248,000 courses that
        # ended in a year of a million-referral service, DATE_TRUNC (through a timestamp
        # with time zone) took about 35 ms, this about 2 ms. The argument is a column,
        # so naming it twice repeats no parameter.
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s - (DATE_PART('day', %(expressions)s)::integer - 1))",
            **extra,
        )


def month_of(name: str, filters: Filters, *, moment: bool = False) -> Func | Case:
    """The first day of the month that ``name`` falls in (rows are those of the period).
    A date's is ``MonthStart``; a moment's month is the service's, not UTC's: a CASE over
    the period's months, which the database works out without calling back into Python
    for each row, as its date functions do on SQLite."""
    if not moment:
        return MonthStart(name)
    edges = _month_edges(filters)
    # In order, one comparison a month: a moment before the first edge is in no month,
    # else in the first whose end it is before (half the comparisons of a range a month).
    return Case(
        When(Q(**{f"{name}__lt": edges[0][1]}), then=Value(None)),
        *(When(Q(**{f"{name}__lt": high}), then=Value(month)) for month, _, high in edges),
        output_field=DateField(),
    )


def _month_edges(filters: Filters) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """Each month the period touches, with the moments it starts and ends at in the
    service's time zone (the end is the next month's start)."""
    starts = months(filters)
    bounds = [*starts, (starts[-1] + dt.timedelta(days=32)).replace(day=1)]
    edges = [timezone.make_aware(dt.datetime.combine(day, dt.time())) for day in bounds]
    return list(zip(starts, edges, edges[1:], strict=False))


def median_of(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as value -> how many times it occurs."""
    values = sorted((v, n) for v, n in histogram.items() if v is not None and n)
    size = sum(n for _, n in values)
    if not size:
        return None
    wanted = ((size - 1) // 2, size // 2)
    found: list[int] = []
    seen = 0
    for value, n in values:
        found.extend(value for position in wanted if seen <= position < seen + n)
        seen += n
    return (found[0] + found[1]) / 2


def monthly_referrals(filters: Filters, policy: Policy) -> dict[dt.date, int]:
    """Referrals received per month of the period, months with none left out (one query).

    A count a month, joined by ``UNION ALL``: each counts one range of the index on the
    arrival time (the month's days within the period: one range, which SQLite then reads
    alone), where grouping by a month worked out for each referral sorted them all (at a
    million referrals on SQLite, 24 ms against 148 ms for a year)."""
    start, after = filters.moments()
    counts = [
        referrals(filters)
        .filter(received_at__gte=max(low, start), received_at__lt=min(high, after))
        .annotate(month=Value(month, output_field=DateField()))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
        .order_by()
        for month, low, high in _month_edges(filters)
    ]
    found = counts[0].union(*counts[1:], all=True).order_by()
    return {_as_date(month): n for month, n in found if n}


def breakdown(filters: Filters, policy: Policy, by: str) -> dict[Any, dict[str, int]]:
    """The outcome tallies per ``by`` (one of ``BREAKDOWNS``), in order."""
    return ended(filters, policy).by[by]


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def months(filters: Filters) -> list[dt.date]:
    """The first day of every month the period touches."""
    month, found = filters.start.replace(day=1), []
    while month <= filters.end:
        found.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return found
