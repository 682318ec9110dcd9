"""Second-factor secrets: the database and the admin never hold a key or a code readably."""

import importlib
import io
import re
from types import SimpleNamespace

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django_otp.oath import totp

from interplay.accounts.models import AuthenticatorApp, BackupCode, BackupCodes
from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.lib.totp import base32_secret
from interplay.test import PASSWORD, BaseTestCase, authenticator, current_code, make_user

QUEUE = reverse("triage:queue")
VERIFY = reverse("accounts:verify")
SETUP = reverse("accounts:setup")


def raw(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def shown_codes(content: bytes) -> list[str]:
    return re.findall(r"<code>([a-z2-7]{8})</code>", content.decode())


class EnrolledTestCase(BaseTestCase):
    def enrol(self, username: str = "newcomer") -> tuple[AuthenticatorApp, list[str]]:
        """A newcomer sets up their app through the pages; returns it and the codes shown."""
        newcomer = make_user(username, Role.TRIAGE)
        self.sign_in(newcomer, second_factor=False)
        self.client.get(SETUP)
        device = AuthenticatorApp.objects.get(user=newcomer)
        response = self.client.post(SETUP, {"code": f"{totp(device.bin_key):06d}"})
        codes = shown_codes(response.content)
        self.assertEqual(len(codes), 10)
        self.client.post(reverse("accounts:logout"))
        return device, codes


class StoredSecretsTests(EnrolledTestCase):
    def test_the_database_holds_no_authenticator_key_readably(self) -> None:
        device, _ = self.enrol()
        (stored,) = raw("SELECT key FROM accounts_authenticatorapp")
        self.assertNotIn(device.key, stored)
        self.assertNotIn(device.key.upper(), stored)
        self.assertNotIn(base32_secret(device.key), stored)
        self.assertTrue(stored.startswith("gAAAAA"))  # a Fernet token

    def test_the_database_holds_backup_codes_only_as_hashes(self) -> None:
        _, codes = self.enrol()
        stored = raw("SELECT hash FROM accounts_backupcode")
        self.assertEqual(len(stored), 10)
        everything = " ".join(stored).lower()
        for code in codes:
            self.assertNotIn(code, everything)
        self.assertTrue(all(value.startswith("argon2$argon2id$") for value in stored))

    def test_a_backup_code_is_checked_by_its_hash_and_works_once(self) -> None:
        device, codes = self.enrol()
        backup = BackupCodes.objects.get(user=device.user)
        self.assertTrue(backup.verify_token(codes[3].upper()))  # as typed, in capitals
        self.assertEqual(backup.codes.count(), 9)
        backup.throttle_reset()
        self.assertFalse(backup.verify_token(codes[3]))

    def test_rotating_the_encryption_key_reencrypts_authenticator_keys(self) -> None:
        old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        with override_settings(ENCRYPTION_KEYS=[old]):
            device = authenticator(self.triage)
            key = AuthenticatorApp.objects.get(pk=device.pk).key
        before = raw("SELECT key FROM accounts_authenticatorapp")
        out = io.StringIO()
        with override_settings(ENCRYPTION_KEYS=[new, old]):
            call_command("rotate_encryption_key", stdout=out)
        self.assertIn("accounts.AuthenticatorApp: 1 rows re-encrypted.", out.getvalue())
        self.assertNotEqual(raw("SELECT key FROM accounts_authenticatorapp"), before)
        with override_settings(ENCRYPTION_KEYS=[new]):
            self.assertEqual(AuthenticatorApp.objects.get(pk=device.pk).key, key)


class ShownOnceTests(EnrolledTestCase):
    def test_the_codes_page_is_never_cached_and_cannot_be_opened_again(self) -> None:
        self.sign_in(self.triage)
        response = self.client.post(reverse("accounts:backup_codes"))
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(self.client.get(reverse("accounts:backup_codes")).status_code, 405)
        first = shown_codes(response.content)
        again = shown_codes(self.client.post(reverse("accounts:backup_codes")).content)
        self.assertFalse(set(first) & set(again))  # asking again replaces, never repeats
        self.assertEqual(BackupCode.objects.filter(device__user=self.triage).count(), 10)

    def test_the_setup_page_that_shows_the_codes_is_never_cached(self) -> None:
        newcomer = make_user("newcomer", Role.TRIAGE)
        self.sign_in(newcomer, second_factor=False)
        self.assertIn("no-store", self.client.get(SETUP)["Cache-Control"])
        device = AuthenticatorApp.objects.get(user=newcomer)
        shown = self.client.post(SETUP, {"code": f"{totp(device.bin_key):06d}"})
        self.assertIn("no-store", shown["Cache-Control"])
        # Opening setup again (now confirmed) shows no codes and offers no new key.
        again = self.client.get(SETUP)
        self.assertEqual(again.status_code, 302)


class SessionKeyTests(EnrolledTestCase):
    def password_step(self, username: str) -> str:
        self.client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
        return self.client.session.session_key or ""

    def assert_key_changed(self, before: str) -> None:
        after = self.client.session.session_key
        self.assertTrue(before)
        self.assertNotEqual(after, before)
        self.assertFalse(self.client.session.exists(before))  # the old key opens nothing

    def test_the_session_key_changes_when_an_app_code_is_accepted(self) -> None:
        authenticator(self.triage)
        before = self.password_step("triage")
        response = self.client.post(VERIFY, {"code": current_code(self.triage), "next": QUEUE})
        self.assertRedirects(response, QUEUE)
        self.assert_key_changed(before)

    def test_the_session_key_changes_when_a_backup_code_is_accepted(self) -> None:
        _, codes = self.enrol()
        before = self.password_step("newcomer")
        response = self.client.post(VERIFY, {"code": codes[0], "next": QUEUE})
        self.assertRedirects(response, QUEUE)
        self.assert_key_changed(before)

    def test_the_session_key_changes_when_a_new_app_is_confirmed(self) -> None:
        make_user("newcomer", Role.TRIAGE)
        before = self.password_step("newcomer")
        self.client.get(SETUP)
        device = AuthenticatorApp.objects.get(user__username="newcomer")
        self.client.post(SETUP, {"code": f"{totp(device.bin_key):06d}"})
        self.assert_key_changed(before)

    def test_a_wrong_code_keeps_the_session_key(self) -> None:
        authenticator(self.triage)
        before = self.password_step("triage")
        self.client.post(VERIFY, {"code": "000000"})
        self.assertEqual(self.client.session.session_key, before)


class AdminShowsNoSecretTests(EnrolledTestCase):
    def test_the_admin_lists_devices_without_their_key_or_codes(self) -> None:
        device, codes = self.enrol()
        backup = BackupCodes.objects.get(user=device.user)
        self.sign_in(self.admin)
        pages = [
            reverse("admin:accounts_authenticatorapp_changelist"),
            reverse("admin:accounts_authenticatorapp_change", args=[device.pk]),
            reverse("admin:accounts_backupcodes_changelist"),
            reverse("admin:accounts_backupcodes_change", args=[backup.pk]),
        ]
        for page in pages:
            response = self.client.get(page)
            self.assertEqual(response.status_code, 200, page)
            text = response.content.decode()
            for secret in (device.key, base32_secret(device.key), *codes):
                self.assertNotIn(secret, text, page)
        self.assertIn("Unused codes:", self.client.get(pages[3]).content.decode())
        add = self.client.get(reverse("admin:accounts_authenticatorapp_add"))
        self.assertEqual(add.status_code, 403)
        with self.assertRaises(NoReverseMatch):  # django-otp's own admins are gone
            reverse("admin:otp_totp_totpdevice_changelist")

    def test_removing_a_lost_app_in_the_admin_is_audited(self) -> None:
        device = authenticator(self.triage)
        self.sign_in(self.admin)
        url = reverse("admin:accounts_authenticatorapp_delete", args=[device.pk])
        self.client.post(url, {"post": "yes"})
        self.assertFalse(AuthenticatorApp.objects.filter(user=self.triage).exists())
        event = AuditEvent.objects.by_action("two_factor.removed").get()
        self.assertEqual((event.actor, event.detail), (self.admin, {"device": "authenticator"}))


MIGRATION = importlib.import_module("interplay.accounts.migrations.0006_move_plain_devices")
PLAIN_KEY = "3132333435363738393031323334353637383930"


class MoveDjangoOtpDevicesTests(BaseTestCase):
    """A database from before: django-otp's plain devices move over, its tables go."""

    def make_old_tables(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, user_id bigint, "
                'name varchar(64), confirmed boolean, "key" varchar(80), step integer, '
                "t0 bigint, digits integer, tolerance integer, drift integer, last_t bigint)"
            )
            cursor.execute(
                "CREATE TABLE otp_static_staticdevice (id integer PRIMARY KEY, user_id bigint, "
                "name varchar(64), confirmed boolean)"
            )
            cursor.execute(
                "CREATE TABLE otp_static_statictoken (id integer PRIMARY KEY, "
                "device_id integer, token varchar(16))"
            )
            cursor.execute(
                "INSERT INTO otp_totp_totpdevice VALUES "
                "(1, %s, 'Authenticator app', %s, %s, 30, 0, 6, 1, 0, 41)",
                [self.triage.pk, True, PLAIN_KEY],
            )
            cursor.execute(
                "INSERT INTO otp_static_staticdevice VALUES (7, %s, 'Backup codes', %s)",
                [self.triage.pk, True],
            )
            cursor.execute(
                "INSERT INTO otp_static_statictoken VALUES (1, 7, 'abcdefgh'), (2, 7, 'ijklmnop')"
            )
        MigrationRecorder(connection).record_applied("otp_totp", "0001_initial")

    def test_plain_devices_become_encrypted_and_hashed_and_the_old_tables_go(self) -> None:
        self.make_old_tables()
        state = MigrationLoader(connection).project_state(
            ("accounts", "0006_move_plain_devices"), at_end=False
        )
        with connection.cursor() as cursor:
            editor = SimpleNamespace(connection=connection, execute=cursor.execute)
            MIGRATION.move_devices(state.apps, editor)

        app = AuthenticatorApp.objects.get(user=self.triage)
        self.assertEqual((app.key, app.last_t, app.confirmed), (PLAIN_KEY, 41, True))
        self.assertNotIn(PLAIN_KEY, raw("SELECT key FROM accounts_authenticatorapp")[0])
        backup = BackupCodes.objects.get(user=self.triage)
        self.assertNotIn("abcdefgh", " ".join(raw("SELECT hash FROM accounts_backupcode")))
        self.assertTrue(backup.verify_token("abcdefgh"))
        tables = set(connection.introspection.table_names())
        self.assertFalse(tables & {"otp_totp_totpdevice", "otp_static_staticdevice"})
        self.assertFalse(MigrationRecorder(connection).migration_qs.filter(app="otp_totp"))

    def test_a_database_that_never_had_django_otp_tables_is_left_alone(self) -> None:
        state = MigrationLoader(connection).project_state(("accounts", "0006_move_plain_devices"))
        editor = SimpleNamespace(connection=connection, execute=None)
        MIGRATION.move_devices(state.apps, editor)
        self.assertFalse(AuthenticatorApp.objects.exists())
