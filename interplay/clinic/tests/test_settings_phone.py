"""The service's own phone number, as an administrator types it into the settings."""

from django.core.exceptions import ValidationError

from interplay.clinic.models import ServiceSettings
from interplay.test import BaseTestCase


class ServicePhoneTests(BaseTestCase):
    def test_the_number_is_kept_in_e164(self) -> None:
        service = ServiceSettings.load()
        service.phone = "0113 496 0000"
        service.full_clean()
        self.assertEqual(service.phone, "+441134960000")

    def test_a_number_that_is_not_whole_is_refused_beside_the_field(self) -> None:
        service = ServiceSettings.load()
        service.phone = "12345"
        with self.assertRaises(ValidationError) as refused:
            service.full_clean()
        self.assertIn("with its area code", refused.exception.message_dict["phone"][0])

    def test_no_number_at_all_is_allowed(self) -> None:
        service = ServiceSettings.load()
        service.phone = ""
        service.full_clean()
        self.assertEqual(service.phone, "")
