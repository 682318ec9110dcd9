"""The goodbye letter, the ending summary and the GP's discharge letter."""

from unittest import mock

from django.core import mail

from interplay.audit.models import AuditEvent
from interplay.encounters import services as encounters
from interplay.letters.tests import pdf_text
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.patients.services import record_consent
from interplay.progress import services, sharing
from interplay.progress.letters import draft
from interplay.progress.models import CourseLetter, EndingReview
from interplay.progress.tests.factories import make_course
from interplay.progress.tests.test_services import ProgressTestCase


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
        letter = services.produce_course_letter(actor=self.outsider, course_letter=kept).letter
        assert letter is not None
        self.assertEqual((letter.recipient_role, letter.recipient_email), ("gp", ""))
        words = pdf_text(bytes(letter.pdf))
        self.assertIn("has now been discharged", words)
        self.assertIn("Feeling invisible at work", words)
        self.assertIn("Ash Testwell", words)  # the GP letter names the patient
        self.assertEqual(mail.outbox, [])

    def test_consent_withdrawn_after_drafting_stops_production(self) -> None:
        kept = services.save_letter_draft(
            actor=self.outsider, course=self.course, kind="discharge", draft="Discharged."
        )
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
        self.assertTrue(text.startswith("We agreed to focus on how you expect to be overlooked"))
