"""Free-text clinical content is encrypted at rest: the database never holds the words."""

import importlib
import uuid
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core import mail
from django.core.exceptions import FieldError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext

from interplay.audit.models import AuditEvent
from interplay.lib.crypto import decrypt_text
from interplay.referrals.models import Referral
from interplay.referrals.services import submit_self_referral
from interplay.test import CALM_GAD7, CALM_PHQ9, BaseTestCase, make_referral, referral_details

risk_migration = importlib.import_module("interplay.referrals.migrations.0009_encrypt_risk_reasons")
CANARY = "canary-5b1e: the lighthouse keeper's voice tells me to stay indoors"
# Stored in a plain column on purpose: each raw read must find it, or the read proves nothing.
CONTROL = "Controlbury-on-Sea"
ENCRYPTED = (
    "main_difficulties",
    "relationships_affected",
    "hoped_change",
    "substance_detail",
    "other_services",
)


def every_row_as_text() -> str:
    """Every row of every table, as the database hands it to any SQL client."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows.append(repr(cursor.fetchall()))
    return "\n".join(rows)


class CanaryTests(TransactionTestCase):
    def submit(self) -> Referral:
        with (
            self.assertLogs(level="DEBUG") as logs,
            self.assertLogs("django.db.backends", "DEBUG") as sql,
            CaptureQueriesContext(connection),
        ):
            referral, created = submit_self_referral(
                submission_token=uuid.uuid4(),
                details=referral_details(
                    main_difficulties=CANARY,
                    hoped_change=CANARY,
                    substance_detail=CANARY,
                    town=CONTROL,
                ),
                phq9=CALM_PHQ9,
                gad7=CALM_GAD7,
            )
        self.assertTrue(created)
        logged = "\n".join(r.getMessage() for r in [*logs.records, *sql.records])
        self.assertIn(CONTROL, logged)  # the INSERT's parameters were logged
        self.assertNotIn(CANARY, logged)
        return referral

    def test_the_note_is_not_in_the_database_but_the_orm_reads_it(self) -> None:
        referral = self.submit()

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT main_difficulties, hoped_change, town FROM referrals_referral "
                "WHERE id = %s",
                [referral.pk],
            )
            main, hoped, town = cursor.fetchone()
        self.assertEqual(town, CONTROL)
        for token in (main, hoped):
            self.assertTrue(token.startswith("gAAAAA"), token[:10])
            self.assertNotIn(CANARY, token)
            self.assertEqual(decrypt_text(token), CANARY)
        self.assertNotIn(CANARY, every_row_as_text())
        self.assertIn(CONTROL, every_row_as_text())

        stored = Referral.objects.get(pk=referral.pk)
        self.assertEqual(
            (stored.main_difficulties, stored.hoped_change, stored.relationships_affected),
            (CANARY, CANARY, ""),
        )

    def test_the_note_is_not_in_the_database_files_on_disk(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL's files are the server's: the raw rows are checked above")
        self.submit()
        name = Path(connection.settings_dict["NAME"])
        on_disk = b"".join(
            path.read_bytes()
            for path in (name, name.with_name(name.name + "-wal"))
            if path.exists()
        )
        self.assertIn(CONTROL.encode(), on_disk)
        self.assertNotIn(CANARY.encode(), on_disk)
        self.assertNotIn(CANARY.encode("utf-16-le"), on_disk)

    def test_the_note_is_not_in_the_audit_trail_or_the_email(self) -> None:
        referral = self.submit()
        events = list(AuditEvent.objects.about(referral).values())
        self.assertEqual([e["action"] for e in events], ["referral.submitted"])
        self.assertNotIn(CANARY, repr(list(AuditEvent.objects.values())))
        self.assertEqual(len(mail.outbox), 1)
        self.assertNotIn(CANARY, mail.outbox[0].body)


class EncryptedFieldTests(BaseTestCase):
    def test_every_free_text_answer_round_trips(self) -> None:
        answers: dict[str, Any] = {name: f"{name}: words, ünïcödé & <b>" for name in ENCRYPTED}
        referral = make_referral(**answers)
        stored = Referral.objects.get(pk=referral.pk)
        self.assertEqual({name: getattr(stored, name) for name in ENCRYPTED}, answers)

    def test_the_database_cannot_be_asked_to_compare_notes(self) -> None:
        make_referral()
        with self.assertRaises(FieldError):
            Referral.objects.filter(main_difficulties="I have felt low since my father died.")
        with self.assertRaises(FieldError):
            Referral.objects.filter(hoped_change__icontains="low")
        self.assertEqual(Referral.objects.filter(hoped_change__isnull=False).count(), 1)

    def test_the_triage_page_shows_the_decrypted_words(self) -> None:
        referral = make_referral(main_difficulties="I argue with my sister every day")
        self.sign_in(self.triage)
        response = self.client.get(f"/referrals/{referral.public_id}/")
        self.assertContains(response, "I argue with my sister every day")


class RiskReasonsAtRestTests(BaseTestCase):
    """Why a referral was marked urgent is encrypted; that it is urgent stays plain."""

    def raw(self) -> list[tuple[str, bool]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT risk_reasons, urgent FROM referrals_referral ORDER BY id")
            return list(cursor.fetchall())

    def test_a_raw_read_shows_a_token_but_the_triage_page_shows_the_reason(self) -> None:
        referral = make_referral(phq9={**CALM_PHQ9, 9: 1})
        ((token, urgent),) = self.raw()
        self.assertTrue(urgent)
        self.assertTrue(token.startswith("gAAAAA"), token[:10])
        self.assertNotIn("item9", token)
        self.assertEqual(Referral.objects.filter(urgent=True).count(), 1)

        self.sign_in(self.triage)
        response = self.client.get(f"/referrals/{referral.public_id}/")
        self.assertContains(response, "PHQ-9 question 9 answered")

    def test_plain_risk_reasons_are_encrypted_by_the_migration_and_put_back(self) -> None:
        referral = make_referral()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE referrals_referral SET risk_reasons = %s WHERE id = %s",
                ['["phq9_item9"]', referral.pk],
            )
        editor = connection.schema_editor()

        risk_migration.encrypt(apps, editor)
        ((token, _),) = self.raw()
        self.assertNotIn("item9", token)
        referral.refresh_from_db()
        self.assertEqual(referral.risk_reasons, ["phq9_item9"])

        risk_migration.decrypt(apps, editor)
        self.assertEqual(self.raw(), [('["phq9_item9"]', False)])


class MigrationTests(TransactionTestCase):
    """Referrals written before encryption are encrypted by the migration, and back."""

    def migrate(self, target: str) -> Any:
        executor = MigrationExecutor(connection)
        executor.migrate([("referrals", target)])
        return executor.loader.project_state([("referrals", target)]).apps

    def raw(self, pk: int) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT main_difficulties, other_services FROM referrals_referral WHERE id = %s",
                [pk],
            )
            return cursor.fetchone()

    def test_existing_text_is_encrypted_and_can_be_decrypted_back(self) -> None:
        try:
            old_apps = self.migrate("0001_initial")
            details = referral_details(main_difficulties=CANARY, other_services="Talking Space")
            old = old_apps.get_model("referrals", "Referral").objects.create(
                submission_token=uuid.uuid4(), reference="IP-MIGR-ATE1", **details
            )
            self.assertEqual(self.raw(old.pk), (CANARY, "Talking Space"))

            new_apps = self.migrate("0002_encrypt_free_text")
            main, other = self.raw(old.pk)
            self.assertNotIn(CANARY, main)
            self.assertEqual(decrypt_text(other), "Talking Space")
            encrypted = new_apps.get_model("referrals", "Referral").objects.get(pk=old.pk)
            self.assertEqual(encrypted.main_difficulties, CANARY)

            self.migrate("0001_initial")
            self.assertEqual(self.raw(old.pk), (CANARY, "Talking Space"))
        finally:
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())
