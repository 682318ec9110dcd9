"""Staff accounts: users, the roles they hold, and clinicians' qualifications."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import QuerySet

from interplay.accounts.roles import Modality, Role
from interplay.lib.encrypted import EncryptedTextField


class User(AbstractUser):
    """A member of staff. Patients get portal identities of their own later, not this."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def roles(self) -> frozenset[str]:
        """The roles this user holds, read once per request object."""
        cached: frozenset[str] | None = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._roles_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return self.is_active and bool(self.roles.intersection(roles))


class RoleAssignmentQuerySet(QuerySet["RoleAssignment"]):
    def of_role(self, role: str) -> "RoleAssignmentQuerySet":
        return self.filter(role=role)


class RoleAssignment(models.Model):
    """One role held by one user; a person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_assignment_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()}"


class RegistrationBody(models.TextChoices):
    HCPC = "hcpc", "HCPC"
    BACP = "bacp", "BACP"
    UKCP = "ukcp", "UKCP"
    BPC = "bpc", "BPC"
    BABCP = "babcp", "BABCP"
    NMC = "nmc", "NMC"
    GMC = "gmc", "GMC"
    OTHER = "other", "Other"


class ClinicianProfile(models.Model):
    """What a clinician is registered and trained for, and how many courses they can hold."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="clinician")
    registration_body = models.CharField(max_length=16, choices=RegistrationBody.choices)
    registration_number = models.CharField(max_length=40)
    psychodynamic_supervised_hours = models.PositiveIntegerField(default=0)
    caseload_capacity = models.PositiveSmallIntegerField(default=0)
    supervisor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervisees",
    )

    def __str__(self) -> str:
        return f"Clinician profile of {self.user}"

    @property
    def modalities(self) -> frozenset[str]:
        return frozenset(q.modality for q in self.qualifications.all())


class Qualification(models.Model):
    """A clinician's qualification to deliver one modality. Granted through services."""

    profile = models.ForeignKey(
        ClinicianProfile, on_delete=models.CASCADE, related_name="qualifications"
    )
    modality = models.CharField(max_length=16, choices=Modality.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "modality"], name="one_qualification_each")
        ]

    def __str__(self) -> str:
        return f"{self.profile.user}: {self.get_modality_display()}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """When a clinician sees patients: one row per day and span (sessions fit inside)."""

    profile = models.ForeignKey(
        ClinicianProfile, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Leave(models.Model):
    """Days a clinician is away: no sessions are proposed on them."""

    profile = models.ForeignKey(ClinicianProfile, on_delete=models.CASCADE, related_name="leave")
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="leave_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.profile.user} away {self.starts_on} to {self.ends_on}"


class Draft(models.Model):
    """What someone was typing when the idle timeout signed them out, until they are back.

    Kept encrypted (it is clinical text), one per person and page, and handed back once.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="drafts")
    page = models.CharField(max_length=300, help_text="The page whose form it belongs to.")
    data = EncryptedTextField(help_text="The form's fields as JSON: name to list of values.")
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="one_draft_per_page")]

    def __str__(self) -> str:
        return f"Draft of {self.user} for {self.page}"
