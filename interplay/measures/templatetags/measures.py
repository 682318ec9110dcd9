from typing import Any

from django import template

from interplay.measures.instruments import Instrument
from interplay.measures.models import QuestionnaireResponse

register = template.Library()


@register.filter
def answer_rows(
    response: QuestionnaireResponse, instrument: Instrument
) -> list[tuple[int, str, str, bool]]:
    """(number, item text, answer label, is a positive risk item) for each item."""
    labels = {value: label for value, label, _ in instrument.options}
    rows = []
    for item in instrument.items:
        value: Any = response.answer(item.number)
        label = labels.get(value, "Not answered")
        rows.append((item.number, item.text, label, item.risk and bool(value)))
    return rows
