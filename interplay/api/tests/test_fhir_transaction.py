"""A GP system sends a referral as a FHIR transaction: a ServiceRequest and its Patient.
It becomes a referral through the self-referral's own service, a returning person is
matched on their NHS number, and a refusal names every problem at once."""

import copy
import json
from typing import Any

from django.test import override_settings

from interplay.accounts.roles import Role
from interplay.api.fhir.access import REFERRAL_SUBMITTERS
from interplay.api.models import Scope
from interplay.api.tests.fhir_stories import FHIR, key_for
from interplay.audit.models import AuditEvent
from interplay.patients.models import Patient
from interplay.referrals.models import Referral, ReferralSource
from interplay.test import QUEUE_ONLY, BaseTestCase, make_referral

NHS = "https://fhir.nhs.uk/Id/nhs-number"


def referral_bundle(**patient: Any) -> dict[str, Any]:
    person = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": "943 476 5919"}],
        "name": [{"family": "Testwell", "given": ["Robin"]}],
        "birthDate": "1990-05-17",
        "telecom": [{"system": "phone", "value": "07700 900123"}],
        "address": [{"line": ["1 Example Street"], "city": "Leeds", "postalCode": "ls6 2ab"}],
        "generalPractitioner": [{"display": "Park Lane Surgery"}],
    }
    person.update(patient)
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0f2e5a1c-3b7d-4c8e-9a6f-1d2c3b4a5e6f",
                "resource": person,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "identifier": [{"system": "https://gp.example/referrals", "value": "R-1"}],
                    "status": "active",
                    "intent": "order",
                    "subject": {"reference": "urn:uuid:0f2e5a1c-3b7d-4c8e-9a6f-1d2c3b4a5e6f"},
                    "reasonCode": [{"text": "Low mood since a bereavement"}],
                    "note": [{"text": "Would value talking therapy; no current risk."}],
                },
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
        ],
    }


def answers_entry(code: str, values: list[int], **extra: Any) -> dict[str, Any]:
    """A QuestionnaireResponse entry: scores as valueInteger, item 2 as a LOINC coding."""
    items: list[dict[str, Any]] = [
        {"linkId": str(n), "answer": [{"valueInteger": v}]} for n, v in enumerate(values, 1)
    ]
    return {
        "fullUrl": f"urn:uuid:{'1' if code == 'phq9' else '2'}e2d3c4b-5a69-4877-8695-a4b3c2d1e0f9",
        "resource": {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": f"https://interplay.invalid/fhir/Questionnaire/{code}|1",
            "status": "completed",
            "item": items,
            **extra,
        },
        "request": {"method": "POST", "url": "QuestionnaireResponse"},
    }


