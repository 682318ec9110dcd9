"""The administrators' questionnaire pages: list, export and import."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.measures import fhir
from interplay.measures.instruments import GAD7, to_dict
from interplay.measures.models import InstrumentDefinition
from interplay.measures.tests.test_fhir import SLEEP5
from interplay.test import BaseTestCase

LIST = reverse("measures:instruments")
IMPORT = reverse("measures:import")
EXPORT = reverse("measures:export", args=["gad7", "1"])


def upload(content: bytes, name: str = "questionnaire.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/json")


class InstrumentPageTests(BaseTestCase):
    def test_only_administrators_reach_the_pages(self) -> None:
        for url in (LIST, IMPORT, EXPORT):
            self.client.logout()
            self.assertEqual(self.client.get(url).status_code, 302, url)
            for user in (self.therapist, self.supervisor, self.triage, self.manager):
                self.sign_in(user)
                self.assertEqual(self.client.get(url).status_code, 403, (url, user))
            self.sign_in(self.admin)
            self.assertEqual(self.client.get(url).status_code, 200, url)
        self.client.logout()
        self.sign_in(self.admin, second_factor=False)
        self.assertEqual(self.client.get(LIST).status_code, 302)

    def test_the_list_shows_each_version_in_a_constant_number_of_queries(self) -> None:
        self.sign_in(self.admin)
        self.client.get(LIST)
        with self.assertNumQueries(4):
            page = self.client.get(LIST)
        self.assertContains(page, "PHQ-9")
        self.assertContains(page, "GAD-7")
        for n in range(3):
            InstrumentDefinition.objects.create(
                code="sleep5",
                version=f"{n}",
                definition=to_dict(SLEEP5) | {"version": f"{n}"},
                source="fhir_import",
                imported_by=self.admin,
            )
        with self.assertNumQueries(4):
            self.client.get(LIST)

    def test_an_export_downloads_the_questionnaire(self) -> None:
        self.sign_in(self.admin)
        response = self.client.get(EXPORT)
        self.assertEqual(response["Content-Type"], "application/fhir+json; charset=utf-8")
        self.assertIn('filename="gad7-1.questionnaire.json"', response["Content-Disposition"])
        self.assertEqual(fhir.from_questionnaire(response.content), GAD7)
        self.assertTrue(AuditEvent.objects.filter(action="measures.instrument_exported").exists())
        missing = reverse("measures:export", args=["gad7", "7"])
        self.assertEqual(self.client.get(missing).status_code, 404)

    def test_an_imported_questionnaire_is_listed(self) -> None:
        self.sign_in(self.admin)
        content = json.dumps(fhir.to_questionnaire(SLEEP5)).encode()
        response = self.client.post(IMPORT, {"questionnaire": upload(content)})
        self.assertRedirects(response, LIST, fetch_redirect_response=False)
        page = self.client.get(LIST)
        self.assertContains(page, "Imported Sleep-5 (invented), version 2024.1.")
        self.assertContains(page, "2024.1")
        self.assertContains(page, reverse("measures:export", args=["sleep5", "2024.1"]))

    def test_a_bad_file_is_explained_beside_the_field(self) -> None:
        self.sign_in(self.admin)
        response = self.client.post(
            IMPORT, {"questionnaire": upload(b'{"resourceType": "Patient"}')}
        )
        self.assertContains(response, "There is a problem", status_code=400)
        self.assertContains(response, "id_questionnaire-error", status_code=400)
        self.assertContains(response, "The file is not a FHIR Questionnaire", status_code=400)
        self.assertContains(response, "Error: Import a FHIR Questionnaire", status_code=400)
        empty = self.client.post(IMPORT, {})
        self.assertContains(empty, "Choose the Questionnaire file to import", status_code=400)
        self.assertFalse(InstrumentDefinition.objects.filter(source="fhir_import").exists())

    def test_a_version_already_held_is_refused_beside_the_field(self) -> None:
        self.sign_in(self.admin)
        content = json.dumps(fhir.to_questionnaire(GAD7)).encode()
        response = self.client.post(IMPORT, {"questionnaire": upload(content)})
        self.assertContains(response, "GAD-7 version 1 is already held", status_code=409)


class RetirePageTests(BaseTestCase):
    def test_an_administrator_retires_a_version_from_the_list(self) -> None:
        InstrumentDefinition.objects.create(
            code="gad7",
            version="2",
            definition=to_dict(GAD7) | {"version": "2"},
            source="fhir_import",
        )
        url = reverse("measures:active", args=["gad7", "2"])
        self.sign_in(self.manager)
        self.assertEqual(self.client.post(url, {"active": "0"}).status_code, 403)
        self.sign_in(self.admin)
        page = self.client.post(url, {"active": "0"}, follow=True)
        self.assertContains(page, "GAD-7 version 2 is retired.")
        self.assertContains(page, "Bring back into use")
        self.assertFalse(InstrumentDefinition.objects.get(code="gad7", version="2").active)
        last = self.client.post(
            reverse("measures:active", args=["gad7", "1"]), {"active": "0"}, follow=True
        )
        self.assertContains(last, "only version in use")
        missing = reverse("measures:active", args=["gad7", "9"])
        self.assertEqual(self.client.post(missing, {"active": "1"}).status_code, 404)
