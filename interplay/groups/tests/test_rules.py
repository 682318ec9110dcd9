"""The pure rules of a closed group, table by table."""

import datetime as dt
from unittest import TestCase

from interplay.groups import rules

UTC = dt.UTC


class FacilitatorTests(TestCase):
    def test_who_may_facilitate(self) -> None:
        cases = [
            ({"group_ipt", "ipt"}, False, None),
            ({"group_ipt", "dit"}, False, None),
            ({"group_ipt"}, True, None),
            (
                {"group_ipt"},
                False,
                "Lee is not an IPT specialist: name a supervisor for this group.",
            ),
            ({"ipt", "dit"}, True, "Lee is not qualified to facilitate group IPT."),
        ]
        for modalities, supervised, expected in cases:
            with self.subTest(modalities=modalities, supervised=supervised):
                self.assertEqual(rules.facilitator_problem("Lee", modalities, supervised), expected)


class SizeTests(TestCase):
    def test_sizes_programmes_use(self) -> None:
        for low, high, ok in (
            (5, 8, True),
            (5, 15, True),
            (4, 8, False),
            (9, 8, False),
            (6, 16, False),
        ):
            with self.subTest(low=low, high=high):
                self.assertEqual(rules.size_problem(low, high) is None, ok)


class ClosedTests(TestCase):
    def test_the_group_closes_once_session_two_is_over(self) -> None:
        ends = {
            1: dt.datetime(2026, 9, 15, 15, 30, tzinfo=UTC),
            2: dt.datetime(2026, 9, 22, 15, 30, tzinfo=UTC),
        }
        for now, closed in (
            (dt.datetime(2026, 9, 16, tzinfo=UTC), False),
            (dt.datetime(2026, 9, 22, 15, 29, tzinfo=UTC), False),
            (dt.datetime(2026, 9, 22, 15, 30, tzinfo=UTC), True),
        ):
            with self.subTest(now=now):
                self.assertEqual(rules.closed_to_newcomers(now, ends), closed)
        self.assertFalse(rules.closed_to_newcomers(dt.datetime(2030, 1, 1, tzinfo=UTC), {}))


class PreGroupDayTests(TestCase):
    def test_working_days_back_from_the_first_session_skipping_closures(self) -> None:
        first = dt.date(2026, 9, 15)  # a Tuesday
        days = rules.pre_group_days(first, 3, lambda d: d == dt.date(2026, 9, 11))
        # Monday 14th, then past the weekend and the closed Friday to Thursday 10th, 9th.
        self.assertEqual(days, [dt.date(2026, 9, 14), dt.date(2026, 9, 10), dt.date(2026, 9, 9)])

    def test_it_refuses_days_before_the_earliest(self) -> None:
        with self.assertRaises(ValueError):
            rules.pre_group_days(
                dt.date(2026, 9, 15), 3, lambda d: False, earliest=dt.date(2026, 9, 11)
            )
