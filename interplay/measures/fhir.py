"""Instruments as FHIR Questionnaires (R4B), out and back in. No Django, no ORM.

FHIR version: R4B models from ``fhir.resources`` (its default is R5), because Interplay's
FHIR is R4-compatible (docs/architecture.md, "Standards: FHIR") and R4 is what NHS systems
exchange.

Mapping (an export imports back to the same ``Instrument``; tested):

- Questionnaire: ``url`` + ``version``, ``title`` = the name, ``code`` = the LOINC panel,
  ``copyright`` = the attribution line, ``status`` active.
- A ``display`` item (linkId ``stem``) carries the stem; each question is a ``choice`` item
  with linkId ``1``..``n``, its LOINC code, its wording word for word, and the answer
  options as LOINC answer codings whose score is the standard R4 ``ordinalValue``
  extension (R5 calls it ``itemWeight``; an import accepts either). A read-only
  ``integer`` item (linkId ``total``) carries the LOINC total-score code.
- Scoring extras that FHIR has no element for go in extensions under ``EXTENSION_BASE``:
  the instrument code, the caseness cut-off, the reliable-change value, the severity
  bands, and a flag on each risk item. Extensions rather than a form beside the upload,
  so one file is the whole definition: the export alone re-creates the instrument
  elsewhere, and what was imported is exactly what the audit trail and the file show.
"""

import json
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from interplay.measures.instruments import Band, Instrument, Item, check

LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
# Interplay's own extensions. A StructureDefinition for each is future work; the URLs
# are stable identifiers, not pages to fetch.
EXTENSION_BASE = "https://interplay.invalid/fhir/StructureDefinition/"
QUESTIONNAIRE_BASE = "https://interplay.invalid/fhir/Questionnaire/"
EXT_CODE = EXTENSION_BASE + "instrument-code"
EXT_CASENESS = EXTENSION_BASE + "caseness-threshold"
EXT_RELIABLE = EXTENSION_BASE + "reliable-change"
EXT_BAND = EXTENSION_BASE + "severity-band"
EXT_RISK = EXTENSION_BASE + "risk-item"
STEM = "stem"
TOTAL = "total"


class QuestionnaireError(ValueError):
    """A file that is not a Questionnaire Interplay can score; the message says why."""


def to_questionnaire(instrument: Instrument) -> dict[str, Any]:
    """The instrument as a FHIR R4B Questionnaire (JSON-able), validated by fhir.resources."""
    from fhir.resources.R4B.questionnaire import Questionnaire

    answer_options = [_option(value, label, code) for value, label, code in instrument.options]
    items: list[dict[str, Any]] = []
    if instrument.stem:
        items.append({"linkId": STEM, "type": "display", "text": instrument.stem})
    for item in instrument.items:
        question: dict[str, Any] = {
            "linkId": str(item.number),
            "type": "choice",
            "text": item.text,
            "required": True,
            "answerOption": answer_options,
        }
        if item.loinc:
            question["code"] = [{"system": LOINC, "code": item.loinc}]
        if item.risk:
            question["extension"] = [{"url": EXT_RISK, "valueBoolean": True}]
        items.append(question)
    total: dict[str, Any] = {
        "linkId": TOTAL,
        "type": "integer",
        "text": "Total score",
        "readOnly": True,
    }
    if instrument.loinc_total:
        total["code"] = [{"system": LOINC, "code": instrument.loinc_total}]
    items.append(total)
    data: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_BASE + instrument.code,
        "version": instrument.version,
        "title": instrument.name,
        "status": "active",
        "extension": [
            {"url": EXT_CODE, "valueCode": instrument.code},
            {"url": EXT_CASENESS, "valueInteger": instrument.caseness_threshold},
            {"url": EXT_RELIABLE, "valueInteger": instrument.reliable_change},
            *(_band(band) for band in instrument.bands),
        ],
        "item": items,
    }
    if instrument.loinc_panel:
        data["code"] = [
            {"system": LOINC, "code": instrument.loinc_panel, "display": instrument.name}
        ]
    if instrument.attribution:
        data["copyright"] = instrument.attribution
    # Round-trip through the model so an export is valid FHIR by construction.
    return json.loads(Questionnaire.model_validate(data).model_dump_json())


