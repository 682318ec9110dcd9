"""A GP system's referral feed reads back the referrals it sent, to learn whether each was
triaged: its own and nobody else's, with their status and what it sent, never a triage
note or decision. The rule is ``referrals.permissions.sent_referrals``."""

import importlib
import json
from typing import Any, ClassVar

from django.apps import apps
from django.test import override_settings

from interplay.accounts.models import User
from interplay.api.services import make_service_account
from interplay.api.tests.fhir_stories import FHIR
from interplay.api.tests.intake_helpers import ApiTestCase, gp_referral
from interplay.api.tests.test_fhir_transaction import referral_bundle
from interplay.audit.models import AuditEvent
from interplay.referrals.models import Referral
from interplay.test import QUEUE_ONLY, make_referral
from interplay.triage import services as triage

RISK_NOTE = "Canary-7f3a: said the thoughts come at night"
DECISION_REASON = "Canary-91c2: prefers a group later in the year"
backfill = importlib.import_module("interplay.referrals.migrations.0012_referral_submitted_by")


@override_settings(TASKS=QUEUE_ONLY)
class FeedReadsBackTests(ApiTestCase):
    park_lane: ClassVar[User]
    hillside: ClassVar[User]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.park_lane, _, _ = make_service_account(actor=None, username="gp-feed-park-lane")
        cls.hillside, _, _ = make_service_account(actor=None, username="gp-feed-hillside")

    def setUp(self) -> None:
        self.park_key = self.key(self.park_lane)
        self.hill_key = self.key(self.hillside)
        self.ours = self.send(self.park_key, first_name="Robin")
        self.theirs = self.send(self.hill_key, first_name="Sam", nhs_number="")
        self.self_referred = make_referral(email="", first_name="Alex")

    def send(self, key: str, **fields: Any) -> Referral:
        response = self.call("POST", "/referrals", key, gp_referral(**fields))
        self.assertEqual(response.status_code, 201, response.content)
        return Referral.objects.get(public_id=response.json()["id"])

    def test_a_feed_reads_its_own_referral_with_its_status_and_what_it_sent(self) -> None:
        response = self.get(f"/referrals/{self.ours.public_id}", self.park_key)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["reference"], body["status"]), (self.ours.reference, "received"))
        self.assertEqual((body["first_name"], body["nhs_number"]), ("Robin", "9434765919"))
        self.assertEqual(body["main_difficulties"], "Low since a bereavement in the spring.")
        self.assertEqual(body["phq9"]["total"], 8)
        # The person's record at the service is not the feed's to know.
        self.assertIsNone(body["patient"])
        event = AuditEvent.objects.filter(action="referral.viewed").latest("sequence")
        self.assertEqual((event.actor, event.detail), (self.park_lane, {"via": "api"}))

    def test_a_feed_cannot_read_another_feeds_referral_or_a_self_referral(self) -> None:
        for key, elsewhere in (
            (self.park_key, self.theirs),
            (self.park_key, self.self_referred),
            (self.hill_key, self.ours),
        ):
            response = self.get(f"/referrals/{elsewhere.public_id}", key)
            self.assertEqual(response.status_code, 404, elsewhere.first_name)

    def test_each_feeds_list_holds_only_what_it_sent(self) -> None:
        again = self.send(self.park_key, first_name="Jo", nhs_number="")
        ours = self.get("/referrals", self.park_key).json()["items"]
        self.assertEqual([r["id"] for r in ours], [str(self.ours.public_id), str(again.public_id)])
        theirs = self.get("/referrals", self.hill_key).json()["items"]
        self.assertEqual([r["id"] for r in theirs], [str(self.theirs.public_id)])
        everyone = self.get("/referrals", self.key(self.triage)).json()["items"]
        self.assertEqual(len(everyone), 4)

    def test_triage_shows_as_a_status_and_a_change_never_as_its_notes(self) -> None:
        since = self.ours.received_at.isoformat().replace("+", "%2B")
        triage.save_assessment(
            actor=self.triage,
            referral=self.theirs,
            urgency="routine",
            suitable_for=["ipt"],
            risk_to_self=RISK_NOTE,
        )
        triage.save_assessment(
            actor=self.triage,
            referral=self.ours,
            urgency="routine",
            suitable_for=["ipt"],
            risk_to_self=RISK_NOTE,
        )
        triage.decide(
            actor=self.triage, referral=self.ours, outcome="offer_ipt", reason=DECISION_REASON
        )
        read = self.get(f"/referrals/{self.ours.public_id}", self.park_key)
        self.assertEqual(read.json()["status"], "waiting")
        changed = self.get(f"/referrals?updated_since={since}", self.park_key)
        self.assertEqual([r["id"] for r in changed.json()["items"]], [str(self.ours.public_id)])
        for answer in (read, changed):
            self.assertNotIn("Canary", answer.content.decode())
        decision = self.get(f"/referrals/{self.ours.public_id}/decision", self.park_key)
        self.assertEqual(decision.status_code, 403)

    def test_a_feed_still_reads_no_patient_and_no_course(self) -> None:
        assert self.ours.patient is not None
        for path in (f"/patients/{self.ours.patient.public_id}", "/patients", "/courses"):
            self.assertEqual(self.get(path, self.park_key).status_code, 403, path)

    def test_the_feeds_list_costs_the_same_queries_for_2_rows_as_for_20(self) -> None:
        def rows(count: int) -> None:
            while Referral.objects.filter(submitted_by=self.park_lane).count() < count:
                self.send(self.park_key, nhs_number="")

        self.assert_constant_queries("/referrals", self.park_key, rows)

    def test_referrals_sent_before_the_column_are_found_from_the_audit_trail(self) -> None:
        Referral.objects.update(submitted_by=None)
        backfill.from_the_audit_trail(apps, None)
        sent = dict(Referral.objects.values_list("public_id", "submitted_by"))
        self.assertEqual(sent[self.ours.public_id], self.park_lane.pk)
        self.assertEqual(sent[self.theirs.public_id], self.hillside.pk)
        self.assertIsNone(sent[self.self_referred.public_id])


