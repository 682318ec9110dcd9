"""Risk alerts: a risk answer or a reliable deterioration that someone must see and act on.

An alert is open until the therapist (or, once escalated, their supervisor) acknowledges
it with a note of what they did. One not acknowledged by ``due_by`` escalates.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet

from interplay.lib.encrypted import EncryptedTextField


class AlertKind(models.TextChoices):
    RISK_ANSWER = (
        "risk_answer",
        "Thoughts of being better off dead or of self-harm (PHQ-9 question 9)",
    )
    DETERIORATION = "deterioration", "Reliable deterioration since the first score of the course"


class AlertQuerySet(QuerySet["RiskAlert"]):
    def open(self) -> "AlertQuerySet":
        return self.filter(acknowledged_at__isnull=True)

    def overdue(self, now: object) -> "AlertQuerySet":
        """Open alerts past their time to be seen, not yet escalated."""
        return self.open().filter(due_by__lte=now, escalated_at__isnull=True)


class RiskAlert(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="alerts")
    response = models.ForeignKey(
        "measures.QuestionnaireResponse", on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    instrument_code = models.CharField(max_length=32)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    due_by = models.DateTimeField(help_text="Escalates to the supervisor if still open then.")
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_note = EncryptedTextField(blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "kind"], name="one_alert_per_answer"),
            # A deterioration stays one open alert per measure until someone acts on it.
            models.UniqueConstraint(
                fields=["course", "instrument_code"],
                condition=Q(kind="deterioration", acknowledged_at__isnull=True),
                name="one_open_deterioration_per_measure",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "acknowledged_at"], name="alert_inbox")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({'open' if self.is_open else 'acknowledged'})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