def from_questionnaire(data: Any) -> Instrument:
    """The instrument a Questionnaire (JSON text, bytes or a dict) defines.

    Raises ``QuestionnaireError`` with a message fit to show beside the upload: not JSON,
    not a valid FHIR R4B Questionnaire, or missing what Interplay needs to score it.
    """
    from fhir.resources.R4B.questionnaire import Questionnaire

    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise QuestionnaireError("The file is not JSON.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Questionnaire":
        raise QuestionnaireError('The file is not a FHIR Questionnaire (its "resourceType").')
    try:
        resource = Questionnaire.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the resource"
        raise QuestionnaireError(
            f"The file is not a valid FHIR R4B Questionnaire: {where}: {first['msg']}."
        ) from None
    plain = json.loads(resource.model_dump_json())
    try:
        instrument = _instrument(plain)
        check(instrument)
    except (KeyError, TypeError, ValueError) as error:
        raise QuestionnaireError(_reason(error)) from None
    return instrument


def _option(value: int, label: str, code: str) -> dict[str, Any]:
    coding: dict[str, Any] = {
        "display": label,
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": value}],
    }
    if code:
        coding.update(system=LOINC, code=code)
    return {"valueCoding": coding}


def _band(band: Band) -> dict[str, Any]:
    return {
        "url": EXT_BAND,
        "extension": [
            {"url": "low", "valueInteger": band.low},
            {"url": "high", "valueInteger": band.high},
            {"url": "label", "valueString": band.label},
        ],
    }


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"The Questionnaire lacks {error.args[0]}, which Interplay needs to score it."
    return str(error)


def _extensions(element: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [e for e in element.get("extension", []) if e.get("url") == url]


def _one(element: dict[str, Any], url: str, key: str) -> Any:
    found = _extensions(element, url)
    if not found:
        raise KeyError(f"the extension {url}")
    return found[0][key]


def _loinc(element: dict[str, Any]) -> str:
    return next((c["code"] for c in element.get("code", []) if c.get("system") == LOINC), "")


def _instrument(q: dict[str, Any]) -> Instrument:
    items = q.get("item") or []
    questions = [i for i in items if i.get("type") == "choice"]
    if not questions:
        raise ValueError("The Questionnaire has no choice questions to score.")
    options = _options(questions[0])
    for question in questions[1:]:
        if _options(question) != options:
            raise ValueError("Every question must offer the same answers with the same scores.")
    stem = next((i.get("text", "") for i in items if i.get("linkId") == STEM), "")
    total: dict[str, Any] = next((i for i in items if i.get("linkId") == TOTAL), {})
    parsed = tuple(_item(question) for question in questions)
    return Instrument(
        code=str(_one(q, EXT_CODE, "valueCode")),
        version=str(q.get("version") or ""),
        name=str(q.get("title") or ""),
        stem=stem,
        items=parsed,
        bands=tuple(_parse_band(e) for e in _extensions(q, EXT_BAND)),
        caseness_threshold=int(_one(q, EXT_CASENESS, "valueInteger")),
        reliable_change=int(_one(q, EXT_RELIABLE, "valueInteger")),
        loinc_panel=_loinc(q),
        loinc_total=_loinc(total),
        options=options,
        attribution=str(q.get("copyright") or ""),
        risk_items=tuple(item.number for item in parsed if item.risk),
    )


def _item(question: dict[str, Any]) -> Item:
    link = str(question.get("linkId", ""))
    if not link.isdigit():
        raise ValueError(f'Question linkIds must be their numbers 1, 2, 3 ..., not "{link}".')
    risk = any(e.get("valueBoolean") for e in _extensions(question, EXT_RISK))
    return Item(int(link), str(question.get("text") or ""), _loinc(question), risk)


def _options(question: dict[str, Any]) -> tuple[tuple[int, str, str], ...]:
    found = []
    for option in question.get("answerOption") or []:
        coding = option.get("valueCoding")
        if coding is None:
            raise ValueError("Every answer option must be a coding.")
        weight = _weight(option) if _weight(option) is not None else _weight(coding)
        if weight is None or weight != int(weight):
            raise ValueError(
                f'The answer "{coding.get("display", "")}" has no whole-number score '
                "(the ordinalValue or itemWeight extension)."
            )
        found.append((int(weight), str(coding.get("display") or ""), str(coding.get("code") or "")))
    return tuple(found)


def _weight(element: dict[str, Any]) -> Decimal | None:
    for url in (ORDINAL_VALUE, ITEM_WEIGHT):
        for extension in _extensions(element, url):
            return Decimal(str(extension["valueDecimal"]))
    return None


def _parse_band(extension: dict[str, Any]) -> Band:
    parts = {e["url"]: e for e in extension.get("extension", [])}
    return Band(
        int(parts["low"]["valueInteger"]),
        int(parts["high"]["valueInteger"]),
        str(parts["label"]["valueString"]),
    )
