"""Synthetic staff for a seeded service: therapists with working hours and
qualifications, their supervisors and a triage lead. Invented names; no one can sign in
(unusable passwords) until an administrator sets a password."""

import datetime as dt
import math

from django.db import transaction

from interplay.accounts import services as accounts
from interplay.accounts.models import ClinicianProfile, User, WorkingHours
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


def _clinician(user: User, supervisor: User | None, dit: bool) -> None:
    profile, created = ClinicianProfile.objects.get_or_create(
        user=user,
        defaults={
            "registration_body": "bacp",
            "registration_number": f"SYN-{user.pk}",
            "psychodynamic_supervised_hours": 200 if dit else 0,
            "caseload_capacity": 30,
            "supervisor": supervisor,
        },
    )
    if created:
        WorkingHours.objects.bulk_create(
            WorkingHours(profile=profile, weekday=d, start=s, end=e) for d, s, e in WEEK
        )
    modalities = [Modality.IPT, Modality.GROUP_IPT] + ([Modality.DIT] if dit else [])
    for modality in modalities:
        accounts.grant_qualification(actor=None, profile=profile, modality=modality)


@transaction.atomic
def synthetic_staff(therapists: int) -> tuple[list[User], User]:
    """``therapists`` therapists (the same ones again on a second run) and the triage lead.
    Two in five also deliver DIT."""
    lead = _user("seed-triage", 0, Role.TRIAGE)
    supervisors: list[User] = []
    made = []
    for index in range(therapists):
        if index % THERAPISTS_PER_SUPERVISOR == 0:
            number = len(supervisors) + 1
            supervisor = _user(f"seed-supervisor-{number:03}", number, Role.SUPERVISOR)
            supervisors.append(supervisor)
        user = _user(f"seed-therapist-{index + 1:04}", index + 7, Role.THERAPIST)
        _clinician(user, supervisors[-1], dit=index % 5 < 2)
        made.append(user)
    return made, lead
