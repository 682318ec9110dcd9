"""A service leaves Interplay, or moves to a new server, with every record it holds."""

import contextlib
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import TransactionTestCase
from fhir.resources.R4B.bundle import Bundle

from interplay.accounts.roles import Role
from interplay.audit.actors import SystemActor
from interplay.audit.models import AuditEvent, ChainHead
from interplay.clinic.export import export_service
from interplay.clinic.transfer import TransferError, exported_models
from interplay.courses import attendance
from interplay.encounters import services as encounters
from interplay.measures.models import ResponseSource
from interplay.monitoring import services as monitoring
from interplay.monitoring.models import RiskAlert
from interplay.test import BaseTestCase, course_for, make_clinician, make_letter, make_user

ROOT = Path(__file__).resolve().parents[3]
NOTE = "canary-52d1: since the flood I cannot go near the river"
SESSION_NOTE = "Talked about her father's allotment and the row with her brother."
WORRIED = {1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 0, 9: 1}


def populate() -> dict[str, Any]:
    """A small service: staff, a course with sessions, answers, an alert, a letter."""
    supervisor = make_clinician("supervisor", Role.SUPERVISOR, Role.THERAPIST, hours=400)
    therapist = make_clinician("therapist", Role.THERAPIST, supervisor=supervisor)
    triage = make_user("triage", Role.TRIAGE)
    make_user("admin", Role.ADMINISTRATOR)
    course = course_for(therapist, email="robin@example.org", main_difficulties=NOTE)
    first, second = course.appointments.get(number=1), course.appointments.get(number=2)
    attendance.record_attendance(actor=therapist, appointment=first, status="attended")
    encounters.save_record(
        actor=therapist, appointment=first, notes=SESSION_NOTE, risk_checked=True
    )
    encounters.sign_record(actor=therapist, appointment=first)
    encounters.add_addendum(actor=therapist, appointment=first, text="Her GP phoned.")
    monitoring.submit_response(
        actor=therapist,
        appointment=second,
        instrument_code="phq9",
        answers=WORRIED,
        source=ResponseSource.PAPER,
    )
    letter = make_letter(actor=triage, subject="Your referral: canary-7e0a")
    return {"course": course, "letter": letter, "therapist": therapist}


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


