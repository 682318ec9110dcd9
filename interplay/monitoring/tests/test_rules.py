"""Working days for alert escalation: weekends, bank holidays and closures skipped."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from interplay.monitoring.rules import add_working_days

LONDON = ZoneInfo("Europe/London")
GOOD_FRIDAY_2026 = dt.date(2026, 4, 3)
EASTER_MONDAY_2026 = dt.date(2026, 4, 6)


def at(day: str, time: str = "15:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LONDON)


class WorkingDayTests(SimpleTestCase):
    def test_table(self) -> None:
        holidays = {GOOD_FRIDAY_2026, EASTER_MONDAY_2026}
        cases = [
            # raised, working days, closed days, due
            (at("2026-11-25"), 1, set(), at("2026-11-26")),  # Wednesday -> Thursday
            (at("2026-11-27"), 1, set(), at("2026-11-30")),  # Friday -> Monday
            (at("2026-11-28", "10:00"), 1, set(), at("2026-12-01", "00:00")),  # Saturday
            (at("2026-11-25"), 2, set(), at("2026-11-27")),
            (at("2026-04-02"), 1, holidays, at("2026-04-07")),  # over Easter
            (at("2026-04-03", "09:00"), 1, holidays, at("2026-04-08", "00:00")),  # on Good Friday
            (at("2026-11-25"), 1, {dt.date(2026, 11, 26)}, at("2026-11-27")),  # a closure
        ]
        for raised, days, closed, due in cases:
            with self.subTest(raised=raised, days=days):
                self.assertEqual(add_working_days(raised, days, closed), due)

    def test_the_clock_change_keeps_the_local_time(self) -> None:
        # Friday 23 October 2026 (BST) to Monday 26 October (GMT): still 15:00 locally.
        due = add_working_days(at("2026-10-23"), 1, set())
        self.assertEqual((due.date(), due.hour), (dt.date(2026, 10, 26), 15))
        self.assertEqual(due.utcoffset(), dt.timedelta(0))

    def test_it_refuses_a_naive_time(self) -> None:
        with self.assertRaises(ValueError):
            add_working_days(dt.datetime(2026, 11, 25, 15), 1, set())
