"""The patient record and the person's rights over it.

Finding or making the record a referral belongs to; consents; subject access; erasing a
referral that never became treatment; anonymising records past their retention period.
Each change checks permission (the retention sweep is the service's own, with no actor),
runs in one transaction and audits ids and coded values only, never what a record says.
"""

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, OuterRef, ProtectedError
from django.utils import timezone

from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Course
from interplay.letters.models import Letter
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.lib.prepared import Prepared
from interplay.patients import retention, subject_access
from interplay.patients.models import (
    IDENTITY_FIELDS,
    Consent,
    ConsentKind,
    ConsentSource,
    Patient,
)
from interplay.referrals.models import Referral, ReferralQuerySet, ReferralStatus
from interplay.triage.models import Allocation

S = ReferralStatus
# Statuses of a referral that never became treatment: in triage, or closed at triage.
ERASABLE_STATUSES = (S.RECEIVED, S.IN_TRIAGE, S.SIGNPOSTED, S.DECLINED, S.REFERRED_ON, S.WITHDRAWN)


def _require(actor: Any, action: Action) -> None:
    if not can(actor, action):
        raise PermissionDenied(f"{actor} may not {action}.")


def _oldest_matching(**identity: Any) -> models.QuerySet[Patient]:
    return Patient.objects.matching(**identity).order_by("created_at", "id")[:1]


# The returning person's record, read on every self-referral: compiled once per process
# (lib/prepared.py), with an NHS number to match and without.
_MATCHING_NAME = Prepared(
    Patient,
    lambda first, last, born: _oldest_matching(
        nhs_number="", first_name=first, last_name=last, date_of_birth=born
    ),
    first="text",
    last="text",
    born="date",
)
_MATCHING_NAME_OR_NHS = Prepared(
    Patient,
    lambda first, last, born, nhs: _oldest_matching(
        nhs_number=nhs, first_name=first, last_name=last, date_of_birth=born
    ),
    first="text",
    last="text",
    born="date",
    nhs="text",
)


def oldest_matching(identity: Mapping[str, Any]) -> Patient | None:
    """The oldest current record with this NHS number, or this name and date of birth."""
    nhs, born = identity["nhs_number"], identity["date_of_birth"]
    if type(born) is not dt.date:  # not a plain date: as the ORM makes of it
        matched = ("nhs_number", "first_name", "last_name", "date_of_birth")
        found = list(_oldest_matching(**{name: identity[name] for name in matched}))
    else:
        # As ``same_text`` compares them: without the spaces around.
        names = {"first": identity["first_name"].strip(), "last": identity["last_name"].strip()}
        if nhs:
            found = _MATCHING_NAME_OR_NHS.run(**names, born=born, nhs=nhs)
        else:
            found = _MATCHING_NAME.run(**names, born=born)
    return found[0] if found else None


def record_for(details: Mapping[str, Any]) -> tuple[Patient, bool]:
    """The existing record of this person, or a new one; and whether it already existed.

    Called inside the referral's transaction. A returning person's contact details are
    brought up to date from the newest referral.
    """
    identity = {name: details.get(name, "") for name in IDENTITY_FIELDS}
    existing = oldest_matching(identity)
    if existing is None:
        return Patient.objects.create(**identity), False
    # Only what the newest referral changes is written: often nothing, for a person who
    # refers themselves again from the same address.
    changed = [
        name
        for name, value in identity.items()
        if value
        and name not in {"first_name", "last_name", "date_of_birth"}
        and getattr(existing, name) != value
    ]
    for name in changed:
        setattr(existing, name, identity[name])
    if changed:
        existing.save(update_fields=changed)
    return existing, True


# Consent


def record_referral_consents(referral: Referral) -> list[Consent]:
    """The consents a self-referral's form gives (to the referral, to contact with the
    GP), appended to the person's record as of the referral's arrival.

    Called by ``referrals.services`` inside the referral's transaction, which audits it.
    """
    if referral.patient_id is None:
        return []
    answers = {
        ConsentKind.REFERRAL: referral.consent_to_referral,
        ConsentKind.GP_CONTACT: referral.consent_to_gp_contact,
    }
    # One INSERT for both rows: new rows only, as Consent.save insists.
    return Consent.objects.bulk_create(
        Consent(
            patient_id=referral.patient_id,
            kind=kind,
            given=given,
            recorded_at=referral.received_at,
            source=ConsentSource.SELF_REFERRAL,
        )
        for kind, given in answers.items()
    )


