"""Asking for a password reset tells no one whether an address has an account: the same
page in the same time, the lookup and the email in the background, and limits per client
address and per account."""

import datetime as dt

import time_machine
from django.core import mail
from django.core.cache import cache
from django.http import HttpResponseBase
from django.tasks import default_task_backend
from django.test import override_settings
from django.urls import reverse

from interplay.accounts.tasks import send_password_reset
from interplay.audit.models import AuditEvent
from interplay.test import QUEUE_ONLY, BaseTestCase, interleaved_medians, make_user

RESET = reverse("accounts:password_reset")
ROUNDS = 25
NOW = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


class PasswordResetTests(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()  # the per-address limit counts in the cache, across tests
        mail.outbox = []

    def ask(self, email: str) -> HttpResponseBase:
        return self.client.post(RESET, {"email": email})

    @override_settings(TASKS=QUEUE_ONLY, PASSWORD_RESET_RATE_LIMIT="1000/h")
    def test_a_known_and_an_unknown_address_answer_in_the_same_time(self) -> None:
        # An account each, so no per-account limit spares the known address its work.
        known = iter([make_user(f"staff{n}").email for n in range(ROUNDS + 1)])
        medians = interleaved_medians(
            lambda: self.ask(next(known)), lambda: self.ask("nobody@example.org"), ROUNDS
        )
        self.assert_same_time(medians)
        self.assertEqual(mail.outbox, [])

    @override_settings(TASKS=QUEUE_ONLY)
    def test_the_queued_job_holds_no_readable_address_and_links_to_the_service(self) -> None:
        with self.settings(BASE_URL="https://therapy.example.org/"):
            self.assertRedirects(
                self.ask("triage@example.org"), reverse("accounts:password_reset_done")
            )
            (queued,) = default_task_backend.results  # type: ignore[attr-defined]
            self.assertNotIn("triage", str(queued.args))
            send_password_reset.call(*queued.args)
        message = self.only_email()
        self.assertIn("https://therapy.example.org/accounts/reset/", message.body)
        self.assertTrue(AuditEvent.objects.about(self.triage).by_action("auth.password_reset_sent"))

    def test_each_account_gets_at_most_three_emails_an_hour(self) -> None:
        with time_machine.travel(NOW, tick=False):
            for _ in range(4):
                self.ask("triage@example.org")
        self.assertEqual(len(mail.outbox), 3)
        with time_machine.travel(NOW + dt.timedelta(minutes=61), tick=False):
            self.ask("triage@example.org")
        self.assertEqual(len(mail.outbox), 4)

    @override_settings(PASSWORD_RESET_RATE_LIMIT="2/h")
    def test_one_client_address_is_limited_whatever_the_address_typed(self) -> None:
        self.ask("nobody@example.org")
        self.ask("someone@example.org")
        page = self.ask("triage@example.org")
        self.assertContains(page, "Too many reset links have been asked for", status_code=429)
        self.assertContains(page, 'value="triage@example.org"', status_code=429)
        self.assertEqual(mail.outbox, [])
