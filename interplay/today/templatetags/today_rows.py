"""The therapist's day's longest lists, written in Python: ``{% record_items records %}``
(the records to sign), ``{% course_items items "progress:ending" "ending" %}`` (the
re-ratings and the endings) and ``{% session_row row %}`` (an individual session).

The day lists up to 51 records and every course near its end; a template loop with its
lookups, filters and ``{% path_to %}`` per item was the largest part of the page's
rendering. These write the same markup: every name, label and link escaped once, dates
and times in the local time zone formatted as the ``date`` and ``time`` filters do."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.safestring import SafeString, mark_safe

from interplay.lib.markup import cell_opening, local_clock, local_days
from interplay.lib.markup import escape as _e
from interplay.lib.paths import id_paths, path_to

register = template.Library()


def _clock(value: dt.datetime) -> str:
    """``{{ value|time:"H:i" }}``."""
    return local_clock(value)


class _Links:
    """What every record's item writes the same way, read once for the list."""

    def __init__(self) -> None:
        self.day = local_days()
        self.group_session = id_paths("groups:session")
        self.session = id_paths("courses:session")
        self.record = id_paths("encounters:record")


def _record(item: Any, links: _Links) -> str:
    day = links.day
    if item.is_group:
        s = item.session
        link = f'<a href="{_e(links.group_session(s.public_id))}">'
        head = (
            f"{link}{_e(s.group.name)} (group IPT), session {s.number}</a> on {day(s.starts_at)}: "
        )
        if item.unrecorded:
            tail = "record who attended" + ("" if s.signed_at else " and sign the group record")
        elif s.updated_at:
            tail = "group record not yet signed"
        else:
            tail = "no group record written yet"
        return head + tail
    name = _e(item.course.patient.full_name)
    when = f"{name}, session {item.number}</a> on {day(item.starts_at)}: "
    if item.status == "booked":
        href = links.session(item.public_id)
        return f'<a href="{_e(href)}">{when}record whether they attended'
    href = links.record(item.public_id)
    # A reverse one-to-one: reading it with no record raises, as the template's lookup
    # swallowed; read with the row (select_related), it costs no query either way.
    state = "draft not yet signed" if _has_record(item) else "no record written yet"
    return f'<a href="{_e(href)}">{when}{state}'


def _has_record(appointment: Any) -> bool:
    try:
        return bool(appointment.record)
    except ObjectDoesNotExist:
        return False


@register.simple_tag
def record_items(records: Iterable[Any]) -> SafeString:
    """Each record to sign as a list item: an individual session's (its person, number,
    day and what is missing) or a group session's (its group and what waits)."""
    links = _Links()
    items = (f'<li data-testid="record">{_record(item, links)}</li>' for item in records)
    return mark_safe("".join(items))  # noqa: S308 (every value is escaped above)


@register.simple_tag
def course_items(items: Iterable[Any], viewname: str, testid: str) -> SafeString:
    """Each course due something (``CourseDue``) as a list item: the person, linked to
    ``viewname`` of the course, and what is due."""
    opening = f'<li data-testid="{_e(testid)}"><a href="'
    rows = (
        f'{opening}{_e(path_to(viewname, item.course.public_id))}">'
        f"{_e(item.course.patient.full_name)}</a>: {_e(item.detail)}</li>"
        for item in items
    )
    return mark_safe("".join(rows))  # noqa: S308 (every value is escaped above)


_TIME, _PERSON, _WHERE, _ROOM, _SCORES = (
    cell_opening(heading)
    for heading in (
        "Time",
        "Person",
        "Where they are",
        "Room or video",
        "This week's questionnaires",
    )
)


def _score(score: Any) -> str:
    if not score.response:
        return ""
    text = f"<br>{_e(score.name)} {_e(score.response.total)} ({_e(score.response.band)})"
    change = score.change
    if change is None:
        return text
    if change > 0:
        moved = f"up {change}"
    elif change < 0:
        moved = f"down {-change}"
    else:
        moved = "no change"
    return f"{text}, {moved} since the last score ({_e(score.previous.total)})"


@register.simple_tag
def session_row(row: Any) -> SafeString:
    """An individual session's table row (``SessionRow``): time, person, place in the
    programme, room or video link, and this week's questionnaires."""
    a = row.appointment
    course = a.course
    room, video = a.room, course.video_link
    where = _e(room) if room else ""
    if room and video:
        where += ", or "
    if video:
        where += f'<a href="{_e(video)}">video link</a>'
    if not room and not video:
        where = "Not set"
    if row.questionnaires_in:
        tag = '<strong class="nhsuk-tag nhsuk-tag--green">In</strong>'
    else:
        tag = '<strong class="nhsuk-tag nhsuk-tag--grey">Not yet in</strong>'
    scores = "".join(_score(score) for score in row.scores)
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<tr class="nhsuk-table__row">\n    '
        f'{_TIME}<a href="{_e(path_to("courses:session", a.public_id))}">'
        f"{_clock(a.starts_at)}</a></td>\n    "
        f'{_PERSON}<a href="{_e(path_to("courses:detail", course.public_id))}">'
        f"{_e(course.patient.full_name)}</a></td>\n    "
        f"{_WHERE}{_e(row.label)}</td>\n    "
        f"{_ROOM}{where}</td>\n    "
        f"{_SCORES}\n      <span>{tag}\n      {scores}</span>\n    </td>\n  </tr>"
    )
