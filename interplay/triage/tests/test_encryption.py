"""A triage assessment's exclusions are encrypted at rest; its urgency stays plain."""

import importlib
import json

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection
from django.urls import reverse

from interplay.test import BaseTestCase, make_referral
from interplay.triage import services
from interplay.triage.models import TriageAssessment

migration = importlib.import_module("interplay.triage.migrations.0004_encrypt_exclusions")


def raw_exclusions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT exclusions, urgency FROM triage_triageassessment ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


class ExclusionsAtRestTests(BaseTestCase):
    def assess(self, *exclusions: str) -> TriageAssessment:
        return services.save_assessment(
            actor=self.triage,
            referral=make_referral(email=""),
            urgency="soon",
            exclusions=list(exclusions),
            suitable_for=["ipt"],
            relational_focus=False,
        )

    def test_a_raw_read_shows_a_token_but_the_triage_page_shows_the_choices(self) -> None:
        assessment = self.assess("psychosis", "substance")
        (token,) = raw_exclusions()
        self.assertTrue(token.startswith("gAAAAA"), token[:10])
        self.assertNotIn("psychosis", token)
        self.assertEqual(TriageAssessment.objects.filter(urgency="soon").count(), 1)
        with self.assertRaises(FieldError):
            TriageAssessment.objects.filter(exclusions__contains=["psychosis"])

        self.sign_in(self.triage)
        page = self.client.get(reverse("triage:referral", args=[assessment.referral.public_id]))
        self.assertContains(page, 'value="psychosis"')
        form = page.context["assessment_form"]
        self.assertEqual(form["exclusions"].value(), ["psychosis", "substance"])

    def test_plain_exclusions_are_encrypted_by_the_migration_and_put_back(self) -> None:
        assessment = self.assess()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE triage_triageassessment SET exclusions = %s WHERE id = %s",
                ['["bipolar"]', assessment.pk],
            )
        editor = connection.schema_editor()

        migration.encrypt(apps, editor)
        (token,) = raw_exclusions()
        self.assertNotIn("bipolar", token)
        assessment.refresh_from_db()
        self.assertEqual(assessment.exclusions, ["bipolar"])

        migration.decrypt(apps, editor)
        self.assertEqual([json.loads(v) for v in raw_exclusions()], [["bipolar"]])
