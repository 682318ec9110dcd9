"""Questionnaire responses as plain data, for the subject access export."""

from collections.abc import Iterable
from typing import Any

from interplay.lib.export import person_name, session_number
from interplay.measures.instruments import BUILT_IN, DIFFICULTY_OPTIONS, Instrument
from interplay.measures.models import InstrumentDefinition, QuestionnaireResponse


class Instruments:
    """Every instrument definition, read once: the version each response was answered on.

    Resolves as ``measures.services.instrument(code, version)`` does (a stored definition,
    else the built-in of that version when the code has no stored rows), without a query
    per response. One that cannot be found gives None: the response is then shown with
    its code and each answer's stored value."""

    def __init__(self, rows: Iterable[InstrumentDefinition]) -> None:
        self.stored: dict[tuple[str, str], InstrumentDefinition] = {}
        for row in rows:
            self.stored[(row.code, row.version)] = row
        self.codes = {code for code, _ in self.stored}
        self.built: dict[tuple[str, str], Instrument | None] = {}

    def get(self, code: str, version: str) -> Instrument | None:
        key = (code, version)
        if key not in self.built:
            row = self.stored.get(key)
            fallback = BUILT_IN.get(code)
            if row is not None:
                self.built[key] = row.instrument()
            elif fallback and fallback.version == version and code not in self.codes:
                self.built[key] = fallback
            else:
                self.built[key] = None
        return self.built[key]


def load_instruments() -> Instruments:
    return Instruments(InstrumentDefinition.objects.only("code", "version", "definition"))


def response_data(response: QuestionnaireResponse, instruments: Instruments) -> dict[str, Any]:
    instrument = instruments.get(response.instrument_code, response.instrument_version)
    options: dict[int | None, str] = (
        {value: label for value, label, _ in instrument.options} if instrument else {}
    )
    items = instrument.items if instrument else ()
    return {
        "public_id": response.public_id,
        "instrument": response.instrument_code,
        "instrument_name": instrument.name if instrument else response.instrument_code,
        "instrument_version": response.instrument_version,
        "answered_at": response.answered_at,
        "source": response.source,
        "source_label": response.get_source_display(),
        "complete": response.complete,
        "total": response.total,
        "max_total": instrument.max_total if instrument else None,
        "band": response.band,
        "at_caseness": response.at_caseness,
        "risk_flagged": response.risk_flagged,
        "difficulty": response.difficulty,
        "difficulty_label": dict(DIFFICULTY_OPTIONS).get(response.difficulty)
        if response.difficulty is not None
        else None,
        "items": [
            {
                "number": item.number,
                "question": item.text,
                "answer": response.answer(item.number),
                "answer_label": options.get(response.answer(item.number), "Not answered"),
            }
            for item in items
        ]
        if instrument
        else _stored_answers(response),
    }


def _stored_answers(response: QuestionnaireResponse) -> list[dict[str, Any]]:
    """The answers as stored, for an instrument whose definition cannot be found."""
    numbers = sorted(int(n) for n in response.answers if str(n).isdigit())
    return [
        {
            "number": n,
            "question": f"Question {n}",
            "answer": response.answer(n),
            "answer_label": str(response.answer(n)),
        }
        for n in numbers
    ]


def course_response_data(
    response: QuestionnaireResponse, instruments: Instruments
) -> dict[str, Any]:
    return {
        **response_data(response, instruments),
        "session": session_number(response.appointment),
        "entered_by": person_name(response.entered_by),
    }
