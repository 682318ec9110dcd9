"""Merging duplicate patient records: find candidates, merge, undo, confirm.

Returning people are matched automatically on NHS number or name with date of birth
(patients.services.record_for); this is for the duplicates that slip past, such as a
typo in a name. Every step is audited and a merge can be undone until it is confirmed.
"""

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.patients.models import Patient, PatientQuerySet, same_text
from interplay.referrals.models import Referral
from interplay.triage.models import PatientMerge


def _require(actor: Any) -> None:
    if not can(actor, Action.TRIAGE_REFERRAL):
        raise PermissionDenied(f"{actor} may not merge patient records.")


def possible_duplicates(patient: Patient) -> PatientQuerySet:
    """Other current records that may be the same person: the same date of birth and the
    same first or last name, or the same phone or email."""
    same_name = same_text("first_name", patient.first_name) | same_text(
        "last_name", patient.last_name
    )
    same_contact = Q(phone=patient.phone) if patient.phone else Q(pk__in=[])
    if patient.email:
        same_contact |= same_text("email", patient.email)
    return (
        Patient.objects.current()
        .exclude(pk=patient.pk)
        .filter((Q(date_of_birth=patient.date_of_birth) & same_name) | same_contact)
        .order_by("created_at")
    )


@transaction.atomic
def merge(*, actor: Any, kept: Patient, duplicate: Patient) -> PatientMerge:
    """Move the duplicate's referrals to the kept record and mark the duplicate merged."""
    _require(actor)
    kept, duplicate = (
        Patient.objects.select_for_update().get(pk=kept.pk),
        Patient.objects.select_for_update().get(pk=duplicate.pk),
    )
    if kept.pk == duplicate.pk:
        raise RuleViolation("A record cannot be merged into itself.")
    if kept.merged_into_id or duplicate.merged_into_id:
        raise RuleViolation("One of these records has already been merged.")
    moved = list(Referral.objects.filter(patient=duplicate).values_list("pk", flat=True))
    Referral.objects.filter(pk__in=moved).update(patient=kept)
    duplicate.merged_into = kept
    duplicate.save(update_fields=["merged_into"])
    merged = PatientMerge.objects.create(
        kept=kept, duplicate=duplicate, moved=moved, merged_by=actor, merged_at=timezone.now()
    )
    record(
        actor=actor,
        action="patient.merged",
        obj=kept,
        detail={"duplicate": str(duplicate.public_id), "referrals_moved": len(moved)},
    )
    return merged


@transaction.atomic
def undo(*, actor: Any, merged: PatientMerge) -> PatientMerge:
    """Put the moved referrals back and make the duplicate a record of its own again."""
    _require(actor)
    merged = PatientMerge.objects.select_for_update().get(pk=merged.pk)
    if not merged.pending:
        raise RuleViolation("This merge was confirmed or undone already; it cannot be undone.")
    Referral.objects.filter(pk__in=merged.moved).update(patient=merged.duplicate)
    Patient.objects.filter(pk=merged.duplicate_id).update(merged_into=None)
    merged.undone_at = timezone.now()
    merged.save(update_fields=["undone_at"])
    record(
        actor=actor,
        action="patient.merge_undone",
        obj=merged.kept,
        detail={"duplicate": str(merged.duplicate.public_id)},
    )
    return merged


@transaction.atomic
def confirm(*, actor: Any, merged: PatientMerge) -> PatientMerge:
    """Make the merge final: no undo after this."""
    _require(actor)
    merged = PatientMerge.objects.select_for_update().get(pk=merged.pk)
    if not merged.pending:
        raise RuleViolation("This merge was confirmed or undone already.")
    merged.confirmed_at = timezone.now()
    merged.save(update_fields=["confirmed_at"])
    record(
        actor=actor,
        action="patient.merge_confirmed",
        obj=merged.kept,
        detail={"duplicate": str(merged.duplicate.public_id)},
    )
    return merged
