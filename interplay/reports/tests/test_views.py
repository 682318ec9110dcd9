"""The dashboard, the lists behind its figures and the downloads, as a manager meets them."""

import csv
import datetime as dt
import io
from typing import Any, ClassVar
from unittest.mock import patch

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.reports import capacity, rows, tables
from interplay.reports.export import neutral
from interplay.reports.tests.service import build_service
from interplay.test import BaseTestCase, course_for, make_clinician, make_referral

# The hand-built service's half-year, as the filter form sends it.
HALF_YEAR = {
    "period": "custom",
    **{f"start_{n}": v for n, v in zip("012", ("1", "1", "2026"), strict=True)},
    **{f"end_{n}": v for n, v in zip("012", ("30", "6", "2026"), strict=True)},
}
PAGES = [
    ("reports:dashboard", []),
    ("reports:list", ["finished"]),
    ("reports:list_csv", ["finished"]),
    ("reports:table_csv", ["outcomes"]),
]


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


class PermissionTests(BaseTestCase):
    def test_anonymous_people_are_sent_to_sign_in(self) -> None:
        for name, args in PAGES:
            response = self.client.get(reverse(name, args=args))
            self.assertEqual(response.status_code, 302, name)
            self.assertIn(reverse("accounts:login"), response["Location"])

    def test_clinical_roles_are_refused(self) -> None:
        for user in (self.therapist, self.supervisor, self.triage):
            self.sign_in(user)
            for name, args in PAGES:
                self.assertEqual(self.client.get(reverse(name, args=args)).status_code, 403)

    def test_managers_and_administrators_see_the_figures(self) -> None:
        for user in (self.manager, self.admin):
            self.sign_in(user)
            for name, args in PAGES:
                self.assertEqual(self.client.get(reverse(name, args=args)).status_code, 200)

    def test_an_unknown_figure_or_table_is_not_found(self) -> None:
        self.sign_in(self.manager)
        self.assertEqual(self.client.get(reverse("reports:list", args=["x"])).status_code, 404)
        found = self.client.get(reverse("reports:table_csv", args=["x"]))
        self.assertEqual(found.status_code, 404)

    def test_the_header_links_to_the_figures_only_for_those_who_may_see_them(self) -> None:
        self.sign_in(self.manager)
        home = self.client.get(reverse("home"), follow=True).content.decode()
        self.assertIn(f'href="{reverse("reports:dashboard")}"', home)
        self.sign_in(self.therapist)
        home = self.client.get(reverse("home"), follow=True).content.decode()
        self.assertNotIn(f'href="{reverse("reports:dashboard")}"', home)


