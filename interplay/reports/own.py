"""A therapist's own outcome figures: the dashboard's outcome rates over the finished
courses on their own caseload, never anyone else's. Two queries (the service's settings
and one of counts)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from interplay.lib.prepared import Prepared
from interplay.reports import figures
from interplay.reports.figures import Filters, Policy, Rate
from interplay.reports.forms import months_back
from interplay.reports.models import CourseFigures

MONTHS = 12


@dataclass(frozen=True)
class OwnRate:
    rate: Rate
    value: str
    numerator: int
    denominator: int


@dataclass(frozen=True)
class OwnFigures:
    start: dt.date
    end: dt.date
    finished: int
    mean_sessions: float | None
    rates: list[OwnRate]


KEYS = (*figures.OUTCOME_KEYS, "sessions_finished")
# The tallies of one therapist's courses that ended from ``start`` to ``end``, as
# ``figures.course_tallies`` counts them, in a query compiled once for each policy.
_COUNTS = Prepared(
    CourseFigures,
    lambda policy, therapist, start, end: figures.ended_tallies_by_therapist(
        Filters(start=start, end=end, therapist_id=therapist), policy, KEYS
    ),
    therapist="id",
    start="date",
    end="date",
)


def own_figures(therapist: Any, today: dt.date | None = None) -> OwnFigures:
    """The outcome figures of ``therapist``'s courses finishing in the twelve months to
    ``today`` (this month and the eleven before it)."""
    today = today or timezone.localdate()
    start = months_back(today.replace(day=1), MONTHS)
    rows = _COUNTS.run(Policy.of_service(), therapist=therapist.pk, start=start, end=today)
    counts = figures.unprefixed(rows[0], "therapist_id") if rows else dict.fromkeys(KEYS, 0)
    finished = counts["finished"]
    rates = [
        OwnRate(
            rate,
            "No courses yet" if rate.of(counts) is None else f"{rate.of(counts):.1f}%",
            counts[rate.numerator],
            rate.base(counts),
        )
        for rate in figures.OUTCOME_RATES
    ]
    mean = counts["sessions_finished"] / finished if finished else None
    return OwnFigures(start, today, finished, mean, rates)
