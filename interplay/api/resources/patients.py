"""Patients: the people referred, each once however often they are referred.

Who sees whom is the pages' own scoping: administrators (who keep the records) everyone;
triage clinicians and supervisors the people whose referrals they triage; a therapist the
people on their caseload, a supervisor their supervisees'. Anyone else: 403. Returning
people are matched on NHS number by the referral service, not here.
"""

import datetime as dt
import uuid
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from interplay.accounts.permissions import Action, can
from interplay.api import pagination
from interplay.api.audited import allow, viewed
from interplay.courses.permissions import visible_courses
from interplay.patients.models import Patient, PatientQuerySet
from interplay.referrals.permissions import visible_referrals

router = Router(tags=["patients"])

READERS = (Action.MANAGE_RECORDS, Action.VIEW_REFERRAL, Action.VIEW_COURSE)


class PatientOut(Schema):
    id: uuid.UUID
    first_name: str
    last_name: str
    date_of_birth: dt.date
    nhs_number: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    phone: str
    email: str
    gp_practice: str
    gp_address: str
    created_at: dt.datetime
    merged_into: uuid.UUID | None
    anonymised: bool


class PatientPage(Schema):
    items: list[PatientOut]
    next_cursor: str | None


class PatientFilters(Schema):
    nhs_number: str | None = Field(None, description="Exactly this NHS number (10 digits)")
    cursor: str | None = None
    limit: int = Field(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT)


def visible_patients(user: Any) -> PatientQuerySet:
    """The patients ``user`` may read through the API (the pages' scoping, combined)."""
    if can(user, Action.MANAGE_RECORDS):
        return Patient.objects.all()
    scope = Q(pk__in=[])
    if can(user, Action.VIEW_REFERRAL):
        scope |= Q(pk__in=visible_referrals(user).values("patient_id"))
    if can(user, Action.VIEW_COURSE):
        scope |= Q(pk__in=visible_courses(user).values("patient_id"))
    return Patient.objects.filter(scope)


_PLAIN = frozenset(PatientOut.model_fields) - {"id", "merged_into", "anonymised"}


def _out(patient: Patient) -> dict[str, Any]:
    return {
        **{name: getattr(patient, name) for name in _PLAIN},
        "id": patient.public_id,
        "merged_into": patient.merged_into.public_id if patient.merged_into else None,
        "anonymised": patient.anonymised_at is not None,
    }


def _readable(request: HttpRequest) -> PatientQuerySet:
    return visible_patients(request.user).select_related("merged_into")


@router.get("/patients/{public_id}", response=PatientOut, summary="One patient")
def get_patient(request: HttpRequest, public_id: uuid.UUID) -> dict[str, Any]:
    allow(request, *READERS)
    patient = get_object_or_404(_readable(request), public_id=public_id)
    viewed(request, "patient.viewed", patient)
    return _out(patient)


@router.get("/patients", response=PatientPage, summary="Patients I may see (cursor pages)")
def list_patients(request: HttpRequest, filters: Query[PatientFilters]) -> dict[str, Any]:
    allow(request, *READERS)
    patients = _readable(request)
    if filters.nhs_number is not None:
        patients = patients.filter(nhs_number=filters.nhs_number.replace(" ", ""))
    rows, next_cursor = pagination.page(patients, cursor=filters.cursor, limit=filters.limit)
    viewed(request, "patient_list.viewed", patients=[str(p.public_id) for p in rows])
    return pagination.envelope([_out(p) for p in rows], next_cursor)
