"""Key rotation: new key first, rotate_encryption_key, then the old key can go."""

import io
from typing import Any

from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from interplay.audit.models import AuditEvent
from interplay.lib.crypto import DecryptionError
from interplay.lib.encrypted import encrypted_fields, reencrypt_all
from interplay.referrals.models import Referral
from interplay.test import CALM_PHQ9, BaseTestCase, make_referral
from interplay.triage.models import TriageAssessment

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def raw_notes() -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT main_difficulties, hoped_change FROM referrals_referral ORDER BY id")
        return list(cursor.fetchall())


def notes() -> list[tuple[str, str]]:
    return list(Referral.objects.order_by("id").values_list("main_difficulties", "hoped_change"))


class RotateEncryptionKeyTests(BaseTestCase):
    def setUp(self) -> None:
        with override_settings(ENCRYPTION_KEYS=[KEY_A]):
            for n in range(3):
                make_referral(main_difficulties=f"Written under A, {n}", hoped_change=f"Hope {n}")
        self.written = [(f"Written under A, {n}", f"Hope {n}") for n in range(3)]

    def rotate(self) -> str:
        out = io.StringIO()
        call_command("rotate_encryption_key", stdout=out)
        return out.getvalue()

    def test_after_rotating_the_new_key_alone_reads_everything(self) -> None:
        before = raw_notes()
        with override_settings(ENCRYPTION_KEYS=[KEY_B]), self.assertRaises(DecryptionError):
            notes()  # B alone cannot read A's tokens yet

        with override_settings(ENCRYPTION_KEYS=[KEY_B, KEY_A]):
            output = self.rotate()
        self.assertIn("referrals.Referral: 3 rows re-encrypted.", output)
        self.assertIn("The 1 older key(s) can be removed.", output)
        event = AuditEvent.objects.get(action="encryption.rotated")
        self.assertEqual(event.actor_label, "system:rotate_encryption_key")

        with override_settings(ENCRYPTION_KEYS=[KEY_B]):
            self.assertEqual(notes(), self.written)
        after = raw_notes()
        self.assertTrue(all(a != b for a, b in zip(before, after, strict=True)))
        with override_settings(ENCRYPTION_KEYS=[KEY_A]), self.assertRaises(DecryptionError):
            notes()  # and A no longer opens anything

    def test_rotation_crosses_batches_and_can_be_run_again(self) -> None:
        with override_settings(ENCRYPTION_KEYS=[KEY_B, KEY_A]):
            self.assertEqual(reencrypt_all(batch_size=2)["referrals.Referral"], 3)
        with override_settings(ENCRYPTION_KEYS=[KEY_B]):
            self.assertEqual(reencrypt_all(batch_size=2)["referrals.Referral"], 3)
            self.assertEqual(notes(), self.written)

    def test_without_the_old_key_it_stops_and_says_which_field(self) -> None:
        with override_settings(ENCRYPTION_KEYS=[KEY_B]), self.assertRaises(CommandError) as err:
            self.rotate()
        # The first field it meets: a referral's consents (patients.Consent) come first.
        self.assertRegex(str(err.exception), r"^\w+\.\w+\.\w+ cannot be decrypted")
        self.assertIn("add the missing key and run this again", str(err.exception))
        with override_settings(ENCRYPTION_KEYS=[KEY_A]):
            self.assertEqual(notes(), self.written)  # nothing was lost

    def test_structured_answers_are_rotated_too(self) -> None:
        with override_settings(ENCRYPTION_KEYS=[KEY_A]):
            referral = make_referral(phq9={**CALM_PHQ9, 9: 2})
            assessment = TriageAssessment.objects.create(
                referral=referral, assessed_by=self.triage, exclusions=["risk"]
            )
        with override_settings(ENCRYPTION_KEYS=[KEY_B, KEY_A]):
            counts = reencrypt_all()
        self.assertEqual(counts["measures.QuestionnaireResponse"], 8)  # 4 referrals
        self.assertEqual(counts["triage.TriageAssessment"], 1)
        with override_settings(ENCRYPTION_KEYS=[KEY_B]):
            referral.refresh_from_db()
            assessment.refresh_from_db()
            self.assertEqual(referral.risk_reasons, ["phq9_item9"])
            self.assertEqual(referral.responses.get(instrument_code="phq9").answer(9), 2)
            self.assertEqual(assessment.exclusions, ["risk"])

    def test_it_finds_every_encrypted_field_of_every_model(self) -> None:
        found = {model._meta.label: names for model, names in encrypted_fields()}
        self.assertEqual(found["measures.QuestionnaireResponse"], ["answers"])
        self.assertIn("exclusions", found["triage.TriageAssessment"])
        self.assertEqual(
            found["referrals.Referral"],
            [
                "risk_reasons",
                "main_difficulties",
                "relationships_affected",
                "hoped_change",
                "substance_detail",
                "other_services",
            ],
        )
