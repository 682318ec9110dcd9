"""Questionnaire answers are encrypted at rest: a raw read of the table shows no item, while
totals, bands and the risk flag stay plain for the figures and the alerts."""

import importlib
import json

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection

from interplay.lib.crypto import decrypt_text
from interplay.measures.models import QuestionnaireResponse
from interplay.test import CALM_GAD7, BaseTestCase, answers, make_referral

# Item 9 answered "nearly every day": the answer that most needs keeping from a raw read.
PHQ9_WITH_ITEM_9 = answers([2, 1, 3, 0, 1, 2, 0, 1, 3])
migration = importlib.import_module("interplay.measures.migrations.0006_encrypt_answers")


def raw_answers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM measures_questionnaireresponse ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


class AnswersAtRestTests(BaseTestCase):
    def test_a_raw_read_shows_tokens_but_the_service_reads_the_answers(self) -> None:
        referral = make_referral(phq9=PHQ9_WITH_ITEM_9, gad7=CALM_GAD7)
        stored = raw_answers()
        self.assertEqual(len(stored), 2)
        for token in stored:
            self.assertTrue(token.startswith("gAAAAA"), token[:10])
            self.assertNotIn('"9"', token)
        self.assertEqual(
            json.loads(decrypt_text(stored[0])), {str(n): v for n, v in PHQ9_WITH_ITEM_9.items()}
        )

        phq9 = referral.responses.get(instrument_code="phq9")
        self.assertEqual(phq9.answer(9), 3)
        self.assertEqual((phq9.total, phq9.band, phq9.risk_flagged), (13, "Moderate", True))

    def test_totals_bands_and_the_risk_flag_stay_queryable_the_items_do_not(self) -> None:
        make_referral(phq9=PHQ9_WITH_ITEM_9)
        make_referral()
        responses = QuestionnaireResponse.objects.of("phq9")
        self.assertEqual(responses.filter(total__gte=10, band="Moderate").count(), 1)
        self.assertEqual(responses.filter(risk_flagged=True).count(), 1)
        self.assertEqual(responses.filter(answers__isnull=False).count(), 2)
        with self.assertRaises(FieldError):
            responses.filter(answers__9__gte=1)
        with self.assertRaises(FieldError):
            responses.filter(answers__contains={"9": 3})


class AnswersMigrationTests(BaseTestCase):
    """The data migration encrypts answers written before the field was encrypted."""

    def write_plain(self, response: QuestionnaireResponse, value: dict[str, int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE measures_questionnaireresponse SET answers = %s WHERE id = %s",
                [json.dumps(value), response.pk],
            )

    def test_plain_answers_are_encrypted_once_and_can_be_put_back(self) -> None:
        make_referral(phq9=PHQ9_WITH_ITEM_9)
        plain, gad7 = QuestionnaireResponse.objects.order_by("id")
        self.write_plain(plain, {"9": 3})
        token_before = raw_answers()[1]
        editor = connection.schema_editor()

        migration.encrypt(apps, editor)
        migration.encrypt(apps, editor)  # twice is harmless: a token is left alone
        first, second = raw_answers()
        self.assertTrue(first.startswith("gAAAAA"))
        self.assertEqual(second, token_before)
        plain.refresh_from_db()
        self.assertEqual(plain.answers, {"9": 3})

        migration.decrypt(apps, editor)
        self.assertEqual([json.loads(v) for v in raw_answers()], [{"9": 3}, gad7.answers])