@transaction.atomic
def record_consent(
    *, actor: Any, patient: Patient, kind: str, given: bool, note: str = ""
) -> Consent:
    """Record that the person gave or withdrew one kind of consent, told to a member of
    staff. Appended: the earlier rows stay as the history. Administrators and triage
    clinicians. Audited as ``consent.recorded`` with the kind and answer, never the note."""
    _require(actor, Action.RECORD_CONSENT)
    if kind not in ConsentKind.values:
        raise RuleViolation("Choose which consent this is.")
    if patient.anonymised_at is not None:
        raise RuleViolation("This record has been anonymised; no consent can be added.")
    consent = Consent.objects.create(
        patient=patient,
        kind=kind,
        given=given,
        recorded_by=actor,
        source=ConsentSource.STAFF,
        note=note.strip(),
    )
    record(
        actor=actor,
        action="consent.recorded",
        obj=patient,
        detail={"kind": kind, "given": given, "source": ConsentSource.STAFF.value},
    )
    return consent


# Looking


def view_patient(*, actor: Any, patient: Patient) -> Patient:
    """Audit that ``actor`` opened this patient's record page."""
    record(actor=actor, action="patient.viewed", obj=patient)
    return patient


def view_search(*, actor: Any, patients: Collection[Patient], page: int) -> None:
    """Audit one page of search results, naming the records shown (never what was typed:
    a search is usually a name)."""
    record(
        actor=actor,
        action="patient_search.viewed",
        detail={"patients": [str(p.public_id) for p in patients], "page": page},
    )


def view_erasure(*, actor: Any, referral: Referral) -> Referral:
    """Audit that ``actor`` opened the page asking whether to erase this referral."""
    record(actor=actor, action="referral.viewed", obj=referral, detail={"page": "erase"})
    return referral


def referrals_of(patient: Patient) -> ReferralQuerySet:
    """The person's referrals, newest first, each knowing whether a therapist holds it
    (so the page can say which may be erased without a query per referral)."""
    live = Allocation.objects.active().filter(referral=OuterRef("pk"))
    course = Course.objects.filter(referral=OuterRef("pk"))
    return (
        Referral.objects.filter(patient=patient)
        .annotate(has_live_allocation=Exists(live), has_course=Exists(course))
        .order_by("-received_at", "-id")
    )


# Subject access

FORMATS = ("json", "pdf")


def export_subject_access(
    *, actor: Any, patient: Patient, formats: Collection[str] = FORMATS
) -> tuple[bytes, bytes]:
    """Everything Interplay holds about ``patient``: (JSON, PDF), decrypted.

    ``formats`` names the ones to make (a download needs one; the other comes back
    empty), since a PDF takes a second. Administrators only; audited as
    ``patient.exported`` with the formats and the referrals' references, never the content.
    """
    _require(actor, Action.MANAGE_RECORDS)
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"Formats are some of {FORMATS}, not {sorted(formats)}")
    doc = subject_access.document(patient)
    json_bytes = subject_access.as_json(doc) if "json" in formats else b""
    pdf_bytes = subject_access.as_pdf(doc) if "pdf" in formats else b""
    record(
        actor=actor,
        action="patient.exported",
        obj=patient,
        detail={
            "formats": [f for f in FORMATS if f in formats],
            "referrals": [r["reference"] for r in doc["referrals"]],
        },
    )
    return json_bytes, pdf_bytes


# Erasure


@dataclass(frozen=True)
class Erasure:
    """What erasing one referral removes (shown before, and returned after)."""

    reference: str
    responses: int
    contact_attempts: int
    letters: int
    assessed: bool
    decided: bool
    allocations: int
    patient_too: bool


def erasure_refusal(referral: Referral) -> str | None:
    """Why this referral may not be erased, or None.

    Only a referral that never became a course of treatment may be: one still being
    triaged or closed at triage, with no therapist holding it. Each stop below is one such
    reason; a course of treatment is one, whatever the referral's status says.
    """
    for stop in (_still_open, _allocated, _treated):
        reason = stop(referral)
        if reason:
            return reason
    return None


def _still_open(referral: Referral) -> str | None:
    if referral.status in ERASABLE_STATUSES:
        return None
    return (
        f"A referral that is {referral.get_status_display().lower()} may be on its way to "
        "treatment: only one in triage or closed at triage can be erased."
    )


def _allocated(referral: Referral) -> str | None:
    live = getattr(referral, "has_live_allocation", None)  # annotated by referrals_of
    if live is None:
        live = referral.allocations.active().exists()
    if live:
        return "A therapist is allocated to this referral: end the allocation first."
    return None


