"""Every kind of letter, read as the person and as their GP would read the PDF: no
sentence twice, no internal codes, dates for people, and the service's number wherever
a letter says "call us" (or, for a service with no phone, a way to reply instead)."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from interplay.clinic.models import ServiceSettings
from interplay.letters.models import LetterKind
from interplay.letters.rendering import phone_for_people
from interplay.letters.tests import pdf_text, reading_problems
from interplay.test import BaseTestCase, make_letter, make_referral

LONDON = ZoneInfo("Europe/London")
SCREENING = {
    "scores": [
        {"name": "PHQ-9", "about": "depression", "total": 14, "max": 27, "band": "Moderate"},
        {"name": "GAD-7", "about": "anxiety", "total": 9, "max": 21, "band": "Mild"},
    ],
    "item9": {"answer": "Several days", "risk": True},
    "answered_on": dt.date(2026, 2, 20),
}
ENDED_COURSE = {
    "therapy": "Interpersonal Psychotherapy (IPT)",
    "ending": "Completed",
    "started_on": dt.date(2026, 3, 9),
    "ended_on": dt.date(2026, 6, 22),
    "attended": 15,
    "planned": 16,
    "measures": [
        {
            "name": "PHQ-9",
            "about": "depression",
            "first": 17,
            "first_band": "Moderately severe",
            "last": 6,
            "last_band": "Mild",
        },
        {
            "name": "GAD-7",
            "about": "anxiety",
            "first": 12,
            "first_band": "Moderate",
            "last": 4,
            "last_band": "Minimal",
        },
    ],
    "outcome": ["Recovery: their last scores are below both cut-offs."],
    "alerts": [
        {
            "on": dt.date(2026, 4, 13),
            "what": "PHQ-9 question 9 answered \u201cSeveral days\u201d",
            "question_9": True,
            "reviewed_on": dt.date(2026, 4, 13),
        },
        {
            "on": dt.date(2026, 5, 11),
            "what": "GAD-7 rose reliably from 12 to 16",
            "question_9": False,
            "reviewed_on": None,
        },
    ],
    "question_9": True,
}
# What each kind's template reads, as its caller passes it (README.md).
CONTEXT: dict[str, dict[str, Any]] = {
    LetterKind.TRIAGE_OFFER: {
        "offer": "Interpersonal Psychotherapy (IPT): 12 to 16 weekly sessions of 50 minutes",
        "therapy": "Interpersonal Psychotherapy (IPT)",
        "screening": SCREENING,
    },
    LetterKind.TRIAGE_SIGNPOST: {"signpost_to": "Citizens Advice", "screening": SCREENING},
    LetterKind.TRIAGE_REFER_ON: {
        "referred_to": "a specialist mental health service",
        "screening": SCREENING,
    },
    LetterKind.TRIAGE_DECLINE: {"screening": SCREENING},
    LetterKind.TRIAGE_WITHDRAWN: {"screening": SCREENING},
    LetterKind.NOT_CONTACTABLE: {"respond_by": dt.date(2026, 3, 17)},
    LetterKind.OPT_IN: {"respond_by": dt.date(2026, 3, 17)},
    LetterKind.ALLOCATION: {
        "therapist_name": "Sam Okafor",
        "therapy": "Interpersonal Psychotherapy (IPT)",
        "first_appointment": dt.datetime(2026, 3, 9, 10, tzinfo=LONDON),
    },
    LetterKind.GOODBYE: {},
    LetterKind.ENDING_SUMMARY: {},
    LetterKind.DISCHARGE: {"course": ENDED_COURSE},
    LetterKind.GROUP_INVITATION: {
        "weekday": "Tuesday",
        "time": dt.time(14),
        "first_date": dt.date(2026, 3, 17),
        "minutes": 90,
        "room": "",
        "online": True,
    },
}
BODY = "You told us about the move to Leeds and how alone it has left you."
# Letters that ask the person (or the GP) to get in touch with the service.
ASK_FOR_CONTACT = {
    (LetterKind.TRIAGE_OFFER, "patient"),
    (LetterKind.TRIAGE_REFER_ON, "patient"),
    (LetterKind.NOT_CONTACTABLE, "patient"),
    (LetterKind.OPT_IN, "patient"),
    (LetterKind.ALLOCATION, "patient"),
    (LetterKind.GROUP_INVITATION, "patient"),
    (LetterKind.TRIAGE_DECLINE, "gp"),
    (LetterKind.DISCHARGE, "gp"),
}


class ReadingEveryLetterTests(BaseTestCase):
    def setUp(self) -> None:
        traveller = time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=LONDON), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.referral = make_referral(email="", nhs_number="9434765919")

    def read(self, kind: str, role: str) -> str:
        gp = role == "gp"
        letter = make_letter(
            referral=self.referral,
            kind=kind,
            recipient_role=role,
            recipient_name="The GP, Park Lane Surgery" if gp else "Robin Testwell",
            recipient_address="Park Lane\nLeeds\nLS6 1AA" if gp else "1 Example Street\nLeeds",
            subject="A letter about Robin Testwell" if gp else "A letter from us",
            body=BODY,
            context=CONTEXT[kind],
        )
        return pdf_text(bytes(letter.pdf))

    def set_phone(self, phone: str) -> None:
        service = ServiceSettings.load()
        service.phone = phone
        service.save()

    def test_every_letter_reads_well_to_the_person_and_the_gp(self) -> None:
        self.set_phone("+441134960000")  # stored as E.164, printed as people dial it
        for kind in LetterKind:
            for role in ("patient", "gp"):
                with self.subTest(kind=kind.value, role=role):
                    text = self.read(kind, role)
                    self.assertEqual(reading_problems(text, phone="0113 496 0000"), [])
                    self.assertIn("Telephone 0113 496 0000", text)
                    self.assertIn("3 March 2026", text)  # the letter's date
                    self.assertEqual(text.count(BODY), 1)
                    if (kind, role) in ASK_FOR_CONTACT:
                        self.assertIn("call us on 0113 496 0000", text)
        self.assertEqual({kind for kind, _ in ASK_FOR_CONTACT} - set(LetterKind), set())

    def test_without_a_phone_the_letters_ask_for_a_reply_instead(self) -> None:
        self.set_phone("")
        for kind, role in sorted(ASK_FOR_CONTACT):
            with self.subTest(kind=kind.value, role=role):
                text = self.read(kind, role)
                self.assertEqual(reading_problems(text, phone=""), [])
                self.assertIn("reply to this letter", text)
                self.assertNotIn("Telephone", text)

    def test_a_gp_letter_after_triage_states_the_scores_and_question_9(self) -> None:
        text = self.read(LetterKind.TRIAGE_OFFER, "gp")
        self.assertIn("PHQ-9 (depression) 14 out of 27: moderate", text)
        self.assertIn("GAD-7 (anxiety) 9 out of 21: mild", text)
        self.assertIn("PHQ-9 question 9", text)
        self.assertIn("\u201cSeveral days\u201d", text)
        self.assertIn("They disclosed this risk when they referred themselves on 20 February", text)
        self.assertNotIn("PHQ-9 question 9", self.read(LetterKind.TRIAGE_OFFER, "patient"))


class PhoneForPeopleTests(BaseTestCase):
    def test_numbers_are_shown_as_people_dial_them(self) -> None:
        for stored, shown in (
            ("+441134960000", "0113 496 0000"),
            ("01134960000", "0113 496 0000"),
            ("0113 496 0000", "0113 496 0000"),
            ("+33 1 23 45 67 89", "+33 1 23 45 67 89"),  # abroad: keeps its country code
            ("116 123", "116 123"),  # not a full number: as typed
            ("Reception, ext 5", "Reception, ext 5"),
            ("", ""),
        ):
            with self.subTest(stored):
                self.assertEqual(phone_for_people(stored), shown)
