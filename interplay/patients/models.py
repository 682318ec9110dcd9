"""The patient record: one person, however many times they are referred.

A referral keeps what the person wrote at the time; the patient record holds who they
are now. Later issues hang courses, measures and letters from it (FHIR Patient).
"""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from interplay.lib.encrypted import EncryptedTextField
from interplay.lib.nhs_number import format_nhs_number
from interplay.referrals.models import Referral, ReferralStatus

S = ReferralStatus
# A referral is closed when nothing more will happen on it: closed at triage, or
# discharged at the end of its course. A referral in treatment is open.
CLOSED_STATUSES = (S.SIGNPOSTED, S.DECLINED, S.REFERRED_ON, S.WITHDRAWN, S.DISCHARGED)
OPEN_STATUSES = tuple(s for s in S if s not in CLOSED_STATUSES)


def same_text(field: str, text: str) -> Q:
    """``field`` is ``text`` in any case: compared in lower case on both sides, as the
    patient indexes hold names and email (``__iexact`` compares in upper case, which no
    index holds, so it would read every record)."""
    return Q(Exact(Lower(field), Lower(Value(text.strip()))))


class PatientQuerySet(QuerySet["Patient"]):
    def current(self) -> "PatientQuerySet":
        """Records not merged into another."""
        return self.filter(merged_into__isnull=True)

    def matching(
        self, *, nhs_number: str, first_name: str, last_name: str, date_of_birth: object
    ) -> "PatientQuerySet":
        """Records of the same person: the same NHS number, or the same name and birth date.

        The issue's rule for returning people (NHS number, or name with date of birth).
        """
        same_person = (
            same_text("last_name", last_name)
            & same_text("first_name", first_name)
            & Q(date_of_birth=date_of_birth)
        )
        if nhs_number:
            same_person |= Q(nhs_number=nhs_number)
        return self.current().filter(same_person)

    def with_email(self, email: str) -> "PatientQuerySet":
        """Records with this email address, in any case."""
        return self.filter(same_text("email", email))

    def search(self, text: str) -> "PatientQuerySet":
        """Records an administrator may mean by ``text``: an NHS number (exactly, spaces
        allowed), a referral's reference (exactly, any case), or names: every word found in
        the first or last name. Text is only ever a value, never SQL or a pattern."""
        words = text.split()
        if not words:
            return self.none()
        digits = "".join(ch for ch in text if ch not in " -")
        matches = Q(
            Exists(Referral.objects.filter(patient=OuterRef("pk"), reference=text.strip().upper()))
        )
        if digits.isdigit() and len(digits) == 10:
            matches |= Q(nhs_number=digits)
        names = Q()
        for word in words[:5]:
            names &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return self.current().filter(matches | names)

    def due_for_anonymising(self, cutoff: dt.datetime) -> "PatientQuerySet":
        """Records whose retention period has ended: every referral closed, and the last
        contact (a referral arriving, a decision, an allocation ending, a consent recorded)
        before ``cutoff``. A record with no referral counts from when it was made."""
        last = self.annotate(
            last_received=Max("referrals__received_at"),
            last_decided=Max("referrals__decision__decided_at"),
            last_ended=Max("referrals__allocations__ended_at"),
            last_consent=Max("consents__recorded_at"),
        )
        before = Q(last_received__lt=cutoff) | Q(last_received__isnull=True, created_at__lt=cutoff)
        for name in ("last_decided", "last_ended", "last_consent"):
            before &= Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lt": cutoff})
        return (
            last.filter(anonymised_at__isnull=True)
            .exclude(referrals__status__in=OPEN_STATUSES)
            .filter(before)
        )


class Patient(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    gp_practice = models.CharField(max_length=200)
    gp_address = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the retention period ended and identifying details were removed.",
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(
                Lower("last_name"), Lower("first_name"), "date_of_birth", name="patient_name_dob"
            ),
            # Finding a person by email (the portal's sign-in link) and the possible
            # duplicates triage is shown (same birth date and a name, or a contact), so
            # neither reads every record.
            models.Index(Lower("email"), name="patient_email"),
            models.Index(fields=["phone"], name="patient_phone"),
            models.Index(fields=["date_of_birth"], name="patient_dob"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def address_lines(self) -> list[str]:
        lines = [self.address_line_1, self.address_line_2, self.town, self.postcode]
        return [line for line in lines if line]

    def nhs_number_display(self) -> str:
        """The NHS number in its 3-3-4 groups, or empty."""
        return format_nhs_number(self.nhs_number) if self.nhs_number else ""


IDENTITY_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "nhs_number",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "phone",
    "email",
    "gp_practice",
    "gp_address",
)


class ConsentKind(models.TextChoices):
    REFERRAL = "referral", "To the referral and its assessment"
    GP_CONTACT = "gp_contact", "To contact with their GP"
    EMAIL_CONTACT = "email_contact", "To contact by email"


class ConsentSource(models.TextChoices):
    SELF_REFERRAL = "self_referral", "Self-referral form"
    STAFF = "staff", "Recorded by staff"
    PATIENT_PORTAL = "patient_portal", "Patient portal"


class ConsentQuerySet(QuerySet["Consent"]):
    def current_for(self, patient: Patient) -> "ConsentQuerySet":
        """The consent of each kind in force for ``patient``: the latest row of that kind.

        One query (a correlated subquery picks each kind's newest row), in kind order.
        """
        latest = (
            Consent.objects.filter(patient=OuterRef("patient"), kind=OuterRef("kind"))
            .order_by("-recorded_at", "-id")
            .values("pk")[:1]
        )
        return self.filter(patient=patient, pk=Subquery(latest)).order_by("kind")

    def history_for(self, patient: Patient) -> "ConsentQuerySet":
        """Every consent row of ``patient``, newest first."""
        return self.filter(patient=patient).order_by("-recorded_at", "-id")


class Consent(models.Model):
    """One statement of consent, given or withdrawn. Append-only: a change is a new row.

    The state of each kind is its latest row (``Consent.objects.current_for``). Rows are
    never edited through the model; erasure deletes them with the patient record and
    retention blanks their notes with a queryset update.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    given = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the person gave it themselves.",
    )
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    note = EncryptedTextField(blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [
            models.Index(
                fields=["patient", "kind", "recorded_at"], name="consent_patient_kind_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'given' if self.given else 'not given'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Consent rows are never changed: record a new one.")
        super().save(*args, **kwargs)


class SignInLinkQuerySet(QuerySet["SignInLink"]):
    def usable(self, now: dt.datetime) -> "SignInLinkQuerySet":
        return self.filter(used_at__isnull=True, expires_at__gt=now)


class SignInLink(models.Model):
    """A one-time link that signs a patient in to the portal, with their date of birth.

    Only a hash of the secret is kept: the secret itself exists only in the email.
    """

    MAX_WRONG_DATES = 5

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="sign_in_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    wrong_dates = models.PositiveSmallIntegerField(default=0)
    next_path = models.CharField(max_length=200, blank=True)

    objects = SignInLinkQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["patient", "created_at"], name="sign_in_link_patient")]

    def __str__(self) -> str:
        return f"Sign-in link of {self.created_at:%Y-%m-%d %H:%M}"


class PatientAuthenticator(models.Model):
    """A patient's optional authenticator app (TOTP, RFC 6238, through django-otp's TOTP)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="authenticator")
    key = EncryptedTextField(help_text="The shared secret, hex.")
    confirmed = models.BooleanField(default=False)
    last_t = models.BigIntegerField(default=-1, help_text="The last time step used: no replays.")
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "Authenticator app" + ("" if self.confirmed else " (not confirmed)")
