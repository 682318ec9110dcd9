"""The record of one session (FHIR Encounter later): what was covered, notes, the work set
between sessions, the risk check. Signed records change only by dated addenda."""

import uuid

from django.conf import settings
from django.db import models

from interplay.lib.encrypted import EncryptedTextField


class SessionRecord(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.OneToOneField(
        "courses.Appointment", on_delete=models.PROTECT, related_name="record"
    )
    phase = models.CharField(max_length=32, help_text="The protocol phase's key at this session.")
    tasks_done = models.JSONField(default=list, blank=True)
    notes = EncryptedTextField(blank=True)
    previous_task_review = EncryptedTextField(blank=True)
    between_session_task = EncryptedTextField(blank=True)
    risk_checked = models.BooleanField(default=False)
    risk_notes = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Record of {self.appointment}"

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


class Addendum(models.Model):
    """A dated addition to a signed record; the original stays as it was signed."""

    record = models.ForeignKey(SessionRecord, on_delete=models.PROTECT, related_name="addenda")
    text = EncryptedTextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"Addendum of {self.written_at:%Y-%m-%d}"
