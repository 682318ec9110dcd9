"""The dashboard as tables of cells: the page, the CSV downloads and the charts all read
these, so a number is the same wherever it shows. A cell may link to the list behind it.
"""

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.urls import reverse

from interplay.accounts.models import User
from interplay.accounts.roles import Modality
from interplay.referrals.models import ReferralSource
from interplay.reports import capacity, figures, series
from interplay.reports.charts import Chart, Trend, chart
from interplay.reports.figures import BY_KEY, RATES, Filters, Policy, Rate
from interplay.reports.forms import FiltersForm


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""


@dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    intro: str = ""
    chart: Chart | None = None
    # Set when ``rows`` are one page of a longer table (a row per therapist).
    page: Page | None = None

    @property
    def page_parameter(self) -> str:
        return page_parameter(self.key)


def page_parameter(key: str) -> str:
    """The query parameter choosing the page of table ``key``."""
    return f"{key}_page"


# A table with a row per therapist shows this many on the page (a large service has
# thousands of therapists); its CSV download holds them all.
THERAPISTS_PER_PAGE = 50


Link = Callable[..., str]


@functools.cache
def _list_path(key: str) -> str:
    # The dashboard links each figure once per therapist row: one reversal per figure.
    return reverse("reports:list", args=[key])


def percent(value: float | None) -> str:
    return "No courses yet" if value is None else f"{value:.1f}%"


def days(value: float | None) -> str:
    return "No courses yet" if value is None else f"{value:g} days"


