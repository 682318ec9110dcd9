"""Staff accounts: users, the roles they hold, clinicians' qualifications, second factors."""

import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, Value
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from interplay.accounts.roles import Modality, Role
from interplay.lib import totp
from interplay.lib.encrypted import EncryptedTextField
from interplay.lib.prepared import Prepared


# django-otp has no type hints, so the stubs' plugin cannot see its devices' managers.
class User(AbstractUser):  # type: ignore[django-manager-missing]
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
            cached = frozenset(_ROLES.run(user=self.pk))
            self._roles_cache = cached
        return cached

    def hold_roles(self, names: str | None) -> None:
        """Take the roles as read with the user (``role_names``, comma-separated), so
        ``roles`` needs no query of its own."""
        self._roles_cache = frozenset(names.split(",")) if names else frozenset()

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


def role_names(user: str) -> Subquery:
    """The roles of the user whose id is the outer query's ``user`` column, comma-separated
    (None for none): read with the user, for ``User.roles``."""
    return Subquery(
        RoleAssignment.objects.filter(user=OuterRef(user))
        .order_by()
        .values("user")
        .annotate(names=StringAgg("role", Value(",")))
        .values("names")
    )


# The roles of one user, read on every signed-in request: compiled once.
_ROLES = Prepared(
    RoleAssignment,
    lambda user: RoleAssignment.objects.filter(user=user).values_list("role", flat=True),
    user="id",
)


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
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the qualification lapses unless renewed (e.g. DIT accreditation); "
        "empty if it does not lapse.",
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


# Second factors (django-otp devices) ------------------------------------------------------


class AuthenticatorApp(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's authenticator app (TOTP, RFC 6238); its key is stored encrypted.

    Kept the portal's way (``interplay.lib.totp``): the key is hex in an
    EncryptedTextField, so the database holds only a Fernet token and
    ``rotate_encryption_key`` re-encrypts it with everything else. Verification follows
    django-otp's TOTPDevice: no code used twice, clock drift followed, failures throttled.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="authenticator_apps")
    key = EncryptedTextField(default=totp.new_key, help_text="The shared secret, hex.")
    step = models.PositiveSmallIntegerField(default=30, help_text="Seconds per code.")
    t0 = models.BigIntegerField(default=0, help_text="The Unix time counting starts from.")
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(
        default=1, help_text="Time steps before or after now still accepted."
    )
    drift = models.SmallIntegerField(default=0, help_text="Time steps the app runs off ours.")
    last_t = models.BigIntegerField(
        default=-1, help_text="The time step of the last code accepted: no code works twice."
    )

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    @property
    def config_url(self) -> str:
        return totp.otpauth_url(
            self.key,
            issuer=settings.OTP_TOTP_ISSUER,
            account=self.user.get_username(),
            digits=self.digits,
            step=self.step,
        )

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        code = str(token)
        generator = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        generator.time = time.time()
        if code.isdigit() and generator.verify(int(code), self.tolerance, self.last_t + 1):
            self.last_t, self.drift = generator.t(), generator.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False


class BackupCodeHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) for backup codes.

    Salted and slow, so a copy of the database cannot be searched for 40-bit codes
    cheaply; needs no key, so rotating keys never strands anyone's codes; fast enough to
    try the ten codes of one person on each attempt. Independent of PASSWORD_HASHERS.
    """

    time_cost = 2
    memory_cost = 19456
    parallelism = 1


BACKUP_HASHER = BackupCodeHasher()


def normalise_backup_code(code: str) -> str:
    """As typed, with spaces and dashes dropped and letters lower-cased."""
    return "".join(code.split()).replace("-", "").lower()


class BackupCodes(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's one-time backup codes, stored as Argon2 hashes, each used once."""

    CODE_LENGTH = 8  # 5 random bytes in base32: 40 bits

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="backup_code_sets")

    class Meta(Device.Meta):
        verbose_name = "backup code set"

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        code = normalise_backup_code(str(token))
        # A 6-digit app code cannot be a backup code: no need to hash it ten times.
        looks_right = len(code) == self.CODE_LENGTH and code.isalnum()
        match = next(
            (c for c in self.codes.all() if looks_right and BACKUP_HASHER.verify(code, c.hash)),
            None,
        )
        if match is None:
            self.throttle_increment(commit=True)
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class BackupCode(models.Model):
    """One unused backup code, as its hash: the code itself is shown once and not kept."""

    device = models.ForeignKey(BackupCodes, on_delete=models.CASCADE, related_name="codes")
    hash = models.CharField(max_length=128)

    def __str__(self) -> str:
        return "Backup code"
