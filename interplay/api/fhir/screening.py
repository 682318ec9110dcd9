"""PHQ-9 and GAD-7 answers sent with a referral, as QuestionnaireResponses in its
transaction Bundle: scored by the self-referral's own service, so PHQ-9 item 9 above 0
marks the referral urgent exactly as the public form does.

A response names its instrument by this server's Questionnaire URL
(``…/Questionnaire/phq9`` or ``…/gad7``, with or without ``|version``, as
``GET Questionnaire`` gives it); each answer is a ``valueInteger`` score, or a
``valueCoding`` with the ``ordinalValue`` extension or the LOINC answer code the
Questionnaire offers. Unanswered questions are allowed: the response is then stored as
incomplete, with no total, as on the form.
"""

from typing import Any

from interplay.measures.fhir import ORDINAL_VALUE, QUESTIONNAIRE_BASE, STEM, TOTAL
from interplay.measures.instruments import Instrument
from interplay.measures.services import instrument

Problem = tuple[str, str, str]
INSTRUMENTS = ("phq9", "gad7")


def answers_in(
    entries: list[dict[str, Any]], problems: list[Problem]
) -> tuple[dict[str, dict[int, int | None]], dict[str, int]]:
    """Each instrument's answers by question number, and the entry each came from."""
    found: dict[str, dict[int, int | None]] = {code: {} for code in INSTRUMENTS}
    where: dict[str, int] = {}
    for at, entry in enumerate(entries):
        resource = entry["resource"]
        if resource["resourceType"] != "QuestionnaireResponse":
            continue
        path = f"Bundle.entry[{at}].resource"
        code = _code(str(resource.get("questionnaire", "")))
        if code is None:
            problems.append(
                (
                    "not-supported",
                    "Only PHQ-9 and GAD-7 answers travel with a referral: name "
                    f"{QUESTIONNAIRE_BASE}phq9 or {QUESTIONNAIRE_BASE}gad7.",
                    f"{path}.questionnaire",
                )
            )
            continue
        if code in where:
            problems.append(("structure", f"The Bundle has a second {code} response.", path))
            continue
        where[code] = at
        found[code] = _answers(instrument(code), resource, path, problems)
    return found, where


def _code(canonical: str) -> str | None:
    url = canonical.partition("|")[0]
    code = url.removeprefix(QUESTIONNAIRE_BASE)
    return code if url.startswith(QUESTIONNAIRE_BASE) and code in INSTRUMENTS else None


def _answers(
    definition: Instrument, resource: dict[str, Any], path: str, problems: list[Problem]
) -> dict[int, int | None]:
    numbers = {str(item.number) for item in definition.items}
    allowed = {value for value, _, _ in definition.options}
    by_code = {code: value for value, _, code in definition.options if code}
    answers: dict[int, int | None] = {}
    for i, item in enumerate(resource.get("item") or []):
        link = str(item.get("linkId", ""))
        if link in (STEM, TOTAL):
            continue
        if link not in numbers:
            problems.append(
                ("value", f'{definition.name} has no question "{link}".', f"{path}.item[{i}]")
            )
            continue
        given = item.get("answer") or []
        value = _value(given[0], by_code) if given else None
        if given and value not in allowed:
            low, high = min(allowed), max(allowed)
            problems.append(
                (
                    "value",
                    f"{definition.name} question {link}: the answer is not one of its "
                    f"options (scores {low} to {high}).",
                    f"{path}.item[{i}].answer[0]",
                )
            )
            continue
        answers[int(link)] = value
    return answers


def _value(answer: dict[str, Any], by_code: dict[str, int]) -> int | None:
    if "valueInteger" in answer:
        return int(answer["valueInteger"])
    coding = answer.get("valueCoding") or {}
    for extension in coding.get("extension") or []:
        if extension.get("url") == ORDINAL_VALUE:
            return int(extension["valueDecimal"])
    return by_code.get(str(coding.get("code", "")))
