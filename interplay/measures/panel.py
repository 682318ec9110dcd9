"""The course outcome panel: a course's scores per session, its outcome flags and chart.

The course page calls ``outcome_panel(course)`` and includes
``measures/_outcome_panel.html`` with the result as ``outcomes``. Three queries whatever
the number of responses: the course's responses (with their sessions), the attended
count (none when the caller gives it, having read the sessions), and the service's
mixed-change rule.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.timezone import localdate

from interplay.clinic.models import ServiceSettings
from interplay.courses.models import AppointmentStatus, Course
from interplay.courses.protocols import phases_for
from interplay.lib.prepared import Prepared
from interplay.measures import charts, outcomes
from interplay.measures.instruments import GAD7, PHQ9
from interplay.measures.models import QuestionnaireResponse

MEASURES = (PHQ9.code, GAD7.code)
# A response's fields the panel and the API's outcome read (``ScoreRow``'s cells).
SHOWN = (
    "instrument_code",
    "total",
    "band",
    "complete",
    "risk_flagged",
    "answered_at",
    "course",
    "appointment",
)


@dataclass(frozen=True)
class ScoreRow:
    """One session's answers: its number (None if the session was since removed)."""

    session: int | None
    answered_on: dt.date
    phq9: QuestionnaireResponse | None
    gad7: QuestionnaireResponse | None

    @property
    def cells(self) -> tuple[QuestionnaireResponse | None, QuestionnaireResponse | None]:
        """The PHQ-9 and GAD-7 answers, in the table's column order."""
        return (self.phq9, self.gad7)


@dataclass(frozen=True)
class OutcomePanel:
    rows: tuple[ScoreRow, ...]
    outcome: outcomes.CourseOutcome
    attended: int
    mixed_rule: str
    chart: str  # a data URI, "" before any complete score
    chart_alt: str

    @property
    def flags(self) -> list[tuple[str, bool]]:
        """The flags in plain words, for a summary list."""
        o = self.outcome
        return [
            ("Recovered (at caseness at the start, below both cut-offs now)", o.recovered),
            ("Reliable improvement", o.reliable_improvement),
            ("Reliable deterioration", o.reliable_deterioration),
            ("Reliable recovery (recovered and reliably improved)", o.reliable_recovery),
            ("No reliable change", o.no_reliable_change),
        ]


def outcome_panel(
    course: Course, *, draw: bool = True, attended: int | None = None
) -> OutcomePanel:
    """Scores, flags and chart for ``course``, from its complete responses in answer order.
    ``draw=False`` leaves the chart out (the JSON API sends the numbers, not a picture).
    ``attended``: the number of its sessions (1 and on) attended, when the caller has
    read them all already (the course page); else counted here.

    The first and last scores are the course's own (answered for its sessions); the
    referral's screening answers are not counted, since which appointment gives the first
    score is unverified (docs/clinical-rules.md 5.3) and the course's first session measures
    it.
    """
    responses: list[QuestionnaireResponse] = _SCORES.run(course=course.pk)
    if attended is None:
        attended = attended_count(course)
    rule = ServiceSettings.load().mixed_change_rule
    totals = {code: _complete(responses, code) for code in MEASURES}
    outcome = outcomes.course_outcome(
        [t for _, t in totals[PHQ9.code]],
        [t for _, t in totals[GAD7.code]],
        attended=attended,
        mixed_rule=rule,
    )
    phq = [(n, t) for n, t in totals[PHQ9.code] if n is not None]
    gad = [(n, t) for n, t in totals[GAD7.code] if n is not None]
    chart = ""
    if draw and (phq or gad):
        chart = charts.scores_chart(
            phq, gad, phases=_phases(course), sessions=course.planned_sessions
        )
    return OutcomePanel(
        rows=_rows(responses),
        outcome=outcome,
        attended=attended,
        mixed_rule=rule,
        chart=chart,
        chart_alt=charts.describe(phq, gad),
    )


# The course's PHQ-9 and GAD-7 answers in answer order, compiled once per process. What
# the panel shows and no more: the answers, and the session's encrypted fields, are not
# read, so nothing is decrypted.
_SCORES = Prepared(
    QuestionnaireResponse,
    lambda course: (
        QuestionnaireResponse.objects.filter(course=course, instrument_code__in=MEASURES)
        .select_related("appointment")
        .only(*SHOWN, "appointment__number")
        .order_by("answered_at", "id")
    ),
    course="id",
)


def attended_count(course: Course) -> int:
    """The course's sessions attended, not counting a group's pre-group session (0)."""
    return course.appointments.filter(status=AppointmentStatus.ATTENDED, number__gte=1).count()


def attended_among(appointments: Any) -> int:
    """``attended_count`` of a course whose every appointment is in ``appointments``."""
    return sum(1 for a in appointments if a.status == AppointmentStatus.ATTENDED and a.number >= 1)


def _number(response: QuestionnaireResponse) -> int | None:
    return response.appointment.number if response.appointment else None


def _complete(responses: list[QuestionnaireResponse], code: str) -> list[tuple[int | None, int]]:
    return [
        (_number(r), r.total)
        for r in responses
        if r.instrument_code == code and r.complete and r.total is not None
    ]


def _rows(responses: list[QuestionnaireResponse]) -> tuple[ScoreRow, ...]:
    """One row per session (or per answer without a session), in answer order."""
    grouped: dict[Any, dict[str, Any]] = {}
    for r in responses:
        key: Any = ("session", r.appointment_id) if r.appointment_id else ("response", r.pk)
        if r.instrument_code in grouped.get(key, {}):
            key = ("again", r.pk)  # answered twice for one session: both are shown
        row = grouped.setdefault(key, {"session": _number(r), "on": r.answered_at})
        row[r.instrument_code] = r
    return tuple(
        ScoreRow(g["session"], localdate(g["on"]), g.get(PHQ9.code), g.get(GAD7.code))
        for g in grouped.values()
    )


def _phases(course: Course) -> list[charts.PhaseSpan]:
    try:
        spans = phases_for(course.protocol(), course.planned_sessions)
    except ValueError:
        return []
    return [charts.PhaseSpan(p.name, p.first, p.last) for p in spans]
