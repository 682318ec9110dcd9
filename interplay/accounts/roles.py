"""Roles and modalities: the vocabularies that the role x action table is written in."""

from django.db import models


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    SERVICE_MANAGER = "service_manager", "Service manager"
    SUPERVISOR = "supervisor", "Supervisor"
    THERAPIST = "therapist", "Therapist"
    TRIAGE = "triage", "Triage clinician"
    # A system, not a person: a GP system's referral feed reaching only the API.
    REFERRAL_FEED = "referral_feed", "Referral feed (a system)"


# Roles held by systems, not people: no page opens to them and they have no first screen.
SYSTEM_ROLES = frozenset({Role.REFERRAL_FEED})


class Modality(models.TextChoices):
    IPT = "ipt", "Interpersonal Psychotherapy (IPT)"
    DIT = "dit", "Dynamic Interpersonal Therapy (DIT)"
    GROUP_IPT = "group_ipt", "Group IPT"
