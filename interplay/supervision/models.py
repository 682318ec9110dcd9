"""Supervision notes: what a supervisor records about a supervisee's course.

Staff-only: shown on the course page to the course's therapist and supervisors, never in
the patient's portal or letters. They are part of the person's record all the same, so
the subject access export includes them (see README.md).
"""

import uuid

from django.conf import settings
from django.db import models

from interplay.lib.encrypted import EncryptedTextField


class SupervisionNote(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="supervision_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    text = EncryptedTextField()
    submission_token = models.UUIDField(
        unique=True, editable=False, help_text="From the form, so a resubmission is one note."
    )

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"Supervision note of {self.written_at:%Y-%m-%d}"
