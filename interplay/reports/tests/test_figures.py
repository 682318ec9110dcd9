"""The service figures on a small service whose answers are worked out by hand (see
``service.py`` for the courses and their sessions)."""

import datetime as dt
from typing import Any, ClassVar

from django.db import connection
from django.db.models import Q
from django.test import SimpleTestCase

from interplay.reports import capacity, figures, rates, series
from interplay.reports.figures import Filters, Policy
from interplay.reports.tests.service import build_service
from interplay.test import BaseTestCase, make_referral

HALF_YEAR = Filters(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
CORC = Policy("deterioration", True)


class HandBuiltServiceTests(BaseTestCase):
    people: ClassVar[dict[str, Any]]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.people = build_service()

    def count(self, filters: Filters = HALF_YEAR, policy: Policy = CORC) -> dict[str, int]:
        return figures.tallies(filters, policy)

    def test_referrals_are_counted_by_arrival_and_source(self) -> None:
        counts = self.count()
        # C, D, E, U and W arrived in the half-year; A and B in 2025.
        self.assertEqual(counts["received"], 5)
        self.assertEqual(
            [counts[f"received_{s}"] for s in ("self", "gp", "other_health", "other")],
            [3, 1, 0, 1],
        )
        self.assertEqual(counts["triaged"], 4)  # C, D, E and W; U is not triaged yet
        self.assertEqual(
            (counts["waiting"], counts["waiting_dit"], counts["waiting_ipt"]), (1, 1, 0)
        )

    def test_referrals_by_month(self) -> None:
        self.assertEqual(
            series.monthly_referrals(HALF_YEAR, CORC),
            {
                dt.date(2026, 1, 1): 2,
                dt.date(2026, 2, 1): 1,
                dt.date(2026, 3, 1): 1,
                dt.date(2026, 4, 1): 1,
            },
        )

    def test_courses_entering_ending_and_finishing(self) -> None:
        counts = self.count()
        self.assertEqual(counts["entered"], 5)
        self.assertEqual(counts["ended"], 4)
        # A finished with exactly two attended sessions; D ended after one.
        self.assertEqual((counts["finished"], counts["ended_unfinished"]), (3, 1))

    def test_the_published_outcome_rates(self) -> None:
        counts = self.count()
        recovery = figures.RATES["recovery"]
        # B was not at caseness at the start, so it leaves the recovery denominator.
        self.assertEqual(counts["finished_not_at_caseness"], 1)
        self.assertEqual((counts["recovered"], recovery.base(counts)), (1, 2))
        self.assertEqual(recovery.of(counts), 50.0)
        self.assertEqual(counts["reliably_improved"], 2)  # A and B; C is mixed
        self.assertAlmostEqual(figures.RATES["reliable_improvement"].of(counts) or 0, 200 / 3)
        self.assertEqual(figures.RATES["reliable_recovery"].of(counts), 50.0)  # A of A, C

    def test_the_mixed_case_under_each_rule(self) -> None:
        corc = self.count()
        neither = self.count(policy=Policy("no_change", True))
        self.assertEqual((corc["reliably_improved"], corc["reliably_deteriorated"]), (2, 1))
        self.assertEqual((neither["reliably_improved"], neither["reliably_deteriorated"]), (2, 0))

    def test_waits_of_exactly_six_weeks_count_as_within_unless_the_service_says_not(
        self,
    ) -> None:
        inclusive = self.count()
        exclusive = self.count(policy=Policy("deterioration", False))
        self.assertEqual((inclusive["within_6_weeks"], exclusive["within_6_weeks"]), (2, 1))
        self.assertEqual(inclusive["within_18_weeks"], 3)
        self.assertTrue(rates.within(42, 6) and not rates.within(42, 6, inclusive=False))
        self.assertAlmostEqual(figures.RATES["within_6_weeks"].of(inclusive) or 0, 200 / 3)
        self.assertFalse(figures.RATES["within_6_weeks"].meets(inclusive))  # under 75%

    def test_median_waits(self) -> None:
        waits = series.waits(HALF_YEAR, CORC)
        self.assertEqual(waits.histogram, {42: 1, 43: 1, 28: 1})
        self.assertEqual(waits.median_days, 42)
        # A 7 days, B 14 (missed its second session), C 21 (two cancelled between).
        self.assertEqual(waits.gaps, {7: 1, 14: 1, 21: 1})
        self.assertEqual(waits.median_gap_days, 14)
        self.assertEqual(
            waits.monthly_medians(),
            {dt.date(2026, 1, 1): 42, dt.date(2026, 2, 1): 43, dt.date(2026, 3, 1): 28},
        )

    def test_attendance_and_data_completeness(self) -> None:
        counts = self.count()
        self.assertEqual((counts["attended"], counts["did_not_attend"]), (9, 2))
        self.assertAlmostEqual(figures.RATES["did_not_attend"].of(counts) or 0, 200 / 11)
        self.assertEqual((counts["cancelled_by_patient"], counts["cancelled_by_service"]), (1, 1))
        self.assertEqual(counts["sessions_finished"], 8)  # 2 + 3 + 3 over 3 courses
        self.assertEqual(counts["attended_with_paired_scores"], 7)

    def test_filters_by_modality_therapist_and_source(self) -> None:
        dit = self.count(Filters(HALF_YEAR.start, HALF_YEAR.end, modality="dit"))
        self.assertEqual((dit["finished"], dit["received"], dit["waiting"]), (1, 2, 1))
        sam = self.count(
            Filters(HALF_YEAR.start, HALF_YEAR.end, therapist_id=self.people["sam"].pk)
        )
        self.assertEqual((sam["finished"], sam["entered"], sam["received"]), (2, 3, 1))
        gp = self.count(Filters(HALF_YEAR.start, HALF_YEAR.end, source="gp"))
        self.assertEqual((gp["finished"], gp["received"]), (1, 1))

    def test_the_period_bounds_are_both_included(self) -> None:
        # A's first session was on 12 January and it ended on 20 January.
        january_12 = self.count(Filters(dt.date(2026, 1, 12), dt.date(2026, 1, 12)))
        self.assertEqual(january_12["entered"], 2)
        january_20 = self.count(Filters(dt.date(2026, 1, 20), dt.date(2026, 1, 20)))
        self.assertEqual(january_20["finished"], 1)

    def test_outcomes_per_modality_and_per_therapist(self) -> None:
        by_modality = series.breakdown(HALF_YEAR, CORC, "modality")
        self.assertEqual(set(by_modality), {"ipt", "dit"})
        self.assertEqual(figures.RATES["recovery"].of(by_modality["ipt"]), 100.0)
        self.assertEqual(figures.RATES["recovery"].of(by_modality["dit"]), 0.0)
        by_therapist = series.breakdown(HALF_YEAR, CORC, "therapist")
        self.assertEqual(by_therapist[self.people["sam"].pk]["finished"], 2)
        self.assertEqual(by_therapist[self.people["kim"].pk]["reliably_deteriorated"], 1)

    def test_capacity_places_used_and_free(self) -> None:
        found = {p.name: p for p in capacity.places()}
        # Only E is still in progress: one of Sam's five places.
        self.assertEqual((found["Sam"].places, found["Sam"].used, found["Sam"].free), (5, 1, 4))
        self.assertEqual(found["Sam"].used_by_modality, {"ipt": 1})
        self.assertEqual((found["Kim"].used, found["Kim"].free), (0, 4))

    def test_each_drill_down_holds_exactly_what_its_figure_counts(self) -> None:
        for policy in (CORC, Policy("no_change", False)):
            counts = self.count(policy=policy)
            for tally in figures.TALLIES:
                rows = figures.rows_of(tally, HALF_YEAR, policy)
                if tally.total:
                    listed = sum(rows.annotate(n=tally.value()).values_list("n", flat=True))
                else:
                    listed = rows.count()
                self.assertEqual(listed, counts[tally.key], tally.key)

    def test_every_referral_tally_is_counted_in_exactly_one_group(self) -> None:
        grouped = [t.key for _, chosen in figures.REFERRAL_GROUPS for t in chosen]
        self.assertCountEqual(grouped, [t.key for t in figures.REFERRAL_TALLIES])

    def test_the_figures_take_the_same_queries_whatever_the_size(self) -> None:
        # Courses that began treatment in the period, and those that ended in it.
        with self.assertNumQueries(2):
            figures.course_tallies(HALF_YEAR, CORC)
        # Arrivals, decisions and today's waiting lists: each read through its own index.
        with self.assertNumQueries(3):
            figures.referral_tallies(HALF_YEAR, CORC)
        # The courses that ended: their tallies, then one read grouped four ways (on
        # PostgreSQL inside a transaction of its own that gives it room to hash).
        postgresql = connection.vendor == "postgresql"
        with self.assertNumQueries(5 if postgresql else 2):
            series.ended(HALF_YEAR, CORC)
        with self.assertNumQueries(2):
            capacity.places()

    def test_the_outcomes_by_therapy_therapist_and_month_add_up_to_the_whole(self) -> None:
        ended = series.ended(HALF_YEAR, CORC)
        total = figures.course_tallies(HALF_YEAR, CORC)
        self.assertEqual(list(ended.by["month"]), sorted(ended.by["month"]))
        self.assertEqual(set(ended.by["month"]), {dt.date(2026, m, 1) for m in (1, 2, 3)})
        for by in series.BREAKDOWNS:
            for key in figures.OUTCOME_KEYS:
                added = sum(counts[key] for counts in ended.by[by].values())
                self.assertEqual(added, total[key], (by, key))
        self.assertEqual({k: total[k] for k in figures.ENDED_KEYS}, ended.counts)

    def test_the_breakdowns_follow_the_filters(self) -> None:
        dit = series.ended(Filters(HALF_YEAR.start, HALF_YEAR.end, modality="dit"), CORC)
        self.assertEqual(set(dit.by["modality"]), {"dit"})
        # Only C: DIT, waited 28 days, ended in March, 21 days from its first session
        # to its second (two cancelled between).
        self.assertEqual(dit.waits.by_month, {dt.date(2026, 3, 1): {28: 1}})
        self.assertEqual(dit.waits.gaps, {21: 1})
        self.assertEqual(dit.counts["finished"], 1)


class MedianTests(BaseTestCase):
    def test_the_median_of_a_histogram(self) -> None:
        self.assertIsNone(series.median_of({}))
        self.assertEqual(series.median_of({3: 1}), 3)
        self.assertEqual(series.median_of({1: 1, 5: 1}), 3)
        self.assertEqual(series.median_of({1: 2, 9: 1}), 1)
        self.assertEqual(series.median_of({10: 2, 20: 2}), 15)

    def test_the_published_arithmetic_of_april_2025(self) -> None:
        counts = {"reliably_recovered": 26457, "finished_at_caseness": 54672}
        self.assertEqual(round(figures.RATES["reliable_recovery"].of(counts) or 0, 1), 48.4)
        counts = {"recovered": 23291, "finished": 48111, "finished_not_at_caseness": 2957}
        self.assertEqual(round(figures.RATES["recovery"].of(counts) or 0, 1), 51.6)


class BeyondTests(SimpleTestCase):
    """A tally over rows the query already restricts tests only what is left."""

    def test_the_terms_the_query_holds_are_left_out(self) -> None:
        period = Q(received_at__gte=1, received_at__lt=2)
        self.assertEqual(figures.beyond(period & Q(source="gp"), period), Q(source="gp"))
        self.assertEqual(figures.beyond(period, period), Q())

    def test_anything_else_is_kept_whole(self) -> None:
        period = Q(received_at__gte=1, received_at__lt=2)
        other = Q(received_at__gte=1) & Q(source="gp")
        self.assertEqual(figures.beyond(other, period), other)
        either = period | Q(source="gp")
        self.assertEqual(figures.beyond(either, period), either)
        self.assertEqual(
            figures.beyond(~(period & Q(urgent=True)), period), ~(period & Q(urgent=True))
        )
        self.assertEqual(figures.beyond(period & Q(source="gp"), None), period & Q(source="gp"))


class MonthlyReferralsTests(BaseTestCase):
    def test_a_referral_counts_in_the_services_month_and_the_period_clips_its_months(
        self,
    ) -> None:
        for moment in (
            dt.datetime(2026, 3, 31, 22, 59, tzinfo=dt.UTC),  # 23:59 on 31 March, BST
            dt.datetime(2026, 3, 31, 23, 0, tzinfo=dt.UTC),  # midnight, 1 April, BST
            dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 4, 20, 9, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 5, 2, 9, 0, tzinfo=dt.UTC),  # after the period below
        ):
            make_referral(received_at=moment, email="")
        self.assertEqual(
            series.monthly_referrals(Filters(dt.date(2026, 3, 1), dt.date(2026, 4, 30)), CORC),
            {dt.date(2026, 3, 1): 1, dt.date(2026, 4, 1): 3},
        )
        # From 15 March to 15 April: the first and last months hold only their own days;
        # a month with none is left out.
        self.assertEqual(
            series.monthly_referrals(Filters(dt.date(2026, 3, 15), dt.date(2026, 4, 15)), CORC),
            {dt.date(2026, 3, 1): 1, dt.date(2026, 4, 1): 2},
        )
        self.assertEqual(
            series.monthly_referrals(Filters(dt.date(2026, 6, 1), dt.date(2026, 7, 31)), CORC),
            {},
        )
