import threading
import uuid
from unittest import mock

from django.core import mail
from django.db import connection
from django.test import TransactionTestCase

from interplay.audit.models import AuditEvent
from interplay.measures.models import QuestionnaireResponse
from interplay.patients.models import Consent, Patient
from interplay.patients.services import record_for
from interplay.referrals.models import Referral, ReferralStatus
from interplay.referrals.services import submit_self_referral
from interplay.referrals.tasks import send_referral_acknowledgement
from interplay.test import CALM_GAD7, CALM_PHQ9, BaseTestCase, answers, referral_details


class SubmitSelfReferralTests(BaseTestCase):
    def submit(self, token: uuid.UUID | None = None, **kwargs: object) -> tuple[Referral, bool]:
        return submit_self_referral(
            submission_token=token or uuid.uuid4(),
            details=referral_details(),
            phq9=kwargs.get("phq9", CALM_PHQ9),  # type: ignore[arg-type]
            gad7=kwargs.get("gad7", CALM_GAD7),  # type: ignore[arg-type]
        )

    def test_it_records_the_referral_with_scored_questionnaires(self) -> None:
        referral, created = self.submit(
            phq9=answers([2, 2, 2, 1, 1, 1, 1, 1, 0]), gad7=answers([1, 1, 1, 1, 1, 1, 1])
        )
        self.assertTrue(created)
        self.assertEqual(referral.status, ReferralStatus.RECEIVED)
        self.assertRegex(referral.reference, r"^IP-[A-Z0-9]{4}-[A-Z0-9]{4}$")
        phq9 = QuestionnaireResponse.objects.get(referral=referral, instrument_code="phq9")
        gad7 = QuestionnaireResponse.objects.get(referral=referral, instrument_code="gad7")
        self.assertEqual((phq9.total, phq9.band, phq9.at_caseness), (11, "Moderate", True))
        self.assertEqual((gad7.total, gad7.band, gad7.at_caseness), (7, "Mild", False))
        self.assertFalse(referral.urgent)

    def test_it_flags_item_9_and_marks_the_referral_urgent(self) -> None:
        referral, _ = self.submit(phq9=answers([0, 0, 0, 0, 0, 0, 0, 0, 1]))
        self.assertTrue(referral.urgent)
        self.assertEqual(referral.risk_reasons, ["phq9_item9"])
        event = AuditEvent.objects.by_action("referral.submitted").get()
        self.assertEqual(
            event.detail,
            {"urgent": True, "returning_patient": False},
        )
        self.assertEqual(event.actor_label, "public")

    def test_the_same_form_sent_twice_is_one_referral_and_one_email(self) -> None:
        token = uuid.uuid4()
        first, created_first = self.submit(token)
        second, created_second = self.submit(token)
        self.assertEqual((first.pk, created_first, created_second), (second.pk, True, False))
        self.assertEqual(Referral.objects.count(), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_the_same_form_sent_again_leaves_no_trace_of_the_second_copy(self) -> None:
        token = uuid.uuid4()
        self.submit(token)
        counts = (Patient.objects.count(), AuditEvent.objects.count(), Consent.objects.count())
        self.submit(token)
        after = (Patient.objects.count(), AuditEvent.objects.count(), Consent.objects.count())
        self.assertEqual(after, counts)
        self.assertEqual(QuestionnaireResponse.objects.count(), 2)

    def test_a_reference_already_taken_is_drawn_again(self) -> None:
        first, _ = self.submit()
        with mock.patch(
            "interplay.referrals.services.reference_code",
            side_effect=[first.reference, "IP-NEW1-REF2"],
        ):
            second, created = self.submit()
        self.assertTrue(created)
        self.assertEqual(second.reference, "IP-NEW1-REF2")
        self.assertEqual(Referral.objects.count(), 2)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(AuditEvent.objects.filter(action="referral.submitted").count(), 2)

    def test_three_references_taken_in_a_row_is_an_error_not_a_loop(self) -> None:
        first, _ = self.submit()
        with (
            mock.patch("interplay.referrals.services.reference_code", return_value=first.reference),
            self.assertRaises(RuntimeError),
        ):
            self.submit()
        self.assertEqual(Referral.objects.count(), 1)

    def test_the_acknowledgement_names_the_reference_and_no_symptoms(self) -> None:
        referral, _ = self.submit()
        message = self.only_email()
        self.assertEqual(message.to, ["robin@example.org"])
        self.assertIn(referral.reference, message.subject)
        for body in (message.body, self.html_of(message)):
            self.assertIn(referral.reference, body)
            self.assertIn("116 123", body)
            self.assertNotIn("father died", body)

    def test_the_acknowledgement_job_sends_once_even_if_run_twice(self) -> None:
        referral, _ = self.submit()
        self.assertFalse(send_referral_acknowledgement.call(str(referral.public_id)))
        self.assertEqual(len(mail.outbox), 1)

    def test_no_email_address_means_no_email(self) -> None:
        submit_self_referral(
            submission_token=uuid.uuid4(),
            details=referral_details(email=""),
            phq9=CALM_PHQ9,
            gad7=CALM_GAD7,
        )
        self.assertEqual(mail.outbox, [])


class ConcurrentSubmissionTests(TransactionTestCase):
    def test_simultaneous_copies_of_one_form_make_one_referral(self) -> None:
        token = uuid.uuid4()
        results: list[int] = []
        errors: list[BaseException] = []

        def send() -> None:
            try:
                referral, _ = submit_self_referral(
                    submission_token=token,
                    details=referral_details(email=""),
                    phq9=CALM_PHQ9,
                    gad7=CALM_GAD7,
                )
                results.append(referral.pk)
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(Referral.objects.count(), 1)
        self.assertEqual(set(results), {Referral.objects.get().pk})


class ReturningPeopleTests(BaseTestCase):
    def refer(self, **details: object) -> Referral:
        referral, _ = submit_self_referral(
            submission_token=uuid.uuid4(),
            details=referral_details(email="", **details),
            phq9=CALM_PHQ9,
            gad7=CALM_GAD7,
        )
        return referral

    def test_a_second_referral_with_the_same_nhs_number_joins_the_same_record(self) -> None:
        first = self.refer(nhs_number="9434765919")
        second = self.refer(nhs_number="9434765919", last_name="Newname", phone="+447700900999")
        self.assertEqual(first.patient_id, second.patient_id)
        assert second.patient is not None
        self.assertEqual(second.patient.phone, "+447700900999")
        self.assertEqual(second.patient.last_name, "Testwell")

    def test_the_same_name_and_birth_date_joins_the_same_record(self) -> None:
        first = self.refer(first_name="Robin", last_name="Testwell")
        second = self.refer(first_name="robin ", last_name="TESTWELL")
        self.assertEqual(first.patient_id, second.patient_id)
        event = AuditEvent.objects.about(second).get(action="referral.submitted")
        self.assertTrue(event.detail["returning_patient"])

    def test_a_birth_date_given_as_text_finds_the_record_too(self) -> None:
        first = self.refer(first_name="Robin", last_name="Testwell")
        found, returning = record_for(
            referral_details(date_of_birth=first.date_of_birth.isoformat(), last_name="testwell")
        )
        self.assertEqual((found.pk, returning), (first.patient_id, True))

    def test_someone_else_gets_a_record_of_their_own(self) -> None:
        first = self.refer()
        other = self.refer(date_of_birth=first.date_of_birth.replace(year=1991))
        self.assertNotEqual(first.patient_id, other.patient_id)
