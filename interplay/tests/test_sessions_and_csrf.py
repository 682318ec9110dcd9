"""Sessions are renewed at sign-in, and no form accepts a post without its CSRF token."""

from django.test import Client
from django.urls import reverse

from interplay.test import PASSWORD, BaseTestCase, authenticator, current_code, referral_form_data

FORMS = [
    ("referrals:start", {"need_urgent_help": "no"}),
    ("referrals:eligibility", {"old_enough": "yes", "under_secondary_care": "no"}),
    ("referrals:details", None),
    ("accounts:login", {"username": "triage", "password": PASSWORD}),
    ("accounts:password_reset", {"email": "triage@example.org"}),
]


class SessionFixationTests(BaseTestCase):
    def test_signing_in_and_passing_the_second_factor_each_issue_a_new_session(self) -> None:
        authenticator(self.triage)
        planted = self.client.session  # a real session an attacker could have planted
        planted["seen"] = True
        planted.save()
        self.client.post(reverse("accounts:login"), {"username": "triage", "password": PASSWORD})
        after_password = self.client.cookies["sessionid"].value
        self.assertNotEqual(after_password, planted.session_key)
        self.client.post(reverse("accounts:verify"), {"code": current_code(self.triage)})
        self.assertEqual(self.client.get(reverse("triage:queue")).status_code, 200)
        stale = Client()
        stale.cookies["sessionid"] = planted.session_key or ""
        self.assertEqual(stale.get(reverse("triage:queue")).status_code, 302)

    def test_signing_out_ends_the_session_on_the_server(self) -> None:
        self.sign_in(self.triage)
        old = self.client.cookies["sessionid"].value
        self.client.post(reverse("accounts:logout"))
        thief = Client()
        thief.cookies["sessionid"] = old
        self.assertEqual(thief.get(reverse("triage:queue")).status_code, 302)


class CsrfTests(BaseTestCase):
    def test_every_form_refuses_a_post_without_its_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        for name, data in FORMS:
            response = client.post(reverse(name), data or referral_form_data())
            self.assertEqual(response.status_code, 403, name)

    def test_staff_forms_refuse_a_post_without_its_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.triage)
        for name in ("accounts:verify", "accounts:logout", "accounts:backup_codes"):
            self.assertEqual(client.post(reverse(name), {"code": "123456"}).status_code, 403, name)
