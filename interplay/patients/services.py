"""Finding or making the patient record a referral belongs to."""

from collections.abc import Mapping
from typing import Any

from interplay.patients.models import IDENTITY_FIELDS, Patient


def record_for(details: Mapping[str, Any]) -> tuple[Patient, bool]:
    """The existing record of this person, or a new one; and whether it already existed.

    Called inside the referral's transaction. A returning person's contact details are
    brought up to date from the newest referral.
    """
    identity = {name: details.get(name, "") for name in IDENTITY_FIELDS}
    existing = (
        Patient.objects.matching(
            nhs_number=identity["nhs_number"],
            first_name=identity["first_name"],
            last_name=identity["last_name"],
            date_of_birth=identity["date_of_birth"],
        )
        .order_by("created_at", "id")
        .first()
    )
    if existing is None:
        return Patient.objects.create(**identity), False
    for name, value in identity.items():
        if value and name not in {"first_name", "last_name", "date_of_birth"}:
            setattr(existing, name, value)
    existing.save()
    return existing, True
