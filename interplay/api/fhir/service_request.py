"""ServiceRequest: a referral (``referrals.Referral``), from the person themselves, a GP
or another professional; created by a transaction Bundle (``transaction.py``). A referral
feed reads back the ones it sent (``referrals.permissions.sent_referrals``), its subject
then as the name it sent, not a reference to the person's record."""

from typing import Any

from django.db.models import Value

from interplay.accounts.permissions import Action, can
from interplay.api.fhir import access
from interplay.api.fhir.base import SNOMED, SYSTEM_BASE, coding, instant, reference, validate
from interplay.api.fhir.search import (
    Kind,
    Param,
    date_filter,
    id_param,
    patient_param,
    token_filter,
    updated_param,
)
from interplay.referrals.models import Referral, ReferralSource, ReferralStatus

S = ReferralStatus
REFERENCE_SYSTEM = SYSTEM_BASE + "referral-reference"
STATUS_SYSTEM = SYSTEM_BASE + "referral-status"
STATUS_EXTENSION = SYSTEM_BASE + "StructureDefinition/referral-status"
# FHIR's request status for each of Interplay's referral states.
STATUS = {
    "active": (S.RECEIVED, S.IN_TRIAGE, S.WAITING, S.ALLOCATED, S.IN_TREATMENT),
    "completed": (S.DISCHARGED, S.SIGNPOSTED, S.REFERRED_ON),
    "revoked": (S.DECLINED, S.WITHDRAWN),
}
FHIR_STATUS: dict[str, str] = {
    str(value): code for code, values in STATUS.items() for value in values
}
# SNOMED CT 3457005 |Patient referral (procedure)|.
REFERRAL_CODE = coding(SNOMED, "3457005", "Patient referral")


def to_fhir(referral: Referral) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(referral.public_id),
        "meta": {"lastUpdated": instant(referral.received_at)},
        "identifier": [{"system": REFERENCE_SYSTEM, "value": referral.reference}],
        "status": FHIR_STATUS[referral.status],
        "intent": "order",
        "priority": "urgent" if referral.urgent else "routine",
        "code": {"coding": [REFERRAL_CODE], "text": "Referral for psychological therapy"},
        "authoredOn": instant(referral.received_at),
        "requester": {"display": ReferralSource(referral.source).label},
        "extension": [
            {
                "url": STATUS_EXTENSION,
                "valueCoding": coding(
                    STATUS_SYSTEM, referral.status, referral.get_status_display()
                ),
            }
        ],
    }
    if referral.patient is not None and not getattr(referral, "read_back", False):
        data["subject"] = reference("Patient", referral.patient.public_id)
    else:
        data["subject"] = {"display": referral.full_name}
    reasons = [{"text": label} for label in referral.problem_area_labels()]
    if reasons:
        data["reasonCode"] = reasons
    if referral.main_difficulties:
        data["note"] = [{"text": str(referral.main_difficulties)}]
    return validate(data)


def scope(user: Any) -> Any:
    rows = access.referrals(user).select_related("patient")
    if user is access.EVERYONE or can(user, Action.VIEW_REFERRAL):
        return rows
    # A feed reading back what it sent: the person as it named them, not a reference to
    # the service's record of them (which it may not read).
    return rows.annotate(read_back=Value(True))


KIND = Kind(
    name="ServiceRequest",
    readers=access.REFERRAL_READERS,
    scope=scope,
    build=lambda referral: [to_fhir(referral)],
    params=(
        id_param(),
        patient_param("patient__public_id"),
        Param(
            "status",
            "token",
            "active (received to in treatment), completed (discharged, signposted, referred "
            "on), revoked (declined, withdrawn).",
            token_filter({code: list(values) for code, values in STATUS.items()}),
        ),
        Param("authored", "date", "When the referral was received.", date_filter("received_at")),
        updated_param("received_at", "when the referral was received"),
    ),
    audited=lambda referral: ("referral.viewed", referral),
)
