"""``{% queue_rows rows %}`` and ``{% waiting_rows rows %}``: the body rows of the triage
queue and of a waiting list, written in Python rather than a template loop.

A page holds 25 rows of six cells; in a template each value went through a variable
lookup, localisation and escaping, and each urgent row through an ``{% include %}``,
which was most of the page's time. These write the same markup, byte for byte, as the
loops they replace did, escaping each value once (``_text``)."""

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone, translation
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from interplay.lib.markup import cell_opening
from interplay.lib.paths import path_to
from interplay.triage.rules import WaitStanding
from interplay.triage.services import QueueRow, UrgentWait, day_shown

register = template.Library()


def _text(value: Any) -> str:
    """``{{ value }}``: as Django prints a value in a template (localised, escaped)."""
    if type(value) is str:
        return html.escape(value)
    if type(value) is int:  # what localize() gives an int without thousands separators
        return str(value)
    return str(conditional_escape(localize(value)))


def _cell(heading: str, content: str) -> str:
    return f"{cell_opening(heading)}{content}</td>"


def _urgent_wait(wait: UrgentWait) -> str:
    """triage/_urgent_wait.html (its closing newline too), as the queue included it."""
    overdue = (
        '<strong class="nhsuk-tag nhsuk-tag--red" data-testid="urgent-overdue">'
        f"Overdue: not triaged within {_text(wait.working_days)} working "
        f"day{'' if wait.working_days == 1 else 's'}</strong>"
        if wait.overdue
        else ""
    )
    return (
        '<br><span class="nhsuk-body-s nhsuk-u-margin-bottom-2" data-testid="urgent-waited">'
        f"Urgent, waiting {_text(wait.waited)}</span>{overdue}\n"
    )


def _score(totals: Any) -> str:
    if totals and totals["complete"]:
        return f'{_text(totals["total"])} <span class="nhsuk-body-s">{_text(totals["band"])}</span>'
    return "Incomplete" if totals else "Not given"


@register.simple_tag
def queue_rows(rows: Iterable[QueueRow]) -> SafeString:
    """The triage queue's rows (``triage.services.queue_rows``)."""
    out = []
    for row in rows:
        referral = row.referral
        waited = _text(row.days_waited) + (_urgent_wait(row.urgent) if row.urgent else "")
        risk = (
            f'<strong class="nhsuk-tag nhsuk-tag--red">Urgent</strong> {_text(row.risk)}'
            if referral.urgent
            else "None flagged"
        )
        out.append(
            '\n  <tr class="nhsuk-table__row">\n    '
            + _cell(
                "Referral",
                f'<a href="{_text(row.url)}">{_text(referral.full_name)}</a><br>'
                f'<span class="nhsuk-body-s">{_text(referral.reference)}</span>',
            )
            + "\n    "
            + _cell("Received", _text(row.received))
            + "\n    "
            + _cell("Days waited", waited)
            + "\n    "
            + _cell("Risk", risk)
            + "\n    "
            + _cell("PHQ-9", _score(row.phq9))
            + "\n    "
            + _cell("GAD-7", _score(row.gad7))
            + "\n  </tr>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped above)


def _left(within: bool, days_left: int) -> str:
    return f"{_text(days_left)} days left" if within else "Missed"


@register.simple_tag
def waiting_rows(rows: Iterable[tuple[Any, WaitStanding]]) -> SafeString:
    """A waiting list's rows: (referral, its standing) pairs."""
    zone = timezone.get_current_timezone()
    language = translation.get_language()
    shown: dict[dt.date, str] = {}  # a page holds few distinct days: escape each once
    out = []
    for referral, standing in rows:
        received_on = referral.received_at.astimezone(zone).date()
        if received_on not in shown:
            shown[received_on] = _text(day_shown(received_on, language))
        urgent = ' <strong class="nhsuk-tag nhsuk-tag--red">Urgent</strong>'
        warning = (
            f'<strong class="nhsuk-tag nhsuk-tag--orange">{_text(standing.warning)}</strong>'
            if standing.warning
            else "None"
        )
        out.append(
            '\n  <tr class="nhsuk-table__row">\n    '
            + _cell(
                "Person",
                f'<a href="{_text(path_to("triage:referral", referral.public_id))}">'
                f"{_text(referral.full_name)}</a>{urgent if referral.urgent else ''}",
            )
            + "\n    "
            + _cell("Referred", shown[received_on])
            + "\n    "
            + _cell("Days waited", _text(standing.days))
            + "\n    "
            + _cell("6 weeks", _left(standing.within_6_weeks, standing.days_left_6_weeks))
            + "\n    "
            + _cell("18 weeks", _left(standing.within_18_weeks, standing.days_left_18_weeks))
            + "\n    "
            + _cell("Warning", warning)
            + "\n  </tr>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 (every value is escaped above)
