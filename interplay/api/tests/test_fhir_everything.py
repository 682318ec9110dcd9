"""``Patient/{id}/$everything``: the person's whole record as the reader may see it, and
``everything_bundle``, the whole of it, for a service's export."""

from typing import Any, ClassVar

from fhir.resources.R4B.bundle import Bundle

from interplay.api.fhir.everything import everything_bundle
from interplay.api.tests.fhir_stories import Story, get, key_for, robin_and_sam
from interplay.audit.models import AuditEvent
from interplay.test import BaseTestCase


class EverythingTests(BaseTestCase):
    story: ClassVar[Story]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.story = robin_and_sam(cls.therapist, cls.outsider)

    def kinds(self, bundle: dict[str, Any]) -> dict[str, int]:
        counted: dict[str, int] = {}
        for entry in bundle["entry"]:
            kind = entry["resource"]["resourceType"]
            counted[kind] = counted.get(kind, 0) + 1
        return counted

    def test_the_therapist_gets_robin_s_course_and_answers_but_not_the_referral(self) -> None:
        robin = self.story.course.patient
        response = get(
            self.client, key_for(self.therapist), f"Patient/{robin.public_id}/$everything"
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        Bundle.model_validate(body)
        self.assertEqual(
            self.kinds(body),
            {
                "Patient": 1,
                "EpisodeOfCare": 1,
                "Appointment": 16,
                "Encounter": 3,
                "QuestionnaireResponse": 4,
                "Observation": 6,
                "CarePlan": 1,
                "Goal": 2,
            },
        )
        look = AuditEvent.objects.get(action="patient.viewed", actor=self.therapist)
        self.assertEqual(look.detail["via"], "fhir")

    def test_the_export_gets_everything_with_no_reader(self) -> None:
        robin = self.story.course.patient
        bundle = everything_bundle(robin, "https://interplay.example/fhir/R4/")
        Bundle.model_validate(bundle)
        self.assertEqual(bundle["type"], "collection")
        kinds = self.kinds(bundle)
        # The referral and its screening answers too, which the therapist's pages lack.
        self.assertEqual(kinds["ServiceRequest"], 1)
        self.assertEqual(kinds["QuestionnaireResponse"], 6)
        self.assertTrue(bundle["entry"][0]["fullUrl"].startswith("https://interplay.example/"))
        sam = self.story.other.patient
        self.assertNotIn(str(sam.public_id), {e["resource"]["id"] for e in bundle["entry"]})
