"""Date arithmetic shared by every app: ages, waits, bank holidays and working days."""

import datetime as dt
import functools
from collections.abc import Container, Iterable

import holidays


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Whole years of age on a given day (a birthday counts on the day itself)."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


def days_between(start: dt.date, end: dt.date) -> int:
    return (end - start).days


# The UK's nations, as the ``holidays`` package names its GB subdivisions. The data ship
# in the package (no network), so a new one-off holiday needs a package upgrade.
NATIONS = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
DEFAULT_NATION = "ENG"


def bank_holidays(nation: str, years: int | Iterable[int]) -> dict[dt.date, str]:
    """The bank holidays of one UK nation, by date, with their names (in date order)."""
    code = nation.upper()
    if code not in NATIONS:
        raise ValueError(f"nation must be one of {', '.join(NATIONS)}, not {nation!r}")
    wanted = (years,) if isinstance(years, int) else tuple(years)
    return dict(_bank_holidays(code, wanted))


@functools.lru_cache(maxsize=64)
def _bank_holidays(code: str, years: tuple[int, ...]) -> tuple[tuple[dt.date, str], ...]:
    # Worked out from the package's rules, the same every time: kept, since list pages
    # that count working days ask on every request.
    found = holidays.country_holidays("GB", subdiv=code, years=list(years))
    return tuple((day, str(name)) for day, name in sorted(found.items()))


# --- Working days -----------------------------------------------------------------


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
