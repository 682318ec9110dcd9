"""``Patient/{id}/$everything``: the person and everything of theirs the reader may see,
as one Bundle; ``everything_bundle`` gives the whole record, for the service's export."""

from typing import Any

from django.db.models import Q

from interplay.accounts.permissions import can
from interplay.api.fhir import access
from interplay.api.fhir.base import one_answer
from interplay.api.fhir.kinds import KINDS
from interplay.api.fhir.search import Kind, bundle, fetched
from interplay.patients.models import Patient

# The path from each type's rows to their patient (Questionnaire: none; Patient: itself).
PATIENT_PATHS: dict[str, tuple[str, ...]] = {
    "ServiceRequest": ("patient",),
    "EpisodeOfCare": ("patient",),
    "Appointment": ("course__patient",),
    "Encounter": ("course__patient",),
    "QuestionnaireResponse": ("course__patient", "referral__patient"),
    "Observation": ("course__patient", "referral__patient"),
    "CarePlan": ("patient",),
    "Goal": ("course__patient",),
}


def resources_of(patient: Patient, user: Any) -> list[dict[str, Any]]:
    """The patient and their records of every type ``user`` may read (all of them for
    ``access.EVERYONE``), each type in a fixed number of queries. No audit here: the
    caller audits the look as a whole."""
    from interplay.api.fhir import patient as patient_module

    found = [patient_module.to_fhir(patient)]
    for name, paths in PATIENT_PATHS.items():
        kind = KINDS[name]
        if user is not access.EVERYONE and not _may_read(kind, user):
            continue
        rows = kind.scope(user)
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(**{path: patient})
        page = list(fetched(kind, rows.filter(condition)).order_by("pk"))
        if kind.prepare is not None:
            kind.prepare(page)
        for row in page:
            found.extend(kind.build(row))
    return found


def _may_read(kind: Kind, user: Any) -> bool:
    return kind.readers is None or any(can(user, action) for action in kind.readers)


def everything_bundle(patient: Patient, base: str = "") -> dict[str, Any]:
    """A collection Bundle of everything held about ``patient`` as FHIR resources (each
    checked as ``base.validate`` checks the server's): for a whole-service export (no
    reader, so no caseload and no audit; the export audits itself). ``base`` prefixes
    each entry's fullUrl."""
    with one_answer():
        return bundle("collection", resources_of(patient, access.EVERYONE), base)
