"""Downloading a letter's PDF: triage and supervisors only, never cached, each one audited."""

import uuid

from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.letters.models import Letter
from interplay.test import BaseTestCase, make_letter


class LetterPdfTests(BaseTestCase):
    letter: Letter

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.letter = make_letter(actor=cls.triage)

    def url(self, public_id: uuid.UUID | None = None) -> str:
        return reverse("letters:pdf", kwargs={"public_id": public_id or self.letter.public_id})

    def test_anonymous_is_sent_to_sign_in(self) -> None:
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_a_password_alone_is_not_enough(self) -> None:
        self.sign_in(self.triage, second_factor=False)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)
        self.assertNotIn(b"%PDF", response.content)

    def test_therapists_managers_and_administrators_are_refused(self) -> None:
        for user in (self.therapist, self.outsider, self.manager, self.admin):
            with self.subTest(user=user.username):
                self.sign_in(user)
                response = self.client.get(self.url())
                self.assertEqual(response.status_code, 403)
                self.assertNotIn(b"%PDF", response.content)
        self.assertFalse(AuditEvent.objects.filter(action="letter.viewed").exists())

    def test_triage_and_supervisors_download_the_pdf_as_it_was_sent(self) -> None:
        for user in (self.triage, self.supervisor):
            with self.subTest(user=user.username):
                self.sign_in(user)
                response = self.client.get(self.url())
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "application/pdf")
                self.assertEqual(response.content, bytes(self.letter.pdf))
                self.assertEqual(
                    response["Content-Disposition"],
                    f'attachment; filename="{self.letter.filename}"',
                )
                self.assertRegex(
                    self.letter.filename, r"^letter-triage-offer-\d{4}-\d\d-\d\d\.pdf$"
                )
                self.assertEqual(response["Cache-Control"], "no-store")

    def test_each_download_is_audited(self) -> None:
        self.sign_in(self.supervisor)
        self.client.get(self.url())
        event = AuditEvent.objects.get(action="letter.viewed")
        self.assertEqual(event.actor, self.supervisor)
        self.assertEqual(event.object_id, str(self.letter.public_id))
        self.assertEqual(event.detail, {"kind": "triage_offer"})

    def test_an_unknown_letter_is_not_found(self) -> None:
        self.sign_in(self.triage)
        self.assertEqual(self.client.get(self.url(uuid.uuid4())).status_code, 404)

    def test_only_get_is_answered(self) -> None:
        self.sign_in(self.triage)
        self.assertEqual(self.client.post(self.url()).status_code, 405)
