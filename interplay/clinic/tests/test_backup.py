"""Encrypted backups: made while running, restored row for row, useless without the key."""

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test import TransactionTestCase, override_settings

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.audit.services import record
from interplay.lib.crypto import EncryptedStreamReader, decrypt_text
from interplay.referrals.models import Referral
from interplay.test import make_referral, make_user

ROOT = Path(__file__).resolve().parents[3]
CONTROL = "Backupford-upon-Tyne"  # a plain column: present in the database, not the backup
NOTE = "canary-91c4: since the flood I cannot go near the river"


def rows_by_table(db: Any, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, through a DB-API connection."""
    found = {}
    cursor = db.cursor()
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')
        found[table] = sorted(cursor.fetchall(), key=repr)
    return found


class BackupTests(TransactionTestCase):
    def setUp(self) -> None:
        self.private = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.path = self.private / "interplay.backup"
        triage = make_user("triage", Role.TRIAGE)
        make_user("manager", Role.SERVICE_MANAGER)
        make_referral(main_difficulties=NOTE, town=CONTROL)
        make_referral(first_name="Alex", substance_detail="Wine most nights")
        referral = make_referral(first_name="Jo", hoped_change="To sleep through")
        record(actor=triage, action="referral.viewed", obj=referral)

    def back_up(self, *options: str) -> str:
        out = io.StringIO()
        call_command("backup", "--output", str(self.path), *options, stdout=out)
        return out.getvalue()

    def restore(self, *options: str) -> str:
        out = io.StringIO()
        call_command("restore", str(self.path), *options, stdout=out)
        return out.getvalue()

    # Row for row ----------------------------------------------------------------------

    def test_a_backup_restores_row_for_row_into_a_fresh_database(self) -> None:
        self.assertIn("Backed up the", self.back_up())
        # Recorded once the file was whole, so the one row the backup cannot hold.
        self.made = AuditEvent.objects.get(action="backup.made")
        with self.fresh_database() as (url, open_fresh):
            restored = subprocess.run(
                [sys.executable, "manage.py", "restore", str(self.path)],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": url},
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(restored.returncode, 0, restored.stderr)
            self.assertIn("Restored", restored.stdout)
            with (
                contextlib.closing(self.open_source()) as source,
                contextlib.closing(open_fresh()) as fresh,
            ):
                self.assert_identical(source, fresh)

    def as_backed_up(self, rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[Any]]:
        """The source's rows as they stood when the copy was taken: without the
        ``backup.made`` event recorded after it, and the chain head one event back."""
        made = self.made
        self.assertEqual(rows["audit_chainhead"], [(1, made.sequence, made.hash)])
        rows["audit_chainhead"] = [(1, made.sequence - 1, made.prev_hash)]
        rows["audit_auditevent"] = [row for row in rows["audit_auditevent"] if row[0] != made.pk]
        return rows

    def assert_identical(self, source: Any, fresh: Any) -> None:
        tables = sorted(connection.introspection.table_names())
        models = {m._meta.db_table for m in apps.get_models() if m._meta.managed}
        self.assertLessEqual(models, set(tables))
        self.assertEqual(self.table_names(fresh), tables)
        before, after = (
            self.as_backed_up(rows_by_table(source, tables)),
            rows_by_table(fresh, tables),
        )
        for table in tables:
            self.assertEqual(after[table], before[table], table)
        self.assertEqual(len(after["referrals_referral"]), 3)
        self.assertGreaterEqual(len(after["audit_auditevent"]), 4)
        self.assertEqual(len(after["accounts_user"]), 2)
        if connection.vendor == "postgresql":
            expected = self.sequences(source)
            if "audit_auditevent_id_seq" in expected:  # where sequences are listed at all
                expected["audit_auditevent_id_seq"] = (self.made.pk - 1, True)
            self.assertEqual(self.sequences(fresh), expected)
        cursor = fresh.cursor()
        cursor.execute(f"SELECT main_difficulties FROM referrals_referral WHERE town = '{CONTROL}'")
        self.assertEqual(decrypt_text(cursor.fetchone()[0]), NOTE)

    # Engines --------------------------------------------------------------------------

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[tuple[str, Any]]:
        """An empty database: its DATABASE_URL and a way to open it."""
        config = connection.settings_dict
        if connection.vendor == "sqlite":
            path = self.private / "fresh.sqlite3"
            yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
            return
        name = f"{config['NAME']}_restore"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            try:
                cursor.execute(f'CREATE DATABASE "{name}"')
            except DatabaseError as error:
                self.skipTest(f"the database role cannot create a second database: {error}")
        user, password = quote(config["USER"] or ""), quote(config["PASSWORD"] or "")
        url = f"postgres://{user}:{password}@{config['HOST']}:{config['PORT'] or 5432}/{name}"
        try:
            yield url, lambda: self.open_postgresql(name)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def open_source(self) -> Any:
        if connection.vendor == "sqlite":
            return sqlite3.connect(connection.settings_dict["NAME"])
        return self.open_postgresql(connection.settings_dict["NAME"])

    @staticmethod
    def open_postgresql(name: str) -> Any:
        import psycopg

        config = connection.settings_dict
        return psycopg.connect(
            dbname=name,
            host=config["HOST"],
            port=config["PORT"] or None,
            user=config["USER"],
            password=config["PASSWORD"],
        )

    @staticmethod
    def table_names(db: Any) -> list[str]:
        cursor = db.cursor()
        if isinstance(db, sqlite3.Connection):
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        else:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        return [name for (name,) in cursor.fetchall()]

    @staticmethod
    def sequences(db: Any) -> dict[str, tuple[int, bool]]:
        cursor = db.cursor()
        cursor.execute("SELECT sequence_name FROM information_schema.sequences ORDER BY 1")
        found = {}
        for (name,) in cursor.fetchall():
            cursor.execute(f'SELECT last_value, is_called FROM "{name}"')
            found[name] = cursor.fetchone()
        return found

    # The file -------------------------------------------------------------------------

    def test_the_backup_file_holds_no_plaintext(self) -> None:
        self.back_up()
        blob = self.path.read_bytes()
        for secret in (CONTROL, NOTE, "Testwell", "robin@example.org", "triage"):
            self.assertNotIn(secret.encode(), blob)
        self.assertNotIn(b"SQLite format 3", blob)
        self.assertNotIn(b"PGDMP", blob)
        self.assertEqual(self.path.stat().st_mode & 0o777, 0o600)

        with self.path.open("rb") as source:
            reader = EncryptedStreamReader(source, settings.ENCRYPTION_KEYS[:1])
            plain = b"".join(reader.chunks())
        self.assertEqual(reader.header["engine"], connection.vendor)
        if connection.vendor == "sqlite":
            self.assertTrue(plain.startswith(b"SQLite format 3\x00"))
            self.assertIn(CONTROL.encode(), plain)  # what the encryption hid
            self.assertNotIn(NOTE.encode(), plain)  # encrypted twice over
        else:
            self.assertTrue(plain.startswith(b"PGDMP"))

    def test_a_wrong_key_fails_clearly_and_changes_nothing(self) -> None:
        self.back_up()
        Referral.objects.filter(first_name="Jo").delete()
        stranger = Fernet.generate_key().decode()
        with override_settings(BACKUP_KEYS=[stranger]), self.assertRaises(CommandError) as refused:
            self.restore("--force")
        self.assertIn("cannot be decrypted with the backup key", str(refused.exception))
        self.assertIn("INTERPLAY_BACKUP_KEY", str(refused.exception))
        self.assertEqual(Referral.objects.count(), 2)

    def test_a_damaged_backup_changes_nothing(self) -> None:
        self.back_up()
        self.path.write_bytes(self.path.read_bytes()[:-50])
        Referral.objects.filter(first_name="Jo").delete()
        with self.assertRaisesMessage(CommandError, "truncated"):
            self.restore("--force")
        self.assertEqual(Referral.objects.count(), 2)

    def test_it_does_not_overwrite_a_backup_unless_told(self) -> None:
        self.back_up()
        with self.assertRaisesMessage(CommandError, "already exists. Nothing was written"):
            self.back_up()
        self.assertIn("Backed up", self.back_up("--force"))
        # Every attempt is in the audit trail, by the system, the refused one too.
        started = AuditEvent.objects.filter(action="backup.started")
        self.assertEqual([e.actor_label for e in started], ["system:backup"] * 3)
        # Only the two that wrote a whole file count as backups made (the day's "last backup").
        made = AuditEvent.objects.filter(action="backup.made").in_chain_order()
        size = self.path.stat().st_size
        self.assertEqual([e.detail for e in made][-1], {"bytes": size})
        self.assertEqual(made.count(), 2)

    # Restoring over data --------------------------------------------------------------

    def test_it_refuses_a_database_that_is_not_empty(self) -> None:
        self.back_up()
        make_referral(first_name="Added", last_name="Later")
        with self.assertRaises(CommandError) as refused:
            self.restore()
        self.assertIn("is not empty", str(refused.exception))
        self.assertIn("Nothing was changed. Run again with --force", str(refused.exception))
        self.assertEqual(Referral.objects.count(), 4)

    def test_force_replaces_the_database_with_the_backup(self) -> None:
        self.back_up()
        make_referral(first_name="Added", last_name="Later")
        Referral.objects.filter(first_name="Jo").delete()
        output = self.restore("--force")
        self.assertIn("Restored", output)
        self.assertIn("replacing what its", output)
        names = sorted(Referral.objects.values_list("first_name", flat=True))
        self.assertEqual(names, ["Alex", "Jo", "Robin"])
        self.assertEqual(Referral.objects.get(town=CONTROL).main_difficulties, NOTE)
