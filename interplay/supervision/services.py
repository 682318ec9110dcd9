"""Recording a supervision note: the one change this app makes."""

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from interplay.audit.services import record
from interplay.courses.models import Course
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.supervision.models import SupervisionNote
from interplay.supervision.permissions import supervises


def record_note(
    *, actor: Any, course: Course, text: str, submission_token: uuid.UUID
) -> tuple[SupervisionNote, bool]:
    """Record a supervision note on ``course``, once however often the form is sent.

    Only the supervisor of the course's therapist may (PermissionDenied otherwise); an
    empty note is refused (RuleViolation about ``text``). Returns the note and whether
    this call wrote it. The audit event names the course and the note, never its words.
    """
    if not supervises(actor, course):
        raise PermissionDenied("Only the supervisor of this course's therapist records notes.")
    text = text.strip()
    if not text:
        raise RuleViolation("Write the supervision note", field="text")
    existing = _sent_before(submission_token, actor, course)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            note = SupervisionNote.objects.create(
                course=course,
                author=actor,
                written_at=timezone.now(),
                text=text,
                submission_token=submission_token,
            )
            record(
                actor=actor,
                action="supervision_note.recorded",
                obj=course,
                detail={"note": str(note.public_id)},
            )
    except IntegrityError:
        # The same form, sent twice at once: the other request wrote it.
        existing = _sent_before(submission_token, actor, course)
        if existing is None:
            raise
        return existing, False
    return note, True


def _sent_before(token: uuid.UUID, actor: Any, course: Course) -> SupervisionNote | None:
    note = SupervisionNote.objects.filter(submission_token=token).first()
    if note is not None and (note.course_id != course.pk or note.author_id != actor.pk):
        # A token belongs to one form on one course: reusing it elsewhere is not a resend.
        raise RuleViolation("This form was already used. Open it again to write a new note.")
    return note
