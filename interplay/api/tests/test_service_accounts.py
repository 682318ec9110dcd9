"""A GP system's referral feed: an account with its own role, reaching only the API."""

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from interplay.accounts.models import User
from interplay.accounts.permissions import POLICY, Action, can
from interplay.accounts.roles import Role
from interplay.api.models import Scope
from interplay.audit.models import AuditEvent
from interplay.test import BaseTestCase, make_referral


class ServiceAccountTests(BaseTestCase):
    def make(self, name: str = "gp-feed-park-lane") -> str:
        out = StringIO()
        call_command("make_service_account", name, stdout=out)
        return out.getvalue().strip().splitlines()[-1]

    def test_the_command_prints_a_read_write_key_once_for_a_feed(self) -> None:
        key = self.make()
        feed = User.objects.get(username="gp-feed-park-lane")
        self.assertEqual(feed.roles, {Role.REFERRAL_FEED.value})
        self.assertFalse(feed.has_usable_password())
        token = feed.api_tokens.get()
        self.assertEqual(token.scope, Scope.READ_WRITE)
        self.assertIsNotNone(token.expires_at)
        answer = self.client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(answer.json()["roles"], ["referral_feed"])
        self.assertTrue(AuditEvent.objects.filter(action="role.granted").exists())

    def test_a_second_account_of_the_same_name_is_refused(self) -> None:
        self.make()
        with self.assertRaisesMessage(CommandError, "already an account"):
            self.make()

    def test_the_feed_may_only_submit_referrals_and_read_back_its_own(self) -> None:
        self.make()
        feed = User.objects.get(username="gp-feed-park-lane")
        allowed = {action for action in Action if can(feed, action)}
        self.assertEqual(allowed, {Action.SUBMIT_REFERRAL, Action.VIEW_SENT_REFERRALS})
        self.assertIn(Role.REFERRAL_FEED, POLICY[Action.SUBMIT_REFERRAL])

    def test_no_page_opens_to_the_feed(self) -> None:
        self.make()
        feed = User.objects.get(username="gp-feed-park-lane")
        referral = make_referral(email="")
        self.sign_in(feed)
        for url in (
            reverse("triage:queue"),
            reverse("referrals:detail", kwargs={"public_id": referral.public_id}),
        ):
            self.assertEqual(self.client.get(url).status_code, 403, url)
