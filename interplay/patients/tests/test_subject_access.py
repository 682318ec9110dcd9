"""Subject access: everything held about one person, as JSON and PDF, administrators only."""

import json
import re
import uuid
from typing import Any, ClassVar

from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.lib.errors import PermissionDenied
from interplay.patients import services, subject_access
from interplay.patients.tests import History, full_history, pdf_text
from interplay.test import BaseTestCase, make_letter, make_referral

CANARIES = [
    "Testwell",  # the patient record
    "CANARY-OWN-WORDS",  # a referral's answers
    "CANARY-ASSESSMENT",
    "CANARY-CONTACT",
    "CANARY-DECISION",
    "Dara Okafor",  # the therapist allocated
    "CANARY-LETTER",
    "CANARY-CONSENT",
]


class ExportServiceTests(BaseTestCase):
    history: ClassVar[History]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.history = full_history(triage=cls.triage, admin=cls.admin)

    def export(self, **kwargs: Any) -> tuple[bytes, bytes]:
        return services.export_subject_access(
            actor=self.admin, patient=self.history.patient, **kwargs
        )

    def test_the_json_holds_a_canary_from_every_kind_of_record(self) -> None:
        data, _ = self.export(formats=("json",))
        text = data.decode()
        for canary in CANARIES:
            self.assertIn(canary, text, canary)

    def test_the_json_has_the_documented_structure(self) -> None:
        data, _ = self.export(formats=("json",))
        doc = json.loads(data)
        self.assertEqual((doc["format"], doc["version"]), ("interplay.subject-access", 1))
        self.assertEqual(
            set(doc),
            {"format", "version", "generated_at", "service", "patient", "consents"}
            | {"referrals", "access"},
        )
        first, second = doc["referrals"]
        self.assertEqual(first["reference"], self.history.allocated.reference)
        self.assertEqual(first["status"], "allocated")
        self.assertEqual(second["status_label"], "Declined")
        phq9 = first["questionnaires"][0]
        self.assertEqual((phq9["instrument"], phq9["total"], phq9["max_total"]), ("phq9", 0, 27))
        self.assertEqual(phq9["items"][8]["answer_label"], "Not at all")
        self.assertEqual(first["details"]["problem_areas_labels"], ["Low mood", "Grief or loss"])
        self.assertEqual(
            first["assessment"]["suitable_for_labels"], ["Interpersonal Psychotherapy (IPT)"]
        )
        self.assertEqual(first["contact_attempts"][0]["outcome"], "reached")
        self.assertEqual(first["decision"]["outcome"], "offer_ipt")
        self.assertEqual(first["allocations"][0]["therapist"], "Dara Okafor")
        self.assertTrue(any("CANARY-LETTER" in letter["body"] for letter in first["letters"]))
        self.assertNotIn("pdf", first["letters"][0])
        self.assertEqual(
            [(c["kind"], c["given"], c["source"]) for c in doc["consents"]],
            [
                ("referral", True, "self_referral"),
                ("gp_contact", True, "self_referral"),
                ("referral", True, "self_referral"),
                ("gp_contact", True, "self_referral"),
                ("email_contact", False, "staff"),
            ],
        )
        self.assertRegex(doc["generated_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*[+-]\d\d:\d\d$")
        self.assertEqual(doc["patient"]["date_of_birth"], "1990-05-17")

    def test_the_json_lists_who_looked_at_the_records(self) -> None:
        data, _ = self.export(formats=("json",))
        looks = json.loads(data)["access"]
        self.assertIn(
            {
                "by": "Triage",
                "username": "triage",
                "action": "referral.viewed",
                "what": "Opened the referral",
                "record": f"Referral {self.history.allocated.reference}",
            },
            [{k: v for k, v in look.items() if k != "at"} for look in looks],
        )
        self.assertFalse(any("client_address" in look for look in looks))

    def test_earlier_exports_and_letter_downloads_count_as_looks(self) -> None:
        from interplay.letters.services import view_letter

        letter = self.history.allocated.letters.first()
        assert letter is not None
        view_letter(actor=self.triage, letter=letter)
        self.export(formats=("json",))
        data, _ = self.export(formats=("json",))
        actions = [look["action"] for look in json.loads(data)["access"]]
        self.assertIn("letter.viewed", actions)
        self.assertIn("patient.exported", actions)

    def test_the_pdf_is_a_document_with_the_name_and_every_reference(self) -> None:
        _, pdf = self.export(formats=("pdf",))
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = pdf_text(pdf)
        self.assertIn("Everything we hold about Robin Testwell", text)
        for referral in (self.history.allocated, self.history.declined):
            self.assertIn(f"Referral {referral.reference}", text)
        for canary in CANARIES:
            self.assertIn(canary, text, canary)
        self.assertIn("Who has looked at your records", text)

    def test_both_formats_come_from_one_call_by_default(self) -> None:
        data, pdf = self.export()
        self.assertTrue(data.startswith(b"{") and pdf.startswith(b"%PDF"))

    def test_the_export_is_audited_without_its_content(self) -> None:
        self.export(formats=("json",))
        event = AuditEvent.objects.by_action("patient.exported").get()
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(event.object_id, str(self.history.patient.public_id))
        self.assertEqual(
            event.detail,
            {
                "formats": ["json"],
                "referrals": [self.history.allocated.reference, self.history.declined.reference],
            },
        )
        self.assertNotIn("CANARY", json.dumps(event.detail))

    def test_only_administrators_may_export(self) -> None:
        for user in (self.triage, self.supervisor, self.manager, self.therapist):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                services.export_subject_access(
                    actor=user, patient=self.history.patient, formats=("json",)
                )
        self.assertFalse(AuditEvent.objects.by_action("patient.exported").exists())

    def test_an_unknown_format_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            self.export(formats=("csv",))


class ExportCostTests(BaseTestCase):
    def test_gathering_costs_the_same_however_much_is_held(self) -> None:
        one = make_referral(email="")
        assert one.patient is not None
        ServiceSettings.load()
        # referrals (with assessment and decision), responses, contact attempts,
        # allocations, letters, service settings, consents, looks
        with self.assertNumQueries(8):
            subject_access.document(one.patient)
        for _ in range(3):
            make_letter(referral=make_referral(email=""))
        with self.assertNumQueries(8):
            subject_access.document(one.patient)


class ExportViewTests(BaseTestCase):
    patient_id: ClassVar[uuid.UUID]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        referral = make_referral(email="")
        assert referral.patient is not None
        cls.patient_id = referral.patient.public_id

    def url(self, name: str, public_id: uuid.UUID | None = None) -> str:
        return reverse(f"patients:{name}", kwargs={"public_id": public_id or self.patient_id})

    def test_anonymous_is_sent_to_sign_in(self) -> None:
        for name in ("export_json", "export_pdf"):
            response = self.client.get(self.url(name))
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("accounts:login"), response["Location"])

    def test_a_password_alone_is_not_enough(self) -> None:
        self.sign_in(self.admin, second_factor=False)
        response = self.client.get(self.url("export_json"))
        self.assertEqual(response.status_code, 302)
        self.assertNotIn(b"Testwell", response.content)

    def test_clinicians_and_managers_are_refused(self) -> None:
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            self.sign_in(user)
            for name in ("export_json", "export_pdf"):
                with self.subTest(user=user.username, name=name):
                    response = self.client.get(self.url(name))
                    self.assertEqual(response.status_code, 403)
                    self.assertNotIn(b"Testwell", response.content)
        self.assertFalse(AuditEvent.objects.by_action("patient.exported").exists())

    def test_administrators_download_json_never_cached(self) -> None:
        self.sign_in(self.admin)
        response = self.client.get(self.url("export_json"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertRegex(
            response["Content-Disposition"],
            rf'^attachment; filename="subject-access-{str(self.patient_id)[:8]}'
            r'-\d{4}-\d\d-\d\d\.json"$',
        )
        self.assertNotIn("Testwell", response["Content-Disposition"])
        self.assertEqual(json.loads(response.content)["patient"]["last_name"], "Testwell")

    def test_administrators_download_the_pdf_never_cached(self) -> None:
        self.sign_in(self.admin)
        response = self.client.get(self.url("export_pdf"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertTrue(
            re.search(r'filename="subject-access-.+\.pdf"', response["Content-Disposition"])
        )
        self.assertIn("Robin Testwell", pdf_text(response.content))
        event = AuditEvent.objects.by_action("patient.exported").get()
        self.assertEqual(event.detail["formats"], ["pdf"])

    def test_an_unknown_patient_is_not_found(self) -> None:
        self.sign_in(self.admin)
        for name in ("export_json", "export_pdf"):
            self.assertEqual(self.client.get(self.url(name, uuid.uuid4())).status_code, 404)

    def test_only_get_is_answered(self) -> None:
        self.sign_in(self.admin)
        self.assertEqual(self.client.post(self.url("export_json")).status_code, 405)
