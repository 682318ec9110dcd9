"""The emailed letter: sent once, PDF attached, no clinical word in what an inbox shows."""

from django.core import mail

from interplay.clinic.models import ServiceSettings
from interplay.letters.models import Letter
from interplay.letters.tasks import email_letter
from interplay.letters.tests import pdf_text
from interplay.test import BaseTestCase, make_letter, make_referral

BODY = "We talked about your low mood since your father died.\n\n<script>alert(1)</script>"
CLINICAL_WORDS = ("mood", "father", "died", "script", "therapy", "triage", "offer", "Robin")


class EmailLetterTests(BaseTestCase):
    def setUp(self) -> None:
        service = ServiceSettings.load()
        service.phone = "0113 496 0000"
        service.save()
        self.referral = make_referral(email="")
        mail.outbox = []

    def send(self) -> Letter:
        return make_letter(referral=self.referral, recipient_email="robin@example.org", body=BODY)

    def test_the_letter_is_emailed_once_with_its_pdf_attached(self) -> None:
        letter = self.send()

        message = self.only_email()
        self.assertEqual(message.to, ["robin@example.org"])
        [(filename, content, mimetype)] = message.attachments
        self.assertEqual(mimetype, "application/pdf")
        self.assertEqual(filename, f"letter-{letter.local_date().isoformat()}.pdf")
        self.assertEqual(content, bytes(letter.pdf))
        self.assertIn("since your father died.", pdf_text(content))
        letter.refresh_from_db()
        self.assertIsNotNone(letter.emailed_at)

        # The job run again (a retry, a second worker) sends nothing more.
        self.assertFalse(email_letter.call(str(letter.public_id)))
        self.assertEqual(len(mail.outbox), 1)

    def test_the_email_says_a_letter_is_attached_and_nothing_clinical(self) -> None:
        self.send()
        message = self.only_email()
        html = self.html_of(message)
        self.assertEqual(message.subject, "A letter from Interplay Talking Therapies")
        for text in (message.body, html):
            self.assertIn("A letter from Interplay Talking Therapies is attached", text)
            self.assertIn("0113 496 0000", text)
        for word in CLINICAL_WORDS:
            for part in (message.subject, message.body, html):
                self.assertNotIn(word.lower(), part.lower(), word)

    def test_a_letter_without_an_address_is_never_emailed(self) -> None:
        letter = make_letter(referral=self.referral, recipient_email="")
        self.assertFalse(email_letter.call(str(letter.public_id)))
        self.assertEqual(mail.outbox, [])
