"""Triage: the assessment of a referral, the attempts to reach the person, the decision,
and the allocation to a therapist."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

from interplay.accounts.roles import Modality
from interplay.lib.encrypted import EncryptedJSONField, EncryptedTextField


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Soon"
    URGENT = "urgent", "Urgent"
    CRISIS = "crisis", "Redirect to crisis care"


class Exclusion(models.TextChoices):
    """Reasons primary-care talking therapy may not suit (docs/clinical-rules.md 6.3, 2.5)."""

    RISK = "risk", "Risk that cannot be managed between sessions"
    PSYCHOSIS = "psychosis", "Psychosis (active or significant vulnerability)"
    BIPOLAR = "bipolar", "Bipolar disorder or active mania"
    SUBSTANCE = "substance", "A primary drug or alcohol problem"
    SECONDARY = "secondary", "Already under a secondary mental health team"
    EATING = "eating", "An eating disorder (needs a GP referral)"
    PERSONALITY = "personality", "Needs long-term or multidisciplinary treatment"
    NEUROLOGICAL = "neurological", "A neurological condition needing a GP referral"


class TriageAssessment(models.Model):
    """The triage clinician's picture of the referral: problem, risk, suitability."""

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="assessment"
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    presenting_problem = EncryptedTextField(blank=True)
    risk_to_self = EncryptedTextField(blank=True)
    risk_to_others = EncryptedTextField(blank=True)
    protective_factors = EncryptedTextField(blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    # Encrypted at rest; ``urgency`` stays plain, as the queue and figures read it.
    exclusions = EncryptedJSONField(default=list, blank=True)
    suitable_for = models.JSONField(
        default=list, blank=True, help_text="Modalities this person is suitable for."
    )
    relational_focus = models.BooleanField(
        default=False,
        help_text="DIT: difficulties linked to relationships, and a wish to reflect on them.",
    )
    suitability_reasons = EncryptedTextField(blank=True)

    def __str__(self) -> str:
        return f"Assessment of {self.referral_id}"

    def exclusion_labels(self) -> list[str]:
        return [Exclusion(e).label for e in self.exclusions if e in Exclusion.values]

    def suitable_labels(self) -> list[str]:
        return [Modality(m).label for m in self.suitable_for if m in Modality.values]


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "Spoke to them (screening call)"
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Message left"
    WRONG_NUMBER = "wrong_number", "Wrong number or undeliverable"


class ContactAttempt(models.Model):
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="contact_attempts"
    )
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10, choices=ContactMethod.choices)
    outcome = models.CharField(max_length=15, choices=ContactOutcome.choices)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.get_outcome_display()}"


class Outcome(models.TextChoices):
    OFFER_IPT = "offer_ipt", "Offer IPT"
    OFFER_DIT = "offer_dit", "Offer DIT"
    OFFER_GROUP_IPT = "offer_group_ipt", "Offer group IPT"
    SIGNPOST = "signpost", "Signpost elsewhere"
    REFER_ON = "refer_on", "Refer on to secondary care"
    DECLINE = "decline", "Decline"
    WITHDRAWN = "withdrawn", "Withdrawn"


OFFER_MODALITY = {
    Outcome.OFFER_IPT: Modality.IPT,
    Outcome.OFFER_DIT: Modality.DIT,
    Outcome.OFFER_GROUP_IPT: Modality.GROUP_IPT,
}


class TriageDecision(models.Model):
    """What happens next for this referral. One per referral."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="decision"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    modality = models.CharField(max_length=16, choices=Modality.choices, blank=True)
    signposted_to = models.CharField(max_length=200, blank=True)
    reason = EncryptedTextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The service figures count the decisions made in a period, by outcome: with
            # the outcome and the referral in the index they are counted from it alone.
            models.Index(fields=["decided_at", "outcome", "referral"], name="decision_period"),
        ]

    def __str__(self) -> str:
        return self.get_outcome_display()


class AllocationQuerySet(QuerySet["Allocation"]):
    def active(self) -> "AllocationQuerySet":
        return self.filter(ended_at__isnull=True)


class Allocation(models.Model):
    """A waiting person given to a therapist. Holds a place on their caseload until it ends."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="allocations"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations"
    )
    modality = models.CharField(max_length=16, choices=Modality.choices)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    therapist_told_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        constraints = [
            # One live allocation per referral, whatever races the database sees.
            models.UniqueConstraint(
                fields=["referral"], condition=Q(ended_at__isnull=True), name="one_live_allocation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} to {self.therapist_id}"


class PatientMerge(models.Model):
    """Two records found to be one person: the duplicate's referrals moved to the kept record.

    Reversible until confirmed: ``moved`` remembers which referrals moved, so an undo puts
    exactly those back.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kept = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    duplicate = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField(default=list, help_text="Ids of the referrals that moved.")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.duplicate_id} into {self.kept_id}"

    @property
    def pending(self) -> bool:
        return self.undone_at is None and self.confirmed_at is None
