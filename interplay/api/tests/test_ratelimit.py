"""Each token has its own allowance of requests; beyond it, 429 with Retry-After."""

from django.core.cache import caches
from django.test import override_settings

from interplay.api.tests.intake_helpers import ApiTestCase


@override_settings(API_RATE_LIMIT="3/m")
class RateLimitTests(ApiTestCase):
    def setUp(self) -> None:
        caches["ratelimit"].clear()

    def test_the_fourth_request_in_a_minute_waits_and_another_token_does_not(self) -> None:
        busy, other = self.key(self.triage), self.key(self.triage)
        for _ in range(3):
            self.assertEqual(self.get("/whoami", busy).status_code, 200)
        limited = self.get("/whoami", busy)
        self.assertEqual(limited.status_code, 429)
        self.assertEqual(limited["Content-Type"], "application/problem+json")
        wait = int(limited["Retry-After"])
        self.assertTrue(1 <= wait <= 60, wait)
        self.assertIn(f"Try again in {wait} seconds", limited.json()["detail"])
        self.assertEqual(self.get("/whoami", other).status_code, 200)

    def test_a_wrong_key_is_not_counted_against_anyone(self) -> None:
        key = self.key(self.triage)
        for _ in range(5):
            self.assertEqual(self.get("/whoami", "ipl_wrong").status_code, 401)
        self.assertEqual(self.get("/whoami", key).status_code, 200)
