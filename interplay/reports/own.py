"""A therapist's own outcome figures: the dashboard's outcome rates over the finished
courses on their own caseload, never anyone else's. Two queries (the service's settings
and one aggregate)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from interplay.reports import figures
from interplay.reports.figures import Filters, Policy, Rate
from interplay.reports.forms import months_back

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


def own_figures(therapist: Any, today: dt.date | None = None) -> OwnFigures:
    """The outcome figures of ``therapist``'s courses finishing in the twelve months to
    ``today`` (this month and the eleven before it)."""
    today = today or timezone.localdate()
    start = months_back(today.replace(day=1), MONTHS)
    filters = Filters(start=start, end=today, therapist_id=therapist.pk)
    counts = figures.course_tallies(
        filters, Policy.of_service(), keys=(*figures.OUTCOME_KEYS, "sessions_finished")
    )
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