def _treated(referral: Referral) -> str | None:
    treated = getattr(referral, "has_course", None)  # annotated by referrals_of
    if treated is None:
        treated = Course.objects.filter(referral=referral).exists()
    if treated:
        return (
            "This referral became a course of therapy: its record is kept for the "
            "retention period, then anonymised."
        )
    return None


def erasure_of(referral: Referral) -> Erasure:
    """What erasing ``referral`` would remove, counted now."""
    patient_too = referral.patient_id is not None and _only_referral(referral)
    return Erasure(
        reference=referral.reference,
        responses=referral.responses.count(),
        contact_attempts=referral.contact_attempts.count(),
        letters=Letter.objects.filter(referral=referral).count(),
        assessed=hasattr(referral, "assessment"),
        decided=hasattr(referral, "decision"),
        allocations=referral.allocations.count(),
        patient_too=patient_too,
    )


def _only_referral(referral: Referral) -> bool:
    """Whether the referral is all the person's record holds (no other referral, and no
    record merged into it)."""
    patient = referral.patient
    return (
        patient is not None
        and not patient.referrals.exclude(pk=referral.pk).exists()
        and not patient.merged_records.exists()
    )


@transaction.atomic
def erase_referral(*, actor: Any, referral: Referral) -> Erasure:
    """Delete a referral that never became treatment and everything hanging from it: its
    questionnaire responses, triage assessment, contact attempts, decision, ended
    allocations and letters (their PDFs with them); and the person's record and consents
    too when this was their only referral.

    Administrators only. Refused (RuleViolation) for a referral ``erasure_refusal`` names
    a reason for. The audit trail keeps its rows, which hold ids and coded values only;
    ``referral.erased`` names the reference alone.
    """
    _require(actor, Action.MANAGE_RECORDS)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    refusal = erasure_refusal(referral)
    if refusal:
        raise RuleViolation(refusal)
    erased = erasure_of(referral)
    patient = referral.patient
    Letter.objects.filter(referral=referral).delete()
    _delete(referral)
    if patient is not None and erased.patient_too:
        _delete(patient)  # its consents go with it
    record(
        actor=actor,
        action="referral.erased",
        detail={"reference": erased.reference, "patient_erased": erased.patient_too},
    )
    return erased


def _delete(record_: models.Model) -> None:
    """Delete, or refuse if another record still needs this one (their foreign keys
    PROTECT it); the caller's transaction then undoes the whole erasure."""
    try:
        record_.delete()
    except ProtectedError as error:
        kinds = sorted({str(obj._meta.verbose_name) for obj in error.protected_objects})
        raise RuleViolation(
            f"Other records still need this one ({', '.join(kinds)}): "
            "settle those first. Nothing was erased."
        ) from None


# Retention


@dataclass(frozen=True)
class RetentionRun:
    """What one run of the retention sweep found and (unless a dry run) anonymised."""

    cutoff: dt.datetime
    years: int
    patients: int
    referrals: int
    letters: int
    dry_run: bool
    courses: int = 0


def apply_retention(*, now: dt.datetime | None = None, dry_run: bool = False) -> RetentionRun:
    """Anonymise every record past ``ServiceSettings.retention_years`` since its last
    contact, one person per transaction, each audited as ``patient.anonymised`` (by the
    service itself: the audit trail names the actor "public"). A dry run only counts.

    Identifying details and free text go; coded values, dates and scores stay for the
    service's statistics (see ``retention``).
    """
    now = now or timezone.now()
    years = ServiceSettings.load().retention_years
    cutoff = retention.years_before(now, years)
    due = Patient.objects.due_for_anonymising(cutoff).order_by("pk").values_list("pk", flat=True)
    done = [
        retention.counts(Patient(pk=pk)) if dry_run else _anonymise(pk, cutoff, years, now)
        for pk in list(due)
    ]
    found = [counts for counts in done if counts is not None]
    return RetentionRun(
        cutoff=cutoff,
        years=years,
        patients=len(found),
        referrals=sum(c["referrals"] for c in found),
        letters=sum(c["letters"] for c in found),
        courses=sum(c.get("courses", 0) for c in found),
        dry_run=dry_run,
    )


@transaction.atomic
def _anonymise(pk: int, cutoff: dt.datetime, years: int, now: dt.datetime) -> dict[str, int] | None:
    # Lock, then check again: a new referral may have arrived since the list was read.
    patient = Patient.objects.select_for_update().get(pk=pk)
    if not Patient.objects.due_for_anonymising(cutoff).filter(pk=pk).exists():
        return None
    counts = retention.anonymise(patient, now=now)
    record(
        actor=None,
        action="patient.anonymised",
        obj=patient,
        detail={"retention_years": years, **counts},
    )
    return counts
