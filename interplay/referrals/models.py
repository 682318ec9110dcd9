"""Referrals: what a person told us when they asked for help (FHIR ServiceRequest later)."""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from interplay.accounts.roles import Modality
from interplay.lib.dates import days_between
from interplay.lib.encrypted import EncryptedJSONField, EncryptedTextField
from interplay.lib.errors import RuleViolation


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_TRIAGE = "in_triage", "In triage"
    WAITING = "waiting", "Waiting for therapy"
    ALLOCATED = "allocated", "Allocated"
    IN_TREATMENT = "in_treatment", "In treatment"
    DISCHARGED = "discharged", "Discharged"
    SIGNPOSTED = "signposted", "Signposted"
    DECLINED = "declined", "Declined"
    REFERRED_ON = "referred_on", "Referred on"
    WITHDRAWN = "withdrawn", "Withdrawn"


S = ReferralStatus
# The allowed moves, written once. Services call Referral.check_transition before changing.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.IN_TRIAGE, S.WITHDRAWN}),
    S.IN_TRIAGE: frozenset({S.WAITING, S.SIGNPOSTED, S.DECLINED, S.REFERRED_ON, S.WITHDRAWN}),
    S.WAITING: frozenset({S.ALLOCATED, S.WITHDRAWN}),
    S.ALLOCATED: frozenset({S.IN_TREATMENT, S.WAITING, S.WITHDRAWN}),
    S.IN_TREATMENT: frozenset({S.DISCHARGED}),
    S.DISCHARGED: frozenset(),
    S.SIGNPOSTED: frozenset(),
    S.DECLINED: frozenset(),
    S.REFERRED_ON: frozenset(),
    S.WITHDRAWN: frozenset(),
}
AWAITING_TRIAGE = (S.RECEIVED, S.IN_TRIAGE)


class ReferralSource(models.TextChoices):
    """Where a referral came from: the service figures count referrals by source."""

    SELF = "self", "Self-referral"
    GP = "gp", "GP"
    OTHER_HEALTH = "other_health", "Another health or care professional"
    OTHER = "other", "Other"


class ProblemArea(models.TextChoices):
    LOW_MOOD = "low_mood", "Low mood"
    ANXIETY = "anxiety", "Anxiety or worry"
    CONFLICT = "conflict", "Conflict in a relationship"
    GRIEF = "grief", "Grief or loss"
    LIFE_CHANGE = "life_change", "A big life change"
    LONELINESS = "loneliness", "Loneliness or feeling cut off from people"
    OTHER = "other", "Something else"


class Duration(models.TextChoices):
    UNDER_3_MONTHS = "under_3m", "Less than 3 months"
    UNDER_1_YEAR = "3m_1y", "3 to 12 months"
    UNDER_2_YEARS = "1y_2y", "1 to 2 years"
    OVER_2_YEARS = "over_2y", "More than 2 years"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class AvailableTime(models.TextChoices):
    WEEKDAY_MORNING = "weekday_morning", "Weekday mornings"
    WEEKDAY_AFTERNOON = "weekday_afternoon", "Weekday afternoons"
    WEEKDAY_EVENING = "weekday_evening", "Weekday evenings (after 5pm)"


class SubstanceUse(models.TextChoices):
    NONE = "none", "No"
    SOME = "some", "Yes, but I do not think it is a problem"
    CONCERN = "concern", "Yes, and I am worried about it"


class RiskReason(models.TextChoices):
    PHQ9_ITEM9 = "phq9_item9", "PHQ-9 question 9 answered above 'Not at all'"


class ReferralQuerySet(QuerySet["Referral"]):
    def awaiting_triage(self) -> "ReferralQuerySet":
        """Referrals that no triage decision has closed yet."""
        return self.filter(status__in=AWAITING_TRIAGE)

    def in_queue_order(self) -> "ReferralQuerySet":
        """Urgent first, then the longest waiting (docs/clinical-rules.md 6.2: disclosed
        risk first)."""
        return self.order_by("-urgent", "received_at", "id")

    def with_scores(self) -> "ReferralQuerySet":
        """Prefetch questionnaire responses: one query for the whole page."""
        return self.prefetch_related("responses")

    def with_totals(self) -> "ReferralQuerySet":
        """Prefetch only the totals and bands of the responses, for list pages."""
        from interplay.measures.models import QuestionnaireResponse

        totals = QuestionnaireResponse.objects.only(
            "referral_id", "instrument_code", "total", "band", "complete", "answered_at"
        )
        return self.prefetch_related(models.Prefetch("responses", queryset=totals))

    def with_latest_totals(self) -> "ReferralQuerySet":
        """The latest PHQ-9 and GAD-7 of each referral as ``latest_phq9`` and ``latest_gad7``:
        a dict of ``total``, ``band`` and ``complete``, or None when none was given.

        Two subqueries inside the page's own query: no second query, and no model built
        for each response, which is what a list page of totals would otherwise pay.
        """
        from interplay.measures.models import QuestionnaireResponse

        def latest(code: str) -> Subquery:
            rows = QuestionnaireResponse.objects.filter(
                referral=OuterRef("pk"), instrument_code=code
            ).order_by("-answered_at", "-id")
            totals = JSONObject(total="total", band="band", complete="complete")
            return Subquery(rows.values(totals=totals)[:1], output_field=models.JSONField())

        return self.annotate(latest_phq9=latest("phq9"), latest_gad7=latest("gad7"))


