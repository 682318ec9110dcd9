"""Every FHIR route has a stated policy, and meets it: no token, 401; a method it does
not answer, 405; all as OperationOutcomes, never stored by a browser or proxy."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from interplay.api.tests.fhir_stories import key_for
from interplay.test import BaseTestCase

UNKNOWN = "00000000-0000-4000-8000-000000000000"
# name: (kwargs, methods it answers, status for the therapist's token on GET)
POLICY = {
    "root": ({}, {"GET", "POST"}, 405),
    "metadata": ({}, {"GET"}, 200),
    "search": ({"kind": "Patient"}, {"GET"}, 200),
    "read": ({"kind": "Patient", "resource_id": UNKNOWN}, {"GET"}, 404),
    "everything": ({"resource_id": UNKNOWN}, {"GET"}, 404),
}


def fhir_names() -> list[str]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "fhir":
            return [str(p.name) for p in entry.url_patterns if isinstance(p, URLPattern)]
    return []


class FhirRouteTests(BaseTestCase):
    def test_every_fhir_route_has_a_policy(self) -> None:
        self.assertEqual(sorted(fhir_names()), sorted(POLICY))

    def test_every_route_answers_as_its_policy_says(self) -> None:
        key = key_for(self.therapist)
        bearer = {"Authorization": f"Bearer {key}"}
        for name, (kwargs, methods, status) in POLICY.items():
            url = reverse(f"fhir:{name}", kwargs=kwargs)
            anonymous = self.client.get(url)
            self.assertEqual(anonymous.status_code, 401, name)
            got = self.client.get(url, headers=bearer)
            self.assertEqual(got.status_code, status, name)
            for method in ("PUT", "PATCH", "DELETE", "TRACE", "POST"):
                if method in methods:
                    continue
                answer = self.client.generic(method, url, headers=bearer)
                self.assertEqual(answer.status_code, 405, f"{method} {name}")
                self.assertEqual(answer.json()["resourceType"], "OperationOutcome")
            for answer in (anonymous, got):
                self.assertEqual(answer["Content-Type"], "application/fhir+json")
                self.assertIn("no-store", answer["Cache-Control"])
