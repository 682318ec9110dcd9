"""Subject access: everything held about one person, as JSON and PDF, administrators only."""

import dataclasses
import datetime as dt
import json
import re
import uuid
from typing import Any, ClassVar

import time_machine
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Course
from interplay.formulation import export as formulation_export
from interplay.lib.errors import PermissionDenied
from interplay.measures.instruments import BUILT_IN, to_dict
from interplay.measures.models import InstrumentDefinition, QuestionnaireResponse
from interplay.patients import access, services, subject_access
from interplay.patients.tests import (
    AFTER_THE_COURSE,
    History,
    course_history,
    full_history,
    pdf_text,
)
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
# What a course holds, each written by ``course_history``.
COURSE_CANARIES = [
    "CANARY-SESSION-NOTE",
    "CANARY-RISK-NOTE",
    "CANARY-ADDENDUM",
    "CANARY-TASK-REVIEW",
    "CANARY-TASK-OUTCOME",
    "CANARY-ALERT-NOTE",
    "CANARY-PERSON Sam",
    "CANARY-FEELINGS",
    "CANARY-CONTACT",
    "CANARY-EVENT",
    "CANARY-RATIONALE",
    "CANARY-FORMULATION",
    "CANARY-PROBLEM cannot sleep",
    "CANARY-TASK write to my aunt",
    "CANARY-PATIENT-NOTE",
    "CANARY-WARNING-SIGNS",
    "CANARY-RELAPSE-PLAN",
    "CANARY-ENDING-LETTER",
    "CANARY-END-REASON",
    "CANARY-SUPERVISION-NOTE",
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
            | {"referrals", "courses", "portal", "access"},
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

    def test_looks_through_the_api_and_fhir_count_as_looks(self) -> None:
        from interplay.api.services import create_token

        _, key = create_token(actor=self.triage, name="Triage tools")
        headers = {"Authorization": f"Bearer {key}"}
        patient = self.history.allocated.patient
        assert patient is not None
        self.assertEqual(self.client.get("/api/v1/referrals", headers=headers).status_code, 200)
        self.assertEqual(self.client.get("/api/v1/patients", headers=headers).status_code, 200)
        fhir = self.client.get(f"/fhir/R4/Patient?_id={patient.public_id}", headers=headers)
        self.assertEqual(fhir.status_code, 200)
        data, _ = self.export(formats=("json",))
        what = {look["action"]: look["what"] for look in json.loads(data)["access"]}
        self.assertEqual(what["referral_list.viewed"], "Saw the referral in a list through the API")
        self.assertEqual(
            what["patient_list.viewed"], "Saw the patient record in a list through the API"
        )
        self.assertEqual(what["fhir.searched"], "Saw the records in a FHIR search")

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
    # instrument definitions; referrals (with assessment and decision), responses, contact
    # attempts, allocations, letters; courses (with focus and ending review); service
    # settings, consents, portal sign-in, looks
    QUERIES = 11
    # and for the courses' rows: sessions (with records), addenda, course tasks, responses,
    # alerts, inventory, its revisions, timeline, its people, the focus's people, its
    # revisions, problems, ratings, between-session tasks, ending letters, supervision notes
    WITH_COURSES = QUERIES + 16

    def test_gathering_costs_the_same_however_much_is_held(self) -> None:
        one = make_referral(email="")
        assert one.patient is not None
        ServiceSettings.load()
        with self.assertNumQueries(self.QUERIES):
            subject_access.document(one.patient)
        for _ in range(3):
            make_letter(referral=make_referral(email=""))
        with self.assertNumQueries(self.QUERIES):
            subject_access.document(one.patient)

    def test_one_course_or_two_cost_the_same(self) -> None:
        patient = course_history(self.therapist).patient
        ServiceSettings.load()
        with self.assertNumQueries(self.WITH_COURSES):
            doc = subject_access.document(patient)
        self.assertEqual(len(doc["courses"]), 1)
        # The same person comes back (same name and date of birth) for a second course.
        course_history(self.outsider, word="SECOND")
        with self.assertNumQueries(self.WITH_COURSES):
            doc = subject_access.document(patient)
        self.assertEqual(len(doc["courses"]), 2)
        self.assertEqual(sum(len(c["sessions"]) for c in doc["courses"]), 32)


class CourseExportTests(BaseTestCase):
    """A person with a course holding one record of every kind, and another person's
    course beside it whose every word must stay out of the first one's export."""

    course: ClassVar[Course]
    other: ClassVar[Course]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.course = course_history(cls.therapist)
        cls.other = course_history(
            cls.outsider,
            word="STRANGER",
            first_name="Kim",
            last_name="Elsewhere",
            date_of_birth=dt.date(1984, 2, 3),
        )
        patient = cls.course.patient
        with time_machine.travel(AFTER_THE_COURSE, tick=False):
            access.issue_link(patient, expires_at=AFTER_THE_COURSE + dt.timedelta(hours=1))
            used = access.issue_link(patient, expires_at=AFTER_THE_COURSE + dt.timedelta(hours=1))
            access.use_link(token=used, date_of_birth=patient.date_of_birth)
            access.issue_link(cls.other.patient, expires_at=AFTER_THE_COURSE)
        device = access.pending_authenticator(patient)
        device.confirmed = True
        device.save()

    def document(self) -> dict[str, Any]:
        data, _ = services.export_subject_access(
            actor=self.admin, patient=self.course.patient, formats=("json",)
        )
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    def test_the_json_holds_the_course_with_labels_beside_codes(self) -> None:
        doc = self.document()
        self.assertIn("courses", doc)
        (course,) = doc["courses"]
        self.assertEqual(course["public_id"], str(self.course.public_id))
        self.assertEqual(course["referral"], self.course.referral.reference)
        self.assertEqual(
            (course["modality"], course["modality_label"]),
            ("ipt", "Interpersonal Psychotherapy (IPT)"),
        )
        self.assertEqual((course["status"], course["status_label"]), ("completed", "Completed"))
        self.assertEqual(course["end_reason"], "CANARY-END-REASON")
        self.assertEqual((course["start_date"], course["planned_sessions"]), ("2026-09-07", 16))
        self.assertEqual(course["therapist"], str(self.therapist))
        first, _, third, *_ = course["sessions"]
        self.assertEqual((first["number"], first["status_label"]), (1, "Attended"))
        self.assertEqual(third["status_label"], "Did not attend")
        record = first["record"]
        self.assertEqual(record["notes"], "CANARY-SESSION-NOTE talked about the funeral")
        self.assertEqual(record["risk_notes"], "CANARY-RISK-NOTE no plans")
        self.assertEqual(record["signed_by"], str(self.therapist))
        self.assertEqual([a["text"] for a in record["addenda"]], ["CANARY-ADDENDUM"])
        (task,) = course["course_tasks"]
        self.assertEqual((task["kind"], task["session"]), ("risk_check", 3))
        self.assertEqual(task["outcome"], "CANARY-TASK-OUTCOME")
        (phq9,) = course["questionnaires"]
        self.assertEqual((phq9["instrument"], phq9["total"], phq9["session"]), ("phq9", 17, 1))
        self.assertEqual(phq9["entered_by"], str(self.therapist))
        (alert,) = course["risk_alerts"]
        self.assertEqual(alert["kind"], "risk_answer")
        self.assertEqual(alert["action_note"], "CANARY-ALERT-NOTE phoned, plan agreed")

    def test_the_json_holds_the_formulation_and_the_work_of_the_course(self) -> None:
        (course,) = self.document()["courses"]
        (person,) = course["formulation"]["inventory"]
        self.assertEqual(person["name"], "CANARY-PERSON Sam")
        self.assertEqual(person["relationship_label"], "Brother or sister")
        self.assertEqual((person["ring"], person["ring_label"]), (1, "Inner ring (closest)"))
        self.assertEqual([r["number"] for r in person["revisions"]], [1, 2])
        self.assertEqual(person["revisions"][0]["values"]["contact"], "")
        (event,) = course["formulation"]["timeline"]
        self.assertEqual(
            (event["when"], event["mood_change_label"]), ("March 2025", "Mood got worse")
        )
        self.assertEqual(event["people"], ["CANARY-PERSON Sam"])
        focus = course["formulation"]["focus"]
        self.assertEqual((focus["problem_area"], focus["problem_area_label"]), ("grief", "Grief"))
        self.assertEqual(focus["formulation"], "CANARY-FORMULATION")
        (problem,) = course["problems"]
        self.assertEqual(problem["description"], "CANARY-PROBLEM cannot sleep")
        self.assertEqual(
            [(r["score"], r["rater"], r["baseline"]) for r in problem["ratings"]],
            [(8, "therapist", True), (4, "patient", False)],
        )
        (task,) = course["between_session_tasks"]
        self.assertEqual(
            (task["text"], task["patient_note"], task["review"]),
            (
                "CANARY-TASK write to my aunt",
                "CANARY-PATIENT-NOTE",
                "CANARY-TASK-REVIEW wrote half of it",
            ),
        )
        self.assertEqual(course["ending_review"]["relapse_plan"], "CANARY-RELAPSE-PLAN")
        (letter,) = course["ending_letters"]
        self.assertEqual(
            (letter["kind"], letter["kind_label"]), ("ending_summary", "Ending summary")
        )
        produced = [
            sent
            for referral in self.document()["referrals"]
            for sent in referral["letters"]
            if sent["public_id"] == letter["letter"]
        ]
        self.assertEqual(len(produced), 1)
        self.assertIn("CANARY-ENDING-LETTER", produced[0]["body"])

    def test_sign_in_is_counted_and_no_secret_is_given(self) -> None:
        doc = self.document()
        self.assertEqual(
            doc["portal"],
            {"sign_in_links_issued": 2, "sign_in_links_used": 1, "authenticator_app": True},
        )
        text = json.dumps(doc)
        device = access.pending_authenticator(self.course.patient)
        self.assertNotIn(device.key, text)
        for link in self.course.patient.sign_in_links.all():
            self.assertNotIn(link.token_hash, text)

    def test_the_pdf_has_the_courses_section_with_notes_and_problems(self) -> None:
        _, pdf = services.export_subject_access(
            actor=self.admin, patient=self.course.patient, formats=("pdf",)
        )
        text = pdf_text(pdf).replace("- ", "-")  # a line may wrap after a hyphen
        self.assertIn("Courses of therapy", text)
        self.assertIn("Course of Interpersonal Psychotherapy (IPT) from 7 September 2026", text)
        for canary in COURSE_CANARIES:
            self.assertIn(canary, text, canary)
        self.assertIn("Did not attend", text)
        self.assertIn("Inner ring (closest)", text)
        self.assertIn("Sign-in links emailed to you 2", text)

    def test_nothing_of_another_person_is_in_either_format(self) -> None:
        data, pdf = services.export_subject_access(actor=self.admin, patient=self.course.patient)
        for text in (data.decode(), pdf_text(pdf)):
            self.assertNotIn("STRANGER", text)
            self.assertNotIn("Elsewhere", text)
            self.assertNotIn(str(self.other.public_id), text)
        self.assertIn("CANARY-SESSION-NOTE", data.decode())
        data, _ = services.export_subject_access(
            actor=self.admin, patient=self.other.patient, formats=("json",)
        )
        self.assertIn("STRANGER-SESSION-NOTE", data.decode())
        self.assertNotIn("CANARY", data.decode())
        self.assertEqual(json.loads(data)["portal"]["sign_in_links_issued"], 1)

    def test_looks_at_the_course_are_listed_and_not_another_persons(self) -> None:
        self.sign_in(self.therapist)
        for url in (
            reverse("courses:detail", args=[self.course.public_id]),
            reverse("formulation:page", args=[self.course.public_id]),
            reverse("progress:problems", args=[self.course.public_id]),
        ):
            self.assertEqual(self.client.get(url).status_code, 200)
        self.sign_in(self.outsider)
        self.client.get(reverse("courses:detail", args=[self.other.public_id]))
        looks = [
            (look["by"], look["what"], look["record"])
            for look in self.document()["access"]
            if look["action"] != "patient.exported"
        ]
        course = "Course of Interpersonal Psychotherapy (IPT) from 7 September 2026"
        self.assertEqual(
            looks,
            [
                (str(self.therapist), "Opened the course", course),
                (str(self.therapist), "Opened the formulation", course),
                (str(self.therapist), "Opened the problems and goals", course),
            ],
        )

    def test_a_response_on_an_imported_instrument_is_shown_with_its_own_questions(self) -> None:
        local = dataclasses.replace(BUILT_IN["gad7"], code="worry-local", name="Local worry scale")
        InstrumentDefinition.objects.create(
            code="worry-local",
            version=local.version,
            definition=to_dict(local),
            source="fhir_import",
        )
        QuestionnaireResponse.objects.create(
            instrument_code="worry-local",
            instrument_version=local.version,
            answers={"1": 3},
            total=3,
            band="Mild",
            complete=False,
            source="paper",
            answered_at=AFTER_THE_COURSE,
            course=self.course,
        )
        (course,) = self.document()["courses"]
        imported = course["questionnaires"][-1]
        self.assertEqual(imported["instrument_name"], "Local worry scale")
        self.assertEqual(imported["items"][0]["answer_label"], "Nearly every day")
        self.assertEqual(len(imported["items"]), 7)

    def test_a_response_on_an_unknown_instrument_still_shows_its_answers(self) -> None:
        QuestionnaireResponse.objects.create(
            instrument_code="gone-local",
            instrument_version="3",
            answers={"1": 2, "2": 0},
            total=2,
            band="",
            complete=True,
            source="paper",
            answered_at=AFTER_THE_COURSE,
            course=self.course,
        )
        (course,) = self.document()["courses"]
        unknown = course["questionnaires"][-1]
        self.assertEqual((unknown["instrument_name"], unknown["max_total"]), ("gone-local", None))
        self.assertEqual([(i["number"], i["answer"]) for i in unknown["items"]], [(1, 2), (2, 0)])


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


class FocusRowsTests(BaseTestCase):
    """The PDF prints the focus's fields the course's modality has, in plain words."""

    def focus(self, **values: Any) -> dict[str, Any]:
        blank: dict[str, Any] = dict.fromkeys(formulation_export.FOCUS_FIELDS, "")
        return {**blank, "agreed_on": None, "shared_with_patient": False, "people": [], **values}

    def rows(self, modality: str, **values: Any) -> dict[str, str]:
        course = {"modality": modality, "formulation": {"focus": self.focus(**values)}}
        return dict(formulation_export.focus_rows(course))

    def test_dit_shows_its_own_fields_and_the_defensive_function_only_when_recorded(self) -> None:
        rows = self.rows("dit", linking_affect="Shame", people=["Jo"])
        self.assertEqual(rows["The feeling that links them"], "Shame")
        self.assertEqual(rows["People it involves"], "Jo")
        self.assertNotIn("Problem area", rows)
        self.assertNotIn("What the pattern protects against", rows)
        rows = self.rows("dit", defensive_function="Pulls back first")
        self.assertEqual(rows["What the pattern protects against"], "Pulls back first")

    def test_ipt_shows_the_problem_area_by_its_label(self) -> None:
        rows = self.rows("ipt", problem_area="role_dispute", problem_area_label="Role dispute")
        self.assertEqual(rows["Problem area"], "Role dispute")
        self.assertNotIn("The focus in your words", rows)
        self.assertEqual(rows["People it involves"], "None")
