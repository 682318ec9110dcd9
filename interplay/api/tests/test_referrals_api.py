"""A GP system sends referrals in by the API; triage reads them; nothing is made twice."""

import datetime as dt
from typing import Any, ClassVar
from unittest import mock

from django.utils import timezone

from interplay.accounts.models import User
from interplay.api.models import IdempotentRequest, Scope
from interplay.api.services import make_service_account
from interplay.api.tests.intake_helpers import ApiTestCase, gp_referral
from interplay.audit.models import AuditEvent
from interplay.referrals import services as referral_services
from interplay.referrals.models import Referral, ReferralSource
from interplay.test import make_referral
from interplay.triage import services as triage


class SendingAReferralTests(ApiTestCase):
    feed: ClassVar[User]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.feed, _, _ = make_service_account(actor=None, username="gp-feed")

    def setUp(self) -> None:
        self.feed_key = self.key(self.feed)

    def test_the_feed_sends_a_referral_through_the_service_the_pages_call(self) -> None:
        calls: list[dict[str, Any]] = []
        real = referral_services.submit_self_referral

        def recording(**kwargs: Any) -> Any:
            calls.append(kwargs)
            return real(**kwargs)

        with mock.patch.object(referral_services, "submit_self_referral", recording):
            response = self.post("/referrals", self.feed_key, gp_referral())
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["actor"], self.feed)
        referral = Referral.objects.get(public_id=response.json()["id"])
        self.assertEqual(response.json()["reference"], referral.reference)
        self.assertEqual((referral.source, referral.nhs_number), (ReferralSource.GP, "9434765919"))
        self.assertEqual(referral.phone, "+447700900123")
        self.assertEqual(referral.score("phq9").total, 8)
        event = AuditEvent.objects.get(action="referral.submitted")
        self.assertEqual(event.actor, self.feed)

    def test_item_9_above_0_makes_the_referral_urgent_as_on_the_pages(self) -> None:
        body = gp_referral(phq9=[1, 1, 1, 1, 1, 1, 1, 1, 2])
        response = self.post("/referrals", self.feed_key, body)
        self.assertTrue(Referral.objects.get(public_id=response.json()["id"]).urgent)

    def test_a_returning_person_joins_their_record_on_nhs_number(self) -> None:
        first = make_referral(nhs_number="9434765919", first_name="Robyn", email="")
        response = self.post("/referrals", self.feed_key, gp_referral())
        second = Referral.objects.get(public_id=response.json()["id"])
        self.assertEqual(second.patient, first.patient)

    def test_the_same_key_and_body_give_the_same_answer_and_one_referral(self) -> None:
        body = gp_referral()
        first = self.post("/referrals", self.feed_key, body, **{"Idempotency-Key": "abc-1"})
        again = self.post("/referrals", self.feed_key, body, **{"Idempotency-Key": "abc-1"})
        self.assertEqual((first.status_code, again.status_code), (201, 200))
        self.assertEqual(first.json(), again.json())
        self.assertEqual(Referral.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="referral.submitted").count(), 1)

    def test_the_same_key_with_a_different_body_is_refused(self) -> None:
        self.post("/referrals", self.feed_key, gp_referral(), **{"Idempotency-Key": "k"})
        other = self.post(
            "/referrals", self.feed_key, gp_referral(first_name="Sam"), **{"Idempotency-Key": "k"}
        )
        self.assertEqual(other.status_code, 422)
        self.assertEqual(other["Content-Type"], "application/problem+json")
        self.assertIn("different request", other.json()["detail"])
        self.assertEqual(Referral.objects.count(), 1)

    def test_a_key_is_forgotten_after_24_hours(self) -> None:
        self.post("/referrals", self.feed_key, gp_referral(), **{"Idempotency-Key": "k"})
        IdempotentRequest.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
        other = self.post(
            "/referrals", self.feed_key, gp_referral(first_name="Sam"), **{"Idempotency-Key": "k"}
        )
        # The answer is forgotten; the service still knows the key's referral.
        self.assertEqual(other.status_code, 200)
        self.assertEqual(Referral.objects.count(), 1)

    def test_without_a_key_each_post_is_a_new_referral(self) -> None:
        self.post("/referrals", self.feed_key, gp_referral())
        self.post("/referrals", self.feed_key, gp_referral())
        self.assertEqual(Referral.objects.count(), 2)

    def test_wrong_data_is_refused_field_by_field(self) -> None:
        body = gp_referral(nhs_number="123", phq9=[9] * 9, consent_to_referral=False)
        body.pop("town")
        response = self.post("/referrals", self.feed_key, body)
        self.assertEqual(response.status_code, 422)
        fields = {e["field"] for e in response.json()["errors"]}
        self.assertTrue(
            {"body.body.nhs_number", "body.body.town", "body.body.consent_to_referral"} <= fields
            or {"body.nhs_number", "body.town", "body.consent_to_referral"} <= fields,
            fields,
        )
        self.assertFalse(Referral.objects.exists())

    def test_someone_too_young_is_refused_beside_the_date_of_birth(self) -> None:
        born = timezone.localdate().replace(year=timezone.localdate().year - 10)
        response = self.post(
            "/referrals", self.feed_key, gp_referral(date_of_birth=born.isoformat())
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["errors"][0]["field"], "date_of_birth")

    def test_a_read_only_token_and_a_therapist_may_not_send_one(self) -> None:
        read_only = self.key(self.feed, scope=Scope.READ)
        self.assertEqual(self.post("/referrals", read_only, gp_referral()).status_code, 403)
        therapist = self.key(self.therapist)
        self.assertEqual(self.post("/referrals", therapist, gp_referral()).status_code, 403)
        self.assertFalse(Referral.objects.exists())


