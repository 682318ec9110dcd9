"""Values as people read them: dates, times, phone numbers and answers not given.

Pages, letters, PDFs, the subject access export and the audit viewer all show values
through these (the template filters in ``interplay.pages.templatetags.display``), so
no one reads an ISO timestamp, ``+447700900982`` or ``None``.
"""

import datetime as dt
import re
from typing import Any

from django.utils import dateformat, timezone

from interplay.lib import phones

NOT_GIVEN = "Not given"
DAY = "j F Y"  # 2 December 2026
TIME = "H:i"  # 14:05
WHEN = f"{DAY}, {TIME}"  # 2 December 2026, 14:05

# A date or a date and time as ``isoformat()`` writes it (in JSON-like audit details).
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def or_not_given(value: Any, empty: str = NOT_GIVEN) -> Any:
    """The value, or words saying there is none. False and 0 are answers, not empty."""
    return empty if is_empty(value) else value


def parse_iso(value: str) -> dt.date | dt.datetime | None:
    """A date or datetime written in ISO 8601, or None for any other text."""
    if not _ISO.match(value):
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def day(value: Any, empty: str = NOT_GIVEN) -> str:
    """``2 December 2026`` from a date, a datetime (local day) or ISO text."""
    value = parse_iso(value) if isinstance(value, str) else value
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    if not isinstance(value, dt.date):
        return empty
    return dateformat.format(value, DAY)


def when(value: Any, empty: str = NOT_GIVEN, fmt: str = WHEN) -> str:
    """``2 December 2026, 14:05`` in the service's time zone, from a datetime or ISO text;
    a date alone is shown as a day."""
    value = parse_iso(value) if isinstance(value, str) else value
    if isinstance(value, dt.datetime):
        return dateformat.format(_local(value), fmt)
    if isinstance(value, dt.date):
        return day(value)
    return empty


def deadline(value: Any, day_format: str = DAY, empty: str = NOT_GIVEN) -> str:
    """A time something is due by, in the service's time zone: ``Tue 8 Dec, 14:05``, or
    at midnight the day it closes, ``the end of Mon 7 Dec`` (a deadline counted in
    working days from a weekend starts at midnight and ends at the next one, and "by
    Tue 8 Dec, 00:00" reads as Tuesday to someone who means to act on it)."""
    if not isinstance(value, dt.datetime):
        return empty
    local = _local(value)
    if local.time() == dt.time(0):
        return f"the end of {dateformat.format(local - dt.timedelta(days=1), day_format)}"
    return when(local, empty, f"{day_format}, {TIME}")


def phone(value: Any, empty: str = NOT_GIVEN) -> str:
    """A stored number as people write it (``07700 900982``); other text as typed."""
    if is_empty(value):
        return empty
    return phones.display(str(value))


def readable(value: Any) -> str:
    """Any stored value in words: ISO dates and times and E.164 numbers are reformatted,
    None and empty text become "Not given", True and False "Yes" and "No"."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return when(value)
    if is_empty(value):
        return NOT_GIVEN
    text = str(value)
    if parse_iso(text) is not None:
        return when(text)
    if _E164.match(text):
        return phones.display(text)
    return text


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value
