"""Questionnaire answers for the demo's past sessions, stored as the portal would store them."""

import datetime as dt
from typing import Any

from interplay.audit.actors import PatientActor
from interplay.audit.services import record
from interplay.demo.data import answers_for
from interplay.measures.services import store_response


def answer(appointment: Any, totals: tuple[int, int], source: str, before: Any) -> None:
    """The PHQ-9 and GAD-7 totals given for ``appointment``, three hours before ``before``,
    stored directly and audited as the portal would (the caller tells the figures row)."""
    for code, total, items in zip(("phq9", "gad7"), totals, (9, 7), strict=True):
        response = store_response(
            instrument_code=code,
            answers=answers_for(total, items),
            source=source,
            answered_at=before - dt.timedelta(hours=3),
            course=appointment.course,
            appointment=appointment,
        )
        record(
            actor=PatientActor(appointment.course.patient),
            action="response.submitted",
            obj=response,
            detail={
                "instrument": code,
                "version": response.instrument_version,
                "source": source,
                "complete": response.complete,
                "session": appointment.number,
            },
        )
