"""``{% session_rows sessions planned %}``: the rows of a course page's sessions table,
written in Python rather than a template loop.

A course has 16 to 20 sessions of four cells; the loop's lookups, its ``{% path_to %}``
and its ``|date`` filter per row were the largest part of the course page after the
forms. This writes the same markup, byte for byte, escaping each value once."""

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe

from interplay.lib.markup import choice_label
from interplay.lib.paths import path_to

register = template.Library()


def session_time(value: dt.datetime) -> str:
    """``{{ value|date:"D j M Y, H:i" }}`` of an aware datetime: local time, the day's and
    month's short names in the active language, as Django's date format writes them."""
    local = timezone.localtime(value)
    return (
        f"{WEEKDAYS_ABBR[local.weekday()]} {local.day} {MONTHS_3[local.month].title()} "
        f"{local.year:04d}, {local.hour:02d}:{local.minute:02d}"
    )


@register.simple_tag
def session_rows(sessions: Iterable[tuple[Any, Any]], planned: int) -> SafeString:
    """(appointment, phase) pairs as the sessions table's rows."""
    of = f" of {html.escape(str(planned))}</a></td>"
    out = []
    for appointment, phase in sessions:
        href = html.escape(path_to("courses:session", appointment.public_id))
        out.append(
            '\n  <tr class="nhsuk-table__row"><td class="nhsuk-table__cell">'
            f'<a href="{href}">{appointment.number}{of}'
            f'<td class="nhsuk-table__cell">{html.escape(str(phase.name))} phase</td>'
            f'<td class="nhsuk-table__cell">{html.escape(session_time(appointment.starts_at))}</td>'
            f'<td class="nhsuk-table__cell">{choice_label(appointment, "status")}'
            "</td></tr>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped above)


@register.simple_tag
def unresolved_items(appointments: Iterable[Any]) -> SafeString:
    """The sessions to resolve before ending a course, one list item each."""
    return mark_safe(  # noqa: S308 (every value is escaped)
        "".join(
            f'<li><a href="{html.escape(path_to("courses:session", appointment.public_id))}">'
            f"Session {appointment.number}, "
            f"{html.escape(session_time(appointment.starts_at))}</a></li>"
            for appointment in appointments
        )
    )
