"""Storing questionnaire responses. Callers hold the transaction and write the audit."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from interplay.measures.instruments import BUILT_IN
from interplay.measures.models import QuestionnaireResponse
from interplay.measures.scoring import score


def store_response(
    *,
    instrument_code: str,
    answers: Mapping[int, int | None],
    source: str,
    answered_at: dt.datetime,
    difficulty: int | None = None,
    **owner: Any,
) -> QuestionnaireResponse:
    """Score ``answers`` and save them with the result; ``owner`` names the referral."""
    instrument = BUILT_IN[instrument_code]
    result = score(instrument, answers)
    return QuestionnaireResponse.objects.create(
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        answers={str(k): v for k, v in answers.items() if v is not None},
        difficulty=difficulty,
        total=result.total,
        band=result.band,
        complete=result.complete,
        at_caseness=result.at_caseness,
        risk_flagged=result.risk,
        source=source,
        answered_at=answered_at,
        **owner,
    )