class ReadingReferralsTests(ApiTestCase):
    def test_triage_reads_one_and_the_look_is_audited_as_via_the_api(self) -> None:
        referral = make_referral(email="", phq9={n: 1 for n in range(1, 10)})
        response = self.get(f"/referrals/{referral.public_id}", self.key(self.triage))
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["reference"], referral.reference)
        self.assertEqual(body["phq9"]["total"], 9)
        assert referral.patient is not None
        self.assertEqual(body["patient"], str(referral.patient.public_id))
        event = AuditEvent.objects.get(action="referral.viewed")
        self.assertEqual((event.actor, event.detail), (self.triage, {"via": "api"}))

    def test_a_therapist_may_not_read_referrals_and_the_feed_only_its_own(self) -> None:
        referral = make_referral(email="")
        for key in (self.key(self.therapist), self.key(self.manager)):
            self.assertEqual(self.get(f"/referrals/{referral.public_id}", key).status_code, 403)
            self.assertEqual(self.get("/referrals", key).status_code, 403)
        _, _, feed_key = make_service_account(actor=None, username="gp-feed")
        self.assertEqual(self.get(f"/referrals/{referral.public_id}", feed_key).status_code, 404)
        self.assertEqual(self.get("/referrals", feed_key).json()["items"], [])

    def test_the_list_filters_by_status_and_pages_with_a_cursor(self) -> None:
        referrals = [make_referral(email="", first_name=f"P{n}") for n in range(3)]
        triage.save_assessment(
            actor=self.triage, referral=referrals[0], urgency="routine", suitable_for=["ipt"]
        )
        key = self.key(self.triage)
        in_triage = self.get("/referrals?status=in_triage", key).json()
        self.assertEqual([r["id"] for r in in_triage["items"]], [str(referrals[0].public_id)])
        first = self.get("/referrals?limit=2", key).json()
        self.assertEqual(len(first["items"]), 2)
        rest = self.get(f"/referrals?limit=2&cursor={first['next_cursor']}", key).json()
        self.assertEqual(len(rest["items"]), 1)
        self.assertIsNone(rest["next_cursor"])
        seen = {r["id"] for r in first["items"] + rest["items"]}
        self.assertEqual(seen, {str(r.public_id) for r in referrals})

    def test_updated_since_gives_the_referrals_received_or_changed_since(self) -> None:
        long_ago = timezone.now() - dt.timedelta(days=30)
        old = make_referral(email="", first_name="Old", received_at=long_ago)
        changed = make_referral(email="", first_name="Changed", received_at=long_ago)
        since = timezone.now()
        new = make_referral(email="", first_name="New")
        triage.save_assessment(
            actor=self.triage, referral=changed, urgency="routine", suitable_for=["ipt"]
        )
        key = self.key(self.triage)
        self.get(f"/referrals/{old.public_id}", key)  # a look is not a change
        found = self.get(f"/referrals?updated_since={since.isoformat()}".replace("+", "%2B"), key)
        self.assertEqual(
            {r["first_name"] for r in found.json()["items"]}, {changed.first_name, new.first_name}
        )

    def test_a_time_no_clock_could_read_is_refused_beside_the_parameter(self) -> None:
        key = self.key(self.triage)
        for since in ("0070-02-01T02:45:22+20:41", "2026-09-07T10:00:00+14:30", "1066-10-14"):
            response = self.get(f"/referrals?updated_since={since}".replace("+", "%2B"), key)
            self.assertEqual(response.status_code, 422, since)
            (error,) = response.json()["errors"]
            self.assertTrue(error["field"].endswith("updated_since"), error)
        allowed = self.get("/referrals?updated_since=2026-09-07T10:00:00%2B14:00", key)
        self.assertEqual(allowed.status_code, 200)

    def test_a_bad_cursor_says_what_to_do(self) -> None:
        for cursor in ("%%%", "Email", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ"):  # the last: 10**22 - 1
            response = self.get(f"/referrals?cursor={cursor}", self.key(self.triage))
            self.assertEqual(response.status_code, 400, cursor)
            self.assertIn("start again", response.json()["detail"])

    def test_the_list_costs_the_same_queries_for_2_rows_as_for_20(self) -> None:
        def rows(count: int) -> None:
            while Referral.objects.count() < count:
                make_referral(email="")

        self.assert_constant_queries("/referrals", self.key(self.triage), rows)
