"""The letters triage sends, read from their PDFs as the person and their GP read them."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from interplay.clinic.models import ServiceSettings
from interplay.letters.models import Letter
from interplay.letters.tests import pdf_text, reading_problems
from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, answers, make_referral
from interplay.triage import services
from interplay.triage.models import Outcome

PHONE = "0113 496 0000"
# PHQ-9 13 (moderate) with question 9 "More than half the days"; GAD-7 7 (mild).
LOW_AND_AT_RISK = answers([2, 2, 1, 1, 2, 1, 1, 1, 2])
MILD_ANXIETY = answers([1, 1, 1, 1, 1, 1, 1])
REASON = "You told us that drinking is the main difficulty for you just now."


class TriageLetterTests(BaseTestCase):
    def setUp(self) -> None:
        morning = dt.datetime(2026, 3, 3, 9, tzinfo=ZoneInfo("Europe/London"))
        traveller = time_machine.travel(morning, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        service = ServiceSettings.load()
        service.phone = "+441134960000"
        service.save()

    def decided(self, outcome: str, **referral: object) -> dict[str, str]:
        """The PDF text of each letter of the decision, by recipient role."""
        person = make_referral(email="", **referral)  # type: ignore[arg-type]
        services.save_assessment(
            actor=self.triage,
            referral=person,
            urgency="routine",
            suitable_for=["ipt", "dit", "group_ipt"],
            relational_focus=True,
        )
        services.decide(
            actor=self.triage,
            referral=person,
            outcome=outcome,
            signposted_to="Citizens Advice (debt advice)" if outcome == Outcome.SIGNPOST else "",
            reason=REASON if outcome in (Outcome.DECLINE, Outcome.REFER_ON) else "",
        )
        return self.letters(person)

    def letters(self, referral: Referral) -> dict[str, str]:
        return {
            letter.recipient_role: pdf_text(bytes(letter.pdf))
            for letter in Letter.objects.for_referral(referral)
        }

    def test_every_decision_reads_well_to_the_person_and_the_gp(self) -> None:
        for outcome in Outcome:
            with self.subTest(outcome.value):
                letters = self.decided(outcome)
                self.assertEqual(set(letters), {"patient", "gp"})
                for role, text in letters.items():
                    self.assertEqual(reading_problems(text, phone=PHONE), [], role)
                    self.assertIn("3 March 2026", text)
                    if outcome in (Outcome.DECLINE, Outcome.REFER_ON):
                        self.assertEqual(text.count(REASON), 1)

    def test_the_offer_names_the_therapy_once_for_the_person(self) -> None:
        text = self.decided(Outcome.OFFER_DIT)["patient"]
        self.assertEqual(text.count("Dynamic Interpersonal Therapy (DIT)"), 1)
        self.assertEqual(text.count("You are now on our waiting list"), 1)
        self.assertIn(f"please call us on {PHONE}", text)
        self.assertNotIn("PHQ-9", text)

    def test_the_gp_reads_the_scores_with_bands_and_the_risk_disclosed(self) -> None:
        gp = self.decided(Outcome.OFFER_IPT, phq9=LOW_AND_AT_RISK, gad7=MILD_ANXIETY)["gp"]
        for expected in (
            "Robin Testwell: offered therapy after triage",
            "we have offered them Interpersonal Psychotherapy (IPT)",
            "PHQ-9 (depression) 13 out of 27: moderate",
            "GAD-7 (anxiety) 7 out of 21: mild",
            "PHQ-9 question 9, thoughts that they would be better off dead or of hurting "
            "themselves in some way: \u201cMore than half the days\u201d.",
            "They disclosed this risk when they referred themselves on 3 March 2026.",
            f"please call us on {PHONE}",
        ):
            self.assertIn(expected, gp)

    def test_the_gp_reads_that_no_risk_was_disclosed_on_question_9(self) -> None:
        gp = self.decided(Outcome.DECLINE)["gp"]
        self.assertIn("PHQ-9 (depression) 0 out of 27: none or minimal", gp)
        self.assertIn("\u201cNot at all\u201d.", gp)
        self.assertNotIn("disclosed this risk", gp)

    def test_asking_to_get_in_touch_gives_a_date_and_the_number_or_a_way_to_reply(self) -> None:
        waiting = make_referral(email="")
        services.save_assessment(
            actor=self.triage, referral=waiting, urgency="routine", suitable_for=["ipt"]
        )
        services.decide(actor=self.triage, referral=waiting, outcome="offer_ipt")
        ServiceSettings.objects.update(phone="")
        opt_in = pdf_text(
            bytes(services.send_opt_in_letter(actor=self.triage, referral=waiting).pdf)
        )
        self.assertIn("please reply to this letter by 17 March 2026", opt_in)
        self.assertEqual(reading_problems(opt_in, phone=""), [])
        ServiceSettings.objects.update(phone=PHONE)
        unreachable = make_referral(email="")
        for outcome in ("no_answer", "no_answer"):
            services.log_contact_attempt(
                actor=self.triage, referral=unreachable, method="phone", outcome=outcome
            )
        text = self.letters(unreachable)["patient"]
        self.assertIn(f"Please call us on {PHONE} by 17 March 2026", text)
        self.assertEqual(reading_problems(text, phone=PHONE), [])
