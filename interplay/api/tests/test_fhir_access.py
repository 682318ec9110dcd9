"""Who reaches what through FHIR: a live token or 401; the pages' role x action table
(403 for a type one's role never reads); a caseload's edge (404 beyond it); every read
audited as the page view it stands for."""

from typing import Any, ClassVar

from django.utils import timezone

from interplay.api.models import ApiToken
from interplay.api.services import revoke_token
from interplay.api.tests.fhir_stories import Story, get, key_for, robin_and_sam
from interplay.audit.models import AuditEvent
from interplay.test import BaseTestCase


class AccessTests(BaseTestCase):
    story: ClassVar[Story]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.story = robin_and_sam(cls.therapist, cls.outsider)

    def assert_outcome(self, response: Any, status: int, words: str) -> None:
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "application/fhir+json")
        body = response.json()
        self.assertEqual(body["resourceType"], "OperationOutcome")
        self.assertIn(words, " ".join(i["diagnostics"] for i in body["issue"]))

    def ids(self, key: str, kind: str) -> set[str]:
        response = get(self.client, key, kind)
        self.assertEqual(response.status_code, 200, response.content)
        return {e["resource"]["id"] for e in response.json().get("entry", [])}

    def test_without_a_live_token_every_request_is_refused_with_401(self) -> None:
        key = key_for(self.therapist)
        token = ApiToken.objects.get(user=self.therapist)
        self.sign_in(self.therapist)  # a signed-in browser is not a token
        for sent in (None, "ipl_not-a-key", "Basic dGhlcmFwaXN0"):
            for path in ("metadata", "Patient", f"EpisodeOfCare/{self.story.course.public_id}"):
                response = get(self.client, sent, path)
                self.assert_outcome(response, 401, "Authorization: Bearer")
                self.assertIn("Bearer", response["WWW-Authenticate"])
        self.assertEqual(get(self.client, key, "metadata").status_code, 200)
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
        self.assert_outcome(get(self.client, key, "Patient"), 401, "expired")
        other = key_for(self.therapist)
        revoke_token(actor=self.admin, token=ApiToken.objects.get(prefix=other[:10]))
        self.assert_outcome(get(self.client, other, "Patient"), 401, "revoked")

    def test_a_therapist_reaches_only_their_own_caseload(self) -> None:
        key = key_for(self.therapist)
        mine, theirs = self.story.course, self.story.other
        self.assertEqual(self.ids(key, "EpisodeOfCare"), {str(mine.public_id)})
        self.assertEqual(self.ids(key, "Patient"), {str(mine.patient.public_id)})
        for path in (
            f"EpisodeOfCare/{theirs.public_id}",
            f"Patient/{theirs.patient.public_id}",
            f"Patient/{theirs.patient.public_id}/$everything",
            f"CarePlan/{theirs.public_id}",
            f"Appointment/{theirs.appointments.first().public_id}",  # type: ignore[union-attr]
            f"QuestionnaireResponse/{theirs.responses.get().public_id}",
            f"Observation/{theirs.responses.get().public_id}-total",
        ):
            self.assert_outcome(get(self.client, key, path), 404, "No such resource")
        other_patient = {"patient": str(theirs.patient.public_id)}
        for kind in ("Appointment", "QuestionnaireResponse", "Observation", "Goal"):
            response = get(self.client, key, kind, **other_patient)
            self.assertEqual(response.json()["total"], 0, kind)
        # The outsider's 404s are refusals, audited as a page's are.
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.therapist, action__contains="refus").exists()
        )

    def test_the_outsider_sees_only_sam_and_the_supervisor_sees_their_supervisee(self) -> None:
        outsider = key_for(self.outsider)
        self.assertEqual(self.ids(outsider, "EpisodeOfCare"), {str(self.story.other.public_id)})
        supervisor = key_for(self.supervisor)
        self.assertEqual(self.ids(supervisor, "EpisodeOfCare"), {str(self.story.course.public_id)})

    def test_a_role_that_never_reads_a_type_gets_403(self) -> None:
        manager, triage, admin = key_for(self.manager), key_for(self.triage), key_for(self.admin)
        therapist = key_for(self.therapist)
        referral = f"ServiceRequest/{self.story.course.referral.public_id}"
        self.assert_outcome(get(self.client, manager, "Patient"), 403, "may not read Patient")
        self.assert_outcome(get(self.client, triage, "EpisodeOfCare"), 403, "EpisodeOfCare")
        self.assert_outcome(get(self.client, admin, "Goal"), 403, "Goal")
        self.assert_outcome(get(self.client, therapist, referral), 403, "ServiceRequest")
        self.assertEqual(get(self.client, triage, referral).status_code, 200)
        # Administrators keep the person's record (as at /patients/): every patient.
        self.assertEqual(len(self.ids(admin, "Patient")), 2)
        # Instruments are not patient data: any member of staff reads them.
        self.assertEqual(get(self.client, manager, "Questionnaire").status_code, 200)

    def test_every_read_is_audited_as_the_page_it_stands_for(self) -> None:
        key = key_for(self.therapist)
        course, patient = self.story.course, self.story.course.patient
        get(self.client, key, f"EpisodeOfCare/{course.public_id}")
        get(self.client, key, f"Patient/{patient.public_id}")
        get(self.client, key, f"Goal/{course.problems.first().public_id}")  # type: ignore[union-attr]
        get(self.client, key, "Observation", patient=str(patient.public_id))
        viewed = AuditEvent.objects.filter(actor=self.therapist).order_by("sequence")
        looks = [(e.action, e.object_id, e.detail.get("via")) for e in viewed]
        self.assertIn(("course.viewed", str(course.public_id), "fhir"), looks)
        self.assertIn(("patient.viewed", str(patient.public_id), "fhir"), looks)
        self.assertIn(("progress.problems_viewed", str(course.public_id), "fhir"), looks)
        search = viewed.get(action="fhir.searched")
        self.assertEqual(search.detail["type"], "Observation")
        self.assertEqual(len(search.detail["resources"]), 6)
        self.assertEqual(search.detail["patients"], [str(patient.public_id)])

    def test_what_the_server_cannot_do_is_said_as_an_operation_outcome(self) -> None:
        key = key_for(self.therapist)
        self.assert_outcome(get(self.client, key, "Patient", name="Robin"), 400, '"name"')
        self.assert_outcome(get(self.client, key, "Medication"), 404, "no Medication")
        self.assert_outcome(get(self.client, key, "Patient", _count="0"), 400, "_count")
        self.assert_outcome(get(self.client, key, "Appointment", date="yesterday"), 400, "date")
        self.assert_outcome(get(self.client, key, "Appointment", status="lost"), 400, "lost")
        self.assert_outcome(get(self.client, key, "Patient", _cursor="!!"), 400, "_cursor")
        response = self.client.delete(
            f"/fhir/R4/Patient/{self.story.course.patient.public_id}",
            headers={"Authorization": f"Bearer {key}"},
        )
        self.assert_outcome(response, 405, "GET")
