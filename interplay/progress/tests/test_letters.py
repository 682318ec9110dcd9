"""The goodbye letter, the ending summary and the GP's discharge letter."""

from typing import Any
from unittest import mock

from django.core import mail
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.courses import attendance
from interplay.courses.models import Course
from interplay.encounters import services as encounters
from interplay.letters.tests import pdf_text, reading_problems
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring import services as monitoring
from interplay.monitoring.models import RiskAlert
from interplay.patients.services import record_consent
from interplay.progress import services, sharing
from interplay.progress.letters import draft
from interplay.progress.models import CourseLetter, EndingReview
from interplay.progress.tests.factories import make_course
from interplay.progress.tests.test_services import ProgressTestCase
from interplay.test import answers


def end(therapist: Any, course: Course) -> Course:
    return attendance.end_course(
        actor=therapist, course=course, outcome="completed", reason="The course is complete."
    )


class EndingLetterTests(ProgressTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.course = make_course(self.outsider, "dit", first_name="Ash", nhs_number="")
        shown = services.add_problem(
            actor=self.outsider,
            course=self.course,
            kind="problem",
            description="Feeling invisible at work",
            baseline=9,
            session=self.session(1),
        )
        services.add_problem(
            actor=self.outsider,
            course=self.course,
            kind="goal",
            description="UNSHARED GOAL",
            baseline=1,
            session=self.session(1),
        )
        services.rate_problem(actor=self.outsider, problem=shown, score=3, session=self.session(16))
        services.set_shared(actor=self.outsider, item=shown, shared=True)
        encounters.save_record(
            actor=self.outsider,
            appointment=self.session(15),
            notes="SECRET SESSION NOTE",
            risk_notes="SECRET RISK NOTE",
        )
        self.review = services.save_ending_review(
            actor=self.outsider,
            course=self.course,
            therapist_reflections="You found your voice with your manager.",
            warning_signs="Staying late and not eating.",
            relapse_plan="Talk to a friend and call your GP.",
        )

    def first_draft(self, kind: str) -> str:
        problems = [p for p in self.course.problems.all() if p.shared]
        return draft(self.course, kind, problems, EndingReview.objects.get())

    def test_the_goodbye_letter_is_drafted_from_shared_work_and_produced_as_a_pdf(self) -> None:
        text = self.first_draft("goodbye")
        self.assertIn("Feeling invisible at work", text)
        self.assertIn("rated 9 out of 10 at first and 3 most recently", text)
        self.assertIn("Talk to a friend and call your GP.", text)
        self.assertNotIn("UNSHARED", text)
        edited = text + "\n\nIt was a privilege to work with you."
        kept = services.save_letter_draft(
            actor=self.outsider, course=self.course, kind="goodbye", draft=edited
        )
        produced = services.produce_course_letter(actor=self.outsider, course_letter=kept)
        pdf = bytes(produced.letter.pdf)  # type: ignore[union-attr]
        self.assertTrue(pdf.startswith(b"%PDF"))
        words = pdf_text(pdf)
        for expected in (
            "Our goodbye letter",
            "As we agreed, this letter",
            "Feeling invisible at work",
            "It was a privilege to work with you.",
        ):
            self.assertIn(expected, words)
        for secret in ("UNSHARED", "SECRET SESSION NOTE", "SECRET RISK NOTE"):
            self.assertNotIn(secret, words)
        self.assertEqual(produced.letter.referral, self.course.referral)  # type: ignore[union-attr]
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        self.assertTrue(
            {"progress.letter_drafted", "progress.letter_produced", "letter.produced"} <= actions
        )
        with self.assertRaisesMessage(RuleViolation, "produced"):
            services.save_letter_draft(
                actor=self.outsider, course=self.course, kind="goodbye", draft="Again."
            )

    def test_a_letter_reaches_the_patient_only_when_produced_and_shared(self) -> None:
        kept = services.save_letter_draft(
            actor=self.outsider, course=self.course, kind="goodbye", draft="Goodbye, Ash."
        )
        with self.assertRaisesMessage(RuleViolation, "Produce the letter"):
            services.set_shared(actor=self.outsider, item=kept, shared=True)
        produced = services.produce_course_letter(actor=self.outsider, course_letter=kept)
        self.assertEqual(sharing.shared_letters(self.course), [])
        services.set_shared(actor=self.outsider, item=produced, shared=True)
        with self.assertNumQueries(1):
            shown = sharing.shared_letters(self.course)
        self.assertEqual([cl.kind for cl in shown], ["goodbye"])

    def test_dit_has_a_goodbye_letter_and_ipt_an_ending_summary(self) -> None:
        self.assertEqual(services.letter_kinds(self.course), ["goodbye", "discharge"])
        ipt = make_course(self.therapist, "ipt", first_name="Lee", nhs_number="")
        self.assertEqual(services.letter_kinds(ipt), ["ending_summary", "discharge"])
        with self.assertRaisesMessage(RuleViolation, "no letter of that kind"):
            services.save_letter_draft(
                actor=self.outsider, course=self.course, kind="ending_summary", draft="x"
            )

    def test_the_gp_letter_needs_the_patients_consent(self) -> None:
        record_consent(
            actor=self.triage, patient=self.course.patient, kind="gp_contact", given=False
        )
        with self.assertRaisesMessage(RuleViolation, "not agreed to us contacting their GP"):
            services.save_letter_draft(
                actor=self.outsider, course=self.course, kind="discharge", draft="Discharged."
            )
        self.assertFalse(CourseLetter.objects.exists())
        record_consent(
            actor=self.triage, patient=self.course.patient, kind="gp_contact", given=True
        )
        kept = services.save_letter_draft(
            actor=self.outsider,
            course=self.course,
            kind="discharge",
            draft=self.first_draft("discharge"),
        )
        mail.outbox = []
        end(self.outsider, self.course)
        letter = services.produce_course_letter(actor=self.outsider, course_letter=kept).letter
        assert letter is not None
        self.assertEqual((letter.recipient_role, letter.recipient_email), ("gp", ""))
        words = pdf_text(bytes(letter.pdf))
        self.assertIn("we have discharged them", words)
        self.assertIn("Feeling invisible at work", words)
        self.assertIn("Ash Testwell", words)  # the GP letter names the patient
        self.assertEqual(mail.outbox, [])

    def test_consent_withdrawn_after_drafting_stops_production(self) -> None:
        kept = services.save_letter_draft(
            actor=self.outsider, course=self.course, kind="discharge", draft="Discharged."
        )
        end(self.outsider, self.course)
        record_consent(
            actor=self.triage, patient=self.course.patient, kind="gp_contact", given=False
        )
        with self.assertRaisesMessage(RuleViolation, "GP"):
            services.produce_course_letter(actor=self.outsider, course_letter=kept)

    def test_only_the_courses_therapist_writes_letters(self) -> None:
        for someone in (self.therapist, self.supervisor):
            with self.subTest(someone.username), self.assertRaises(PermissionDenied):
                services.save_letter_draft(
                    actor=someone, course=self.course, kind="goodbye", draft="x"
                )

    def test_the_focus_comes_from_the_formulation_when_it_exists(self) -> None:
        with mock.patch(
            "interplay.progress.letters.focus_text",
            return_value="how you expect to be overlooked, and the anger that follows.",
        ):
            text = self.first_draft("goodbye")
        self.assertTrue(
            text.startswith("The focus we agreed, in your words: how you expect to be overlooked")
        )


class DischargeLetterTests(ProgressTestCase):
    """The GP's discharge letter states the course as it ended: first and last scores with
    their bands, recovery and reliable change in words, and each risk alert."""

    def setUp(self) -> None:
        super().setUp()
        self.set_phone("0113 496 0000")
        for number in (1, 2, 8, 15, 16):
            attendance.record_attendance(
                actor=self.therapist, appointment=self.session(number), status="attended"
            )
        self.answer(1, "phq9", [2, 2, 2, 2, 2, 2, 2, 2, 0])  # 16, moderately severe
        self.answer(1, "gad7", [2, 2, 2, 2, 2, 2, 2])  # 14, moderate
        self.answer(8, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 1])  # question 9: several days
        self.answer(16, "phq9", [1, 1, 0, 1, 1, 0, 0, 0, 0])  # 4, none or minimal
        self.answer(16, "gad7", [1, 0, 1, 0, 1, 0, 0])  # 3, minimal
        self.kept = services.save_letter_draft(
            actor=self.therapist,
            course=self.course,
            kind="discharge",
            draft="They worked on the loss of their father and the distance it opened "
            "with their sister.",
        )

    def set_phone(self, phone: str) -> None:
        service = ServiceSettings.load()
        service.phone = phone
        service.save()

    def answer(self, number: int, code: str, values: list[int]) -> None:
        monitoring.submit_response(
            actor=self.therapist,
            appointment=self.session(number),
            instrument_code=code,
            answers=answers(values),
            source="in_session",
        )

    def test_it_is_produced_only_once_the_course_has_ended(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "once the course has ended"):
            services.produce_course_letter(actor=self.therapist, course_letter=self.kept)
        self.assertIsNone(CourseLetter.objects.get().letter)
        end(self.therapist, self.course)
        produced = services.produce_course_letter(actor=self.therapist, course_letter=self.kept)
        self.assertIsNotNone(produced.letter)

    def test_the_gp_reads_the_scores_the_outcome_and_the_risk_alert(self) -> None:
        end(self.therapist, self.course)
        letter = services.produce_course_letter(actor=self.therapist, course_letter=self.kept)
        assert letter.letter is not None
        text = pdf_text(bytes(letter.letter.pdf))
        for expected in (
            "Your patient's course of Interpersonal Psychotherapy (IPT) with us ended on "
            "1 February 2027, and we have discharged them from our service.",
            "First session 7 September 2026",
            "How it ended Completed",
            "Sessions attended 16 of 16 planned",
            "PHQ-9 (depression) 16 (moderately severe) 4 (none or minimal)",
            "GAD-7 (anxiety) 14 (moderate) 3 (minimal)",
            "Recovery: their first scores were at or above a clinical cut-off",
            "Reliable recovery: they recovered and also improved reliably",
            "Raised Alert Reviewed by a clinician",
            "1 February 2027 PHQ-9 question 9 answered \u201cSeveral days\u201d not before the "
            "course ended",
            "PHQ-9 question 9 asks how often they have had thoughts that they would be better "
            "off dead",
            "the loss of their father",
            "please call us on 0113 496 0000",
        ):
            self.assertIn(expected, text)
        self.assertEqual(reading_problems(text, phone="0113 496 0000"), [])

    def test_a_course_without_paired_scores_says_why_there_is_no_outcome(self) -> None:
        QuestionnaireResponse.objects.filter(
            appointment=self.session(16), instrument_code="gad7"
        ).delete()
        RiskAlert.objects.all().delete()
        end(self.therapist, self.course)
        letter = services.produce_course_letter(actor=self.therapist, course_letter=self.kept)
        assert letter.letter is not None
        text = pdf_text(bytes(letter.letter.pdf))
        self.assertIn("GAD-7 (anxiety) 14 (moderate) only one score", text)
        self.assertIn("Recovery and reliable change need a first and a last score", text)
        self.assertIn("No risk alerts were raised during the course", text)
        self.assertEqual(reading_problems(text, phone="0113 496 0000"), [])

    def test_the_page_offers_it_only_after_the_end(self) -> None:
        self.sign_in(self.therapist)
        url = reverse("progress:letters", args=[self.course.public_id])
        produce = reverse("progress:produce", args=[self.course.public_id, "discharge"])
        page = self.client.get(url)
        self.assertContains(page, "You can produce the discharge letter once the course has ended")
        self.assertNotContains(page, produce)
        refused = self.client.post(produce, {"discharge-draft": "Discharged."})
        self.assertEqual(refused.status_code, 409)
        self.assertContains(refused, "once the course has ended", status_code=409)
        end(self.therapist, self.course)
        page = self.client.get(url)
        self.assertContains(page, produce)
        self.assertNotContains(page, "once the course has ended")
