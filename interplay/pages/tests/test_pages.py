from unittest import mock

from django.urls import reverse

from interplay.test import BaseTestCase


class HealthTests(BaseTestCase):
    def test_it_says_the_database_answers(self) -> None:
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok"})
        self.assertIn("no-cache", response["Cache-Control"])

    def test_it_says_when_the_database_does_not_answer(self) -> None:
        with mock.patch("interplay.pages.views.connection.cursor", side_effect=OSError("down")):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["database"], "unavailable")


class HomeTests(BaseTestCase):
    def test_the_public_start_page_offers_self_referral_and_urgent_help(self) -> None:
        response = self.client.get(reverse("home"))
        self.assertContains(response, reverse("referrals:start"))
        self.assertContains(response, "This is not an emergency service")

    def test_staff_see_the_pages_their_roles_open(self) -> None:
        # Home sends them on to their first screen; its header links their pages.
        self.sign_in(self.triage)
        self.assertContains(self.client.get(reverse("home"), follow=True), reverse("triage:queue"))
        self.sign_in(self.therapist)
        landing = self.client.get(reverse("home"), follow=True)
        self.assertNotContains(landing, reverse("triage:queue"))

    def test_pages_carry_a_strict_content_security_policy(self) -> None:
        response = self.client.get(reverse("referrals:start"))
        policy = response["Content-Security-Policy"]
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertIn("camera=()", response["Permissions-Policy"])
        self.assertIn("geolocation=()", response["Permissions-Policy"])
