"""Every staff member signs in with a password and a second factor (TOTP or a backup code)."""

import re
import time
from urllib.parse import urlencode

from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp

from interplay.accounts.middleware import LAST_SEEN
from interplay.accounts.models import AuthenticatorApp, BackupCode
from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.test import PASSWORD, BaseTestCase, authenticator, current_code, make_user

QUEUE = reverse("triage:queue")
VERIFY = reverse("accounts:verify")
SETUP = reverse("accounts:setup")


def code_for(device: AuthenticatorApp) -> str:
    return f"{totp(device.bin_key):06d}"


def shown_codes(content: bytes) -> list[str]:
    """The backup codes as the page shows them (the only place they exist)."""
    return re.findall(r"<code>([a-z2-7]{8})</code>", content.decode())


class SecondFactorTests(BaseTestCase):
    def test_a_password_alone_opens_no_staff_page(self) -> None:
        self.sign_in(self.triage, second_factor=False)
        response = self.client.get(QUEUE)
        self.assertRedirects(
            response, f"{VERIFY}?{urlencode({'next': QUEUE})}", fetch_redirect_response=False
        )

    def test_a_password_alone_does_not_open_the_admin(self) -> None:
        self.sign_in(self.admin, second_factor=False)
        response = self.client.get(reverse("admin:index"), follow=True)
        self.assertEqual(response.redirect_chain[-1][0].split("?")[0], SETUP)

    def test_a_code_from_the_app_opens_the_page_asked_for(self) -> None:
        authenticator(self.triage)
        self.sign_in(self.triage, second_factor=False)
        response = self.client.post(VERIFY, {"code": current_code(self.triage), "next": QUEUE})
        self.assertRedirects(response, QUEUE)
        event = AuditEvent.objects.by_action("auth.second_factor_verified").get()
        self.assertEqual((event.actor, event.detail), (self.triage, {"method": "authenticator"}))

    def test_a_wrong_code_is_explained_beside_the_field_and_audited(self) -> None:
        authenticator(self.triage)
        self.sign_in(self.triage, second_factor=False)
        response = self.client.post(VERIFY, {"code": "000000", "next": QUEUE})
        self.assertContains(response, "That code is not right")
        self.assertContains(response, 'id="id_code-error"')
        self.assertContains(response, 'value="000000"')
        self.assertTrue(AuditEvent.objects.by_action("auth.second_factor_failed").exists())
        self.assertEqual(self.client.get(QUEUE).status_code, 302)

    def test_repeated_wrong_codes_are_slowed_down(self) -> None:
        device = authenticator(self.triage)
        self.sign_in(self.triage, second_factor=False)
        for _ in range(3):
            self.client.post(VERIFY, {"code": "000000"})
        # Even the right code is refused while django-otp's back-off lasts.
        self.client.post(VERIFY, {"code": code_for(device)})
        self.assertEqual(self.client.get(QUEUE).status_code, 302)
        device.refresh_from_db()
        self.assertGreaterEqual(device.throttling_failure_count, 1)

    def test_an_external_next_address_is_ignored(self) -> None:
        authenticator(self.triage)
        self.sign_in(self.triage, second_factor=False)
        response = self.client.post(
            VERIFY, {"code": current_code(self.triage), "next": "https://evil.example/"}
        )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)


class EnrolmentTests(BaseTestCase):
    def test_someone_without_an_app_is_led_to_set_one_up(self) -> None:
        newcomer = make_user("newcomer", Role.TRIAGE)
        self.sign_in(newcomer, second_factor=False)
        response = self.client.get(f"{VERIFY}?next={QUEUE}", follow=True)
        self.assertContains(response, "Set up your authenticator app")
        self.assertContains(response, "<svg")
        self.assertContains(response, 'data-testid="totp-secret"')

    def test_confirming_the_app_shows_backup_codes_that_work_once(self) -> None:
        newcomer = make_user("newcomer", Role.TRIAGE)
        self.sign_in(newcomer, second_factor=False)
        self.client.get(SETUP)
        device = AuthenticatorApp.objects.get(user=newcomer, confirmed=False)
        response = self.client.post(SETUP, {"code": code_for(device), "next": QUEUE})
        self.assertContains(response, "Your backup codes")
        codes = shown_codes(response.content)
        self.assertEqual(len(set(codes)), 10)
        self.assertEqual(BackupCode.objects.filter(device__user=newcomer).count(), 10)
        self.assertEqual(self.client.get(QUEUE).status_code, 200)
        self.assertTrue(AuditEvent.objects.by_action("two_factor.enrolled").filter(actor=newcomer))

        self.client.post(reverse("accounts:logout"))
        self.sign_in(newcomer, second_factor=False)
        first = self.client.post(VERIFY, {"code": codes[0], "next": QUEUE})
        self.assertRedirects(first, QUEUE)
        self.client.post(reverse("accounts:logout"))
        self.sign_in(newcomer, second_factor=False)
        again = self.client.post(VERIFY, {"code": codes[0], "next": QUEUE})
        self.assertContains(again, "That code is not right")

    def test_a_wrong_setup_code_keeps_the_app_unconfirmed(self) -> None:
        newcomer = make_user("newcomer", Role.TRIAGE)
        self.sign_in(newcomer, second_factor=False)
        self.client.get(SETUP)
        response = self.client.post(SETUP, {"code": "123"})
        self.assertContains(response, "That code is not right")
        self.assertFalse(AuthenticatorApp.objects.filter(user=newcomer, confirmed=True).exists())

    def test_a_password_alone_cannot_replace_an_existing_app(self) -> None:
        authenticator(self.triage)
        self.sign_in(self.triage, second_factor=False)
        response = self.client.get(SETUP)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(VERIFY))
        self.assertEqual(AuthenticatorApp.objects.filter(user=self.triage).count(), 1)

    def test_a_verified_person_can_replace_their_backup_codes(self) -> None:
        self.sign_in(self.triage)
        response = self.client.post(reverse("accounts:backup_codes"))
        self.assertContains(response, "Your backup codes")
        self.assertEqual(len(set(shown_codes(response.content))), 10)
        self.assertEqual(BackupCode.objects.filter(device__user=self.triage).count(), 10)
        self.assertEqual(self.client.get(reverse("accounts:backup_codes")).status_code, 405)


