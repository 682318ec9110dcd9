"""Capacity now: each therapist's places, used and free, and the waiting list against them.

A place is one course on a caseload (``ClinicianProfile.caseload_capacity``); a place is
used by each course in progress. Two queries whatever the size of the service.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from interplay.accounts.models import ClinicianProfile, User
from interplay.accounts.roles import Modality, Role
from interplay.courses.models import Course


@dataclass
class Places:
    therapist_id: int
    name: str
    places: int
    used_by_modality: dict[str, int] = field(default_factory=dict)

    @property
    def used(self) -> int:
        return sum(self.used_by_modality.values())

    @property
    def free(self) -> int:
        return max(0, self.places - self.used)

    def used_for(self) -> list[tuple[str, int]]:
        return [(m.label, self.used_by_modality.get(m.value, 0)) for m in Modality]


def places(therapist_id: int | None = None) -> list[Places]:
    """Every active therapist's places (or one therapist's), by name."""
    profiles = (
        ClinicianProfile.objects.filter(
            user__is_active=True, user__role_assignments__role=Role.THERAPIST
        )
        .order_by("user__last_name", "user__first_name", "user__username")
        .distinct()
    )
    active = Course.objects.active()
    if therapist_id:
        profiles = profiles.filter(user_id=therapist_id)
        active = active.filter(therapist_id=therapist_id)
    used: dict[int, dict[str, int]] = defaultdict(dict)
    for therapist, modality, n in (
        # COUNT(*), not of a column: the index on status, therapist and modality then
        # answers alone, without reading each course.
        active.values_list("therapist_id", "modality").annotate(n=Count("*")).order_by()
    ):
        used[therapist][modality] = n
    # Values, not model instances: a large service has thousands of therapists.
    return [
        Places(user_id, full_name(first, last, username), capacity, used[user_id])
        for user_id, capacity, first, last, username in profiles.values_list(
            "user_id",
            "caseload_capacity",
            "user__first_name",
            "user__last_name",
            "user__username",
        )
    ]


def therapist_name(user: User) -> str:
    return full_name(user.first_name, user.last_name, user.username)


def full_name(first: str, last: str, username: str) -> str:
    """A person's name as a user shows it (their full name, else their username), from
    the columns alone."""
    return f"{first} {last}".strip() or username
