"""Numbers typed before phone numbers were checked: normalised where they parse."""

import importlib

from django.apps import apps

from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, make_referral

# If the migration is renumbered, rename it here too.
MIGRATION = "interplay.referrals.migrations.0007_alter_referral_phone"


class ExistingPhoneNumbersTests(BaseTestCase):
    def test_numbers_that_parse_are_kept_in_e164_and_the_rest_as_typed(self) -> None:
        typed = {"07700 900456": "+447700900456", "ring after 6pm": "ring after 6pm", "": ""}
        made = {}
        for phone in typed:
            referral = make_referral(email="robin@example.org")
            Referral.objects.filter(pk=referral.pk).update(phone=phone)
            made[phone] = referral.pk
        importlib.import_module(MIGRATION).normalise_phones(apps, None)
        for phone, stored in typed.items():
            self.assertEqual(Referral.objects.get(pk=made[phone]).phone, stored)
