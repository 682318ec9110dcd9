"""Each token has its own allowance of requests, for the JSON API and FHIR together;
beyond it, 429 with Retry-After."""

from typing import Any

from django.core.cache import caches
from django.test import Client, override_settings

from interplay.api.tests.fhir_stories import get
from interplay.api.tests.intake_helpers import ApiTestCase
from interplay.audit.models import AuditEvent
from interplay.clinic.models import RateCount
from interplay.test import course_for


@override_settings(API_RATE_LIMIT="3/h")
class RateLimitTests(ApiTestCase):
    """An hour's window, so a test never straddles the end of one (with a minute's, a
    run crossing the minute started a fresh count and the fourth request passed)."""

    def setUp(self) -> None:
        caches["ratelimit"].clear()

    def test_the_fourth_request_in_an_hour_waits_and_another_token_does_not(self) -> None:
        busy, other = self.key(self.triage), self.key(self.triage)
        for _ in range(3):
            self.assertEqual(self.get("/whoami", busy).status_code, 200)
        limited = self.get("/whoami", busy)
        self.assertEqual(limited.status_code, 429)
        self.assertEqual(limited["Content-Type"], "application/problem+json")
        wait = int(limited["Retry-After"])
        self.assertTrue(1 <= wait <= 3600, wait)
        self.assertIn(f"Try again in {wait} seconds", limited.json()["detail"])
        self.assertEqual(self.get("/whoami", other).status_code, 200)

    def test_a_wrong_key_is_not_counted_against_anyone(self) -> None:
        key = self.key(self.triage)
        for _ in range(5):
            self.assertEqual(self.get("/whoami", "ipl_wrong").status_code, 401)
        self.assertEqual(self.get("/whoami", key).status_code, 200)


COUNTERS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "interplay.clinic.ratecache.CounterCache"},
}


@override_settings(API_RATE_LIMIT="3/h")
class FhirRateLimitTests(ApiTestCase):
    """FHIR counts against the same allowance as the JSON API: one per token. An hour's
    window, so a test never straddles the end of one."""

    def setUp(self) -> None:
        caches["ratelimit"].clear()
        self.course = course_for(self.therapist)

    def fhir(self, key: str) -> Any:
        return get(self.client, key, f"EpisodeOfCare/{self.course.public_id}")

    def assert_throttled(self, response: Any) -> int:
        self.assertEqual(response.status_code, 429, response.content)
        self.assertEqual(response["Content-Type"], "application/fhir+json")
        wait = int(response["Retry-After"])
        self.assertTrue(1 <= wait <= 3600, wait)
        body = response.json()
        self.assertEqual(body["resourceType"], "OperationOutcome")
        self.assertEqual([i["code"] for i in body["issue"]], ["throttled"])
        self.assertIn(f"Try again in {wait} seconds", body["issue"][0]["diagnostics"])
        return wait

    def test_fhir_answers_within_the_limit_and_429_beyond_it(self) -> None:
        key = self.key(self.therapist)
        for _ in range(3):
            self.assertEqual(self.fhir(key).status_code, 200)
        self.assert_throttled(self.fhir(key))
        self.assert_throttled(get(self.client, key, "metadata"))

    def test_fhir_and_the_json_api_share_one_allowance_per_token(self) -> None:
        key = self.key(self.therapist)
        self.assertEqual(self.fhir(key).status_code, 200)
        self.assertEqual(self.get("/whoami", key).status_code, 200)
        self.assertEqual(self.fhir(key).status_code, 200)
        self.assertEqual(self.get("/whoami", key).status_code, 429)
        self.assert_throttled(self.fhir(key))

    def test_one_tokens_requests_do_not_limit_another(self) -> None:
        busy, other = self.key(self.therapist), self.key(self.therapist)
        for _ in range(3):
            self.assertEqual(self.fhir(busy).status_code, 200)
        self.assert_throttled(self.fhir(busy))
        self.assertEqual(self.fhir(other).status_code, 200)
        self.assertEqual(self.get("/whoami", other).status_code, 200)

    def test_the_capability_statement_states_the_limit(self) -> None:
        statement = get(self.client, self.key(self.therapist), "metadata").json()
        security = statement["rest"][0]["security"]["description"]
        self.assertIn("3 requests in 3600 seconds", security)
        self.assertIn("FHIR and JSON API requests counted together", security)

    def test_a_wrong_key_is_not_counted_against_anyone(self) -> None:
        key = self.key(self.therapist)
        for _ in range(5):
            self.assertEqual(self.fhir("ipl_wrong").status_code, 401)
        self.assertEqual(self.fhir(key).status_code, 200)

    def test_a_refusal_is_audited_and_logged_as_the_json_apis_is(self) -> None:
        """Neither reads anything, so neither audits a look; each is logged as a 429."""
        key = self.key(self.therapist)
        for _ in range(3):
            self.fhir(key)
        written = []
        for send, path in (
            (lambda: self.get("/whoami", key), "/api/v1/whoami"),
            (lambda: self.fhir(key), f"/fhir/R4/EpisodeOfCare/{self.course.public_id}"),
        ):
            before = set(AuditEvent.objects.values_list("pk", flat=True))
            with self.assertLogs("django.request", "WARNING") as logs:
                self.assertEqual(send().status_code, 429)
            self.assertEqual(logs.output, [f"WARNING:django.request:Too Many Requests: {path}"])
            written.append(
                sorted(AuditEvent.objects.exclude(pk__in=before).values_list("action", flat=True))
            )
        fhir_read = self.key(self.therapist)
        self.assertEqual(self.fhir(fhir_read).status_code, 200)  # a look is audited...
        self.assertTrue(AuditEvent.objects.filter(action="course.viewed").exists())
        self.assertEqual(written[1], written[0])  # ...a refusal as the JSON API's is
        self.assertNotIn("course.viewed", written[1])


@override_settings(CACHES=COUNTERS, RATELIMIT_USE_CACHE="ratelimit", API_RATE_LIMIT="3/h")
class SharedCounterTests(ApiTestCase):
    """Counted in the database (``interplay.clinic.ratecache``), as in production: every
    app server reads and adds to the same row for a token."""

    def test_a_token_has_one_allowance_across_servers(self) -> None:
        course = course_for(self.therapist)
        key = self.key(self.therapist)
        self.assertEqual(self.get("/whoami", key).status_code, 200)
        self.assertEqual(
            get(self.client, key, f"EpisodeOfCare/{course.public_id}").status_code, 200
        )
        self.assertEqual(list(RateCount.objects.values_list("value", flat=True)), [2])
        # Another server: its own client and its own cache object, the same database.
        del caches["ratelimit"]
        other_server = Client()
        self.assertEqual(get(other_server, key, "metadata").status_code, 200)
        limited = get(other_server, key, f"EpisodeOfCare/{course.public_id}")
        self.assertEqual(limited.status_code, 429)
        self.assertEqual(limited.json()["issue"][0]["code"], "throttled")
        self.assertEqual(list(RateCount.objects.values_list("value", flat=True)), [4])
        del caches["ratelimit"]
        self.assertEqual(self.get("/whoami", key).status_code, 429)
        other_token = self.key(self.therapist)
        self.assertEqual(get(other_server, other_token, "metadata").status_code, 200)
