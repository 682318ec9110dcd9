"""The service figures (NHS Talking Therapies' definitions): the counts and rates of the
service dashboard, from the same functions (``interplay.reports.figures``), for service
managers and administrators only. Counts, never names or free text."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from interplay.accounts.permissions import Action
from interplay.accounts.roles import Modality
from interplay.api.audited import allow
from interplay.api.moments import Day
from interplay.referrals.models import ReferralSource
from interplay.reports import figures, services

router = Router(tags=["figures"])

LONGEST = dt.timedelta(days=5 * 366)


class FigureFilters(Schema):
    start: Day | None = Field(None, description="First day (default: a year before end)")
    end: Day | None = Field(None, description="Last day, included (default: today)")
    modality: Modality | None = None
    source: ReferralSource | None = None


class RateOut(Schema):
    key: str
    label: str
    definition: str
    percent: float | None
    numerator: int
    denominator: int
    standard: float | None
    meets_standard: bool | None


class FiguresOut(Schema):
    start: dt.date
    end: dt.date
    modality: str
    source: str
    counts: dict[str, int]
    rates: list[RateOut]


@router.get("/figures", response=FiguresOut, summary="The service figures for a period")
def service_figures(request: HttpRequest, query: Query[FigureFilters]) -> dict[str, Any]:
    allow(request, Action.VIEW_SERVICE_FIGURES)
    end = query.end or timezone.localdate()
    start = query.start or end - dt.timedelta(days=365)
    if start > end or end - start > LONGEST:
        raise HttpError(400, "start must be on or before end, and at most five years before it.")
    filters = figures.Filters(
        start=start, end=end, modality=query.modality or "", source=query.source or ""
    )
    counts = figures.tallies(filters, figures.Policy.of_service())
    services.view_dashboard(actor=request.user, filters=filters)
    rates = [
        {
            "key": rate.key,
            "label": rate.label,
            "definition": rate.words,
            "percent": rate.of(counts),
            "numerator": counts[rate.numerator],
            "denominator": rate.base(counts),
            "standard": rate.standard,
            "meets_standard": rate.meets(counts),
        }
        for rate in figures.RATES.values()
    ]
    return {
        "start": start,
        "end": end,
        "modality": filters.modality,
        "source": filters.source,
        "counts": counts,
        "rates": rates,
    }
