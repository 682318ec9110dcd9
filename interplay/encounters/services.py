"""Writing, signing and adding to session records. Only the course's therapist writes."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from interplay.accounts.permissions import Action, can
from interplay.audit.services import record as audit
from interplay.courses import protocols
from interplay.courses.models import Appointment, AppointmentStatus
from interplay.encounters.models import Addendum, SessionRecord
from interplay.formulation import services as formulation
from interplay.lib.errors import PermissionDenied, RuleViolation

EDITABLE = (
    "tasks_done",
    "notes",
    "previous_task_review",
    "between_session_task",
    "risk_checked",
    "risk_notes",
)


def _therapist(actor: Any, appointment: Appointment) -> None:
    if not can(actor, Action.RUN_COURSE) or appointment.therapist_id != actor.pk:
        raise PermissionDenied("Only the course's therapist writes its session records.")


@transaction.atomic
def save_record(
    *, actor: Any, appointment: Appointment, share_task: bool | None = None, **fields: Any
) -> SessionRecord:
    """Save the record as a draft. A signed record is closed: add an addendum instead.

    ``share_task`` shows the work set before the next session in the patient's portal
    (True) or not (False); None leaves it to ``progress.services.sync_record_tasks``."""
    _therapist(actor, appointment)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not record fields: {sorted(unknown)}")
    course = appointment.course
    protocol = course.protocol()
    phase = protocols.phase_for(protocol, appointment.number, course.planned_sessions)
    allowed = {task.key for task in phase.tasks}
    if set(fields.get("tasks_done", [])) - allowed:
        raise RuleViolation("Tick only the tasks of this session's phase.")
    formulation.check_agree_focus_task(course, fields.get("tasks_done", []))
    record, _ = SessionRecord.objects.select_for_update().get_or_create(
        appointment=appointment, defaults={"phase": phase.key}
    )
    if record.signed:
        raise RuleViolation("This record is signed. Add an addendum to change it.")
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()
    from interplay.progress.services import sync_record_tasks  # the task rows follow the record

    sync_record_tasks(actor=actor, session_record=record, share=share_task)
    audit(
        actor=actor,
        action="session_record.saved",
        obj=course,
        detail={"session": appointment.number, "tasks_done": record.tasks_done},
    )
    return record


@transaction.atomic
def sign_record(*, actor: Any, appointment: Appointment) -> SessionRecord:
    """Sign the record: from now on it changes only by addenda. Needs attendance recorded
    as attended and the risk check done."""
    _therapist(actor, appointment)
    appointment = Appointment.objects.get(pk=appointment.pk)  # its attendance as stored now
    record = SessionRecord.objects.select_for_update().filter(appointment=appointment).first()
    if record is None:
        raise RuleViolation("Save the record before signing it.")
    if record.signed:
        raise RuleViolation("This record is already signed.")
    if appointment.status != AppointmentStatus.ATTENDED:
        raise RuleViolation("Record that the person attended before signing the record.")
    if not record.risk_checked:
        raise RuleViolation("Tick that you checked risk before signing the record.")
    record.signed_at, record.signed_by = timezone.now(), actor
    record.save(update_fields=["signed_at", "signed_by"])
    audit(
        actor=actor,
        action="session_record.signed",
        obj=appointment.course,
        detail={"session": appointment.number},
    )
    return record


@transaction.atomic
def add_addendum(*, actor: Any, appointment: Appointment, text: str) -> Addendum:
    """Add a dated note to a signed record, keeping the signed original."""
    _therapist(actor, appointment)
    record = SessionRecord.objects.filter(appointment=appointment).first()
    if record is None or not record.signed:
        raise RuleViolation("Only a signed record takes addenda; edit the draft instead.")
    if not text.strip():
        raise RuleViolation("Write the addendum.")
    addendum = Addendum.objects.create(
        record=record, text=text, written_by=actor, written_at=timezone.now()
    )
    audit(
        actor=actor,
        action="session_record.addendum",
        obj=appointment.course,
        detail={"session": appointment.number},
    )
    return addendum