@override_settings(TASKS=QUEUE_ONLY)
class FeedReadsBackAsFhirTests(ApiTestCase):
    """A feed that sent its referral as a FHIR transaction reads it back as a ServiceRequest."""

    def fhir(self, method: str, path: str, key: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {key}"}
        if body is None:
            return self.client.get(FHIR + path, headers=headers)
        return self.client.post(
            FHIR + path, json.dumps(body), content_type="application/fhir+json", headers=headers
        )

    def test_a_feed_reads_back_its_service_request_and_no_one_elses(self) -> None:
        _, _, park_key = make_service_account(actor=None, username="gp-feed-park-lane")
        _, _, hill_key = make_service_account(actor=None, username="gp-feed-hillside")
        sent = self.fhir("POST", "", park_key, referral_bundle())
        self.assertEqual(sent.status_code, 200, sent.content)
        location = sent.json()["entry"][1]["response"]["location"]
        other = make_referral(email="", first_name="Alex")

        mine = self.fhir("GET", location, park_key)
        self.assertEqual(mine.status_code, 200, mine.content)
        request = mine.json()
        self.assertEqual(request["status"], "active")
        self.assertEqual(request["subject"], {"display": "Robin Testwell"})
        self.assertEqual(self.fhir("GET", location, hill_key).status_code, 404)
        self.assertEqual(
            self.fhir("GET", f"ServiceRequest/{other.public_id}", park_key).status_code, 404
        )
        found = self.fhir("GET", "ServiceRequest", park_key).json()
        self.assertEqual([e["resource"]["id"] for e in found["entry"]], [location.split("/")[1]])
        self.assertEqual(self.fhir("GET", "ServiceRequest", hill_key).json()["total"], 0)
        for kind in ("Patient", "QuestionnaireResponse", "EpisodeOfCare"):
            self.assertEqual(self.fhir("GET", kind, park_key).status_code, 403, kind)
