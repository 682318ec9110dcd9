"""The demo administrator starts on a day with something in each of its lists."""

import os
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from interplay.accounts.models import User
from interplay.test import sign_in


@override_settings(DEMO=True, DEMO_TOTP_SECRET="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
class DemoAdministratorDayTests(TestCase):
    def run_setup(self) -> None:
        os.environ["INTERPLAY_DEMO_PASSWORD"] = "demo-password-1"
        try:
            call_command("demo_setup", stdout=StringIO())
        finally:
            del os.environ["INTERPLAY_DEMO_PASSWORD"]

    def test_a_failed_reminder_a_newcomer_and_a_lapsing_qualification_once(self) -> None:
        self.run_setup()
        self.run_setup()
        sign_in(self.client, User.objects.get(username="admin"))
        response = self.client.get(reverse("today:administrator"))
        self.assertContains(response, "Session reminder")
        self.assertContains(response, "SMTPServerDisconnected")
        self.assertContains(response, "Retry<span", count=1)
        self.assertContains(response, "Rowan Newcomer</a> (rowan), never signed in")
        self.assertContains(response, "Sam Supervisor</a>: Dynamic Interpersonal Therapy")
        self.assertEqual(DBTaskResult.objects.count(), 1)
        self.assertFalse(User.objects.get(username="rowan").has_usable_password())
