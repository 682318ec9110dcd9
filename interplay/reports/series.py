"""The figures over time: waiting-time medians and monthly trends, in a few queries.

A median is worked out from a histogram that the database counts (how many courses
waited each number of days), so the rows read grow with the number of distinct waits,
never with the number of courses.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F
from django.db.models.functions import TruncMonth

from interplay.reports.figures import (
    BY_KEY,
    OUTCOME_KEYS,
    Filters,
    Policy,
    aggregates_of,
    courses,
    finished_in,
    received_in,
    referrals,
    unprefixed,
)


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


def waits(filters: Filters, policy: Policy) -> Waits:
    """Days from referral to the first session and from the first to the second, over
    finished courses (5.6), as histograms: two queries, as many rows as distinct waits."""
    finished = courses(filters).filter(finished_in(filters, policy))
    result = Waits()
    by_month: dict[dt.date, dict[int, int]] = defaultdict(dict)
    for month, wait, n in (
        finished.annotate(month=TruncMonth("ended_on"))
        .values_list("month", "wait_days")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_month[month][wait] = n
        result.histogram[wait] = result.histogram.get(wait, 0) + n
    result.by_month = dict(by_month)
    for gap, n in (
        finished.annotate(gap=F("second_session_on") - F("first_session_on"))
        .values_list("gap")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        result.gaps[_days(gap)] = n
    return result


def _days(gap: Any) -> int:
    """A difference of two dates as the database gives it (a timedelta, or whole days)."""
    return gap.days if isinstance(gap, dt.timedelta) else int(gap)


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
    """Referrals received per month of the period (one query)."""
    found = (
        referrals(filters)
        .filter(received_in(filters, policy))
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    return {_as_date(row["month"]): row["n"] for row in found}


def monthly_outcomes(filters: Filters, policy: Policy) -> dict[dt.date, dict[str, int]]:
    """The outcome tallies per month the courses ended in (one query)."""
    aggregates = aggregates_of([BY_KEY[k] for k in OUTCOME_KEYS], filters, policy)
    found = (
        courses(filters)
        .filter(finished_in(filters, policy))
        .annotate(month=TruncMonth("ended_on"))
        .values("month")
        .annotate(**aggregates)
        .order_by("month")
    )
    return {_as_date(row["month"]): unprefixed(row, "month") for row in found}


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def months(filters: Filters) -> list[dt.date]:
    """The first day of every month the period touches."""
    month, found = filters.start.replace(day=1), []
    while month <= filters.end:
        found.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return found
