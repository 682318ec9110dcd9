"""Sums grouped several ways in one statement give what one grouped query per way gives
(on SQLite and, in CI, on PostgreSQL, whose statements differ)."""

import datetime as dt
from typing import Any

from django.db.models import Count, F, Sum, Value

from interplay.reports.grouping import grouped
from interplay.reports.models import CourseFigures
from interplay.reports.series import MonthStart
from interplay.reports.tests.service import build_service
from interplay.test import BaseTestCase

KEYS = {"modality": F("modality"), "therapist": F("therapist_id"), "month": MonthStart("ended_on")}
VALUES = {"courses": Value(1), "attended": F("attended")}


def by_orm(rows: Any, chosen: tuple[str, ...]) -> list[dict[str, Any]]:
    columns = {"modality": "modality", "therapist": "therapist_id", "month": "month"}
    found = (
        rows.annotate(month=MonthStart("ended_on"))
        .values(*(columns[n] for n in chosen))
        .annotate(courses=Count("pk"), attended=Sum("attended"))
        .order_by()
    )
    return [
        {
            **{n: row[columns[n]] for n in chosen},
            "courses": row["courses"],
            "attended": row["attended"],
        }
        for row in found
    ]


def ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: [str(row[k]) for k in sorted(row)])


class GroupedTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_service()

    def test_each_set_sums_as_its_own_grouped_query_would(self) -> None:
        rows = CourseFigures.objects.filter(ended_on__isnull=False)
        sets = [("modality",), ("therapist",), ("modality", "month"), ("month",)]
        found = grouped(rows, KEYS, VALUES, [(), *sets])
        for chosen in sets:
            self.assertEqual(ordered(found[chosen]), ordered(by_orm(rows, chosen)), chosen)
        # A, B, C and D ended: 2 + 3 + 3 + 1 attended sessions.
        self.assertEqual(found[()], [{"courses": 4, "attended": 9}])

    def test_months_come_back_as_dates_on_every_database(self) -> None:
        found = grouped(CourseFigures.objects.exclude(ended_on=None), KEYS, VALUES, [("month",)])
        months = {row["month"] for row in found[("month",)]}
        self.assertEqual(months, {dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)})

    def test_no_rows_give_zero_totals_and_no_groups(self) -> None:
        found = grouped(CourseFigures.objects.filter(pk=-1), KEYS, VALUES, [(), ("modality",)])
        self.assertEqual(found[()], [{"courses": 0, "attended": 0}])
        self.assertEqual(found[("modality",)], [])

    def test_only_known_identifiers_reach_the_statement(self) -> None:
        rows = CourseFigures.objects.all()
        with self.assertRaises(ValueError):
            grouped(rows, KEYS, VALUES, [("room",)])
        with self.assertRaises(ValueError):
            grouped(rows, KEYS, {'x") FROM secrets --': Value(1)}, [()])
