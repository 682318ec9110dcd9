"""produce_letter: a real PDF with the recipient, subject and words; stored; audited."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.letters.models import Letter, LetterKind
from interplay.letters.services import produce_letter
from interplay.letters.tests import pdf_text
from interplay.test import BaseTestCase, make_letter, make_referral, make_user

BODY = (
    "We talked on the phone on Monday about how you have been since your loss.\n\n"
    "Interpersonal therapy looks at how your relationships and your mood affect each other."
)
# The sentences each kind's template adds, for the patient and for the GP.
STANDARD_WORDS = {
    LetterKind.TRIAGE_OFFER: ("We would like to offer you", "we have offered them"),
    LetterKind.TRIAGE_SIGNPOST: ("may help you more than therapy", "We have suggested"),
    LetterKind.TRIAGE_REFER_ON: ("we have passed your referral", "referred your patient on"),
    LetterKind.TRIAGE_DECLINE: ("not able to offer you therapy", "not able to offer your patient"),
    LetterKind.TRIAGE_WITHDRAWN: ("no longer want therapy", "has withdrawn their referral"),
    LetterKind.NOT_CONTACTABLE: ("have not been able to reach you", "not been able to contact"),
    LetterKind.OPT_IN: ("check that you would still like therapy", "whether they would still like"),
    LetterKind.ALLOCATION: ("will be your therapist", "has been allocated to"),
    LetterKind.GOODBYE: ("As we agreed, this letter", "a goodbye letter"),
    LetterKind.ENDING_SUMMARY: ("a summary of our work", "a summary of the course"),
    LetterKind.DISCHARGE: ("come to an end", "we have discharged them"),
    LetterKind.GROUP_INVITATION: ("invite you to join a small group", "invited to join"),
}


class ProduceLetterTests(BaseTestCase):
    def setUp(self) -> None:
        service = ServiceSettings.load()
        service.phone = "0113 496 0000"
        service.save()
        self.referral = make_referral(email="", nhs_number="9434765919")

    def test_the_letter_is_a_pdf_a_person_can_read(self) -> None:
        letter = make_letter(referral=self.referral, actor=self.triage, body=BODY)

        self.assertTrue(bytes(letter.pdf).startswith(b"%PDF-"))
        text = pdf_text(bytes(letter.pdf))
        for expected in (
            "Interplay Talking Therapies",
            "Telephone 0113 496 0000",
            "Robin Testwell",
            "1 Example Street",
            "LS6 2AB",
            "Your referral: our offer of therapy",
            "Dear Robin Testwell,",
            "since your loss.",
            "your relationships and your mood affect each other.",
            "Interpersonal Psychotherapy (IPT), up to 16 weekly sessions",
            "What happens next",
            f"Our reference: {self.referral.reference}",
            "Yours sincerely",
            "Call Samaritans free on 116 123",  # the service's crisis lines
        ):
            self.assertIn(expected, text)

    def test_markup_in_the_body_is_printed_as_text(self) -> None:
        letter = make_letter(
            referral=self.referral, body="Before.\n\n<script>alert(1)</script> <b>bold</b>"
        )
        text = pdf_text(bytes(letter.pdf))
        self.assertIn("<script>alert(1)</script> <b>bold</b>", text)

    def test_it_is_dated_the_day_it_was_produced(self) -> None:
        noon = dt.datetime(2026, 3, 2, 12, tzinfo=ZoneInfo("Europe/London"))
        with time_machine.travel(noon, tick=False):
            letter = make_letter(referral=self.referral)
        self.assertIn("2 March 2026", pdf_text(bytes(letter.pdf)))
        self.assertEqual(letter.filename, "letter-triage-offer-2026-03-02.pdf")

    def test_a_gp_letter_names_the_patient_with_birth_date_and_nhs_number(self) -> None:
        letter = make_letter(
            referral=self.referral,
            recipient_role="gp",
            recipient_name="Park Lane Surgery",
            recipient_address="Park Lane\nLeeds\nLS6 1AA",
            subject="Robin Testwell: offer of therapy",
        )
        text = pdf_text(bytes(letter.pdf))
        for expected in (
            "Park Lane Surgery",
            "Dear Colleague,",
            "Patient Robin Testwell",
            "Date of birth 17 May 1990",
            "NHS number 943 476 5919",
            "Your patient, named above",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Samaritans", text)  # crisis lines are for the patient

    def test_a_gp_letter_leaves_out_an_nhs_number_nobody_gave(self) -> None:
        referral = make_referral(email="", nhs_number="")
        letter = make_letter(referral=referral, recipient_role="gp", recipient_name="Surgery")
        self.assertNotIn("NHS number", pdf_text(bytes(letter.pdf)))

    def test_every_kind_has_its_own_words_for_patient_and_gp(self) -> None:
        for kind, (to_patient, to_gp) in STANDARD_WORDS.items():
            for role, words in (("patient", to_patient), ("gp", to_gp)):
                with self.subTest(kind=kind, role=role):
                    letter = make_letter(
                        referral=self.referral, kind=kind, recipient_role=role, body="", context={}
                    )
                    self.assertIn(words, pdf_text(bytes(letter.pdf)))
        self.assertEqual(set(STANDARD_WORDS), set(LetterKind))

    def test_the_kind_details_come_from_the_context(self) -> None:
        first = dt.datetime(2026, 4, 7, 10, 30, tzinfo=ZoneInfo("Europe/London"))
        letter = make_letter(
            referral=self.referral,
            kind="allocation",
            context={"therapist_name": "Sam Okafor", "therapy": "IPT", "first_appointment": first},
        )
        text = pdf_text(bytes(letter.pdf))
        self.assertIn("Sam Okafor will be your therapist for IPT", text)
        self.assertIn("Your first appointment is at 10:30 a.m. on Tuesday 7 April 2026.", text)

    def test_it_is_stored_with_the_referral_and_its_author(self) -> None:
        letter = make_letter(referral=self.referral, actor=self.triage, body=BODY)
        stored = Letter.objects.get(pk=letter.pk)
        self.assertEqual(stored.body, BODY)
        self.assertEqual(bytes(stored.pdf), bytes(letter.pdf))
        self.assertEqual(stored.created_by, self.triage)
        self.assertIsNone(stored.emailed_at)
        self.assertEqual(list(Letter.objects.for_referral(self.referral)), [stored])
        self.assertEqual(list(Letter.objects.for_referral(make_referral(email=""))), [])

    def test_it_is_signed_by_its_author_or_else_the_team(self) -> None:
        author = make_user("jmarsh", Role.TRIAGE, first_name="Jo", last_name="Marsh")
        by_author = make_letter(referral=self.referral, actor=author)
        by_nobody = make_letter(referral=self.referral, actor=None)
        self.assertIn("Yours sincerely, Jo Marsh", pdf_text(bytes(by_author.pdf)))
        self.assertIn(
            "Yours sincerely, The Interplay Talking Therapies team", pdf_text(bytes(by_nobody.pdf))
        )

    def test_it_is_audited_by_kind_and_role_never_by_its_words(self) -> None:
        letter = make_letter(referral=self.referral, actor=self.triage, body=BODY)
        event = AuditEvent.objects.get(action="letter.produced")
        self.assertEqual(event.actor, self.triage)
        self.assertEqual(
            (event.object_type, event.object_id), ("letters.letter", str(letter.public_id))
        )
        self.assertEqual(event.detail, {"kind": "triage_offer", "recipient_role": "patient"})
        self.assertNotIn("loss", repr(event.detail))

    def test_no_address_no_email(self) -> None:
        mail.outbox = []
        letter = make_letter(referral=self.referral, recipient_email="")
        self.assertEqual(mail.outbox, [])
        letter.refresh_from_db()
        self.assertIsNone(letter.emailed_at)

    def test_nothing_is_kept_of_a_letter_that_cannot_be_made(self) -> None:
        cases: list[tuple[type[Exception], dict[str, Any]]] = [
            (ValueError, {"kind": "goodbye_forever"}),
            (ValueError, {"recipient_role": "neighbour"}),
            (ValidationError, {"recipient_email": "not an address"}),
            (ValidationError, {"recipient_address": "  "}),
            (ValueError, {"context": {"patient": "someone else"}}),
        ]
        for error, overrides in cases:
            with self.subTest(overrides=overrides), self.assertRaises(error):
                make_letter(referral=self.referral, **overrides)
        self.assertFalse(Letter.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="letter.produced").exists())

    def test_a_letter_need_not_be_about_a_referral(self) -> None:
        letter = produce_letter(
            actor=self.supervisor,
            kind="opt_in",
            referral=None,
            recipient_role="patient",
            recipient_name="Alex Example",
            recipient_address="2 Example Road\nLeeds",
            subject="Are you still waiting?",
            body="",
            context={"respond_by": dt.date(2026, 5, 1)},
        )
        text = pdf_text(bytes(letter.pdf))
        self.assertIn("by 1 May 2026", text)
        self.assertNotIn("Our reference", text)
