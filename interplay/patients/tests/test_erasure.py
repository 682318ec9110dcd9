"""Erasing a referral that never became treatment: everything hanging from it goes, the
audit trail stays whole."""

import uuid

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.courses.models import Course
from interplay.encounters.models import SessionRecord
from interplay.letters.models import Letter
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.measures.models import QuestionnaireResponse
from interplay.patients.models import Consent, Patient
from interplay.patients.services import erase_referral, erasure_refusal
from interplay.patients.tests import course_history, full_history
from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, make_letter, make_referral
from interplay.triage import services as triaging
from interplay.triage.models import Allocation, ContactAttempt, TriageAssessment, TriageDecision


def erase_url(referral: Referral) -> str:
    return reverse("patients:erase", kwargs={"public_id": referral.public_id})


def audit_verifies(test: TestCase) -> None:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    test.assertIn("Audit trail verified", out.getvalue())


class DeclinedReferral(BaseTestCase):
    def setUp(self) -> None:
        self.referral = make_referral(email="")
        triaging.save_assessment(
            actor=self.triage, referral=self.referral, urgency="routine", risk_to_self="None"
        )
        triaging.log_contact_attempt(
            actor=self.triage, referral=self.referral, method="phone", outcome="reached"
        )
        triaging.decide(
            actor=self.triage, referral=self.referral, outcome="decline", reason="Needs GP"
        )
        self.referral.refresh_from_db()
        assert self.referral.patient is not None
        self.patient = self.referral.patient


class EraseServiceTests(DeclinedReferral):
    def test_a_declined_referral_goes_with_everything_hanging_from_it(self) -> None:
        self.assertTrue(Letter.objects.filter(referral=self.referral).exists())
        erased = erase_referral(actor=self.admin, referral=self.referral)
        self.assertTrue(erased.patient_too)
        pk = self.referral.pk
        self.assertFalse(Referral.objects.filter(pk=pk).exists())
        for model in (QuestionnaireResponse, TriageAssessment, ContactAttempt, TriageDecision):
            self.assertFalse(model.objects.filter(referral_id=pk).exists(), model.__name__)
        self.assertFalse(Letter.objects.exists())
        self.assertFalse(Patient.objects.filter(pk=self.patient.pk).exists())
        self.assertFalse(Consent.objects.filter(patient_id=self.patient.pk).exists())

    def test_the_audit_trail_keeps_its_rows_and_still_verifies(self) -> None:
        before = AuditEvent.objects.count()
        erase_referral(actor=self.admin, referral=self.referral)
        event = AuditEvent.objects.by_action("referral.erased").get()
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(
            event.detail, {"reference": self.referral.reference, "patient_erased": True}
        )
        self.assertEqual(event.object_id, "")
        self.assertEqual(AuditEvent.objects.count(), before + 1)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="referral.submitted", object_id=str(self.referral.public_id)
            ).exists()
        )
        audit_verifies(self)

    def test_the_record_stays_when_the_person_has_another_referral(self) -> None:
        other = make_referral(email="")
        self.assertEqual(other.patient, self.patient)
        erased = erase_referral(actor=self.admin, referral=self.referral)
        self.assertFalse(erased.patient_too)
        self.assertTrue(Patient.objects.filter(pk=self.patient.pk).exists())
        self.assertTrue(Referral.objects.filter(pk=other.pk).exists())
        self.assertTrue(Consent.objects.filter(patient=self.patient).exists())

    def test_a_row_another_record_still_needs_refuses_the_whole_erasure(self) -> None:
        from interplay.patients.services import _delete

        with self.assertRaisesMessage(RuleViolation, "Other records still need this one (letter)"):
            _delete(self.referral)  # its letters PROTECT it; erase_referral deletes them first
        self.assertTrue(Referral.objects.filter(pk=self.referral.pk).exists())

    def test_only_administrators_may_erase(self) -> None:
        for user in (self.triage, self.supervisor, self.manager, self.therapist):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                erase_referral(actor=user, referral=self.referral)
        self.assertTrue(Referral.objects.filter(pk=self.referral.pk).exists())


class RefusedErasureTests(BaseTestCase):
    def test_a_waiting_or_allocated_referral_is_refused_and_nothing_changes(self) -> None:
        history = full_history(triage=self.triage, admin=self.admin)
        allocated = history.allocated
        self.assertIn("allocated", erasure_refusal(allocated) or "")
        with self.assertRaises(RuleViolation):
            erase_referral(actor=self.admin, referral=allocated)
        triaging.withdraw(actor=self.triage, referral=allocated, reason="other")
        allocated.refresh_from_db()
        self.assertIsNone(erasure_refusal(allocated))  # withdrawn, allocation ended

        waiting = make_referral(email="")
        Referral.objects.filter(pk=waiting.pk).update(status="waiting")
        waiting.refresh_from_db()
        with self.assertRaises(RuleViolation):
            erase_referral(actor=self.admin, referral=waiting)
        self.assertTrue(Referral.objects.filter(pk=waiting.pk).exists())
        self.assertFalse(AuditEvent.objects.by_action("referral.erased").exists())

    def test_a_live_allocation_refuses_whatever_the_status_says(self) -> None:
        history = full_history(triage=self.triage, admin=self.admin)
        Referral.objects.filter(pk=history.allocated.pk).update(status="withdrawn")
        history.allocated.refresh_from_db()
        self.assertTrue(Allocation.objects.filter(referral=history.allocated).active().exists())
        with self.assertRaises(RuleViolation):
            erase_referral(actor=self.admin, referral=history.allocated)


