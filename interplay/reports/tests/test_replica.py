"""The service figures read from a read replica through the database router.

Without a replica, everything goes to the one database, as before. With one (a real
PostgreSQL streaming replica of the test database's cluster, given as
INTERPLAY_TEST_REPLICA_URL; `.ci/replica` makes one on 127.0.0.1:5433), the dashboard
and the lists read from it, their figures show what the primary holds once replicated,
and nothing is ever written there.
"""

import os
import time
import unittest
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dj_database_url
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test import SimpleTestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.db_router import REPLICA, ReplicaRouter, replica_reads
from interplay.referrals.models import Referral
from interplay.reports.models import CourseFigures
from interplay.test import make_referral, make_user, sign_in

REPLICA_URL = os.environ.get("INTERPLAY_TEST_REPLICA_URL", "")
WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def replica_alias(settings_dict: dict[str, Any]) -> Iterator[None]:
    """A ``replica`` database alias for the length of the block."""
    # Django's defaults filled in (it insists on a default alias in what it is given).
    configured = connections.configure_settings({DEFAULT_DB_ALIAS: {}, REPLICA: settings_dict})[
        REPLICA
    ]
    connections.settings[REPLICA] = configured
    try:
        yield
    finally:
        opened = connections.all(initialized_only=True)
        if any(c.alias == REPLICA for c in opened):
            connections[REPLICA].close()
            del connections[REPLICA]
        del connections.settings[REPLICA]


class RouterTests(SimpleTestCase):
    def test_without_a_replica_everything_goes_to_the_one_database(self) -> None:
        self.assertNotIn(REPLICA, connections.settings)
        with replica_reads():
            self.assertEqual(router.db_for_read(Referral), DEFAULT_DB_ALIAS)
            self.assertEqual(router.db_for_read(CourseFigures), DEFAULT_DB_ALIAS)
            self.assertEqual(router.db_for_write(CourseFigures), DEFAULT_DB_ALIAS)
        self.assertEqual(router.db_for_read(Referral), DEFAULT_DB_ALIAS)

    def test_with_a_replica_only_the_reports_reads_go_there(self) -> None:
        mirror = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
        with replica_alias(mirror):
            self.assertEqual(router.db_for_read(Referral), DEFAULT_DB_ALIAS)
            with replica_reads():
                self.assertEqual(router.db_for_read(Referral), REPLICA)
                self.assertEqual(router.db_for_read(CourseFigures), REPLICA)
                # Writes, the request's own reads, and reads inside a write's transaction
                # stay on the primary.
                self.assertEqual(router.db_for_write(Referral), DEFAULT_DB_ALIAS)
                self.assertEqual(router.db_for_read(AuditEvent), DEFAULT_DB_ALIAS)
                from django.contrib.sessions.models import Session

                self.assertEqual(router.db_for_read(Session), DEFAULT_DB_ALIAS)
            self.assertEqual(router.db_for_read(Referral), DEFAULT_DB_ALIAS)

    def test_migrations_run_on_the_primary_only(self) -> None:
        self.assertTrue(ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "reports"))
        self.assertFalse(ReplicaRouter().allow_migrate(REPLICA, "reports"))


@unittest.skipUnless(REPLICA_URL, "no INTERPLAY_TEST_REPLICA_URL: no streaming replica to read")
class StreamingReplicaTests(TransactionTestCase):
    """Committed rows (a TransactionTestCase) reach the replica as the primary streams them."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # Allowed only once Django has checked the aliases: each test adds the replica's
        # itself (the test database on the replica's server), and it is never flushed.
        cls.databases = {DEFAULT_DB_ALIAS, REPLICA}

    @classmethod
    def tearDownClass(cls) -> None:
        cls.databases = {DEFAULT_DB_ALIAS}
        super().tearDownClass()

    def setUp(self) -> None:
        if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
            self.skipTest("a streaming replica is PostgreSQL's")
        replica: dict[str, Any] = dict(dj_database_url.parse(REPLICA_URL))
        # The test database, as the replica has it.
        replica["NAME"] = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
        context = replica_alias(replica)
        context.__enter__()
        self.addCleanup(context.__exit__, None, None, None)
        self.manager = make_user("manager", Role.SERVICE_MANAGER)
        sign_in(self.client, self.manager)

    def replicated(self) -> None:
        """Wait until the replica has replayed everything the primary has written."""
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            written = cursor.fetchone()[0]
        deadline = time.monotonic() + 30
        with connections[REPLICA].cursor() as cursor:
            while True:
                cursor.execute(
                    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", [written]
                )
                if cursor.fetchone()[0]:
                    return
                self.assertLess(time.monotonic(), deadline, "the replica did not catch up")
                time.sleep(0.05)

    def test_the_replica_is_a_read_only_standby(self) -> None:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            self.assertTrue(cursor.fetchone()[0])

    def test_the_dashboard_reads_the_replica_and_records_its_view_on_the_primary(self) -> None:
        self.replicated()
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        ):
            response = self.client.get(reverse("reports:dashboard"))
        self.assertEqual(response.status_code, 200)
        replica_sql = [q["sql"] for q in on_replica.captured_queries]
        primary_sql = [q["sql"] for q in on_primary.captured_queries]
        # The figures come from the replica: every query of the figures rows is there.
        self.assertTrue(any("reports_coursefigures" in sql for sql in replica_sql))
        self.assertFalse(any("reports_coursefigures" in sql for sql in primary_sql))
        self.assertFalse(any("referrals_referral" in sql for sql in primary_sql))
        # Nothing is written there; the view's audit event is written on the primary.
        self.assertFalse([sql for sql in replica_sql if sql.lstrip().upper().startswith(WRITES)])
        self.assertTrue(
            # (On PostgreSQL the event and the chain head's move are one statement.)
            any('INSERT INTO "audit_auditevent"' in sql for sql in primary_sql)
        )
        self.assertTrue(AuditEvent.objects.filter(action="reports.dashboard_viewed").exists())

    def test_a_referral_shows_in_the_figures_once_replicated(self) -> None:
        received = reverse("reports:list", args=["received"])
        referral = make_referral()
        self.replicated()
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = self.client.get(received)
        self.assertContains(response, referral.reference)
        self.assertTrue(any("referrals_referral" in q["sql"] for q in on_replica.captured_queries))

        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            download = self.client.get(reverse("reports:list_csv", args=["received"]))
        self.assertIn(referral.reference, download.content.decode())
        self.assertTrue(any("referrals_referral" in q["sql"] for q in on_replica.captured_queries))

    def test_writes_never_go_to_the_replica(self) -> None:
        with replica_reads():
            self.assertEqual(router.db_for_write(Referral), DEFAULT_DB_ALIAS)
            referral = make_referral()  # a write inside a report's reads: the primary
            with transaction.atomic():
                # Read while writing: the primary, which has the write.
                self.assertTrue(Referral.objects.filter(pk=referral.pk).exists())
        self.assertTrue(Referral.objects.using(DEFAULT_DB_ALIAS).filter(pk=referral.pk).exists())
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SHOW transaction_read_only")
            self.assertEqual(cursor.fetchone()[0], "on")
