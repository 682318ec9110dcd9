"""Opt-in letters for people who have waited a long time."""

import datetime as dt
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from interplay.letters.models import Letter
from interplay.letters.tests import pdf_text
from interplay.lib.errors import RuleViolation
from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, make_referral
from interplay.triage import services


def waiting(actor: object, days_ago: int, **details: Any) -> Referral:
    referral = make_referral(
        email="", received_at=timezone.now() - dt.timedelta(days=days_ago), **details
    )
    services.save_assessment(
        actor=actor, referral=referral, urgency="routine", suitable_for=["ipt"]
    )
    services.decide(actor=actor, referral=referral, outcome="offer_ipt")
    return referral


class OptInTests(BaseTestCase):
    def test_the_letter_asks_whether_they_still_want_therapy(self) -> None:
        referral = waiting(self.triage, 70)
        self.sign_in(self.triage)
        url = reverse("triage:opt_in", args=[referral.public_id])
        response = self.client.post(url, follow=True)
        self.assertContains(response, "Opt-in letter sent.")
        letter = Letter.objects.get(kind="opt_in")
        self.assertIn("would still like therapy", pdf_text(bytes(letter.pdf)))

    def test_only_people_on_a_waiting_list_get_one(self) -> None:
        with self.assertRaises(RuleViolation):
            services.send_opt_in_letter(actor=self.triage, referral=make_referral(email=""))

    def test_the_sweep_writes_once_to_each_long_waiter(self) -> None:
        waiting(self.triage, 70, first_name="Long")
        waiting(self.triage, 10, first_name="Short", date_of_birth=dt.date(1980, 2, 2))
        out = StringIO()
        call_command("send_opt_in_letters", "--as", "triage", "--dry-run", stdout=out)
        self.assertIn("1 opt-in letters would be sent", out.getvalue())
        self.assertFalse(Letter.objects.filter(kind="opt_in").exists())
        call_command("send_opt_in_letters", "--as", "triage", stdout=StringIO())
        call_command("send_opt_in_letters", "--as", "triage", stdout=StringIO())
        letters = Letter.objects.filter(kind="opt_in")
        names = [letter.referral.first_name for letter in letters if letter.referral]
        self.assertEqual(names, ["Long"])
