"""Changes to the service's own settings, rooms and closures.

Each checks permission, runs in one transaction and writes its audit event; the staff
settings pages and the admin both call them.
"""

import datetime as dt

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from interplay.accounts.models import User
from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.clinic import jobs
from interplay.clinic.models import Closure, JobRetry, Room, ServiceSettings
from interplay.lib.errors import PermissionDenied, RuleViolation


def _require(actor: User | None) -> None:
    # actor=None is the system itself (demo loader, management commands run by an operator).
    if actor is not None and not can(actor, Action.CONFIGURE_SERVICE):
        raise PermissionDenied(f"{actor} may not change the service's settings.")


@transaction.atomic
def change_service_settings(
    *, actor: User | None, settings: ServiceSettings, changed: list[str]
) -> ServiceSettings:
    """Save the service's words or rules; the audit row names the fields changed."""
    _require(actor)
    settings.save()
    if changed:
        record(
            actor=actor,
            action="service_settings.changed",
            obj=settings,
            detail={"fields": sorted(changed)},
        )
    return settings


def _same_name(name: str, *, other_than: Room | None = None) -> Room | None:
    rooms = Room.objects.filter(name__iexact=name.strip())
    if other_than is not None:
        rooms = rooms.exclude(pk=other_than.pk)
    return rooms.first()


@transaction.atomic
def add_room(*, actor: User | None, name: str) -> Room:
    """Add a room sessions can be booked in. Sent twice, it is one room.

    Raises RuleViolation (about ``name``) when a room out of use already has the name.
    """
    _require(actor)
    existing = _same_name(name)
    if existing is not None:
        if existing.active:
            return existing
        raise RuleViolation(
            f"There is already a room called {existing.name}, out of use. "
            "Bring it back into use instead.",
            field="name",
        )
    room = Room.objects.create(name=name.strip())
    record(actor=actor, action="room.added", obj=room, detail={"name": room.name})
    return room


@transaction.atomic
def change_room(*, actor: User | None, room: Room, name: str, active: bool) -> Room:
    """Rename a room or take it out of use; sessions already booked in it keep it."""
    _require(actor)
    if _same_name(name, other_than=room) is not None:
        raise RuleViolation(f"There is already a room called {name.strip()}.", field="name")
    changed = {
        field: value
        for field, value in {"name": name.strip(), "active": active}.items()
        if getattr(room, field) != value
    }
    if changed:
        for field, value in changed.items():
            setattr(room, field, value)
        room.save(update_fields=list(changed))
        record(actor=actor, action="room.changed", obj=room, detail=changed)
    return room


@transaction.atomic
def add_closure(*, actor: User | None, date: dt.date, reason: str) -> Closure:
    """Close the service on ``date``: no sessions are proposed on it from now on.

    Sessions already booked that day are not moved. The same closure sent twice is one;
    a day already closed for another reason is refused (about ``date``).
    """
    _require(actor)
    existing = Closure.objects.filter(date=date).first()
    if existing is not None:
        if existing.reason == reason.strip():
            return existing
        raise RuleViolation(
            f"The service is already closed on {date.day} {date:%B %Y}: {existing.reason}.",
            field="date",
        )
    closure = Closure.objects.create(date=date, reason=reason.strip())
    record(
        actor=actor,
        action="closure.added",
        obj=closure,
        detail={"date": date.isoformat(), "reason": closure.reason},
    )
    return closure


@transaction.atomic
def remove_closure(*, actor: User | None, closure: Closure) -> None:
    """Open the service again on a day it was to be closed."""
    _require(actor)
    deleted, _ = Closure.objects.filter(pk=closure.pk).delete()
    if deleted:
        record(
            actor=actor,
            action="closure.removed",
            obj=closure,
            detail={"date": closure.date.isoformat(), "reason": closure.reason},
        )


@transaction.atomic
def retry_job(*, actor: User | None, job_id: str) -> JobRetry:
    """Enqueue a failed background job again: the same task, with the same arguments.

    Sent twice, it enqueues once (the second answer is the first retry). Raises
    RuleViolation for a job that has not failed (waiting, running or done). The jobs are
    written to run twice safely: each claims its row before it sends, so a retry of an
    email already sent sends nothing.
    """
    _require(actor)
    job = DBTaskResult.objects.select_for_update().get(pk=job_id)
    existing = JobRetry.objects.filter(failed_job=job).first()
    if existing is not None:
        return existing
    if job.status != TaskResultStatus.FAILED:
        raise RuleViolation("Only a job that failed can be retried; this one has not failed.")
    try:
        task = job.task
    except (ImportError, SuspiciousOperation):
        raise RuleViolation(
            "This job's task is no longer part of Interplay, so it cannot be sent again."
        ) from None
    arguments = job.args_kwargs
    result = task.enqueue(*arguments["args"], **arguments["kwargs"])
    retry = JobRetry.objects.create(failed_job=job, new_job_id=str(result.id), retried_by=actor)
    described = jobs.describe(job)
    record(
        actor=actor,
        action="job.retried",
        detail={
            "job": str(job.pk),
            "task": job.task_path,
            "error": described.error_class,
            "new_job": retry.new_job_id,
        },
    )
    return retry
