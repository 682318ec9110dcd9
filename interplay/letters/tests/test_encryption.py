"""A letter's words and PDF are clinical content: the database holds only tokens."""

from typing import Any

from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from interplay.letters.models import Letter
from interplay.letters.tests import pdf_text
from interplay.lib.crypto import decrypt_bytes
from interplay.lib.encrypted import encrypted_fields, reencrypt_all
from interplay.test import BaseTestCase, make_letter

CANARY = "canary-7c2d: the voices got louder after the funeral"
SUBJECT = "Your referral: canary-subject-91"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def raw_row(letter: Letter) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT subject, body, pdf, recipient_name FROM letters_letter WHERE id = %s",
            [letter.pk],
        )
        return cursor.fetchone()


class LetterEncryptionTests(BaseTestCase):
    def test_the_words_and_the_pdf_are_not_in_the_database_but_the_orm_reads_them(self) -> None:
        letter = make_letter(subject=SUBJECT, body=CANARY)

        subject, body, pdf, name = raw_row(letter)
        self.assertEqual(name, "Robin Testwell")  # a plain column: the raw read works
        for token in (subject, body, pdf):
            self.assertIsInstance(token, str)
            self.assertTrue(token.startswith("gAAAAA"), token[:10])
            for secret in (CANARY, "canary", "%PDF"):
                self.assertNotIn(secret, token)
        pdf_bytes = decrypt_bytes(pdf)
        self.assertTrue(pdf_bytes.startswith(b"%PDF-"))
        self.assertIn(CANARY, pdf_text(pdf_bytes))

        stored = Letter.objects.get(pk=letter.pk)
        self.assertEqual((stored.subject, stored.body), (SUBJECT, CANARY))
        self.assertEqual(bytes(stored.pdf), pdf_bytes)

    def test_key_rotation_re_encrypts_letters_too(self) -> None:
        self.assertEqual(dict(encrypted_fields())[Letter], ["subject", "body", "pdf"])
        with override_settings(ENCRYPTION_KEYS=[KEY_A]):
            letter = make_letter(body=CANARY)
            pdf = bytes(letter.pdf)
        with override_settings(ENCRYPTION_KEYS=[KEY_B, KEY_A]):
            self.assertEqual(reencrypt_all()["letters.Letter"], 1)
        with override_settings(ENCRYPTION_KEYS=[KEY_B]):
            stored = Letter.objects.get(pk=letter.pk)
            self.assertEqual((stored.body, bytes(stored.pdf)), (CANARY, pdf))
