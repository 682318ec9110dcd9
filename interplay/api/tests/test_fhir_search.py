"""Searching: patient, date, status, _lastUpdated and _count as the CapabilityStatement
declares them, searchset Bundles with next links, and a fixed number of queries per page."""

from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext

from interplay.api.fhir.kinds import KINDS
from interplay.api.tests.fhir_stories import Story, get, key_for, robin_and_sam
from interplay.test import BaseTestCase


class SearchTests(BaseTestCase):
    story: ClassVar[Story]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.story = robin_and_sam(cls.therapist, cls.outsider)

    def setUp(self) -> None:
        self.key = key_for(self.therapist)

    def bundle(self, kind: str, key: str | None = None, **query: Any) -> dict[str, Any]:
        response = get(self.client, key or self.key, kind, **query)
        self.assertEqual(response.status_code, 200, response.content)
        body: dict[str, Any] = response.json()
        return body

    def found(self, kind: str, key: str | None = None, **query: Any) -> list[dict[str, Any]]:
        return [e["resource"] for e in self.bundle(kind, key, **query).get("entry", [])]

    def test_patient_narrows_to_one_person(self) -> None:
        triage = key_for(self.triage)
        robin, sam = self.story.course.patient, self.story.other.patient
        self.assertEqual(len(self.found("ServiceRequest", triage)), 2)
        (referral,) = self.found("ServiceRequest", triage, patient=str(robin.public_id))
        self.assertEqual(referral["subject"]["reference"], f"Patient/{robin.public_id}")
        (other,) = self.found("ServiceRequest", triage, patient=f"Patient/{sam.public_id}")
        self.assertEqual(other["subject"]["reference"], f"Patient/{sam.public_id}")
        # The screening answers each referral came with, for the triage clinician.
        screening = self.found("QuestionnaireResponse", triage, patient=str(sam.public_id))
        self.assertEqual(len(screening), 2)

    def test_date_takes_a_day_a_month_or_a_range_with_prefixes(self) -> None:
        self.assertEqual(len(self.found("Appointment", date="2026-09-07")), 1)
        self.assertEqual(len(self.found("Encounter", date="2026-09")), 3)
        between = self.found("Appointment", date=["ge2026-09-14", "lt2026-09-22"])
        self.assertEqual([a["description"][:10] for a in between], ["Session 2 ", "Session 3 "])
        self.assertEqual(len(self.found("EpisodeOfCare", date="gt2026-09-07")), 0)
        self.assertEqual(len(self.found("EpisodeOfCare", date="le2026-09-07")), 1)

    def test_a_date_no_clock_could_read_is_refused_not_a_server_error(self) -> None:
        for value in ("0070-02-01T02:45:22+20:41", "ge0001-01-01", "2026-09-07T10:00:00+15:00"):
            response = get(self.client, self.key, "Appointment", date=value)
            self.assertEqual(response.status_code, 400, value)
            issue = response.json()["issue"][0]
            self.assertIn("between 1900 and 2199", issue["diagnostics"], value)

    def test_status_uses_fhir_codes(self) -> None:
        self.assertEqual(len(self.found("Appointment", status="fulfilled")), 3)
        self.assertEqual(len(self.found("Appointment", status="booked")), 13)
        self.assertEqual(len(self.found("Appointment", status="fulfilled,noshow")), 3)
        self.assertEqual(len(self.found("EpisodeOfCare", status="finished")), 0)
        self.assertEqual(len(self.found("QuestionnaireResponse", status="in-progress")), 0)
        self.assertEqual(len(self.found("Goal", **{"lifecycle-status": "active"})), 2)

    def test_last_updated_finds_what_changed_since(self) -> None:
        since = self.found("QuestionnaireResponse", _lastUpdated="ge2026-09-14")
        self.assertEqual(len(since), 2)
        self.assertTrue(all(r["meta"]["lastUpdated"] >= "2026-09-14" for r in since))
        self.assertEqual(len(self.found("QuestionnaireResponse", _lastUpdated="lt2026-09-14")), 2)

    def test_count_pages_with_next_links_that_a_client_follows_to_the_end(self) -> None:
        page = self.bundle("Appointment", _count="5", status="booked,fulfilled")
        self.assertEqual(page["total"], 16)
        seen: list[str] = []
        while True:
            seen += [e["resource"]["id"] for e in page.get("entry", [])]
            self.assertLessEqual(len(page.get("entry", [])), 5)
            following = [link["url"] for link in page["link"] if link["relation"] == "next"]
            if not following:
                break
            parts = urlsplit(following[0])
            self.assertIn("status=booked%2Cfulfilled", parts.query)
            response = self.client.get(
                f"{parts.path}?{parts.query}", headers={"Authorization": f"Bearer {self.key}"}
            )
            page = response.json()
        self.assertEqual(len(seen), 16)
        self.assertEqual(len(set(seen)), 16)

    def test_the_capability_statement_declares_what_is_implemented_and_nothing_more(self) -> None:
        # The supervisor reads every type: referrals, and their supervisee's courses.
        self.key = key_for(self.supervisor)
        statement = self.client.get(
            "/fhir/R4/metadata", headers={"Authorization": f"Bearer {self.key}"}
        ).json()
        self.assertEqual(statement["fhirVersion"], "4.0.1")
        (rest,) = statement["rest"]
        self.assertEqual([r["type"] for r in rest["resource"]], list(KINDS))
        samples = [
            str(self.story.course.patient.public_id),
            "ge2026-01-01",
            "active",
            "finished",
            "booked",
            "completed",
            "final",
            "44261-6",
            "1",
        ]
        for resource in rest["resource"]:
            self.assertEqual([i["code"] for i in resource["interaction"]], ["read", "search-type"])
            for param in resource["searchParam"]:
                answers = [
                    get(self.client, self.key, resource["type"], **{param["name"]: s}).status_code
                    for s in samples
                ]
                self.assertIn(200, answers, f"{resource['type']}?{param['name']}")
                self.assertFalse(any(a >= 500 for a in answers))
            declared = {p["name"] for p in resource["searchParam"]}
            for undeclared in {"patient", "date", "status", "_lastUpdated", "code"} - declared:
                response = get(self.client, self.key, resource["type"], **{undeclared: "x"})
                self.assertEqual(response.status_code, 400, f"{resource['type']}?{undeclared}")

    def test_a_page_of_appointments_reads_what_the_queryset_would(self) -> None:
        """A page's sessions come from a statement compiled once (``RowsByKeys``): the
        same rows as the queryset it stands for, whatever the keys, and none for keys
        that can match nothing."""
        from interplay.api.fhir import appointment
        from interplay.courses.models import Appointment

        by_keys = appointment.KIND.by_keys
        assert by_keys is not None
        keys = Appointment.objects.order_by("pk").values("pk")
        expected = list(appointment.fetch(Appointment.objects.order_by("pk")))
        self.assertGreater(len(expected), 3)
        self.assertEqual(by_keys(keys), expected)
        self.assertEqual(by_keys(keys[1:3]), expected[1:3])
        self.assertEqual(by_keys(keys.filter(status__in=[])), [])
        self.assertEqual(self.found("Appointment", patient="not-an-id"), [])
        self.assertEqual(self.found("Appointment", _id="not-an-id"), [])

    def test_a_page_costs_the_same_queries_whatever_its_size(self) -> None:
        for kind in KINDS:
            if kind == "ServiceRequest":
                continue
            self.bundle(kind, _count="1")  # the token's last use, once
            with CaptureQueriesContext(connection) as one:
                self.bundle(kind, _count="1")
            self.assertLessEqual(len(one), 12, kind)
            with self.subTest(kind=kind), self.assertNumQueries(len(one)):
                self.bundle(kind, _count="200")