class CourseErasureTests(BaseTestCase):
    """Erasure is for a referral that never reached treatment: once a course exists it is
    refused, finished or not, whatever the referral's status says."""

    def setUp(self) -> None:
        self.course = course_history(self.therapist)
        self.referral = self.course.referral

    def refused(self) -> None:
        with self.assertRaises(RuleViolation):
            erase_referral(actor=self.admin, referral=self.referral)
        self.assertTrue(Referral.objects.filter(pk=self.referral.pk).exists())
        self.assertTrue(Course.objects.filter(pk=self.course.pk).exists())
        self.assertTrue(SessionRecord.objects.filter(appointment__course=self.course).exists())
        self.assertFalse(AuditEvent.objects.by_action("referral.erased").exists())

    def test_a_discharged_referral_with_its_course_is_refused(self) -> None:
        self.assertEqual(self.referral.status, "discharged")
        self.assertIn("discharged", erasure_refusal(self.referral) or "")
        self.refused()

    def test_the_course_refuses_even_if_the_status_looks_erasable(self) -> None:
        Referral.objects.filter(pk=self.referral.pk).update(status="withdrawn")
        self.referral.refresh_from_db()
        self.assertIn("course of therapy", erasure_refusal(self.referral) or "")
        self.refused()

    def test_the_record_page_offers_no_erasure_for_it(self) -> None:
        Referral.objects.filter(pk=self.referral.pk).update(status="withdrawn")
        self.sign_in(self.admin)
        response = self.client.get(
            reverse("patients:detail", kwargs={"public_id": self.course.patient.public_id})
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, erase_url(self.referral))
        response = self.client.get(erase_url(self.referral))
        self.assertContains(response, "This referral cannot be erased")
        self.assertNotContains(response, 'data-testid="erase-form"')
        response = self.client.post(
            erase_url(self.referral), {"reference": self.referral.reference}
        )
        self.assertContains(response, "became a course of therapy", status_code=409)
        self.refused()


class ErasePageTests(DeclinedReferral):
    def test_anonymous_is_sent_to_sign_in(self) -> None:
        response = self.client.get(erase_url(self.referral))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_clinicians_and_managers_are_refused(self) -> None:
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            self.sign_in(user)
            for method in (self.client.get, self.client.post):
                response = method(erase_url(self.referral), {"reference": self.referral.reference})
                self.assertEqual(response.status_code, 403, user.username)
        self.assertTrue(Referral.objects.filter(pk=self.referral.pk).exists())

    def test_an_unknown_referral_is_not_found(self) -> None:
        self.sign_in(self.admin)
        url = reverse("patients:erase", kwargs={"public_id": uuid.uuid4()})
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_page_says_what_will_go_and_asks_for_the_reference(self) -> None:
        self.sign_in(self.admin)
        response = self.client.get(erase_url(self.referral))
        self.assertContains(response, f"Erase referral {self.referral.reference}")
        self.assertContains(response, "2 questionnaire responses")
        self.assertContains(response, "the triage assessment")
        self.assertContains(response, "1 contact attempt")
        self.assertContains(response, "the person's patient record and consents")
        self.assertContains(response, "Type the referral&#x27;s reference to confirm")
        event = AuditEvent.objects.by_action("referral.viewed").latest("sequence")
        self.assertEqual((event.actor, event.detail), (self.admin, {"page": "erase"}))

    def test_a_wrong_reference_is_named_beside_the_box_and_nothing_goes(self) -> None:
        self.sign_in(self.admin)
        response = self.client.post(erase_url(self.referral), {"reference": "IP-XXXX-XXXX"})
        self.assertContains(response, 'id="id_reference-error"', status_code=400)
        self.assertContains(response, "The reference does not match", status_code=400)
        self.assertTrue(Referral.objects.filter(pk=self.referral.pk).exists())

    def test_the_typed_reference_erases_and_goes_back_to_the_search(self) -> None:
        self.sign_in(self.admin)
        response = self.client.post(
            erase_url(self.referral), {"reference": f" {self.referral.reference.lower()} "}
        )
        self.assertRedirects(response, reverse("patients:find"), fetch_redirect_response=False)
        self.assertFalse(Referral.objects.filter(pk=self.referral.pk).exists())
        page = self.client.get(reverse("patients:find"))
        self.assertContains(page, f"Referral {self.referral.reference} and the person")

    def test_with_another_referral_it_goes_back_to_the_record(self) -> None:
        make_referral(email="")
        self.sign_in(self.admin)
        response = self.client.post(
            erase_url(self.referral), {"reference": self.referral.reference}
        )
        self.assertRedirects(
            response, reverse("patients:detail", kwargs={"public_id": self.patient.public_id})
        )

    def test_a_referral_that_may_not_be_erased_says_why_and_offers_no_form(self) -> None:
        waiting = make_referral(email="", last_name="Ashby")
        Referral.objects.filter(pk=waiting.pk).update(status="waiting")
        make_letter(referral=waiting)
        self.sign_in(self.admin)
        response = self.client.get(erase_url(waiting))
        self.assertContains(response, "This referral cannot be erased")
        self.assertNotContains(response, 'data-testid="erase-form"')
        response = self.client.post(erase_url(waiting), {"reference": waiting.reference})
        self.assertContains(response, "only one in triage or closed at triage", status_code=409)
        self.assertTrue(Referral.objects.filter(pk=waiting.pk).exists())

    def test_only_get_and_post_are_answered(self) -> None:
        self.sign_in(self.admin)
        self.assertEqual(self.client.put(erase_url(self.referral)).status_code, 405)
