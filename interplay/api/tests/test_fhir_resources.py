"""Every resource type the therapist reads of Robin's course, as FHIR R4 that
``fhir.resources`` accepts, with the codes an EHR looks for."""

from typing import Any, ClassVar

from django.test import override_settings
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from interplay.api.fhir.base import validate
from interplay.api.fhir.kinds import KINDS
from interplay.api.tests.fhir_stories import Story, get, key_for, robin_and_sam
from interplay.clinic.models import Room
from interplay.courses.models import Appointment, AppointmentStatus
from interplay.test import BaseTestCase


class ResourceTests(BaseTestCase):
    story: ClassVar[Story]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.story = robin_and_sam(cls.therapist, cls.outsider)

    def setUp(self) -> None:
        self.key = key_for(self.therapist)

    def search(self, kind: str, **query: Any) -> list[dict[str, Any]]:
        response = get(self.client, self.key, kind, **query)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response["Content-Type"], "application/fhir+json")
        body = response.json()
        get_fhir_model_class("Bundle").model_validate(body)
        self.assertEqual(body["type"], "searchset")
        return [entry["resource"] for entry in body.get("entry", [])]

    def test_every_type_is_valid_fhir_and_each_read_returns_what_the_search_found(self) -> None:
        patient = str(self.story.course.patient.public_id)
        for name in KINDS:
            if name == "ServiceRequest":
                continue  # the triage clinicians' and supervisors': see the access tests
            query = {} if name in ("Patient", "Questionnaire") else {"patient": patient}
            found = self.search(name, **query)
            self.assertTrue(found, f"no {name}")
            for resource in found:
                self.assertEqual(resource["resourceType"], name)
                get_fhir_model_class(name).model_validate(resource)
                read = get(self.client, self.key, f"{name}/{resource['id']}")
                self.assertEqual(read.status_code, 200, f"{name} {read.content!r}")
                self.assertEqual(read.json(), resource)

    def test_what_is_served_unchecked_is_what_the_checked_answers_were(self) -> None:
        """Production skips the model check on output (``FHIR_VALIDATE_OUTPUT``); the test
        suite runs it on every resource. Both send the same bytes, less the Bundle's time."""
        triage = key_for(self.triage)
        patient = str(self.story.course.patient.public_id)
        for name in KINDS:
            key = triage if name == "ServiceRequest" else self.key
            query = {} if name in ("Patient", "Questionnaire") else {"patient": patient}
            answers = []
            for checked in (True, False):
                with override_settings(FHIR_VALIDATE_OUTPUT=checked):
                    body = get(self.client, key, name, **query).json()
                body.pop("timestamp")
                answers.append(body)
            self.assertTrue(answers[0].get("entry"), f"no {name}")
            self.assertEqual(answers[0], answers[1], name)
            get_fhir_model_class("Bundle").model_validate(answers[1])
            for entry in answers[1]["entry"]:
                get_fhir_model_class(name).model_validate(entry["resource"])

    def test_the_output_check_refuses_a_resource_the_models_refuse(self) -> None:
        with self.assertRaises(ValidationError):
            validate({"resourceType": "Patient", "birthDate": "31 December 1990"})

    def test_the_patient_carries_the_nhs_number_and_the_course_its_referral(self) -> None:
        (patient,) = self.search("Patient")
        self.assertEqual(
            patient["identifier"],
            [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
        )
        self.assertEqual(patient["name"][0]["family"], "Testwell")
        (course,) = self.search("EpisodeOfCare")
        self.assertEqual(course["status"], "active")
        self.assertEqual(
            course["referralRequest"][0]["reference"],
            f"ServiceRequest/{self.story.course.referral.public_id}",
        )
        self.assertEqual(course["patient"]["reference"], f"Patient/{patient['id']}")

    def test_the_course_and_a_session_name_what_their_pages_name(self) -> None:
        """Built from plain values, not models: the labels are still the models' own."""
        course = self.story.course
        session = self.story.sessions[-1]
        room = Room.objects.create(name="Room 4")
        Appointment.objects.filter(pk=session.pk).update(
            status=AppointmentStatus.CANCELLED_BY_PATIENT, room=room
        )
        session.refresh_from_db()
        (episode,) = self.search("EpisodeOfCare")
        (kind,) = episode["type"]
        self.assertEqual(
            [(c["code"], c["display"]) for c in kind["coding"]],
            [
                (course.modality, course.get_modality_display()),
                (course.status, course.get_status_display()),
            ],
        )
        self.assertTrue(kind["text"].startswith(f"{course.get_modality_display()}: "))
        self.assertEqual(episode["careManager"], {"display": self.therapist.get_full_name()})
        self.assertEqual(episode["period"], {"start": course.start_date.isoformat()})
        found = {a["id"]: a for a in self.search("Appointment")}[str(session.public_id)]
        self.assertEqual(found["status"], "cancelled")
        self.assertEqual(found["cancelationReason"], {"text": session.get_status_display()})
        self.assertEqual(found["comment"], "Room: Room 4")
        self.assertEqual(
            found["participant"][1]["actor"]["display"], self.therapist.get_full_name()
        )

    def test_totals_carry_their_loinc_codes_and_item_9_is_its_own_observation(self) -> None:
        observations = self.search("Observation")
        codes = sorted(o["code"]["coding"][0]["code"] for o in observations)
        # Two PHQ-9 totals, two GAD-7 totals, and item 9 of both PHQ-9s (1, then 1 % 4 = 1).
        self.assertEqual(codes, ["44260-8"] * 2 + ["44261-6"] * 2 + ["70274-6"] * 2)
        first_phq9 = next(o for o in observations if o["code"]["coding"][0]["code"] == "44261-6")
        self.assertEqual(first_phq9["valueInteger"], 2 * 8 + 1)
        item9 = next(o for o in observations if o["code"]["coding"][0]["code"] == "44260-8")
        self.assertEqual(item9["valueCodeableConcept"]["coding"][0]["display"], "Several days")
        only_gad7 = self.search("Observation", code="http://loinc.org|70274-6")
        self.assertEqual({o["code"]["coding"][0]["code"] for o in only_gad7}, {"70274-6"})

    def test_questionnaires_are_phq9_and_gad7_with_their_loinc_panels(self) -> None:
        panels = {q["code"][0]["code"] for q in self.search("Questionnaire")}
        self.assertLessEqual({"44249-1", "69737-5"}, panels)
        (phq9,) = self.search("Questionnaire", code="44249-1")
        responses = self.search("QuestionnaireResponse", status="completed")
        self.assertEqual(len(responses), 4)
        self.assertTrue(any(r["questionnaire"].startswith(phq9["url"]) for r in responses))
        total = next(i for i in responses[0]["item"] if i["linkId"] == "total")
        self.assertIn("valueInteger", total["answer"][0])

    def test_the_care_plan_holds_the_focus_the_goals_and_the_task(self) -> None:
        (plan,) = self.search("CarePlan")
        self.assertEqual(plan["description"], "Role dispute (renegotiation)")
        self.assertEqual(len(plan["goal"]), 2)
        (task,) = plan["activity"]
        self.assertEqual(task["detail"]["status"], "in-progress")
        self.assertEqual(task["detail"]["description"], "Note when the arguments start.")
        goals = self.search("Goal")
        problem = next(g for g in goals if g["category"][0]["coding"][0]["code"] == "problem")
        self.assertEqual(problem["description"]["text"], "Arguments with my sister")
        scores = [
            next(p["valueInteger"] for p in r["extension"] if p["url"] == "score")
            for r in problem["extension"]
        ]
        self.assertEqual(scores, [8, 5])

    def test_sessions_are_appointments_and_the_attended_ones_encounters(self) -> None:
        appointments = self.search("Appointment")
        self.assertEqual(len(appointments), self.story.course.planned_sessions)
        self.assertEqual(appointments[0]["description"], "Session 1 of 16, initial phase")
        self.assertEqual([a["status"] for a in appointments[:4]], ["fulfilled"] * 3 + ["booked"])
        encounters = self.search("Encounter")
        self.assertEqual(len(encounters), 3)
        self.assertEqual(
            encounters[0]["appointment"][0]["reference"], f"Appointment/{appointments[0]['id']}"
        )