class Referral(models.Model):
    """A self-referral as submitted. Identity fields move to a patient record at triage."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    submission_token = models.UUIDField(
        unique=True, editable=False, help_text="From the form, so a resubmission is one referral."
    )
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(
        max_length=16, choices=ReferralSource.choices, default=ReferralSource.SELF
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="The person's record; found or made when the referral arrives.",
    )
    urgent = models.BooleanField(default=False)
    # What triage offered, copied from its decision when it is made: the waiting list the
    # person joins. Kept on the referral so each list is read and counted from an index of
    # the people waiting alone, not joined to every decision the service has made.
    offered_modality = models.CharField(
        max_length=16, choices=Modality.choices, blank=True, editable=False
    )
    # Encrypted at rest; ``urgent`` stays plain, as the queue orders by it.
    risk_reasons = EncryptedJSONField(default=list, blank=True)

    # Personal details
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    nhs_number = models.CharField(max_length=10, blank=True)
    address_line_1 = models.CharField(max_length=200)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(max_length=10, choices=ContactMethod.choices)
    may_leave_message = models.BooleanField()
    available_times = models.JSONField(default=list)
    interpreter_needed = models.BooleanField(default=False)
    interpreter_language = models.CharField(max_length=100, blank=True)
    gp_practice = models.CharField(max_length=200)
    gp_address = models.CharField(max_length=300, blank=True)

    # In their own words: free text is encrypted at rest (interplay.lib.encrypted)
    main_difficulties = EncryptedTextField()
    duration = models.CharField(max_length=10, choices=Duration.choices)
    problem_areas = models.JSONField(default=list)
    relationships_affected = EncryptedTextField(blank=True)
    hoped_change = EncryptedTextField(blank=True)
    substance_use = models.CharField(max_length=10, choices=SubstanceUse.choices)
    substance_detail = EncryptedTextField(blank=True)
    other_services = EncryptedTextField(blank=True)

    # Consent
    consent_to_referral = models.BooleanField()
    consent_to_gp_contact = models.BooleanField()

    acknowledgement_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The account that sent it in through the API (a GP system's feed, or triage entering
    # one taken by phone); empty for a self-referral. A feed reads back only its own
    # (``permissions.sent_referrals``).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-urgent", "received_at"]
        indexes = [
            models.Index(fields=["status", "urgent", "received_at"]),
            # Referrals received in a period, by source and by the therapy offered (the
            # service figures, filtered or not): counted from the index alone, without
            # reading the rows.
            models.Index(
                fields=["received_at", "source", "offered_modality", "id"],
                name="referral_received_source",
            ),
            # Referrals offered one therapy (the figures filtered by therapy, joined to
            # the triage decisions of a period), read from the index alone.
            models.Index(fields=["offered_modality", "id"], name="referral_offered_modality"),
            # The triage queue's order, for the referrals on it: the page reads its 25 rows
            # from the index instead of sorting the whole queue on every view.
            models.Index(
                F("urgent").desc(),
                "received_at",
                "id",
                condition=Q(status__in=AWAITING_TRIAGE),
                name="triage_queue_order",
            ),
            # The waiting lists, of only the people waiting, one modality's after another:
            # a list's page reads its 25 rows in the order shown (its own, urgent first
            # then the longest waiting; by surname; by referral date) instead of sorting
            # the whole list, and each list is counted from these alone, so no view reads
            # everyone the service ever decided (docs/scaling.md). Each holds the status
            # too: SQLite checks a query's ``status = ?`` against the index's own columns,
            # not its condition, and would otherwise read every waiting row to count them.
            models.Index(
                "offered_modality",
                F("urgent").desc(),
                "received_at",
                "id",
                "status",
                condition=Q(status=ReferralStatus.WAITING),
                name="waiting_list_order",
            ),
            models.Index(
                fields=["offered_modality", "last_name", "first_name", "id", "status"],
                condition=Q(status=ReferralStatus.WAITING),
                name="waiting_list_by_name",
            ),
            models.Index(
                fields=["offered_modality", "received_at", "id", "status"],
                condition=Q(status=ReferralStatus.WAITING),
                name="waiting_list_by_date",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def days_waited(self, today: dt.date | None = None) -> int:
        """Whole days since the referral arrived (the waiting clock, docs/clinical-rules.md 5.6)."""
        today = today or timezone.localdate()
        return days_between(timezone.localtime(self.received_at).date(), today)

    def check_transition(self, to: str) -> None:
        if to not in TRANSITIONS[self.status]:
            raise RuleViolation(
                f"A referral that is {self.get_status_display().lower()} cannot become "
                f"{ReferralStatus(to).label.lower()}."
            )

    def score(self, instrument_code: str) -> Any:
        """The latest response to an instrument, from the prefetched responses if any."""
        matching = [r for r in self.responses.all() if r.instrument_code == instrument_code]
        return matching[-1] if matching else None

    def problem_area_labels(self) -> list[str]:
        return [ProblemArea(p).label for p in self.problem_areas if p in ProblemArea.values]

    def available_time_labels(self) -> list[str]:
        return [AvailableTime(t).label for t in self.available_times if t in AvailableTime.values]

    def risk_reason_labels(self) -> list[str]:
        return [RiskReason(r).label for r in self.risk_reasons if r in RiskReason.values]
