from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.test import PASSWORD, BaseTestCase


class SignInTests(BaseTestCase):
    def test_the_password_step_leads_to_the_second_factor_and_is_audited(self) -> None:
        response = self.client.post(
            reverse("accounts:login"), {"username": "triage", "password": PASSWORD}
        )
        self.assertRedirects(
            response, reverse("accounts:verify") + "?next=%2F", fetch_redirect_response=False
        )
        self.assertTrue(AuditEvent.objects.by_action("auth.signed_in").filter(actor=self.triage))

    def test_a_wrong_password_is_explained_beside_the_form_and_audited(self) -> None:
        response = self.client.post(
            reverse("accounts:login"), {"username": "triage", "password": "nope"}
        )
        self.assertContains(response, "Enter a correct username and password")
        self.assertContains(response, 'value="triage"')
        event = AuditEvent.objects.by_action("auth.sign_in_failed").get()
        self.assertEqual(event.detail, {"username": "triage"})

    def test_sign_out_is_a_post(self) -> None:
        self.sign_in(self.triage)
        self.assertEqual(self.client.get(reverse("accounts:logout")).status_code, 405)
        response = self.client.post(reverse("accounts:logout"))
        self.assertRedirects(response, reverse("accounts:login"))

    def test_password_reset_sends_a_link_in_text_and_html(self) -> None:
        response = self.client.post(
            reverse("accounts:password_reset"), {"email": "triage@example.org"}
        )
        self.assertRedirects(response, reverse("accounts:password_reset_done"))
        message = self.only_email()
        self.assertEqual(message.to, ["triage@example.org"])
        self.assertIn("/accounts/reset/", message.body)
        self.assertIn("/accounts/reset/", self.html_of(message))
        link = next(w for w in message.body.split() if "/accounts/reset/" in w)
        page = self.client.get(link, follow=True)
        self.assertContains(page, "Choose a new password")

    @override_settings(
        BASE_URL="https://therapy.example.org",
        ALLOWED_HOSTS=["testserver", "attacker.example"],
    )
    def test_the_reset_link_starts_with_the_base_url_whatever_the_host_header(self) -> None:
        self.client.post(
            reverse("accounts:password_reset"),
            {"email": "triage@example.org"},
            headers={"host": "attacker.example"},
        )
        message = self.only_email()
        for body in (message.body, self.html_of(message)):
            self.assertIn("https://therapy.example.org/accounts/reset/", body)
            self.assertNotIn("attacker.example", body)

    def test_password_reset_says_nothing_about_unknown_addresses(self) -> None:
        response = self.client.post(
            reverse("accounts:password_reset"), {"email": "nobody@example.org"}
        )
        self.assertRedirects(response, reverse("accounts:password_reset_done"))
        self.assertEqual(mail.outbox, [])

    def test_passwords_need_twelve_characters_and_not_a_common_one(self) -> None:
        with self.assertRaises(ValidationError):
            validate_password("short-pw-1")
        with self.assertRaises(ValidationError):
            validate_password("password1234")
        validate_password("a-long-unusual-phrase-7")
