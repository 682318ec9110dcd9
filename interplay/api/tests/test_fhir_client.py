"""An EHR with a stock FHIR client library (fhirpy) against a live Interplay: it reads a
patient, their course and their questionnaire responses (following the server's paging
links), and a GP system's posts a referral Bundle."""

from typing import Any

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, ResourceNotFound

from interplay.accounts.roles import Role
from interplay.api.models import Scope
from interplay.api.tests.fhir_stories import key_for, robin_and_sam
from interplay.api.tests.test_fhir_transaction import referral_bundle
from interplay.referrals.models import Referral, ReferralSource
from interplay.test import make_clinician, make_user

# Serialized rollback keeps the instruments the migrations seed for the tests after this.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_stock_fhir_client_reads_a_course_and_sends_a_referral(live_server: Any) -> None:
    supervisor = make_clinician("supervisor", Role.SUPERVISOR, Role.THERAPIST, hours=400)
    therapist = make_clinician("therapist", Role.THERAPIST, supervisor=supervisor)
    outsider = make_clinician("outsider", Role.THERAPIST)
    feed = make_user("gp-feed", Role.TRIAGE)
    story = robin_and_sam(therapist, outsider)
    base = f"{live_server.url}/fhir/R4"
    ehr = SyncFHIRClient(base, authorization=f"Bearer {key_for(therapist)}")
    robin = str(story.course.patient.public_id)

    patient = ehr.reference("Patient", robin).to_resource()
    assert patient["name"][0]["family"] == "Testwell"
    assert patient["identifier"][0]["value"] == "9434765919"

    (course,) = ehr.resources("EpisodeOfCare").search(patient=robin).fetch_all()
    assert course["id"] == str(story.course.public_id)
    assert course["status"] == "active"

    # Two to a page: the client follows the server's next links to all four.
    answers = ehr.resources("QuestionnaireResponse").search(patient=robin).limit(2).fetch_all()
    assert len(answers) == 4
    assert {a["status"] for a in answers} == {"completed"}
    totals = ehr.resources("Observation").search(patient=robin, code="44261-6").fetch_all()
    assert sorted(o["valueInteger"] for o in totals) == [9, 17]

    with pytest.raises(ResourceNotFound):
        ehr.reference("Patient", str(story.other.patient.public_id)).to_resource()
    with pytest.raises(AuthorizationError):
        SyncFHIRClient(base, authorization="Bearer ipl_nope").resources("Patient").fetch()

    gp = SyncFHIRClient(base, authorization=f"Bearer {key_for(feed, Scope.READ_WRITE)}")
    bundle = referral_bundle(
        identifier=[], name=[{"family": "Newcomer", "given": ["Alex"]}], birthDate="1979-03-04"
    )
    answer = gp.execute("", method="post", data=bundle)
    assert answer["type"] == "transaction-response"
    location = answer["entry"][1]["response"]["location"]
    referral = Referral.objects.get(last_name="Newcomer")
    assert location == f"ServiceRequest/{referral.public_id}"
    assert referral.source == ReferralSource.GP
    sent = gp.reference(reference=location).to_resource()
    assert sent["subject"]["reference"] == f"Patient/{referral.patient.public_id}"  # type: ignore[union-attr]
