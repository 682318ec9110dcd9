"""Synthetic staff for a seeded service: therapists with working hours and
qualifications, their supervisors and a triage lead. Invented names; no one can sign in
(unusable passwords) until an administrator sets a password."""

import datetime as dt
import math

from django.db import transaction

from interplay.accounts import services as accounts
from interplay.accounts.models import (
    ClinicianProfile,
    Qualification,
    RoleAssignment,
    User,
    WorkingHours,
)
from interplay.accounts.roles import Modality, Role
from interplay.demo.data import FIRST_NAMES, LAST_NAMES

# Monday to Thursday 09:00-17:00, Friday 09:00-13:00: 36 weekly hours of sessions.
WEEK = [(day, dt.time(9), dt.time(17)) for day in range(4)] + [(4, dt.time(9), dt.time(13))]
WEEKLY_SLOTS = 36
THERAPISTS_PER_SUPERVISOR = 8


def therapists_needed(referrals: int, years: float) -> int:
    """Enough therapists for about three in four referrals to start a course of about 12
    weeks, with a quarter of the slots to spare."""
    concurrent = referrals * 0.75 * 12 / (52 * years)
    return max(2, math.ceil(concurrent / WEEKLY_SLOTS * 1.25))


def _user(username: str, index: int, *roles: Role) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username,
            password=None,
            first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
            last_name=LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)],
            email=f"{username}@example.org",
        )
    for role in roles:
        accounts.grant_role(actor=None, user=user, role=role)
    return user


def _users(wanted: list[tuple[str, int, Role]]) -> dict[str, User]:
    """Each (username, index, role), made if missing, with its role: in a few statements
    (at a million referrals, 2,000 therapists one by one through the audited services
    took two minutes). Written like the rest of the synthetic service, in bulk and without
    an audit event for each grant."""
    names = [name for name, _, _ in wanted]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = []
    for username, index, _role in wanted:
        if username not in users:
            user = User(
                username=username,
                first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
                last_name=LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)],
                email=f"{username}@example.org",
            )
            user.set_unusable_password()
            missing.append(user)
    for user in User.objects.bulk_create(missing):
        users[user.username] = user
    RoleAssignment.objects.bulk_create(
        (RoleAssignment(user=users[name], role=role) for name, _, role in wanted),
        ignore_conflicts=True,
    )
    return users


def _clinicians(therapists: list[tuple[User, User, bool]]) -> None:
    """A profile (working hours, qualifications) for each (therapist, supervisor, dit)
    without one."""
    have = set(
        ClinicianProfile.objects.filter(user__in=[t for t, _, _ in therapists]).values_list(
            "user_id", flat=True
        )
    )
    made = ClinicianProfile.objects.bulk_create(
        ClinicianProfile(
            user=user,
            registration_body="bacp",
            registration_number=f"SYN-{user.pk}",
            psychodynamic_supervised_hours=200 if dit else 0,
            caseload_capacity=30,
            supervisor=supervisor,
        )
        for user, supervisor, dit in therapists
        if user.pk not in have
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(profile=profile, weekday=d, start=s, end=e)
        for profile in made
        for d, s, e in WEEK
    )
    profiles = dict(
        ClinicianProfile.objects.filter(user__in=[t for t, _, _ in therapists]).values_list(
            "user_id", "pk"
        )
    )
    Qualification.objects.bulk_create(
        (
            Qualification(profile_id=profiles[user.pk], modality=modality)
            for user, _, dit in therapists
            for modality in [Modality.IPT, Modality.GROUP_IPT] + ([Modality.DIT] if dit else [])
        ),
        ignore_conflicts=True,
    )


@transaction.atomic
def synthetic_staff(therapists: int) -> tuple[list[User], User]:
    """``therapists`` therapists (the same ones again on a second run) and the triage lead.
    Two in five also deliver DIT."""
    lead = _user("seed-triage", 0, Role.TRIAGE)
    wanted, places = [], []
    supervisor = ""
    for index in range(therapists):
        if index % THERAPISTS_PER_SUPERVISOR == 0:
            number = index // THERAPISTS_PER_SUPERVISOR + 1
            supervisor = f"seed-supervisor-{number:03}"
            wanted.append((supervisor, number, Role.SUPERVISOR))
        name = f"seed-therapist-{index + 1:04}"
        wanted.append((name, index + 7, Role.THERAPIST))
        places.append((name, supervisor, index % 5 < 2))
    users = _users(wanted)
    made = [(users[name], users[boss], dit) for name, boss, dit in places]
    _clinicians(made)
    return [user for user, _, _ in made], lead
