"""Problems and goals with their ratings, and re-rating them at a named session.

Re-rating calls ``progress.services.rerate``, the problems page's service: only the
course's therapist, at a session the protocol names for it once attended, all or none.
"""

import datetime as dt
import uuid
from typing import Annotated, Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from interplay.accounts.permissions import Action
from interplay.api.auth import require_write
from interplay.api.guards import WRITES, answers, refusals
from interplay.api.pagination import DEFAULT_LIMIT, envelope, page
from interplay.api.resources.courses import visible_course
from interplay.audit.services import record
from interplay.courses.models import Course
from interplay.lib.errors import RuleViolation
from interplay.progress import services, stage
from interplay.progress.models import Problem, ProblemRating

router = Router(tags=["problems"])


class RatingOut(Schema):
    score: int
    session: int | None
    rater: str
    rated_by: str | None
    rated_at: dt.datetime
    baseline: bool


class ProblemOut(Schema):
    id: uuid.UUID
    kind: str
    description: str
    identified_at: int
    shared: bool
    created_at: dt.datetime
    ratings: list[RatingOut]


class ProblemPage(Schema):
    items: list[ProblemOut]
    next_cursor: str | None
    rerate_sessions: list[int] = Field(description="The sessions the protocol re-rates at")


class RerateIn(Schema):
    session: int = Field(description="The session's number: one the protocol re-rates at")
    scores: dict[uuid.UUID, Annotated[int, Field(ge=0, le=10)]] = Field(
        description="Each problem's id to its rating, 0-10"
    )


class RerateOut(Schema):
    session: int
    ratings: dict[str, RatingOut] = Field(description="Each problem's id to its new rating")


def rating(r: ProblemRating) -> dict[str, Any]:
    return {
        "score": r.score,
        "session": r.session.number if r.session else None,
        "rater": r.rater,
        "rated_by": r.rated_by.get_username() if r.rated_by else None,
        "rated_at": r.rated_at,
        "baseline": r.baseline,
    }


def out(problem: Problem) -> dict[str, Any]:
    return {
        "id": problem.public_id,
        "kind": problem.kind,
        "description": str(problem.description),
        "identified_at": problem.identified_at.number,
        "shared": problem.shared,
        "created_at": problem.created_at,
        "ratings": [rating(r) for r in problem.ratings.all()],
    }


def _problems(course: Course) -> Any:
    ratings = ProblemRating.objects.select_related("session", "rated_by").order_by("rated_at", "id")
    return course.problems.select_related("identified_at").prefetch_related(
        Prefetch("ratings", queryset=ratings)
    )


@router.get(
    "/courses/{uuid:course_id}/problems",
    response=answers(ProblemPage),
    summary="A course's problems and goals with every rating",
)
def list_problems(
    request: HttpRequest,
    course_id: uuid.UUID,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    course = visible_course(request, course_id, Action.VIEW_COURSE)
    rows, next_cursor = page(_problems(course), cursor=cursor, limit=limit)
    record(actor=request.user, action="progress.problems_viewed", obj=course, detail={"via": "api"})
    return envelope([out(p) for p in rows], next_cursor) | {
        "rerate_sessions": list(stage.rerate_numbers(course))
    }


@router.post(
    "/courses/{uuid:course_id}/problems/ratings",
    response=answers(RerateOut, WRITES, 201),
    summary="Re-rate problems and goals at a session the protocol names (the therapist)",
)
def rerate(request: HttpRequest, course_id: uuid.UUID, body: RerateIn) -> Status[dict[str, Any]]:
    require_write(request)
    course = visible_course(request, course_id, Action.RUN_COURSE)
    problems = {p.public_id: p for p in course.problems.filter(public_id__in=list(body.scores))}
    with refusals():
        unknown = set(body.scores) - set(problems)
        if unknown:
            raise RuleViolation("Rate only this course's problems and goals.")
        session = course.appointments.live().filter(number=body.session).first()
        if session is None:
            raise RuleViolation(f"Session {body.session} was cancelled or is not in this course.")
        made = services.rerate(
            actor=request.user,
            course=course,
            session=session,
            scores={problems[pid]: score for pid, score in body.scores.items()},
        )
    return Status(
        201,
        {
            "session": session.number,
            "ratings": {str(r.problem.public_id): rating(r) for r in made},
        },
    )
