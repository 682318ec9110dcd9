"""A therapist's own outcome figures on their caseload page: theirs, and only theirs."""

import datetime as dt
from typing import Any, ClassVar

import time_machine
from django.urls import reverse

from interplay.reports import figures, own
from interplay.reports.own import own_figures
from interplay.reports.tests.service import build_service
from interplay.test import BaseTestCase, sign_in

MIDSUMMER = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)


class OwnFiguresTests(BaseTestCase):
    people: ClassVar[dict[str, Any]]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.people = build_service()

    def test_the_figures_count_only_the_therapists_own_finished_courses(self) -> None:
        sam = own_figures(self.people["sam"], today=dt.date(2026, 6, 30))
        # A and B: A recovered; B was not at caseness, so it leaves the denominator.
        self.assertEqual((sam.start, sam.finished), (dt.date(2025, 7, 1), 2))
        recovery = sam.rates[0]
        self.assertEqual(
            (recovery.value, recovery.numerator, recovery.denominator), ("100.0%", 1, 1)
        )
        self.assertEqual(sam.mean_sessions, 2.5)
        kim = own_figures(self.people["kim"], today=dt.date(2026, 6, 30))
        self.assertEqual((kim.finished, kim.rates[0].value), (1, "0.0%"))

    def test_the_counts_are_the_dashboards_for_that_therapist(self) -> None:
        today = dt.date(2026, 6, 30)
        for person in (self.people["sam"], self.people["kim"], self.therapist):
            mine = own_figures(person, today=today)
            counts = figures.course_tallies(
                figures.Filters(start=mine.start, end=today, therapist_id=person.pk),
                figures.Policy.of_service(),
                keys=own.KEYS,
            )
            self.assertEqual(mine.finished, counts["finished"])
            self.assertEqual(
                [(r.numerator, r.denominator) for r in mine.rates],
                [(counts[r.numerator], r.base(counts)) for r in figures.OUTCOME_RATES],
            )
            sessions = counts["sessions_finished"]
            self.assertEqual(
                mine.mean_sessions, sessions / mine.finished if mine.finished else None
            )

    def test_the_caseload_page_shows_them(self) -> None:
        sign_in(self.client, self.people["kim"])
        with time_machine.travel(MIDSUMMER):
            page = self.client.get(reverse("caseload"))
        self.assertContains(page, "My outcome figures")
        self.assertContains(page, "from 1 July 2025 to 30 June 2026: 1,")
        # C is the mixed case: reliable deterioration under the service's default rule.
        self.assertContains(page, "Reliable deterioration rate")
        self.assertContains(page, "100.0%")

    def test_a_therapist_with_no_finished_course_sees_none_yet(self) -> None:
        self.sign_in(self.therapist)
        page = self.client.get(reverse("caseload"))
        self.assertContains(page, "No courses yet")
