"""Questionnaire responses: a course's scores, and answers typed by the therapist.

Submitting calls ``monitoring.services.submit_response``, the service of the therapist's
entry page, with the source recorded (aloud in the session, or on paper); in the same
transaction it raises the alerts the answers call for (PHQ-9 question 9 above 0, a
reliable deterioration), exactly as from the page.
"""

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.responses import Status

from interplay.accounts.permissions import Action
from interplay.api.auth import require_write
from interplay.api.guards import WRITES, answers, refusals
from interplay.api.moments import Moment
from interplay.api.pagination import DEFAULT_LIMIT, envelope, page
from interplay.api.resources.appointments import visible_appointment
from interplay.api.resources.courses import visible_course
from interplay.audit.services import record
from interplay.measures.instruments import DIFFICULTY_OPTIONS
from interplay.measures.models import QuestionnaireResponse, ResponseSource
from interplay.monitoring import services

router = Router(tags=["responses"])

RISK_ITEM = 9  # PHQ-9 question 9, thoughts of being better off dead or of self-harm


class ResponseOut(Schema):
    id: uuid.UUID
    instrument: str
    version: str
    session: int | None
    answered_at: dt.datetime
    source: str
    complete: bool
    total: int | None
    band: str
    at_caseness: bool
    risk_flagged: bool
    item9: int | None = Field(description="PHQ-9 question 9's answer (None for GAD-7)")
    difficulty: int | None


class ResponsePage(Schema):
    items: list[ResponseOut]
    next_cursor: str | None


class ResponseIn(Schema):
    instrument: str = Field(examples=["phq9"])
    answers: dict[int, int | None] = Field(
        description="Question number to the value chosen; every question, unless "
        "send_incomplete is true (the response is then kept with no total)"
    )
    source: Literal[ResponseSource.IN_SESSION, ResponseSource.PAPER]
    difficulty: int | None = None
    send_incomplete: bool = False


class SubmittedOut(ResponseOut):
    alerts_raised: list[uuid.UUID]


def out(response: QuestionnaireResponse) -> dict[str, Any]:
    return {
        "id": response.public_id,
        "instrument": response.instrument_code,
        "version": response.instrument_version,
        "session": response.appointment.number if response.appointment else None,
        "answered_at": response.answered_at,
        "source": response.source,
        "complete": response.complete,
        "total": response.total,
        "band": response.band,
        "at_caseness": response.at_caseness,
        "risk_flagged": response.risk_flagged,
        "item9": response.answer(RISK_ITEM) if response.instrument_code == "phq9" else None,
        "difficulty": response.difficulty,
    }


@router.get(
    "/courses/{uuid:course_id}/responses",
    response=answers(ResponsePage),
    summary="A course's questionnaire responses: totals, bands and question 9",
)
def list_responses(
    request: HttpRequest,
    course_id: uuid.UUID,
    instrument: str | None = None,
    updated_since: Moment | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Responses in the order they were stored. A response never changes once stored, so
    ``updated_since`` returns those answered since then."""
    course = visible_course(request, course_id, Action.VIEW_COURSE)
    responses = QuestionnaireResponse.objects.filter(course=course).select_related("appointment")
    if instrument:
        responses = responses.filter(instrument_code=instrument)
    if updated_since:
        responses = responses.filter(answered_at__gte=updated_since)
    rows, next_cursor = page(responses, cursor=cursor, limit=limit)
    record(
        actor=request.user,
        action="course.viewed",
        obj=course,
        detail={"via": "api", "responses": [str(r.public_id) for r in rows]},
    )
    return envelope([out(r) for r in rows], next_cursor)


@router.post(
    "/appointments/{uuid:appointment_id}/responses",
    response=answers(SubmittedOut, WRITES, 201) | {200: SubmittedOut},
    summary="Answers given aloud or on paper, typed by the course's therapist",
)
def submit_response(
    request: HttpRequest, appointment_id: uuid.UUID, body: ResponseIn
) -> Status[dict[str, Any]]:
    """Stored with the source and scored; a risk answer raises its alert as from the page.
    Sending the same complete answers again returns the stored response (200)."""
    require_write(request)
    appointment = visible_appointment(request, appointment_id, Action.RUN_COURSE)
    answered_on = services.current_instrument(body.instrument)
    if answered_on is None:
        raise HttpError(422, f"There is no questionnaire '{body.instrument}'.")
    _check_answers(answered_on, body)
    before = QuestionnaireResponse.objects.filter(appointment=appointment).count()
    with refusals():
        response = services.submit_response(
            actor=request.user,
            appointment=appointment,
            instrument_code=body.instrument,
            answers={n: body.answers.get(n) for n in (i.number for i in answered_on.items)},
            difficulty=body.difficulty,
            source=body.source,
        )
    created = QuestionnaireResponse.objects.filter(appointment=appointment).count() > before
    alerts = [a.public_id for a in response.alerts.all()] if created else []
    return Status(201 if created else 200, out(response) | {"alerts_raised": alerts})


def _check_answers(answered_on: Any, body: ResponseIn) -> None:
    """Every question answered with one of its options, as the entry form asks; each
    problem named beside its field."""
    numbers = [item.number for item in answered_on.items]
    allowed = {value for value, _, _ in answered_on.options}
    errors = [
        _error(f"answers.{n}", f"{value} is not an option: {min(allowed)} to {max(allowed)}")
        for n, value in body.answers.items()
        if value is not None and value not in allowed
    ]
    errors += [
        _error(f"answers.{n}", f"There is no question {n}")
        for n in body.answers
        if n not in numbers
    ]
    if not body.send_incomplete:
        errors += [
            _error(
                f"answers.{n}",
                f"Answer question {n}, or send send_incomplete: true to keep the response "
                "without it",
            )
            for n in numbers
            if body.answers.get(n) is None
        ]
    difficulties = {value for value, _ in DIFFICULTY_OPTIONS}
    if body.difficulty is not None and (
        answered_on.code != "phq9" or body.difficulty not in difficulties
    ):
        errors.append(_error("difficulty", "Only PHQ-9 asks it, with an answer from 0 to 3"))
    if errors:
        raise ValidationError(errors)


def _error(field: str, message: str) -> dict[str, Any]:
    return {"loc": field.split("."), "msg": message}
