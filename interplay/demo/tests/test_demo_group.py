"""The demo group's meeting day: the next working day, so both facilitators' days show it."""

import datetime as dt

import pytest

from interplay.demo.group import _next_working_day


@pytest.mark.parametrize(
    ("today", "meets"),
    [
        (dt.date(2026, 11, 30), dt.date(2026, 12, 1)),  # Monday: Tuesday
        (dt.date(2026, 12, 3), dt.date(2026, 12, 4)),  # Thursday: Friday
        (dt.date(2026, 12, 4), dt.date(2026, 12, 7)),  # Friday: Monday
        (dt.date(2026, 12, 5), dt.date(2026, 12, 7)),  # Saturday: Monday
        (dt.date(2026, 12, 6), dt.date(2026, 12, 7)),  # Sunday: Monday, tomorrow
    ],
)
def test_the_group_meets_on_the_next_working_day(today: dt.date, meets: dt.date) -> None:
    assert _next_working_day(today) == meets
