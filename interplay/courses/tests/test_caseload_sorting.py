"""The caseload sorts by person, therapy or next session on the server."""

import datetime as dt

import time_machine
from django.urls import reverse

from interplay.courses import services
from interplay.test import AUDIT_WRITE, BaseTestCase, allocated_to, give_hours, qualify

URL = reverse("caseload")
# (first name, surname, NHS number, first session): a Monday each, a week apart.
PEOPLE = [
    ("Ann", "Young", "9434765919", dt.date(2026, 12, 14)),
    ("Bea", "Carter", "9434765870", dt.date(2026, 12, 7)),
    ("Cal", "Adams", "9434765862", dt.date(2026, 12, 21)),
]


@time_machine.travel("2026-12-01 09:00 +00:00", tick=False)
class CaseloadSortingTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        for first, last, nhs_number, first_date in PEOPLE:
            self.start(first, last, nhs_number, first_date)
        self.sign_in(self.therapist)

    def start(self, first: str, last: str, nhs_number: str, first_date: dt.date) -> None:
        referral = allocated_to(
            self.therapist, "ipt", first_name=first, last_name=last, nhs_number=nhs_number
        )
        services.start_course(
            actor=self.therapist,
            referral=referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=first_date,
            history=True,
        )

    def names(self, query: str = "") -> list[str]:
        response = self.client.get(f"{URL}{query}")
        self.assertEqual(response.status_code, 200)
        return [row["course"].patient.first_name for row in response.context["rows"]]

    def test_by_surname_unless_told_otherwise(self) -> None:
        self.assertEqual(self.names(), ["Cal", "Bea", "Ann"])
        self.assertEqual(self.names("?sort=-person"), ["Ann", "Bea", "Cal"])

    def test_by_next_session_soonest_first_and_back(self) -> None:
        self.assertEqual(self.names("?sort=next"), ["Bea", "Ann", "Cal"])
        self.assertEqual(self.names("?sort=-next"), ["Cal", "Ann", "Bea"])
        response = self.client.get(f"{URL}?sort=next")
        self.assertContains(response, 'aria-sort="ascending"', count=1)
        self.assertContains(response, 'href="?sort=-next"')

    def test_an_unknown_column_is_refused(self) -> None:
        self.assertEqual(self.client.get(f"{URL}?sort=patient__nhs_number").status_code, 400)

    def test_sorting_keeps_the_query_count(self) -> None:
        self.client.get(f"{URL}?sort=next")
        with self.assertNumQueries(10 + AUDIT_WRITE):
            self.client.get(f"{URL}?sort=next")
        self.start("Dee", "Brown", "9434765889", dt.date(2026, 12, 28))
        with self.assertNumQueries(10 + AUDIT_WRITE):
            response = self.client.get(f"{URL}?sort=next")
        self.assertEqual(len(response.context["rows"]), 4)
        with self.assertNumQueries(10 + AUDIT_WRITE):
            self.client.get(f"{URL}?sort=-therapy")