class FilterFormTests(BaseTestCase):
    def test_custom_dates_are_required_and_in_order_with_messages_beside_them(self) -> None:
        self.sign_in(self.manager)
        response = self.client.get(reverse("reports:dashboard"), {"period": "custom"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Enter the start date of the period", status_code=400)
        backwards = {**HALF_YEAR, "end_2": "2025"}
        response = self.client.get(reverse("reports:dashboard"), backwards)
        self.assertContains(
            response, "The end date must be on or after the start date", status_code=400
        )
        # What was typed stays in the boxes.
        self.assertContains(response, 'value="2025"', status_code=400)

    def test_a_month_quarter_or_year_ends_with_the_chosen_month(self) -> None:
        self.sign_in(self.manager)
        for period, first in (("month", "1 March"), ("quarter", "1 January"), ("year", "1 April")):
            response = self.client.get(
                reverse("reports:dashboard"), {"period": period, "month": "2026-03"}
            )
            self.assertContains(response, f"From {first} 202")
            self.assertContains(response, "to 31 March 2026")


class DashboardTests(BaseTestCase):
    people: ClassVar[dict[str, Any]]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.people = build_service()

    def setUp(self) -> None:
        self.sign_in(self.manager)

    def dashboard(self, **extra: str) -> str:
        response = self.client.get(reverse("reports:dashboard"), {**HALF_YEAR, **extra})
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_each_figure_shows_its_numbers_definition_and_list(self) -> None:
        page = self.dashboard()
        self.assertIn("Recovery rate", page)
        self.assertIn("50.0%", page)
        self.assertIn("2 (3 finished - 1 not at caseness)", page)
        self.assertIn("Recovered ÷ (finished - finished not at caseness)", page)
        self.assertIn(reverse("reports:list", args=["recovered"]) + "?period=custom", page)

    def test_the_monthly_trends_are_charted_beside_their_tables(self) -> None:
        page = self.dashboard()
        for key in ("monthly_referrals", "monthly_waits", "monthly_recovery"):
            self.assertIn(f'data-testid="chart-{key}"', page)
        self.assertIn(
            'alt="Bar chart of referrals received each month: January 2026 2 referrals;', page
        )
        self.assertIn("March 2026 28 days", page)  # C, the one course finishing in March

    def test_no_person_is_named(self) -> None:
        page = self.dashboard()
        listed = self.client.get(reverse("reports:list", args=["ended"]), HALF_YEAR)
        for name in ("Avery", "Blake", "Casey", "Devon", "Testwell"):
            self.assertNotIn(name, page)
            self.assertNotContains(listed, name)
        self.assertContains(listed, self.people["Avery"].referral.reference)

    def test_a_drill_down_lists_as_many_as_its_figure_counts(self) -> None:
        for figure, count in (("finished", 3), ("received", 5), ("ended_unfinished", 1)):
            listed = self.client.get(reverse("reports:list", args=[figure]), HALF_YEAR)
            self.assertEqual(len(listed.context["rows"]), count, figure)
            self.assertContains(listed, f">{count}, from 1 January 2026")
        missed = self.client.get(reverse("reports:list", args=["did_not_attend"]), HALF_YEAR)
        self.assertEqual(sum(int(row[-1]) for row in missed.context["rows"]), 2)

    def test_filters_narrow_the_figures(self) -> None:
        page = self.dashboard(modality="dit")
        self.assertIn("0.0% (0 of 1)", page)  # C is the one DIT course; not recovered

    def test_a_long_table_of_therapists_shows_a_page_at_a_time_and_downloads_whole(
        self,
    ) -> None:
        with patch.object(tables, "THERAPISTS_PER_PAGE", 1):
            first = self.client.get(reverse("reports:dashboard"), HALF_YEAR)
            second = self.client.get(
                reverse("reports:dashboard"), {**HALF_YEAR, "by_therapist_page": "2"}
            )
        # Kim and Sam, by name, one a page; the other's name is on the other page.
        shown = next(t for t in first.context["tables"] if t.key == "by_therapist")
        self.assertEqual([row[0].text for row in shown.rows], ["Kim"])
        self.assertContains(first, "Therapists 1 to 1 of 2, by name")
        self.assertContains(first, "by_therapist_page=2#by_therapist")
        shown = next(t for t in second.context["tables"] if t.key == "by_therapist")
        self.assertEqual([row[0].text for row in shown.rows], ["Sam"])
        self.assertContains(second, "Page 1 of 2")
        # The download holds every therapist, whatever the page.
        download = self.client.get(reverse("reports:table_csv", args=["by_therapist"]), HALF_YEAR)
        self.assertEqual([row[0] for row in csv_rows(download)[1:]], ["Kim", "Sam"])

    def test_a_table_that_fits_on_a_page_has_no_pages(self) -> None:
        page = self.dashboard()
        self.assertNotIn("by_therapist_page", page)
        self.assertNotIn("Therapists 1 to", page)

    def test_the_capacity_table_pages_its_therapists_and_keeps_the_service_total(self) -> None:
        with patch.object(tables, "THERAPISTS_PER_PAGE", 1):
            response = self.client.get(
                reverse("reports:dashboard"), {**HALF_YEAR, "capacity_page": "2"}
            )
        shown = next(t for t in response.context["tables"] if t.key == "capacity")
        # The second therapist by name, then the whole service's row, counted over all.
        everyone = capacity.places()
        self.assertGreater(len(everyone), 2)
        self.assertEqual([row[0].text for row in shown.rows], [everyone[1].name, "All therapists"])
        self.assertEqual(shown.rows[-1][1].text, str(sum(p.places for p in everyone)))

    def test_the_therapist_filter_offers_every_therapist_and_keeps_the_choice(self) -> None:
        sam = self.people["sam"]
        page = self.dashboard(therapist=str(sam.public_id))
        self.assertIn(f'<option value="{sam.public_id}" selected>Sam</option>', page)
        self.assertIn('<option value="">All therapists</option>', page)
        self.assertIn(">Kim</option>", page)

    def test_a_therapist_name_is_escaped_in_the_filter(self) -> None:
        sly = make_clinician("sly", Role.THERAPIST)
        sly.first_name = "<b>Sly</b>"
        sly.save()
        page = self.dashboard()
        self.assertIn("&lt;b&gt;Sly&lt;/b&gt;</option>", page)
        self.assertNotIn("<b>Sly</b>", page)

    def test_the_dashboard_and_lists_are_audited(self) -> None:
        self.dashboard()
        self.client.get(reverse("reports:list", args=["finished"]), HALF_YEAR)
        viewed = AuditEvent.objects.by_action("reports.dashboard_viewed").get()
        self.assertEqual(viewed.detail["start"], "2026-01-01")
        listed = AuditEvent.objects.by_action("reports.list_viewed").get()
        self.assertEqual(len(listed.detail["references"]), 3)

    def test_a_table_downloads_as_the_page_shows_it(self) -> None:
        response = self.client.get(reverse("reports:table_csv", args=["outcomes"]), HALF_YEAR)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        found = csv_rows(response)
        self.assertEqual(found[0][:4], ["Figure", "Rate", "Numerator", "Denominator"])
        self.assertEqual(found[1][:3], ["Recovery rate", "50.0%", "1"])
        event = AuditEvent.objects.by_action("reports.downloaded").get()
        self.assertEqual(event.detail["table"], "outcomes")

    def test_a_list_downloads_whole(self) -> None:
        response = self.client.get(reverse("reports:list_csv", args=["ended"]), HALF_YEAR)
        found = csv_rows(response)
        self.assertEqual(len(found), 1 + 4)
        self.assertEqual(found[0][0], "Referral")
        self.assertTrue(AuditEvent.objects.by_action("reports.downloaded").exists())


class CsvInjectionTests(BaseTestCase):
    def test_cells_a_spreadsheet_would_run_are_made_text(self) -> None:
        for start in ("=", "+", "-", "@", "\t", "\r"):
            self.assertEqual(neutral(f"{start}1+1"), f"'{start}1+1")
        self.assertEqual(neutral("50.0%"), "50.0%")
        self.assertEqual(neutral(None), "")

    def test_a_therapist_named_like_a_formula_downloads_as_text(self) -> None:
        sly = make_clinician("sly", Role.THERAPIST)
        sly.first_name, sly.last_name = '=HYPERLINK("http://example.org")', ""
        sly.save()
        course_for(sly, first_date=dt.date(2026, 1, 5))
        self.sign_in(self.manager)
        response = self.client.get(
            reverse("reports:table_csv", args=["capacity"]), {"period": "year"}
        )
        names = [row[0] for row in csv_rows(response)]
        self.assertIn('\'=HYPERLINK("http://example.org")', names)


class QueryCountTests(BaseTestCase):
    def test_the_dashboard_and_a_list_take_the_same_queries_at_two_sizes(self) -> None:
        self.sign_in(self.manager)
        therapist = make_clinician("ann", Role.THERAPIST, caseload_capacity=20)
        rows.refresh(course_for(therapist, first_date=dt.date(2026, 1, 5), first_name="Ann"))
        make_referral(first_name="Bo", email="")
        urls = [
            reverse("reports:dashboard"),
            reverse("reports:list", args=["entered"]),
            reverse("reports:list", args=["received"]),
        ]
        self.client.get(urls[0])  # the service's settings row is made on first use
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as small:
                self.assertEqual(self.client.get(url, {"period": "year"}).status_code, 200)
            counts.append(len(small))
        for n in range(2):
            other = make_clinician(f"bea{n}", Role.THERAPIST, caseload_capacity=20)
            rows.refresh(course_for(other, first_date=dt.date(2026, 2, 2), first_name=f"Cy{n}"))
            make_referral(first_name=f"Di{n}", email="")
        for url, count in zip(urls, counts, strict=True):
            with self.assertNumQueries(count):
                self.client.get(url, {"period": "year"})
