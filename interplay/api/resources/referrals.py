"""Referrals: create (idempotent), read, list by status and by change.

``POST /referrals`` calls ``referrals.services.submit_self_referral``, the service the
self-referral pages call: the same scoring, urgency, returning-person matching on NHS
number (``patients.services.record_for``), consents, audit and acknowledgement.

Triage clinicians and supervisors read every referral; a referral feed reads back only
those it sent itself (``referrals.permissions.readable_referrals``), to learn whether
each was triaged: its status and what it sent, never a triage note or decision, and not
the person's record at the service (``patient`` is empty for it).
"""

import datetime as dt
import uuid
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import field_validator

from interplay.accounts.permissions import Action, can
from interplay.api import idempotency, pagination
from interplay.api.audited import allow, viewed
from interplay.api.moments import Day, Moment
from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.lib import nhs_number, phones
from interplay.lib.dates import age_on
from interplay.referrals import services
from interplay.referrals.models import (
    AvailableTime,
    ContactMethod,
    Duration,
    ProblemArea,
    Referral,
    ReferralQuerySet,
    ReferralSource,
    ReferralStatus,
    SubstanceUse,
)
from interplay.referrals.permissions import readable_referrals

router = Router(tags=["referrals"])

Answer = Annotated[int, Field(ge=0, le=3)]
Short = Annotated[str, Field(max_length=100)]


