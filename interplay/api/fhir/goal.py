"""Goal: a problem or goal listed in a course's initial phase (``progress.Problem``), with
every rating of it (0-10, by the therapist or the patient, at which session, the first
marked as the baseline) as Interplay's ``problem-rating`` extension: FHIR's Goal has no
element for repeated ratings, and an extension keeps them on the Goal they rate."""

from typing import Any

from interplay.api.fhir import access
from interplay.api.fhir.base import SYSTEM_BASE, coding, instant, reference, validate
from interplay.api.fhir.search import (
    Kind,
    Param,
    date_filter,
    id_param,
    patient_param,
    token_filter,
)
from interplay.courses.models import CourseStatus
from interplay.progress.models import Problem, ProblemRating

KIND_SYSTEM = SYSTEM_BASE + "problem-kind"
RATING = SYSTEM_BASE + "StructureDefinition/problem-rating"
STATUS = {
    "active": (CourseStatus.ACTIVE,),
    "completed": tuple(s for s in CourseStatus if s != CourseStatus.ACTIVE),
}


def _rating(rating: ProblemRating) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "score", "valueInteger": rating.score},
        {"url": "rater", "valueCode": rating.rater},
        {"url": "ratedAt", "valueDateTime": instant(rating.rated_at)},
        {"url": "baseline", "valueBoolean": rating.baseline},
    ]
    if rating.session is not None:
        parts.append(
            {"url": "session", "valueReference": reference("Appointment", rating.session.public_id)}
        )
    return {"url": RATING, "extension": parts}


def to_fhir(problem: Problem) -> dict[str, Any]:
    course = problem.course
    data: dict[str, Any] = {
        "resourceType": "Goal",
        "id": str(problem.public_id),
        "lifecycleStatus": "active" if course.status == CourseStatus.ACTIVE else "completed",
        "category": [{"coding": [coding(KIND_SYSTEM, problem.kind, problem.get_kind_display())]}],
        "description": {"text": str(problem.description)},
        "subject": reference("Patient", course.patient.public_id),
        "startDate": problem.created_at.date().isoformat(),
    }
    ratings = [_rating(r) for r in problem.ratings.all()]
    if ratings:
        data["extension"] = ratings
    return validate(data)


def scope(user: Any) -> Any:
    return (
        Problem.objects.filter(course__in=access.courses(user))
        .select_related("course__patient")
        .prefetch_related("ratings__session")
    )


KIND = Kind(
    name="Goal",
    readers=access.COURSE_READERS,
    scope=scope,
    build=lambda problem: [to_fhir(problem)],
    params=(
        id_param(),
        patient_param("course__patient__public_id"),
        Param(
            "lifecycle-status",
            "token",
            "active while the course runs, completed once it has ended.",
            token_filter(
                {code: list(values) for code, values in STATUS.items()}, path="course__status"
            ),
        ),
        Param(
            "start-date", "date", "When the problem or goal was listed.", date_filter("created_at")
        ),
    ),
    audited=lambda problem: ("progress.problems_viewed", problem.course),
)
