"""``{% caseload_rows rows %}``: the caseload table's body rows, written in Python.

A caseload lists every course in progress; a template loop with its lookups, filters and
``{% path_to %}`` per cell was most of the page's rendering. This writes the same markup:
every name, label and link escaped once, the next session's time in the local time zone
formatted as the ``date`` filter does."""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from interplay.lib.markup import cell_opening, choice_label, local_days
from interplay.lib.markup import escape as _e
from interplay.lib.paths import id_paths, path_to

register = template.Library()

_PERSON, _THERAPY, _WHERE, _NEXT, _SCORES = (
    cell_opening(heading)
    for heading in ("Person", "Therapy", "Where they are", "Next session", "Latest PHQ-9 / GAD-7")
)


def _score(latest: Any) -> str:
    """A latest score (``{"total", "band", "complete"}``, or None): "12 (moderate)"."""
    if latest and latest.get("complete"):
        return f"{_e(latest.get('total', ''))} ({_e(latest.get('band', ''))})"
    return "Not given"


def _row(
    row: dict[str, Any],
    course_path: Callable[[Any], str],
    when_of: Callable[[dt.datetime], str],
) -> str:
    course = row["course"]
    alerts = row["open_alerts"]
    person = (
        f'{_PERSON}<a href="{_e(course_path(course.public_id))}">{_e(course.patient.full_name)}</a>'
    )
    if alerts:
        plural = "" if alerts == 1 else "s"
        person += (
            f' <strong class="nhsuk-tag nhsuk-tag--red">{_e(alerts)} open alert{plural}</strong>'
        )
    therapy = f"{_THERAPY}{choice_label(course, 'modality')}"
    if group := row["group"]:
        therapy += (
            '<br><span data-testid="group-label">Member of '
            f'<a href="{_e(path_to("groups:detail", group.group_id))}">{_e(group.name)}</a></span>'
        )
    upcoming = row["next"]
    when = when_of(upcoming.starts_at) if upcoming else "None booked"
    return (
        '\n  <tr class="nhsuk-table__row">\n    '
        f"{person}</td>\n    "
        f"{therapy}</td>\n    "
        f"{_WHERE}{_e(row['label'])}</td>\n    "
        f"{_NEXT}{when}</td>\n    "
        f"{_SCORES}{_score(row['phq9'])} / {_score(row['gad7'])}</td>\n  </tr>\n  "
    )


@register.simple_tag
def caseload_rows(rows: Iterable[dict[str, Any]]) -> SafeString:
    """Each course in progress as a table row: the person (and their open alerts), the
    therapy (and their group), where they are, the next session, the latest scores."""
    # The time zone, language and the courses' path read once for the table.
    course_path, when_of = id_paths("courses:detail"), local_days(with_time=True)
    markup = "".join(_row(row, course_path, when_of) for row in rows)
    return mark_safe(markup)  # noqa: S308 (each value escaped)
