"""Consent: recorded at self-referral, changed by staff, never edited, latest row wins."""

import datetime as dt
from typing import Any

import time_machine
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.patients.models import Consent, Patient
from interplay.patients.services import record_consent
from interplay.test import BaseTestCase, make_referral

UTC = dt.UTC


def patient_of(**details: Any) -> Patient:
    referral = make_referral(email="", **details)
    assert referral.patient is not None
    return referral.patient


class SelfReferralConsentTests(BaseTestCase):
    def test_a_self_referral_records_consent_to_the_referral_and_to_the_gp(self) -> None:
        referral = make_referral(email="", consent_to_gp_contact=False)
        rows = Consent.objects.filter(patient=referral.patient).order_by("kind")
        self.assertEqual(
            [(c.kind, c.given, c.source, c.recorded_by) for c in rows],
            [
                ("gp_contact", False, "self_referral", None),
                ("referral", True, "self_referral", None),
            ],
        )
        self.assertTrue(all(c.recorded_at == referral.received_at for c in rows))

    def test_a_returning_person_adds_rows_and_the_newest_answer_is_in_force(self) -> None:
        with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=UTC), tick=False):
            patient = patient_of(consent_to_gp_contact=True)
        with time_machine.travel(dt.datetime(2026, 3, 5, 9, tzinfo=UTC), tick=False):
            patient_of(consent_to_gp_contact=False)
        self.assertEqual(Consent.objects.filter(patient=patient).count(), 4)
        with self.assertNumQueries(1):
            current = {c.kind: c.given for c in Consent.objects.current_for(patient)}
        self.assertEqual(current, {"referral": True, "gp_contact": False})


class RecordConsentTests(BaseTestCase):
    def test_staff_append_a_row_and_the_history_reads_newest_first(self) -> None:
        with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=UTC), tick=False):
            patient = patient_of()
        with time_machine.travel(dt.datetime(2026, 2, 1, 10, tzinfo=UTC), tick=False):
            record_consent(actor=self.triage, patient=patient, kind="gp_contact", given=False)
        with time_machine.travel(dt.datetime(2026, 2, 20, 10, tzinfo=UTC), tick=False):
            record_consent(
                actor=self.admin, patient=patient, kind="gp_contact", given=True, note="Phoned"
            )
        history = [
            (c.recorded_at.date().isoformat(), c.kind, c.given, c.source)
            for c in Consent.objects.history_for(patient)
        ]
        self.assertEqual(
            history,
            [
                ("2026-02-20", "gp_contact", True, "staff"),
                ("2026-02-01", "gp_contact", False, "staff"),
                # Recorded in one moment: the later row (by recording order) first.
                ("2026-01-05", "gp_contact", True, "self_referral"),
                ("2026-01-05", "referral", True, "self_referral"),
            ],
        )
        current = {c.kind: c.given for c in Consent.objects.current_for(patient)}
        self.assertEqual(current, {"referral": True, "gp_contact": True})

    def test_two_rows_at_the_same_moment_are_told_apart_by_order_of_recording(self) -> None:
        patient = patient_of()
        with time_machine.travel(dt.datetime(2026, 2, 1, 10, tzinfo=UTC), tick=False):
            record_consent(actor=self.admin, patient=patient, kind="email_contact", given=True)
            record_consent(actor=self.admin, patient=patient, kind="email_contact", given=False)
        current = Consent.objects.current_for(patient).get(kind="email_contact")
        self.assertFalse(current.given)

    def test_it_is_audited_with_the_kind_and_answer_never_the_note(self) -> None:
        patient = patient_of()
        record_consent(
            actor=self.admin, patient=patient, kind="email_contact", given=False, note="Private"
        )
        event = AuditEvent.objects.by_action("consent.recorded").get()
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(event.object_id, str(patient.public_id))
        self.assertEqual(event.detail, {"kind": "email_contact", "given": False, "source": "staff"})

    def test_only_administrators_and_triage_clinicians_may_record_consent(self) -> None:
        patient = patient_of()
        for user in (self.therapist, self.supervisor, self.manager):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                record_consent(actor=user, patient=patient, kind="gp_contact", given=False)
        for user in (self.triage, self.admin):
            record_consent(actor=user, patient=patient, kind="gp_contact", given=False)
        self.assertEqual(Consent.objects.filter(source="staff").count(), 2)

    def test_an_unknown_kind_is_refused(self) -> None:
        with self.assertRaises(RuleViolation):
            record_consent(actor=self.admin, patient=patient_of(), kind="marketing", given=True)

    def test_a_stored_row_cannot_be_changed(self) -> None:
        consent = Consent.objects.filter(patient=patient_of()).first()
        assert consent is not None
        consent.given = False
        with self.assertRaises(ValueError):
            consent.save()
        consent.refresh_from_db()
        self.assertTrue(consent.given)


class ConsentFormTests(BaseTestCase):
    def setUp(self) -> None:
        self.patient = patient_of()
        self.url = reverse("patients:consent", kwargs={"public_id": self.patient.public_id})
        self.sign_in(self.admin)

    def test_a_change_is_recorded_and_the_page_shows_it(self) -> None:
        data = {"kind": "gp_contact", "given": "no", "note": "Said so on the phone"}
        response = self.client.post(self.url, data, follow=True)
        self.assertContains(response, "Consent recorded.")
        self.assertContains(response, "Said so on the phone")
        current = Consent.objects.current_for(self.patient).get(kind="gp_contact")
        self.assertEqual((current.given, current.recorded_by), (False, self.admin))

    def test_a_missing_answer_is_named_beside_its_field_and_the_note_is_kept(self) -> None:
        before = Consent.objects.count()
        response = self.client.post(self.url, {"kind": "gp_contact", "note": "Kept note"})
        self.assertContains(response, 'id="id_given-error"', status_code=400)
        self.assertContains(
            response, "Select whether they give or withdraw this consent", status_code=400
        )
        self.assertContains(response, "Kept note", status_code=400)
        self.assertContains(response, "<title>Error: ", status_code=400)
        self.assertEqual(Consent.objects.count(), before)

    def test_a_forged_kind_is_named_beside_its_field(self) -> None:
        response = self.client.post(self.url, {"kind": "<script>", "given": "yes"})
        self.assertContains(response, 'id="id_kind-error"', status_code=400)
        self.assertNotContains(response, "<script>", status_code=400)

    def test_only_administrators_use_the_form(self) -> None:
        for user in (self.triage, self.therapist, self.manager):
            self.sign_in(user)
            response = self.client.post(self.url, {"kind": "gp_contact", "given": "no"})
            self.assertEqual(response.status_code, 403, user.username)
        self.assertFalse(Consent.objects.filter(source="staff").exists())

    def test_get_is_not_answered(self) -> None:
        self.assertEqual(self.client.get(self.url).status_code, 405)