class Dashboard:
    """Every table of the dashboard for one set of filters (a valid ``FiltersForm``).

    ``pages`` (the page's query) chooses the page of each table with a row per
    therapist (``<table>_page``); without it (a CSV download) those tables are whole."""

    def __init__(
        self, form: FiltersForm, policy: Policy, pages: Mapping[str, str] | None = None
    ) -> None:
        self.form = form
        self.pages = pages
        self.filters: Filters = form.filters()
        self.policy = policy
        # The courses that ended in the period are read once, for most of the tables.
        self.ended = series.ended(self.filters, policy)
        self.waits = self.ended.waits
        self.counts = {
            **figures.referral_tallies(self.filters, policy),
            **figures.course_tallies(self.filters, policy, figures.BEGUN),
            **self.ended.counts,
        }

    def link(self, key: str, **changes: Any) -> str:
        return f"{_list_path(key)}?{self.form.query(**changes)}"

    def count(self, key: str, counts: Mapping[str, int] | None = None, **changes: Any) -> Cell:
        value = (counts or self.counts)[key]
        return Cell(str(value), self.link(key, **changes))

    def counted(self, keys: Iterable[str]) -> list[list[Cell]]:
        return [
            [Cell(BY_KEY[k].label), self.count(k), Cell(sentence(BY_KEY[k].words))] for k in keys
        ]

    def rate_row(
        self, rate: Rate, counts: Mapping[str, int] | None = None, **changes: Any
    ) -> list[Cell]:
        counts = counts or self.counts
        denominator = self.count(rate.denominator, counts, **changes)
        if rate.less:
            whole, less = counts[rate.denominator], counts[rate.less]
            denominator = Cell(
                f"{rate.base(counts)} ({whole} finished - {less} not at caseness)",
                self.link("finished_at_caseness", **changes),
            )
        return [
            Cell(percent(rate.of(counts))),
            self.count(rate.numerator, counts, **changes),
            denominator,
        ]

    def tables(self) -> list[Table]:
        return [
            self.referrals(),
            self.courses(),
            self.waiting_times(),
            self.outcomes(),
            self.attendance(),
            self.by_modality(),
            self.by_therapist(),
            self.capacity(),
            self.monthly_referrals(),
            self.monthly_waits(),
            self.monthly_recovery(),
        ]

    def referrals(self) -> Table:
        keys = [
            "received",
            *(f"received_{s}" for s in ReferralSource.values),
            "triaged",
            "waiting",
            *(f"waiting_{m}" for m in Modality.values),
        ]
        return Table(
            "referrals",
            "Referrals, triage and waiting",
            ["Figure", "Number", "How it is counted"],
            self.counted(keys),
        )

    def courses(self) -> Table:
        return Table(
            "courses",
            "Courses of treatment",
            ["Figure", "Number", "How it is counted"],
            self.counted(["entered", "finished", "ended_unfinished"]),
        )

    def waiting_times(self) -> Table:
        rows = [
            [
                Cell("Median wait from referral to first session"),
                Cell(days(self.waits.median_days)),
                Cell(""),
                self.count("finished"),
                Cell(
                    "The middle of the days waited from the referral (day 0) to the first "
                    "attended treatment session, over finished courses (5.6)."
                ),
            ],
            [
                Cell("Median time from first to second session"),
                Cell(days(self.waits.median_gap_days)),
                Cell(""),
                self.count("finished"),
                Cell(
                    "The middle of the days from the first to the second attended treatment "
                    "session, over finished courses."
                ),
            ],
        ]
        for rate in figures.WAIT_RATES:
            rows.append([Cell(rate.label), *self.rate_row(rate), Cell(self.standing(rate))])
        return Table(
            "waiting_times",
            "Waiting times",
            ["Figure", "Value", "Numerator", "Denominator", "How it is counted"],
            rows,
            intro=self.boundary_words(),
        )

    def standing(self, rate: Rate) -> str:
        met = rate.meets(self.counts)
        verdict = "" if met is None else (" Met." if met else " Not met.")
        return rate.words[0].upper() + rate.words[1:] + "." + verdict

    def boundary_words(self) -> str:
        counts = "counts" if self.policy.wait_boundary_inclusive else "does not count"
        return (
            f"A wait of exactly 6 weeks (42 days) or 18 weeks (126 days) {counts} as within "
            "the standard (the service's setting)."
        )

    def outcomes(self) -> Table:
        rule = {
            "deterioration": "counts as reliable deterioration, not improvement",
            "no_change": "counts as neither improvement nor deterioration",
        }[self.policy.mixed_change_rule]
        return Table(
            "outcomes",
            "Outcomes of finished courses",
            ["Figure", "Rate", "Numerator", "Denominator", "How it is counted"],
            [
                [Cell(rate.label), *self.rate_row(rate), Cell(self.standing(rate))]
                for rate in figures.OUTCOME_RATES
            ],
            intro="Counted from each course's first and last complete PHQ-9 and GAD-7. A "
            f"course where one measure reliably improves and the other reliably worsens {rule} "
            "(the service's setting, 5.4).",
        )

    def attendance(self) -> Table:
        rows = [
            [Cell(r.label), *self.rate_row(r), Cell(self.standing(r))]
            for r in figures.ATTENDANCE_RATES
        ]
        for key in ("cancelled_by_patient", "cancelled_by_service"):
            tally = BY_KEY[key]
            rows.append(
                [
                    Cell(tally.label),
                    self.count(key),
                    Cell(""),
                    Cell(""),
                    Cell(sentence(tally.words)),
                ]
            )
        finished = self.counts["finished"]
        mean = self.counts["sessions_finished"] / finished if finished else None
        rows.append(
            [
                Cell("Mean sessions per finished course"),
                Cell("No courses yet" if mean is None else f"{mean:.1f}"),
                self.count("sessions_finished"),
                self.count("finished"),
                Cell("Attended treatment sessions in finished courses ÷ finished courses."),
            ]
        )
        return Table(
            "attendance",
            "Attendance and questionnaires",
            ["Figure", "Value", "Numerator", "Denominator", "How it is counted"],
            rows,
        )

    def outcome_columns(self) -> list[str]:
        return [
            "Finished",
            *(f"{r.label} (numerator, denominator)" for r in figures.OUTCOME_RATES),
        ]

    def outcome_cells(self, counts: Mapping[str, int], **changes: Any) -> list[Cell]:
        # Every link of the row keeps the same filters: the query string is made once (a
        # large service's outcomes by therapist has hundreds of rows).
        query = self.form.query(**changes)
        cells = [Cell(str(counts["finished"]), f"{_list_path('finished')}?{query}")]
        for rate in figures.OUTCOME_RATES:
            text = f"{percent(rate.of(counts))} ({counts[rate.numerator]} of {rate.base(counts)})"
            cells.append(Cell(text, f"{_list_path(rate.numerator)}?{query}"))
        return cells

    def by_modality(self) -> Table:
        found = self.ended.by["modality"]
        rows = [
            [Cell(m.label), *self.outcome_cells(found[m.value], modality=m.value)]
            for m in Modality
            if m.value in found
        ]
        return Table(
            "by_modality", "Outcomes by therapy", ["Therapy", *self.outcome_columns()], rows
        )

    def paged(self, key: str, items: list[Any]) -> tuple[list[Any], Page | None]:
        """The items of table ``key`` that its rows show: on the page, the chosen page of
        them (and the page, if there is more than one); for a download, all of them."""
        if self.pages is None:
            return items, None
        page = Paginator(items, THERAPISTS_PER_PAGE).get_page(self.pages.get(page_parameter(key)))
        return list(page.object_list), page if page.has_other_pages() else None

    def by_therapist(self) -> Table:
        found = self.ended.by["therapist"]
        # Each therapist's name and public id (the filter's value), as values: a large
        # service has thousands of therapists.
        people = {
            pk: (capacity.full_name(first, last, username), public_id)
            for pk, first, last, username, public_id in User.objects.filter(
                pk__in=list(found)
            ).values_list("pk", "first_name", "last_name", "username", "public_id")
        }
        shown, page = self.paged("by_therapist", sorted(found, key=lambda pk: people[pk][0]))
        rows = [
            [
                Cell(people[pk][0]),
                *self.outcome_cells(found[pk], therapist=people[pk][1]),
            ]
            for pk in shown
        ]
        return Table(
            "by_therapist",
            "Outcomes by therapist",
            ["Therapist", *self.outcome_columns()],
            rows,
            page=page,
        )

    def capacity(self) -> Table:
        places = capacity.places(self.filters.therapist_id)
        shown, page = self.paged("capacity", places)
        rows = [
            [
                Cell(p.name),
                Cell(str(p.places)),
                Cell(str(p.used)),
                *(Cell(str(n)) for _, n in p.used_for()),
                Cell(str(p.free)),
            ]
            for p in shown
        ]
        free = sum(p.free for p in places)
        rows.append(
            [
                Cell("All therapists"),
                Cell(str(sum(p.places for p in places))),
                Cell(str(sum(p.used for p in places))),
                *(
                    Cell(str(sum(p.used_by_modality.get(m.value, 0) for p in places)))
                    for m in Modality
                ),
                Cell(str(free)),
            ]
        )
        waiting = self.counts["waiting"]
        return Table(
            "capacity",
            "Capacity today",
            ["Therapist", "Places", "Used", *(f"Used: {m.label}" for m in Modality), "Free"],
            rows,
            intro="A place is one course on a caseload; each course in progress uses one. "
            f"{waiting} {'person is' if waiting == 1 else 'people are'} waiting, against "
            f"{free} free {'place' if free == 1 else 'places'}.",
            page=page,
        )

    def months(self) -> list[dt.date]:
        return series.months(self.filters)

    def monthly_referrals(self) -> Table:
        found = series.monthly_referrals(self.filters, self.policy)
        rows = [
            [Cell(f"{m:%B %Y}"), Cell(str(found.get(m, 0)), self.month_link("received", m))]
            for m in self.months()
        ]
        trend = Trend(
            "referrals",
            "Referrals received each month",
            "Referrals",
            self.months(),
            [found.get(m, 0) for m in self.months()],
            bars=True,
        )
        return Table(
            "monthly_referrals",
            "Referrals received each month",
            ["Month", "Referrals received"],
            rows,
            chart=chart(trend),
        )

    def month_link(self, key: str, month: dt.date) -> str:
        return f"{reverse('reports:list', args=[key])}?{self.form.for_month(month)}"

    def monthly_waits(self) -> Table:
        medians = self.waits.monthly_medians()
        rows = [
            [
                Cell(f"{m:%B %Y}"),
                Cell(
                    str(sum(self.waits.by_month.get(m, {}).values())),
                    self.month_link("finished", m),
                ),
                Cell(days(medians.get(m))),
            ]
            for m in self.months()
        ]
        trend = Trend(
            "waits",
            "Median wait of the courses finishing each month",
            "Days",
            self.months(),
            [medians.get(m) for m in self.months()],
            standard=42,
            standard_label="The 6-week standard (42 days)",
        )
        return Table(
            "monthly_waits",
            "Median wait of the courses finishing each month",
            ["Month", "Finished courses", "Median wait from referral to first session"],
            rows,
            chart=chart(trend),
        )

    def monthly_recovery(self) -> Table:
        found = self.ended.by["month"]
        recovery = RATES["recovery"]
        rows, values = [], []
        for m in self.months():
            counts = found.get(m) or dict.fromkeys(figures.OUTCOME_KEYS, 0)
            values.append(recovery.of(counts))
            rows.append(
                [
                    Cell(f"{m:%B %Y}"),
                    Cell(str(counts["recovered"]), self.month_link("recovered", m)),
                    Cell(str(recovery.base(counts)), self.month_link("finished_at_caseness", m)),
                    Cell(percent(recovery.of(counts))),
                ]
            )
        trend = Trend(
            "recovery",
            "Recovery rate of the courses finishing each month",
            "%",
            self.months(),
            values,
            standard=50,
            standard_label="The 50% recovery standard",
        )
        return Table(
            "monthly_recovery",
            "Recovery rate of the courses finishing each month",
            ["Month", "Recovered", "Finished at caseness", "Recovery rate"],
            rows,
            chart=chart(trend),
        )


def by_key(dashboard: Dashboard, key: str) -> Table | None:
    builder = getattr(dashboard, key, None) if key in TABLE_KEYS else None
    return builder() if builder else None


TABLE_KEYS = (
    "referrals",
    "courses",
    "waiting_times",
    "outcomes",
    "attendance",
    "by_modality",
    "by_therapist",
    "capacity",
    "monthly_referrals",
    "monthly_waits",
    "monthly_recovery",
)


def sentence(words: str) -> str:
    """Words as a sentence: the first letter raised, the rest as written ("GP", "IPT")."""
    return words[:1].upper() + words[1:] + "."