@override_settings(TASKS=QUEUE_ONLY)
class TransactionTests(BaseTestCase):
    def post(self, key: str, body: Any) -> Any:
        return self.client.post(
            FHIR,
            json.dumps(body),
            content_type="application/fhir+json",
            headers={"Authorization": f"Bearer {key}"},
        )

    def test_a_gp_referral_arrives_through_the_self_referral_service(self) -> None:
        key = key_for(self.triage, Scope.READ_WRITE)
        response = self.post(key, referral_bundle())
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["type"], "transaction-response")
        patient_entry, request_entry = body["entry"]
        self.assertEqual(patient_entry["response"]["status"], "201 Created")
        referral = Referral.objects.get()
        self.assertEqual(
            request_entry["response"]["location"], f"ServiceRequest/{referral.public_id}"
        )
        self.assertEqual((referral.source, referral.nhs_number), (ReferralSource.GP, "9434765919"))
        self.assertEqual(referral.phone, "+447700900123")
        self.assertEqual(referral.postcode, "LS6 2AB")
        self.assertIn("Low mood since a bereavement", str(referral.main_difficulties))
        submitted = AuditEvent.objects.get(action="referral.submitted")
        self.assertEqual(submitted.actor, self.triage)
        # It is on the triage queue, like any referral, and reads back as a ServiceRequest.
        self.assertIn(referral, Referral.objects.awaiting_triage())
        read = self.client.get(
            FHIR + request_entry["response"]["location"],
            headers={"Authorization": f"Bearer {key}"},
        )
        self.assertEqual(read.json()["identifier"][0]["value"], referral.reference)

    def test_phq9_and_gad7_sent_with_it_are_scored_and_item_9_makes_it_urgent(self) -> None:
        bundle = referral_bundle()
        phq9 = answers_entry("phq9", [2, 2, 1, 1, 1, 1, 1, 1, 2])
        # Question 2 as the LOINC answer code of "More than half the days" (2).
        phq9["resource"]["item"][1]["answer"] = [
            {"valueCoding": {"system": "http://loinc.org", "code": "LA6570-1"}}
        ]
        bundle["entry"] += [phq9, answers_entry("gad7", [1] * 7)]
        response = self.post(key_for(self.triage, Scope.READ_WRITE), bundle)
        self.assertEqual(response.status_code, 200, response.content)
        referral = Referral.objects.get()
        self.assertTrue(referral.urgent)
        totals = {r.instrument_code: r.total for r in referral.responses.all()}
        self.assertEqual(totals, {"phq9": 12, "gad7": 7})
        locations = [e["response"]["location"] for e in response.json()["entry"][2:]]
        self.assertEqual(
            sorted(locations),
            sorted(f"QuestionnaireResponse/{r.public_id}" for r in referral.responses.all()),
        )

    def test_an_answer_that_is_not_an_option_is_named(self) -> None:
        bundle = referral_bundle()
        bundle["entry"].append(answers_entry("phq9", [1, 1, 1, 1, 7, 1, 1, 1, 0]))
        bundle["entry"].append(answers_entry("sleep5", [1]))
        response = self.post(key_for(self.triage, Scope.READ_WRITE), bundle)
        self.assertEqual(response.status_code, 422)
        problems = {i["expression"][0]: i["diagnostics"] for i in response.json()["issue"][1:]}
        self.assertIn("question 5", problems["Bundle.entry[2].resource.item[4].answer[0]"])
        self.assertIn("Only PHQ-9 and GAD-7", problems["Bundle.entry[3].resource.questionnaire"])
        self.assertEqual(Referral.objects.count(), 0)

    def test_a_returning_person_is_matched_on_their_nhs_number(self) -> None:
        earlier = make_referral(email="", nhs_number="9434765919", last_name="Testwell-Old")
        key = key_for(self.triage, Scope.READ_WRITE)
        response = self.post(key, referral_bundle())
        patient_entry = response.json()["entry"][0]["response"]
        self.assertEqual(patient_entry["status"], "200 OK")
        self.assertEqual(patient_entry["location"], f"Patient/{earlier.patient.public_id}")  # type: ignore[union-attr]
        self.assertEqual(Patient.objects.count(), 1)

    def test_the_same_bundle_sent_twice_is_one_referral(self) -> None:
        key = key_for(self.admin, Scope.READ_WRITE)
        first = self.post(key, referral_bundle()).json()
        again = self.post(key, referral_bundle()).json()
        self.assertEqual(Referral.objects.count(), 1)
        self.assertEqual(again["entry"][1]["response"]["status"], "200 OK")
        self.assertEqual(
            again["entry"][1]["response"]["location"], first["entry"][1]["response"]["location"]
        )

    def test_a_refusal_names_every_problem_and_where_it_is(self) -> None:
        key = key_for(self.triage, Scope.READ_WRITE)
        bundle = referral_bundle(
            name=[{"family": "Testwell"}],
            identifier=[{"system": NHS, "value": "943 476 5918"}],
            telecom=[{"system": "phone", "value": "12345"}],
        )
        response = self.post(key, bundle)
        self.assertEqual(response.status_code, 422)
        outcome = response.json()
        self.assertEqual(outcome["resourceType"], "OperationOutcome")
        problems = {i["expression"][0]: i["diagnostics"] for i in outcome["issue"][1:]}
        at = "Bundle.entry[0].resource"
        self.assertIn("given name", problems[f"{at}.name[0].given"])
        self.assertIn("not a valid NHS number", problems[f"{at}.identifier"])
        self.assertIn("not a whole phone number", problems[f"{at}.telecom[0]"])
        self.assertEqual(Referral.objects.count(), 0)

    def test_what_is_not_a_referral_bundle_is_refused_as_such(self) -> None:
        key = key_for(self.triage, Scope.READ_WRITE)
        unlinked = referral_bundle()
        unlinked["entry"][1]["resource"]["subject"] = {"reference": "Patient/someone"}
        no_reason = copy.deepcopy(referral_bundle())
        del no_reason["entry"][1]["resource"]["reasonCode"]
        del no_reason["entry"][1]["resource"]["note"]
        batch = {**referral_bundle(), "type": "batch"}
        broken = referral_bundle(birthDate="17/05/1990")
        for body, status, words in (
            (unlinked, 422, "fullUrl"),
            (no_reason, 422, "why the person is referred"),
            (batch, 400, '"transaction"'),
            (broken, 400, "not valid FHIR R4"),
            ({"resourceType": "Patient"}, 400, "Bundle"),
        ):
            response = self.post(key, body)
            self.assertEqual(response.status_code, status, response.content)
            text = " ".join(i["diagnostics"] for i in response.json()["issue"])
            self.assertIn(words, text)
        self.assertEqual(Referral.objects.count(), 0)

    def test_only_a_read_write_token_of_a_role_that_takes_referrals_may_send_one(self) -> None:
        read_only = key_for(self.triage)
        response = self.post(read_only, referral_bundle())
        self.assertEqual(response.status_code, 403)
        self.assertIn("read-only", response.json()["issue"][0]["diagnostics"])
        for user in (self.therapist, self.manager, self.supervisor):
            response = self.post(key_for(user, Scope.READ_WRITE), referral_bundle())
            self.assertEqual(response.status_code, 403, user)
        self.assertEqual(Referral.objects.count(), 0)
        self.assertIn(Role.TRIAGE, REFERRAL_SUBMITTERS)
        self.assertEqual(
            self.client.post(FHIR, "{}", content_type="application/json").status_code, 401
        )
