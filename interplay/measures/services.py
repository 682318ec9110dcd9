"""Instruments as stored, versioned definitions; storing responses; FHIR import and export."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.lib.prepared import PreparedInsert
from interplay.lib.shortcache import ShortCache
from interplay.measures import fhir
from interplay.measures.instruments import BUILT_IN, Instrument, to_dict
from interplay.measures.models import (
    DefinitionSource,
    InstrumentDefinition,
    QuestionnaireResponse,
)
from interplay.measures.scoring import score


class UnknownInstrument(LookupError):
    """No stored or built-in definition has this code (and version)."""


_instruments = ShortCache()
_instruments.forget_on_change(InstrumentDefinition)


def instrument(code: str, version: str | None = None) -> Instrument:
    """The instrument ``code`` at ``version``, or its latest active version when None.

    Reads the stored definitions (seeded with the built-ins by a migration; imports add
    more). A named version resolves even when retired, so an old response is always
    shown on the version it was answered on. The built-ins answer when no row matches
    for a code with no stored rows at all (a database emptied between tests, say).
    Raises ``UnknownInstrument`` otherwise. Kept for a few seconds per process
    (``interplay.lib.shortcache``): every response a form stores asks for its instrument.
    """
    found: Instrument = _instruments.get((code, version), lambda: _instrument(code, version))
    return found


def _instrument(code: str, version: str | None) -> Instrument:
    rows = InstrumentDefinition.objects.of(code)
    row = rows.filter(version=version).first() if version else rows.active().last()
    if row is not None:
        built: Instrument = row.instrument()
        return built
    fallback = BUILT_IN.get(code)
    if fallback is not None and version in (None, fallback.version) and not rows.exists():
        return fallback
    raise UnknownInstrument(f"{code} version {version or '(latest)'}")


def answerable(codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` can be answered now (what ``instrument(code)`` would resolve), in
    one query: an active stored version, or a built-in with no stored rows at all."""
    wanted = set(codes)
    rows = InstrumentDefinition.objects.filter(code__in=wanted).values_list("code", "active")
    stored: dict[str, bool] = {}
    for code, active in rows:
        stored[code] = stored.get(code, False) or active
    return {c for c in wanted if stored.get(c, c in BUILT_IN and c not in stored)}


def instrument_names(codes: Iterable[str]) -> dict[str, str]:
    """Each code's display name (its latest stored definition's, else the built-in's,
    else the code itself), in one query, for pages that list several responses."""
    wanted = set(codes)
    names = {code: BUILT_IN[code].name if code in BUILT_IN else code for code in wanted}
    for row in InstrumentDefinition.objects.filter(code__in=wanted).only("code", "definition"):
        names[row.code] = row.name  # ordered by import time: the latest wins
    return names


# Answers come on every portal and self-referral POST: their INSERT is compiled once per
# process (lib/prepared.py).
_INSERT_RESPONSE = PreparedInsert(QuestionnaireResponse)


def store_response(
    *,
    instrument_code: str,
    answers: Mapping[int, int | None],
    source: str,
    answered_at: dt.datetime,
    difficulty: int | None = None,
    instrument_version: str | None = None,
    **owner: Any,
) -> QuestionnaireResponse:
    """Score ``answers`` and save them with the result and the version answered on.

    ``owner`` names what the response belongs to: ``referral=``, or ``course=`` with
    ``appointment=`` and, for answers typed by staff, ``entered_by=``. A total is stored
    only when every item is answered; otherwise the response is kept as incomplete
    (docs/clinical-rules.md 4.5). Callers hold the transaction and write the audit.
    """
    response = scored_response(
        instrument_code=instrument_code,
        answers=answers,
        source=source,
        answered_at=answered_at,
        difficulty=difficulty,
        instrument_version=instrument_version,
        **owner,
    )
    return _INSERT_RESPONSE.insert(response)


