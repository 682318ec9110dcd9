"""The outcome of a course, as its page shows it: the first and last paired PHQ-9 and
GAD-7 scores, caseness, recovery, reliable improvement or deterioration
(``measures.panel.outcome_panel``, which reads ``measures.outcomes``), and the scores of
every session."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from interplay.accounts.permissions import Action
from interplay.api.guards import answers
from interplay.api.resources.courses import visible_course
from interplay.audit.services import record
from interplay.measures import outcomes
from interplay.measures.panel import outcome_panel

router = Router(tags=["outcomes"])


class PairOut(Schema):
    first: int
    last: int | None
    change: int | None = Field(description="Last minus first: negative is better")
    paired: bool


class ScoresOut(Schema):
    session: int | None
    answered_on: dt.date
    phq9: int | None
    gad7: int | None


class OutcomeOut(Schema):
    course: uuid.UUID
    status: str
    attended: int
    finished: bool = Field(description="At least two attended treatment sessions")
    paired: bool = Field(description="Both measures answered completely at least twice")
    phq9: PairOut | None
    gad7: PairOut | None
    at_caseness: bool
    recovered: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    reliable_recovery: bool
    no_reliable_change: bool
    mixed: bool = Field(description="One measure reliably better, the other reliably worse")
    mixed_rule: str = Field(description="How the service counts the mixed case")
    sessions: list[ScoresOut]


def _pair(pair: outcomes.Pair | None) -> dict[str, Any] | None:
    if pair is None:
        return None
    return {"first": pair.first, "last": pair.last, "change": pair.change, "paired": pair.paired}


def _total(response: Any) -> int | None:
    return response.total if response is not None and response.complete else None


@router.get(
    "/courses/{uuid:course_id}/outcome",
    response=answers(OutcomeOut),
    summary="The course's outcome from its first and last paired scores",
)
def read_outcome(request: HttpRequest, course_id: uuid.UUID) -> dict[str, Any]:
    course = visible_course(request, course_id, Action.VIEW_COURSE)
    panel = outcome_panel(course, draw=False)
    record(
        actor=request.user,
        action="course.viewed",
        obj=course,
        detail={"via": "api", "outcome": True},
    )
    result = panel.outcome
    return {
        "course": course.public_id,
        "status": course.status,
        "attended": panel.attended,
        "finished": result.finished,
        "paired": result.paired,
        "phq9": _pair(result.phq9),
        "gad7": _pair(result.gad7),
        "at_caseness": result.at_caseness,
        "recovered": result.recovered,
        "reliable_improvement": result.reliable_improvement,
        "reliable_deterioration": result.reliable_deterioration,
        "reliable_recovery": result.reliable_recovery,
        "no_reliable_change": result.no_reliable_change,
        "mixed": result.mixed,
        "mixed_rule": panel.mixed_rule,
        "sessions": [
            {
                "session": row.session,
                "answered_on": row.answered_on,
                "phq9": _total(row.phq9),
                "gad7": _total(row.gad7),
            }
            for row in panel.rows
        ],
    }