class RoundTripTests(TransactionTestCase):
    """Export, import into a second, empty database under another key, export again."""

    def setUp(self) -> None:
        self.private = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.first = self.private / "first"
        self.second = self.private / "second"
        self.key = Fernet.generate_key().decode()
        self.made = populate()

    def test_a_service_moves_to_a_new_server_table_for_table(self) -> None:
        warned = io.StringIO()
        call_command("export_service", str(self.first), verbosity=0, stderr=warned)
        self.assertIn("clinical records IN CLEAR", warned.getvalue())
        self.assert_readable_in_clear()
        with self.fresh_database() as (url, open_fresh):
            self.manage(url, "migrate", "-v0")
            self.assertIn("Imported", self.manage(url, "import_service", str(self.first)))
            self.assertIn("Audit trail verified", self.manage(url, "audit_verify"))
            self.manage(url, "export_service", str(self.second), "-v0")
            self.assert_same_records()
            with contextlib.closing(open_fresh()) as fresh:
                self.assert_encrypted_with_the_new_key(fresh)
            # Keys were moved past the imported rows: the new server takes new referrals.
            made = "from interplay.test import make_referral; print(make_referral().reference)"
            self.assertTrue(self.manage(url, "shell", "-c", made).strip())

    def assert_readable_in_clear(self) -> None:
        self.assertEqual(self.first.stat().st_mode & 0o777, 0o700)
        for path in self.first.rglob("*"):
            self.assertEqual(path.stat().st_mode & 0o777, 0o700 if path.is_dir() else 0o600)
        manifest = json.loads((self.first / "manifest.json").read_text())
        self.assertIn("accounts.authenticatorapp", manifest["left_out"])
        self.assertEqual(manifest["exported_at"][-1], "Z")
        rows = {table["model"]: table["rows"] for table in manifest["tables"]}
        self.assertEqual(rows["courses.appointment"], 16)
        self.assertEqual(rows["monitoring.riskalert"], RiskAlert.objects.count())
        self.assertGreaterEqual(rows["monitoring.riskalert"], 1)
        self.assertIn(NOTE, (self.first / "referrals.referral.jsonl").read_text())
        self.assertIn(SESSION_NOTE, (self.first / "encounters.sessionrecord.jsonl").read_text())
        letters = [json.loads(line) for line in lines(self.first / "letters.letter.jsonl")]
        letter = next(row for row in letters if row["subject"] == "Your referral: canary-7e0a")
        self.assertTrue((self.first / letter["pdf"]).read_bytes().startswith(b"%PDF-"))
        self.assert_a_fhir_bundle_per_patient(manifest)
        exported = AuditEvent.objects.get(action="service.exported")
        self.assertEqual(exported.actor_label, "system:export_service")
        self.assertEqual(exported.detail["tables"]["courses.appointment"], 16)
        self.assertEqual(manifest["audit_chain_head"]["sequence"], exported.sequence - 1)

    def assert_a_fhir_bundle_per_patient(self, manifest: dict[str, Any]) -> None:
        """Each patient's records also leave as a FHIR Bundle any EHR can read."""
        bundles = manifest["parts"]["fhir_bundles"]
        patient = self.made["course"].patient
        relative = f"fhir/Patient-{patient.public_id}.json"
        self.assertEqual(sorted(bundles), [relative])
        bundle = Bundle.model_validate_json((self.first / relative).read_text())
        types = {e.resource.get_resource_type() for e in bundle.entry or [] if e.resource}
        self.assertLessEqual({"Patient", "EpisodeOfCare", "QuestionnaireResponse"}, types)
        self.assertIn(NOTE, (self.first / relative).read_text())

    def assert_same_records(self) -> None:
        """Every row and column of every table, as the application reads it, the same on
        the new server; its audit trail is the old one plus the import and the export."""
        before, after = (json.loads((d / "manifest.json").read_text()) for d in self.tables())
        self.assertEqual(after["files"], before["files"])
        # The FHIR Bundles are made from the records: the same records, the same Bundles
        # but for the time each was made.
        self.assertEqual(after["parts"].keys(), before["parts"].keys())
        for relative in before["parts"]["fhir_bundles"]:
            old, new = (json.loads((d / relative).read_text()) for d in self.tables())
            self.assertEqual(new | {"timestamp": None}, old | {"timestamp": None}, relative)
        for table in before["tables"]:
            name = table["file"]
            if name.startswith("audit."):
                continue
            self.assertEqual(lines(self.second / name), lines(self.first / name), name)
        old, new = (
            lines(self.first / "audit.auditevent.jsonl"),
            lines(self.second / "audit.auditevent.jsonl"),
        )
        self.assertEqual(new[: len(old)], old)
        added = [json.loads(line)["action"] for line in new[len(old) :]]
        self.assertEqual(added, ["service.imported", "service.export_started"])

    def tables(self) -> tuple[Path, Path]:
        return self.first, self.second

    def assert_encrypted_with_the_new_key(self, fresh: Any) -> None:
        cursor = fresh.cursor()
        cursor.execute("SELECT main_difficulties FROM referrals_referral ORDER BY id")
        token = cursor.fetchone()[0]
        self.assertNotIn("flood", token)
        self.assertEqual(Fernet(self.key).decrypt(token.encode()).decode(), NOTE)
        with self.assertRaises(InvalidToken):
            Fernet(os.environ["INTERPLAY_ENCRYPTION_KEYS"].split(",")[0]).decrypt(token.encode())

    def manage(self, url: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "INTERPLAY_ENCRYPTION_KEYS": self.key},
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[tuple[str, Any]]:
        """A second, empty database: its DATABASE_URL and a way to open it."""
        config = connection.settings_dict
        if connection.vendor == "sqlite":
            path = self.private / "fresh.sqlite3"
            yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
            return
        import psycopg

        name = f"{config['NAME']}_import"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            try:
                cursor.execute(f'CREATE DATABASE "{name}"')
            except DatabaseError as error:
                self.skipTest(f"the database role cannot create a second database: {error}")
        user, password = quote(config["USER"] or ""), quote(config["PASSWORD"] or "")
        url = f"postgres://{user}:{password}@{config['HOST']}:{config['PORT'] or 5432}/{name}"
        try:
            yield (
                url,
                lambda: psycopg.connect(
                    dbname=name,
                    host=config["HOST"],
                    port=config["PORT"] or None,
                    user=config["USER"],
                    password=config["PASSWORD"],
                ),
            )
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RefusalTests(BaseTestCase):
    """What an import will not do; each refusal changes nothing."""

    def setUp(self) -> None:
        self.private = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.export = self.private / "export"
        course_for(self.therapist, main_difficulties=NOTE)
        export_service(self.export, actor=SystemActor("test"))
        self.events = AuditEvent.objects.count()

    def import_it(self) -> str:
        with self.assertRaises(Exception) as refused:
            call_command("import_service", str(self.export), verbosity=0)
        self.assertEqual(AuditEvent.objects.count(), self.events)
        return str(refused.exception)

    def test_an_instance_holding_records_is_refused(self) -> None:
        said = self.import_it()
        self.assertIn("This instance is not empty: accounts.user", said)
        self.assertIn("Nothing was imported", said)

    def test_a_changed_file_is_refused_by_its_checksum(self) -> None:
        path = self.export / "referrals.referral.jsonl"
        path.write_text(path.read_text().replace("flood", "fire"))
        said = self.import_it()
        self.assertIn("referrals.referral.jsonl does not match the SHA-256", said)

    def test_a_different_migration_state_is_refused_naming_the_app(self) -> None:
        manifest_path = self.export / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        manifest["migrations"]["triage"].append("0099_from_the_future")
        manifest_path.write_text(json.dumps(manifest))
        said = self.import_it()
        self.assertIn("app 'triage' has migrations this instance has not applied", said)
        self.assertIn("0099_from_the_future", said)

    def test_an_export_never_writes_into_a_directory_holding_files(self) -> None:
        with self.assertRaisesMessage(TransferError, "not an empty directory"):
            export_service(self.export, actor=SystemActor("test"))

    def test_only_an_administrator_or_the_operator_may_export(self) -> None:
        with self.assertRaisesMessage(TransferError, "Only an administrator"):
            export_service(self.private / "mine", actor=self.therapist)
        export_service(self.private / "admins", actor=self.admin)
        latest = AuditEvent.objects.by_action("service.exported").order_by("-sequence").first()
        self.assertEqual(latest.actor if latest else None, self.admin)


class ConstantMemoryTests(BaseTestCase):
    """A large table streams through: memory does not grow with its rows."""

    def test_exporting_three_times_the_rows_takes_no_more_memory(self) -> None:
        import tracemalloc

        peaks = []
        for rows in (2000, 6000):
            self.add_events(rows - AuditEvent.objects.count())
            tracemalloc.start()
            with tempfile.TemporaryDirectory() as folder:
                export_service(Path(folder) / "export", actor=SystemActor("test"))
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        self.assertLess(peaks[1], peaks[0] * 1.3, peaks)
        self.assertGreater(len(exported_models()), 40)

    @staticmethod
    def add_events(count: int) -> None:
        start = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True)[0]
        AuditEvent.objects.bulk_create(
            AuditEvent(
                sequence=start + n,
                at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                actor_label="therapist",
                action="course.viewed",
                detail={"padding": "x" * 400},
                prev_hash="0" * 64,
                hash="0" * 64,
            )
            for n in range(1, count + 1)
        )
        # Moved past them (their hashes are not checked here), so the export's own
        # events follow on.
        ChainHead.objects.update(sequence=start + count)
