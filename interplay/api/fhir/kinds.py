"""Every resource type served, in the order the CapabilityStatement lists them."""

from interplay.api.fhir import (
    appointment,
    care_plan,
    encounter,
    episode_of_care,
    goal,
    observation,
    patient,
    questionnaire,
    questionnaire_response,
    service_request,
)
from interplay.api.fhir.search import Kind

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        patient.KIND,
        service_request.KIND,
        episode_of_care.KIND,
        appointment.KIND,
        encounter.KIND,
        questionnaire.KIND,
        questionnaire_response.KIND,
        observation.KIND,
        care_plan.KIND,
        goal.KIND,
    )
}
