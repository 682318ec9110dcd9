"""The waiting list sorts by a column on the server; an unknown column is refused."""

import datetime as dt

import time_machine
from django.urls import reverse

from interplay.referrals.models import Referral
from interplay.test import AUDIT_WRITE, BaseTestCase
from interplay.triage.tests.test_views import offered

URL = reverse("waiting_list:modality", args=["ipt"])


@time_machine.travel("2026-11-25 12:00 +00:00", tick=False)
class WaitingListSortingTests(BaseTestCase):
    def setUp(self) -> None:
        offered(self.triage, days_ago=10, first_name="Bea", last_name="Carter")
        offered(
            self.triage,
            days_ago=30,
            first_name="Ann",
            last_name="Young",
            nhs_number="9434765919",
            date_of_birth=dt.date(1980, 1, 1),
        )
        offered(
            self.triage,
            days_ago=20,
            first_name="Cal",
            last_name="Adams",
            date_of_birth=dt.date(1990, 1, 1),
        )
        Referral.objects.filter(first_name="Cal").update(urgent=True)
        self.sign_in(self.triage)

    def names(self, query: str = "") -> list[str]:
        response = self.client.get(f"{URL}{query}")
        self.assertEqual(response.status_code, 200)
        return [referral.first_name for referral, _ in response.context["rows"]]

    def test_its_own_order_is_urgent_first_then_the_longest_waiting(self) -> None:
        self.assertEqual(self.names(), ["Cal", "Ann", "Bea"])

    def test_by_surname_and_back(self) -> None:
        self.assertEqual(self.names("?sort=person"), ["Cal", "Bea", "Ann"])
        self.assertEqual(self.names("?sort=-person"), ["Ann", "Bea", "Cal"])

    def test_by_days_waited_either_way(self) -> None:
        self.assertEqual(self.names("?sort=-waited"), ["Ann", "Cal", "Bea"])
        self.assertEqual(self.names("?sort=waited"), ["Bea", "Cal", "Ann"])
        self.assertEqual(self.names("?sort=referred"), ["Ann", "Cal", "Bea"])

    def test_the_header_says_how_the_rows_are_sorted_and_links_the_other_way(self) -> None:
        response = self.client.get(f"{URL}?sort=person")
        self.assertContains(response, 'aria-sort="ascending"', count=1)
        self.assertContains(response, 'href="?sort=-person"')
        self.assertContains(response, 'href="?sort=waited"')

    def test_an_unknown_column_is_refused(self) -> None:
        for forged in ("nhs_number", "-email", "person;drop"):
            self.assertEqual(self.client.get(f"{URL}?sort={forged}").status_code, 400, forged)

    def test_sorting_keeps_the_query_count(self) -> None:
        self.client.get(f"{URL}?sort=-person")
        with self.assertNumQueries(6 + AUDIT_WRITE):
            self.client.get(f"{URL}?sort=-person")
        for n in range(4):
            offered(self.triage, days_ago=n, date_of_birth=dt.date(1960 + n, 1, 1))
        with self.assertNumQueries(6 + AUDIT_WRITE):
            response = self.client.get(f"{URL}?sort=-person")
        self.assertEqual(len(response.context["rows"]), Referral.objects.count())
