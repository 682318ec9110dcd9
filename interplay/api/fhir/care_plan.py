"""CarePlan: one per course, holding what the therapy works on: the agreed focus (the IPT
problem area, with a dispute's stage, or DIT's interpersonal-affective focus) in the words
the patient is shown, the problems and goals (as Goals), and the tasks agreed between
sessions (as activities: not started, noted by the patient, or reviewed at the next
session). Its id is the course's."""

from typing import Any

from django.db.models import Prefetch

from interplay.api.fhir import access
from interplay.api.fhir.base import reference, validate
from interplay.api.fhir.search import (
    Kind,
    Param,
    date_filter,
    id_param,
    patient_param,
    token_filter,
)
from interplay.courses.models import Course, CourseStatus
from interplay.formulation.models import Focus, area_label
from interplay.progress.models import BetweenSessionTask, Problem

STATUS = {
    "active": (CourseStatus.ACTIVE,),
    "completed": (CourseStatus.COMPLETED,),
    "revoked": tuple(
        s for s in CourseStatus if s not in (CourseStatus.ACTIVE, CourseStatus.COMPLETED)
    ),
}
FHIR_STATUS: dict[str, str] = {
    str(value): code for code, values in STATUS.items() for value in values
}


def focus_text(course: Course) -> str:
    focus: Focus | None = getattr(course, "focus", None)
    if focus is None or not focus.agreed:
        return "No focus agreed yet."
    if course.modality == "dit":
        return "Interpersonal-affective focus (DIT)"
    areas = [area_label(course.modality, a) for a in (focus.problem_area, focus.second_area) if a]
    text = " and ".join(areas) or "Focus agreed"
    if focus.dispute_stage:
        text += f" ({focus.get_dispute_stage_display().lower()})"
    return text


def _activity(task: BetweenSessionTask) -> dict[str, Any]:
    if task.reviewed_at_id is not None:
        status = "completed"
    elif task.patient_noted_at is not None:
        status = "in-progress"
    else:
        status = "not-started"
    return {
        "detail": {
            "kind": "Task",
            "status": status,
            "description": str(task.text),
            "scheduledString": f"Agreed at session {task.set_at.number}",
        }
    }


def to_fhir(course: Course) -> dict[str, Any]:
    period: dict[str, str] = {"start": course.start_date.isoformat()}
    if course.ended_at:
        period["end"] = course.ended_at.isoformat()
    data: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(course.public_id),
        "status": FHIR_STATUS[course.status],
        "intent": "plan",
        "title": f"{course.get_modality_display()}: focus and work between sessions",
        "description": focus_text(course),
        "subject": reference("Patient", course.patient.public_id),
        "period": period,
    }
    focus: Focus | None = getattr(course, "focus", None)
    if focus is not None and focus.agreed:
        words = focus.patient_text()
        if words:
            data["note"] = [{"text": words, "time": focus.agreed_on.isoformat()}]  # type: ignore[union-attr]
    goals = [reference("Goal", p.public_id) for p in course.problems.all()]
    if goals:
        data["goal"] = goals
    activities = [_activity(t) for t in course.between_session_tasks.all()]
    if activities:
        data["activity"] = activities
    return validate(data)


def scope(user: Any) -> Any:
    return (
        access.courses(user)
        .select_related("patient", "focus")
        .prefetch_related(
            Prefetch("problems", queryset=Problem.objects.only("public_id", "course_id")),
            Prefetch(
                "between_session_tasks",
                queryset=BetweenSessionTask.objects.select_related("set_at"),
            ),
        )
    )


KIND = Kind(
    name="CarePlan",
    readers=access.COURSE_READERS,
    scope=scope,
    build=lambda course: [to_fhir(course)],
    params=(
        id_param(),
        patient_param("patient__public_id"),
        Param(
            "status",
            "token",
            "active (course in progress), completed, revoked (ended otherwise).",
            token_filter({code: list(values) for code, values in STATUS.items()}),
        ),
        Param(
            "date",
            "date",
            "The course's first session date.",
            date_filter("start_date", is_date=True),
        ),
    ),
    audited=lambda course: ("course.viewed", course),
)