def store_responses(
    questionnaires: Iterable[tuple[str, Mapping[int, int | None], int | None]],
    *,
    source: str,
    answered_at: dt.datetime,
    **owner: Any,
) -> list[QuestionnaireResponse]:
    """``store_response`` for several questionnaires answered together (a self-referral's
    PHQ-9 and GAD-7), each ``(instrument_code, answers, difficulty)`` on its latest version,
    each saved by an INSERT compiled once."""
    return [
        _INSERT_RESPONSE.insert(
            scored_response(
                instrument_code=code,
                answers=answers,
                source=source,
                answered_at=answered_at,
                difficulty=difficulty,
                **owner,
            )
        )
        for code, answers, difficulty in questionnaires
    ]


def scored_response(
    *,
    instrument_code: str,
    answers: Mapping[int, int | None],
    source: str,
    answered_at: dt.datetime,
    difficulty: int | None = None,
    instrument_version: str | None = None,
    **owner: Any,
) -> QuestionnaireResponse:
    """The scored response, not yet saved (also how the benchmark writes its answers)."""
    definition = instrument(instrument_code, instrument_version)
    result = score(definition, answers)
    return QuestionnaireResponse(
        instrument_code=definition.code,
        instrument_version=definition.version,
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


def _configure(actor: Any) -> None:
    if not can(actor, Action.CONFIGURE_SERVICE):
        raise PermissionDenied("Only an administrator manages instruments.")


def export_questionnaire(*, actor: Any, code: str, version: str) -> dict[str, Any]:
    """The stored instrument as a FHIR R4B Questionnaire (a dict), audited as exported."""
    _configure(actor)
    with transaction.atomic():
        row = InstrumentDefinition.objects.filter(code=code, version=version).first()
        if row is None:
            raise UnknownInstrument(f"{code} version {version}")
        questionnaire = fhir.to_questionnaire(row.instrument())
        record(
            actor=actor,
            action="measures.instrument_exported",
            obj=row,
            detail={"code": code, "version": version},
        )
    return questionnaire


def import_questionnaire(*, actor: Any, questionnaire: Any) -> InstrumentDefinition:
    """Add the instrument a FHIR Questionnaire defines (JSON text, bytes or a dict).

    Refuses (``fhir.QuestionnaireError``, a ValueError) a file that is not a valid
    Questionnaire or lacks what scoring needs, and (``RuleViolation``) a code and version
    already held: a changed instrument is a new version. The new row is active, so it is
    the latest version of its code from now on.
    """
    _configure(actor)
    parsed = fhir.from_questionnaire(questionnaire)
    try:
        with transaction.atomic():
            row = InstrumentDefinition.objects.create(
                code=parsed.code,
                version=parsed.version,
                definition=to_dict(parsed),
                source=DefinitionSource.FHIR_IMPORT,
                imported_by=actor,
            )
            record(
                actor=actor,
                action="measures.instrument_imported",
                obj=row,
                detail={"code": parsed.code, "version": parsed.version, "items": len(parsed.items)},
            )
    except IntegrityError:
        raise RuleViolation(
            f"{parsed.name} version {parsed.version} is already held. "
            "Give a changed instrument a new version."
        ) from None
    return row


def set_instrument_active(
    *, actor: Any, code: str, version: str, active: bool
) -> InstrumentDefinition:
    """Put a version in use for new responses, or retire it. Answers already given keep
    their version either way. The last version of an instrument in use cannot be retired,
    so ``instrument(code)`` always has an answer."""
    _configure(actor)
    with transaction.atomic():
        rows = InstrumentDefinition.objects.of(code).select_for_update()
        row = rows.filter(version=version).first()
        if row is None:
            raise UnknownInstrument(f"{code} version {version}")
        if not active and not rows.active().exclude(pk=row.pk).exists():
            raise RuleViolation(
                f"{row.name} version {version} is the only version in use: "
                "import or bring back another before retiring it."
            )
        if row.active != active:
            row.active = active
            row.save(update_fields=["active"])
            record(
                actor=actor,
                action="measures.instrument_activated" if active else "measures.instrument_retired",
                obj=row,
                detail={"code": code, "version": version},
            )
    return row
