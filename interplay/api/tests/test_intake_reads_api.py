"""Patients, waiting lists and the service figures through the API, scoped as the pages."""

import datetime as dt
from typing import Any

from interplay.api.tests.intake_helpers import ApiTestCase
from interplay.audit.models import AuditEvent
from interplay.patients.models import Patient
from interplay.referrals.models import Referral
from interplay.test import course_for, make_referral
from interplay.triage import services as triage


class PatientsTests(ApiTestCase):
    def test_a_therapist_sees_their_caseload_and_not_another_s(self) -> None:
        mine = course_for(self.therapist, first_name="Mine")
        theirs = course_for(self.outsider, first_name="Theirs", nhs_number="")
        key = self.key(self.therapist)
        listed = self.get("/patients", key).json()["items"]
        self.assertEqual([p["first_name"] for p in listed], ["Mine"])
        self.assertEqual(self.get(f"/patients/{mine.patient.public_id}", key).status_code, 200)
        self.assertEqual(self.get(f"/patients/{theirs.patient.public_id}", key).status_code, 404)
        event = AuditEvent.objects.filter(action="patient.viewed").get()
        self.assertEqual(event.detail, {"via": "api"})

    def test_triage_and_administrators_see_everyone_referred_and_find_by_nhs_number(self) -> None:
        make_referral(email="", nhs_number="9434765919")
        make_referral(email="", first_name="Other", last_name="Person")
        for user in (self.triage, self.admin):
            key = self.key(user)
            self.assertEqual(len(self.get("/patients", key).json()["items"]), 2)
            found = self.get("/patients?nhs_number=943 476 5919".replace(" ", "%20"), key)
            self.assertEqual([p["nhs_number"] for p in found.json()["items"]], ["9434765919"])

    def test_a_service_manager_may_not_read_patients(self) -> None:
        referral = make_referral(email="")
        key = self.key(self.manager)
        assert referral.patient is not None
        self.assertEqual(self.get("/patients", key).status_code, 403)
        self.assertEqual(self.get(f"/patients/{referral.patient.public_id}", key).status_code, 403)

    def test_the_list_costs_the_same_queries_for_2_rows_as_for_20(self) -> None:
        def rows(count: int) -> None:
            while Patient.objects.count() < count:
                make_referral(email="", last_name=f"Person{Patient.objects.count()}")

        self.assert_constant_queries("/patients", self.key(self.admin), rows)


class WaitingListTests(ApiTestCase):
    def waiting(self, **details: Any) -> Referral:
        referral = make_referral(email="", **details)
        triage.save_assessment(
            actor=self.triage, referral=referral, urgency="routine", suitable_for=["ipt"]
        )
        triage.decide(actor=self.triage, referral=referral, outcome="offer_ipt")
        return referral

    def test_triage_reads_the_list_in_offer_order_with_the_standards(self) -> None:
        from django.utils import timezone

        long_ago = timezone.now() - dt.timedelta(days=50)
        older = self.waiting(first_name="Older", received_at=long_ago)
        newer = self.waiting(first_name="Newer")
        body = self.get("/waiting-lists/ipt", self.key(self.triage)).json()
        self.assertEqual(
            [w["referral"] for w in body["items"]], [str(older.public_id), str(newer.public_id)]
        )
        self.assertEqual([w["position"] for w in body["items"]], [1, 2])
        self.assertFalse(body["items"][0]["within_6_weeks"])
        self.assertTrue(body["items"][1]["within_6_weeks"])
        self.assertEqual(self.get("/waiting-lists/dit", self.key(self.triage)).json()["count"], 0)
        event = AuditEvent.objects.filter(action="waiting_list.viewed").first()
        assert event is not None
        self.assertEqual(event.detail["via"], "api")

    def test_a_therapist_may_not_and_an_unknown_modality_is_refused(self) -> None:
        self.assertEqual(self.get("/waiting-lists/ipt", self.key(self.therapist)).status_code, 403)
        self.assertEqual(self.get("/waiting-lists/cbt", self.key(self.triage)).status_code, 422)

    def test_the_list_costs_the_same_queries_for_2_rows_as_for_20(self) -> None:
        def rows(count: int) -> None:
            while Referral.objects.filter(status="waiting").count() < count:
                self.waiting()

        self.assert_constant_queries("/waiting-lists/ipt", self.key(self.triage), rows)


class FiguresTests(ApiTestCase):
    def test_a_service_manager_reads_the_figures_as_the_dashboard_counts_them(self) -> None:
        make_referral(email="")
        make_referral(email="", first_name="Second")
        key = self.key(self.manager)
        body = self.get("/figures", key).json()
        self.assertEqual(body["counts"]["received"], 2)
        rates = {r["key"]: r for r in body["rates"]}
        self.assertIn("recovery", rates)
        self.assertIsNone(rates["recovery"]["percent"])
        self.assertTrue(AuditEvent.objects.filter(action="reports.dashboard_viewed").exists())

    def test_only_service_managers_and_administrators(self) -> None:
        self.assertEqual(self.get("/figures", self.key(self.admin)).status_code, 200)
        for user in (self.therapist, self.triage, self.supervisor):
            self.assertEqual(self.get("/figures", self.key(user)).status_code, 403, user)

    def test_a_backwards_period_is_refused_with_what_to_change(self) -> None:
        response = self.get("/figures?start=2026-05-01&end=2026-04-01", self.key(self.manager))
        self.assertEqual(response.status_code, 400)
        self.assertIn("start must be on or before end", response.json()["detail"])

    def test_a_period_outside_the_years_a_record_holds_is_refused(self) -> None:
        for query in ("end=0001-01-01", "start=0070-01-01&end=0071-01-01", "end=9999-12-31"):
            response = self.get(f"/figures?{query}", self.key(self.manager))
            self.assertEqual(response.status_code, 422, query)
            self.assertIn("between 1900 and 2199", response.json()["errors"][0]["message"])
