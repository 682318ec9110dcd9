"""HTML written in Python for the long lists of staff pages (the ``*_rows`` template
tags): a table of thousands of cells, or a day of fifty records, costs far less written
here than as a template loop with a lookup and a filter per value. Each value is escaped
once, as ``{{ value }}`` would escape it."""

import datetime as dt
import functools
import html
from collections.abc import Callable
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format


def escape(value: Any) -> str:
    """As Django's ``conditional_escape``, without its lazy-string wrapper per call."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


@functools.cache
def _choice_labels(model: type, name: str) -> dict[Any, Any]:
    field: Any = model._meta.get_field(name)  # type: ignore[attr-defined]
    return dict(field.flatchoices)


def choice_label(instance: Any, name: str) -> str:
    """``instance.get_<name>_display()``, escaped: the label of a field's value among its
    choices (the value itself if it is none of them). Django builds the field's choices
    afresh on every call, which a list of rows pays for each row; read once here."""
    value = getattr(instance, name)
    return escape(_choice_labels(instance.__class__, name).get(value, value))


def cell_opening(heading: str) -> str:
    """A responsive table's cell up to its content: the column's heading (markup: escape
    a heading that is data), shown above the value on a phone where the table stacks
    into cards (hidden from screen readers, which read the real header)."""
    return (
        '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" '
        f'aria-hidden="true">{heading} </span>'
    )


def local_day(value: dt.datetime, with_time: bool = False) -> str:
    """``{{ value|date:"D j M" }}`` ("Thu 3 Dec"), or with ``with_time`` ``{{ value|date:"D
    j M, H:i" }}`` ("Thu 3 Dec, 14:05"), in the local time zone, escaped. A list's rows
    fall on a few days: each day's words are formatted once (for the active language),
    the hours and minutes written as the ``H`` and ``i`` formats write them."""
    return local_days(with_time)(value)


def local_days(with_time: bool = False) -> Callable[[dt.datetime], str]:
    """``local_day`` for the many values of one list: the time zone and the language
    read once, not once a value."""
    zone = timezone.get_current_timezone()
    language = translation.get_language()

    def write(value: dt.datetime) -> str:
        if timezone.is_naive(value):
            raise ValueError("local_day() cannot be applied to a naive datetime")
        local = value.astimezone(zone)
        day = _day_words(local.date(), language)
        return f"{day}, {local.hour:02d}:{local.minute:02d}" if with_time else day

    return write


def local_clock(value: dt.datetime) -> str:
    """``{{ value|time:"H:i" }}`` in the local time zone ("14:05")."""
    local = timezone.localtime(value)
    return f"{local.hour:02d}:{local.minute:02d}"


@functools.lru_cache(maxsize=1024)
def _day_words(day: dt.date, language: str | None) -> str:
    return escape(date_format(day, "D j M"))