class LockoutTests(BaseTestCase):
    def test_five_wrong_passwords_lock_the_account_from_that_address(self) -> None:
        url = reverse("accounts:login")
        for _ in range(5):
            self.client.post(url, {"username": "triage", "password": "wrong-guess-123"})
        locked = self.client.post(url, {"username": "triage", "password": PASSWORD})
        self.assertContains(locked, "Too many attempts to sign in", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_right_password_clears_earlier_mistakes(self) -> None:
        url = reverse("accounts:login")
        for _ in range(4):
            self.client.post(url, {"username": "triage", "password": "wrong-guess-123"})
        self.client.post(url, {"username": "triage", "password": PASSWORD})
        self.client.post(reverse("accounts:logout"))
        for _ in range(4):
            self.client.post(url, {"username": "triage", "password": "wrong-guess-123"})
        response = self.client.post(url, {"username": "triage", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)


@override_settings(IDLE_TIMEOUT_SECONDS=30 * 60)
class IdleTimeoutTests(BaseTestCase):
    def test_thirty_idle_minutes_sign_staff_out(self) -> None:
        self.sign_in(self.triage)
        self.assertEqual(self.client.get(QUEUE).status_code, 200)
        session = self.client.session
        session[LAST_SEEN] = time.time() - 31 * 60
        session.save()
        response = self.client.get(QUEUE, follow=True)
        self.assertContains(response, "signed out after 30 minutes without activity")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_activity_keeps_the_session(self) -> None:
        self.sign_in(self.triage)
        session = self.client.session
        session[LAST_SEEN] = time.time() - 29 * 60
        session.save()
        self.assertEqual(self.client.get(QUEUE).status_code, 200)
        self.assertGreater(self.client.session[LAST_SEEN], time.time() - 5)


@override_settings(IDLE_TIMEOUT_SECONDS=30 * 60)
class DraftKeptAcrossTimeoutTests(BaseTestCase):
    def test_a_half_written_assessment_survives_the_idle_timeout(self) -> None:
        from django.db import connection

        from interplay.accounts.models import Draft
        from interplay.test import make_referral

        referral = make_referral(email="")
        page = reverse("triage:referral", args=[referral.public_id])
        self.sign_in(self.triage)
        self.client.get(page)
        session = self.client.session
        session[LAST_SEEN] = time.time() - 45 * 60
        session.save()
        words = "Long thoughtful risk formulation written over forty minutes."
        response = self.client.post(
            reverse("triage:assessment", args=[referral.public_id]),
            {"urgency": "soon", "risk_to_self": words, "suitable_for": ["ipt"]},
            headers={"referer": f"http://testserver{page}"},
            follow=True,
        )
        self.assertContains(response, "What you were writing has been kept")
        self.assertNotIn("_auth_user_id", self.client.session)
        with connection.cursor() as cursor:
            cursor.execute("SELECT data FROM accounts_draft")
            (raw,) = cursor.fetchone()
        self.assertNotIn("thoughtful", raw)  # kept encrypted

        self.sign_in(self.triage)
        back = self.client.get(page)
        self.assertContains(back, "Here is what you were writing")
        self.assertContains(back, words)
        self.assertContains(back, 'value="ipt" checked')
        self.assertFalse(Draft.objects.exists())  # handed back once
        referral.refresh_from_db()
        self.assertEqual(referral.status, "received")  # nothing was saved behind their back
