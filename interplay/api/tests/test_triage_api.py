"""A triage clinician decides a referral by the API, as on the triage page."""

from typing import Any
from unittest import mock

from django.urls import reverse

from interplay.api.models import Scope
from interplay.api.tests.intake_helpers import ApiTestCase
from interplay.audit.models import AuditEvent
from interplay.referrals.models import Referral, ReferralStatus
from interplay.test import make_referral
from interplay.triage import services as triage


class DecidingTests(ApiTestCase):
    def assessed(self, **details: Any) -> Referral:
        referral = make_referral(email="", **details)
        triage.save_assessment(
            actor=self.triage, referral=referral, urgency="routine", suitable_for=["ipt"]
        )
        return referral

    def test_the_api_and_the_page_both_decide_through_triage_services_decide(self) -> None:
        by_api, by_page = self.assessed(first_name="Api"), self.assessed(first_name="Page")
        calls: list[Referral] = []
        real = triage.decide

        def recording(**kwargs: Any) -> Any:
            calls.append(kwargs["referral"])
            return real(**kwargs)

        with mock.patch.object(triage, "decide", recording):
            response = self.post(
                f"/referrals/{by_api.public_id}/decision",
                self.key(self.triage),
                {"outcome": "offer_ipt"},
            )
            self.sign_in(self.triage)
            self.client.post(
                reverse("triage:decision", kwargs={"public_id": by_page.public_id}),
                {"decision-outcome": "offer_ipt", "decision-reason": ""},
            )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual([r.pk for r in calls], [by_api.pk, by_page.pk])
        by_api.refresh_from_db()
        self.assertEqual(by_api.status, ReferralStatus.WAITING)
        self.assertEqual(response.json()["modality"], "ipt")
        self.assertEqual(AuditEvent.objects.filter(action="triage.decided").count(), 2)

    def test_a_broken_rule_is_409_with_the_page_s_words(self) -> None:
        referral = self.assessed()
        key = self.key(self.triage)
        path = f"/referrals/{referral.public_id}/decision"
        refused = self.post(path, key, {"outcome": "offer_dit"})
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused["Content-Type"], "application/problem+json")
        self.assertIn("suitable for Dynamic Interpersonal Therapy", refused.json()["detail"])
        self.assertEqual(self.post(path, key, {"outcome": "decline"}).status_code, 409)
        self.assertEqual(self.post(path, key, {"outcome": "signpost"}).status_code, 409)
        self.assertEqual(self.post(path, key, {"outcome": "offer_ipt"}).status_code, 201)
        again = self.post(path, key, {"outcome": "offer_ipt"})
        self.assertEqual((again.status_code, again.json()["detail"]), (409, again.json()["detail"]))
        self.assertIn("already been decided", again.json()["detail"])

    def test_the_decision_reads_back_and_404_before_one_exists(self) -> None:
        referral = self.assessed()
        key = self.key(self.triage)
        path = f"/referrals/{referral.public_id}/decision"
        self.assertEqual(self.get(path, key).status_code, 404)
        self.post(path, key, {"outcome": "offer_ipt"})
        read = self.get(path, self.key(self.supervisor))
        self.assertEqual(read.status_code, 200)
        self.assertEqual(
            (read.json()["outcome"], read.json()["decided_by"]), ("offer_ipt", "triage")
        )

    def test_who_may_not_decide(self) -> None:
        referral = self.assessed()
        path = f"/referrals/{referral.public_id}/decision"
        read_only = self.key(self.triage, scope=Scope.READ)
        for key in (read_only, self.key(self.therapist), self.key(self.manager)):
            self.assertEqual(self.post(path, key, {"outcome": "offer_ipt"}).status_code, 403)
        unknown = "/referrals/00000000-0000-4000-8000-000000000000/decision"
        self.assertEqual(
            self.post(unknown, self.key(self.triage), {"outcome": "offer_ipt"}).status_code, 404
        )
        referral.refresh_from_db()
        self.assertFalse(hasattr(referral, "decision"))
