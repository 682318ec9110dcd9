"""At a service's size the waiting lists read only the people waiting.

A service has decided every referral it ever had; only a few of those people wait at any
time. Each waiting list's count and page (in each of its orders), and the counts on the
page of all the waiting lists, go through indexes of the people waiting, so PostgreSQL
reads none of everyone decided before them, and reads a page's rows in the order shown
instead of sorting the whole list. The test's tables are a few rows, where any plan is
quick; asked to keep off whole tables, PostgreSQL shows whether it could.

PostgreSQL only: a large service runs on it. SQLite (a small service's database) plans
without statistics and may rightly sort a short list instead.
"""

import datetime as dt
from typing import Any
from unittest import skipUnless

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interplay.referrals.models import ReferralStatus
from interplay.test import BaseTestCase
from interplay.triage.tests.test_views import offered

LIST = reverse("waiting_list:modality", args=["ipt"])


@skipUnless(connection.vendor == "postgresql", "the plans of a large service's database")
class WaitingListPlanTests(BaseTestCase):
    def setUp(self) -> None:
        offered(self.triage, "ipt", days_ago=9)
        offered(self.triage, "dit", days_ago=5, date_of_birth=dt.date(1970, 1, 1))
        earlier = offered(self.triage, "ipt", days_ago=30, date_of_birth=dt.date(1980, 1, 1))
        earlier.status = ReferralStatus.ALLOCATED  # offered IPT, no longer waiting
        earlier.save(update_fields=["status"])
        self.sign_in(self.triage)

    def reads(self, url: str) -> list[str]:
        """The page's statements that read the people waiting, by the modality offered."""
        self.client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        reads = [q["sql"] for q in captured.captured_queries if "offered_modality" in q["sql"]]
        for sql in reads:  # everyone the service ever decided stays unread
            self.assertNotIn("triage_triagedecision", sql)
        return reads

    def plan(self, sql: str) -> str:
        with connection.cursor() as cursor:
            # Until the test's transaction ends: a few rows fit in one block, which
            # PostgreSQL rightly reads whole; a real service's tables do not.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        self.assertNotIn("Seq Scan", plan, plan)
        return plan

    def assert_page_read_in_order(self, sql: str, index: str) -> None:
        plan = self.plan(sql)
        self.assertRegex(plan, rf"Index Scan (Backward )?using {index} on referrals_referral")
        self.assertNotIn("Sort", plan.replace("Sort Key", ""), plan)

    def test_each_connection_prices_index_probes_as_on_ssds(self) -> None:
        # Asked for at connection start (DATABASE_RANDOM_PAGE_COST): with the default of 4
        # PostgreSQL reads whole tables rather than probe a caseload's few rows.
        with connection.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            self.assertEqual(cursor.fetchone(), ("1.1",))

    def test_a_statement_a_connection_runs_again_is_prepared_once(self) -> None:
        # DATABASE_PREPARED_STATEMENTS: sent apart from its values, a page's read is parsed
        # once per connection, not once per request.
        for _ in range(4):
            self.client.get(LIST)
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        self.assertTrue(any('FROM "referrals_referral"' in sql for sql in prepared), prepared)

    def test_a_list_counts_and_reads_its_page_from_indexes(self) -> None:
        count, page = self.reads(LIST)
        self.assertIn("COUNT(", count)
        self.assertIn("Index Only Scan using waiting_list_", self.plan(count))
        self.assert_page_read_in_order(page, "waiting_list_order")

    def test_each_sorted_order_reads_its_page_from_an_index(self) -> None:
        for sort, index in [
            ("person", "waiting_list_by_name"),
            ("-person", "waiting_list_by_name"),
            ("referred", "waiting_list_by_date"),
            ("waited", "waiting_list_by_date"),
        ]:
            with self.subTest(sort=sort):
                _count, page = self.reads(f"{LIST}?sort={sort}")
                self.assert_page_read_in_order(page, index)

    def test_the_page_of_all_the_lists_counts_from_indexes(self) -> None:
        (counts,) = self.reads(reverse("waiting_list:index"))
        self.assertIn("Index Only Scan using waiting_list_", self.plan(counts))

    def test_the_lists_hold_exactly_the_people_waiting(self) -> None:
        response = self.client.get(LIST)
        self.assertEqual(len(response.context["rows"]), 1)
        self.assertContains(response, "1 waiting")


@skipUnless(connection.vendor == "sqlite", "SQLite's plans, with the page's own parameters")
class WaitingListCountOnSQLiteTests(BaseTestCase):
    """SQLite counts a list from its index alone: the status is a column of the waiting
    lists' indexes, so it never reads a table row to check that a person still waits
    (at a million referrals, 7 ms a view where the index alone takes under 1 ms)."""

    def setUp(self) -> None:
        offered(self.triage, "ipt", days_ago=9)
        self.sign_in(self.triage)

    def counts(self, url: str) -> list[tuple[str, Any]]:
        sent: list[tuple[str, Any]] = []

        def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if "COUNT(" in sql and "offered_modality" in sql:
                sent.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(keep):
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertTrue(sent)
        return sent

    def plan(self, sql: str, params: Any) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())

    def test_a_list_counts_its_people_from_an_index_alone(self) -> None:
        (count,) = self.counts(LIST)
        self.assertIn("USING COVERING INDEX waiting_list_", self.plan(*count))
