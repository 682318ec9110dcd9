"""Working-day arithmetic for alert escalation. Pure: no Django, no database."""

import datetime as dt
from collections.abc import Container


def add_working_days(start: dt.datetime, days: int, closed: Container[dt.date]) -> dt.datetime:
    """The same time of day ``days`` working days after ``start``.

    A working day is Monday to Friday and not in ``closed`` (bank holidays, closures). An
    alert raised on a Friday afternoon with one working day is due on Monday afternoon;
    one raised on a Saturday is due on Tuesday morning's equivalent time, counted from
    Monday. ``start`` must be aware and in local time, so that "the same time" is local.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    day = start.date()
    # Raised outside a working day: the clock starts at the next working day's start.
    if not _working(day, closed):
        while not _working(day, closed):
            day += dt.timedelta(days=1)
        start = start.replace(year=day.year, month=day.month, day=day.day, hour=0, minute=0)
        start = start.replace(second=0, microsecond=0)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if _working(day, closed):
            counted += 1
    naive = dt.datetime.combine(day, start.timetz().replace(tzinfo=None))
    return naive.replace(tzinfo=start.tzinfo)


def _working(day: dt.date, closed: Container[dt.date]) -> bool:
    return day.weekday() < 5 and day not in closed