class ReferralIn(Schema):
    """A referral as a GP system (or a triage clinician's tool) sends it."""

    source: ReferralSource = ReferralSource.GP
    first_name: Annotated[str, Field(min_length=1, max_length=100)]
    last_name: Annotated[str, Field(min_length=1, max_length=100)]
    date_of_birth: Day
    nhs_number: str = Field("", description="10 digits, spaces allowed; matches a returning person")
    address_line_1: Annotated[str, Field(min_length=1, max_length=200)]
    address_line_2: Annotated[str, Field(max_length=200)] = ""
    town: Annotated[str, Field(min_length=1, max_length=100)]
    postcode: Annotated[str, Field(min_length=1, max_length=10)]
    phone: Annotated[str, Field(max_length=32)] = ""
    email: Annotated[str, Field(max_length=254)] = ""
    preferred_contact: ContactMethod
    may_leave_message: bool = False
    available_times: list[AvailableTime] = []
    interpreter_needed: bool = False
    interpreter_language: Short = ""
    gp_practice: Annotated[str, Field(min_length=1, max_length=200)]
    gp_address: Annotated[str, Field(max_length=300)] = ""
    main_difficulties: Annotated[str, Field(min_length=1, max_length=5000)]
    duration: Duration
    problem_areas: list[ProblemArea] = []
    relationships_affected: Annotated[str, Field(max_length=5000)] = ""
    hoped_change: Annotated[str, Field(max_length=5000)] = ""
    substance_use: SubstanceUse = SubstanceUse.NONE
    substance_detail: Annotated[str, Field(max_length=5000)] = ""
    other_services: Annotated[str, Field(max_length=5000)] = ""
    consent_to_referral: bool = Field(description="Must be true: the person agreed to be referred")
    consent_to_gp_contact: bool = False
    phq9: Annotated[list[Answer | None], Field(min_length=9, max_length=9)] | None = Field(
        None, description="PHQ-9 answers 0-3 for items 1-9 (null: not asked)"
    )
    gad7: Annotated[list[Answer | None], Field(min_length=7, max_length=7)] | None = Field(
        None, description="GAD-7 answers 0-3 for items 1-7 (null: not asked)"
    )

    @field_validator("nhs_number")
    @classmethod
    def valid_nhs_number(cls, value: str) -> str:
        value = nhs_number.normalise(value)
        if value and not nhs_number.is_valid(value):
            raise ValueError("Not a valid NHS number: 10 digits, like 943 476 5919")
        return value

    @field_validator("phone")
    @classmethod
    def valid_phone(cls, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return phones.normalise(value)
        except phones.InvalidPhoneNumber:
            raise ValueError(
                f"Not a phone number: give it with its area code, like {phones.EXAMPLE}"
            ) from None

    @field_validator("consent_to_referral")
    @classmethod
    def consented(cls, value: bool) -> bool:
        if not value:
            raise ValueError("A referral needs the person's consent to be referred")
        return value


class Totals(Schema):
    total: int | None
    band: str | None
    complete: bool


class ReferralCreated(Schema):
    id: uuid.UUID
    reference: str
    status: ReferralStatus
    received_at: dt.datetime


class ReferralOut(ReferralCreated):
    source: ReferralSource
    urgent: bool
    patient: uuid.UUID | None = Field(
        description="The person's record at the service; empty for a referral feed, which "
        "reads back only what it sent"
    )
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
    preferred_contact: str
    gp_practice: str
    problem_areas: list[str]
    main_difficulties: str
    phq9: Totals | None
    gad7: Totals | None


class ReferralPage(Schema):
    items: list[ReferralOut]
    next_cursor: str | None


class ReferralFilters(Schema):
    status: ReferralStatus | None = None
    updated_since: Moment | None = Field(
        None, description="Only referrals received, or changed (status, triage), since then"
    )
    cursor: str | None = None
    limit: int = Field(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT)


def _created(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.public_id,
        "reference": referral.reference,
        "status": referral.status,
        "received_at": referral.received_at,
    }


def _out(referral: Referral, *, with_patient: bool = True) -> dict[str, Any]:
    return {
        **_created(referral),
        **{name: getattr(referral, name) for name in ReferralOut.model_fields if name in _PLAIN},
        "patient": referral.patient.public_id if referral.patient and with_patient else None,
        "phq9": getattr(referral, "latest_phq9", None),
        "gad7": getattr(referral, "latest_gad7", None),
    }


_PLAIN = frozenset(ReferralOut.model_fields) - {"id", "patient", "phq9", "gad7"}


# Reading referrals: every one for triage and supervisors; a feed's own for a feed.
READERS = (Action.VIEW_REFERRAL, Action.VIEW_SENT_REFERRALS)


def _readable(request: HttpRequest) -> ReferralQuerySet:
    return readable_referrals(request.user).select_related("patient").with_latest_totals()


def _shows_patient(request: HttpRequest) -> bool:
    """Whether the reader may know the person's record (a feed knows only what it sent)."""
    return can(request.user, Action.VIEW_REFERRAL)


def _details(body: ReferralIn) -> dict[str, Any]:
    return body.model_dump(exclude={"phq9", "gad7"})


def _refuse_too_young(body: ReferralIn) -> None:
    minimum = ServiceSettings.load().minimum_referral_age
    if age_on(body.date_of_birth, timezone.localdate()) < minimum:
        raise ValidationError({"date_of_birth": [f"The person must be aged {minimum} or over."]})


def _answers(values: list[int | None] | None) -> dict[int, int | None]:
    return {n: v for n, v in enumerate(values or [], start=1)}


@router.post(
    "/referrals",
    response={201: ReferralCreated, 200: ReferralCreated},
    summary="Send a referral in (idempotent with Idempotency-Key)",
    description="201 with the new referral; 200 with the same referral when the same "
    "Idempotency-Key and body are sent again.",
)
def create_referral(
    request: HttpRequest,
    body: ReferralIn,
    idempotency_key: Annotated[
        str | None, Header(alias=idempotency.HEADER, description=idempotency.DESCRIPTION)
    ] = None,
) -> Status[Any]:
    allow(request, Action.SUBMIT_REFERRAL, write=True)
    _refuse_too_young(body)

    def submit() -> tuple[int, Any]:
        token = (
            idempotency.derived_uuid(request, idempotency_key) if idempotency_key else uuid.uuid4()
        )
        referral, made = services.submit_self_referral(
            actor=request.user,
            submission_token=token,
            details=_details(body),
            phq9=_answers(body.phq9),
            gad7=_answers(body.gad7),
        )
        return (201 if made else 200), _created(referral)

    status, answer = idempotency.once(request, idempotency_key, submit)
    return Status(200 if getattr(request, "idempotent_replay", False) else status, answer)


@router.get(
    "/referrals/{public_id}",
    response=ReferralOut,
    summary="One referral (a referral feed: one it sent)",
)
def get_referral(request: HttpRequest, public_id: uuid.UUID) -> dict[str, Any]:
    allow(request, *READERS)
    referral = get_object_or_404(_readable(request), public_id=public_id)
    viewed(request, "referral.viewed", referral)
    return _out(referral, with_patient=_shows_patient(request))


@router.get(
    "/referrals",
    response=ReferralPage,
    summary="Referrals, by status and by change (cursor pages; a referral feed: those it sent)",
)
def list_referrals(request: HttpRequest, filters: Query[ReferralFilters]) -> dict[str, Any]:
    allow(request, *READERS)
    referrals = _readable(request)
    if filters.status:
        referrals = referrals.filter(status=filters.status)
    if filters.updated_since:
        referrals = referrals.filter(_changed_since(filters.updated_since))
    rows, next_cursor = pagination.page(referrals, cursor=filters.cursor, limit=filters.limit)
    viewed(request, "referral_list.viewed", referrals=[r.reference for r in rows])
    with_patient = _shows_patient(request)
    return pagination.envelope([_out(r, with_patient=with_patient) for r in rows], next_cursor)


def _changed_since(since: dt.datetime) -> Q:
    """Received since, or changed since: every change to a referral (status, assessment,
    decision, allocation) is in the audit trail, so the trail says what changed when,
    without a second clock on the referral that every writer must remember to move."""
    changed = (
        AuditEvent.objects.filter(object_type=Referral._meta.label_lower, at__gte=since)
        .exclude(action__endswith=".viewed")
        .values_list("object_id", flat=True)
        .distinct()
    )
    ids = [uuid.UUID(value) for value in changed]
    return Q(received_at__gte=since) | Q(public_id__in=ids)
