"""Attendance, cancellations and moving a session: each audited, each under the same lock
as booking, and each applying the protocol's attendance policy."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from interplay.accounts.models import ClinicianProfile
from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.clinic.models import Room
from interplay.courses import rules
from interplay.courses.models import (
    Appointment,
    AppointmentStatus,
    CourseStatus,
    CourseTask,
    TaskKind,
)
from interplay.lib.errors import PermissionDenied, RuleViolation

A = AppointmentStatus
MISSED = (A.DID_NOT_ATTEND, A.CANCELLED_LATE)


def _own(actor: Any, appointment: Appointment) -> Appointment:
    if not can(actor, Action.RUN_COURSE) or appointment.therapist_id != actor.pk:
        raise PermissionDenied("Only the course's therapist changes its sessions.")
    locked = Appointment.objects.select_for_update().select_related("course").get(pk=appointment.pk)
    if locked.course.status != CourseStatus.ACTIVE:
        raise RuleViolation("This course has ended; its sessions can no longer change.")
    return locked


@transaction.atomic
def record_attendance(*, actor: Any, appointment: Appointment, status: str) -> list[CourseTask]:
    """Record what happened to a session. A missed one (did not attend, or cancelled too
    late) raises a risk check (DOMAIN.md 6.2: a missed contact is a risk signal) and, as
    the protocol's attendance policy says, an attendance review. Returns tasks raised."""
    appointment = _own(actor, appointment)
    if status == A.ATTENDED and appointment.starts_at > timezone.now():
        raise RuleViolation("A session cannot be marked attended before it has happened.")
    before = appointment.status
    appointment.status = status
    appointment.save(update_fields=["status"])
    record(
        actor=actor,
        action="appointment.attendance",
        obj=appointment.course,
        detail={"session": appointment.number, "from": before, "to": status},
    )
    return _apply_policy(appointment) if status in MISSED and before not in MISSED else []


def _apply_policy(appointment: Appointment) -> list[CourseTask]:
    course = appointment.course
    protocol = course.protocol()
    missed = course.appointments.filter(status__in=MISSED).count()
    now = timezone.now()
    kinds = [TaskKind.RISK_CHECK]
    trigger = rules.missed_count_triggers(protocol.attendance, missed)
    if trigger == "review":
        kinds.append(TaskKind.ATTENDANCE_REVIEW)
    elif trigger == "discharge":
        kinds.append(TaskKind.DISCHARGE_REVIEW)
    tasks = [
        CourseTask.objects.create(course=course, appointment=appointment, kind=k, raised_at=now)
        for k in kinds
    ]
    record(
        actor=None,
        action="course.tasks_raised",
        obj=course,
        detail={"kinds": [t.kind for t in tasks], "missed_so_far": missed},
    )
    return tasks


@transaction.atomic
def complete_task(*, actor: Any, task: CourseTask, outcome: str) -> CourseTask:
    """Close a task with what was done (kept encrypted)."""
    if not can(actor, Action.RUN_COURSE) or task.course.therapist_id != actor.pk:
        raise PermissionDenied("Only the course's therapist closes its tasks.")
    if not outcome.strip():
        raise RuleViolation("Say what you did.")
    task = CourseTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at:
        raise RuleViolation("This task is already done.")
    task.done_at, task.done_by, task.outcome = timezone.now(), actor, outcome
    task.save(update_fields=["done_at", "done_by", "outcome"])
    record(actor=actor, action="course.task_done", obj=task.course, detail={"kind": task.kind})
    return task


@transaction.atomic
def reschedule(*, actor: Any, appointment: Appointment, starts_at: dt.datetime) -> Appointment:
    """Move one booked session, if the therapist (and room) are free then."""
    appointment = _own(actor, appointment)
    if appointment.status != A.BOOKED:
        raise RuleViolation("Only a booked session can be moved.")
    ClinicianProfile.objects.select_for_update().get(user_id=appointment.therapist_id)
    if appointment.room_id:
        Room.objects.select_for_update().get(pk=appointment.room_id)
    ends_at = starts_at + (appointment.ends_at - appointment.starts_at)
    clash = Appointment.objects.overlapping(starts_at, ends_at).exclude(pk=appointment.pk)
    if clash.filter(therapist_id=appointment.therapist_id).exists():
        raise RuleViolation("You already have a session at that time.")
    if appointment.room_id and clash.filter(room_id=appointment.room_id).exists():
        raise RuleViolation("The room is booked at that time.")
    before = appointment.starts_at
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.save(update_fields=["starts_at", "ends_at"])
    record(
        actor=actor,
        action="appointment.rescheduled",
        obj=appointment.course,
        detail={
            "session": appointment.number,
            "from": before.isoformat(),
            "to": starts_at.isoformat(),
        },
    )
    return appointment


ENDINGS = {
    CourseStatus.COMPLETED,
    CourseStatus.DROPPED_OUT,
    CourseStatus.DISCHARGED_DNA,
    CourseStatus.REFERRED_ON,
}


@transaction.atomic
def end_course(*, actor: Any, course: Any, outcome: str, reason: str) -> Any:
    """End a course: completed, dropped out, discharged after non-attendance, or referred
    on. Later booked sessions are cancelled by the service, the therapist's place frees,
    and the referral is discharged."""
    from interplay.courses.models import Course
    from interplay.referrals.models import Referral, ReferralStatus

    if not can(actor, Action.RUN_COURSE) or course.therapist_id != actor.pk:
        raise PermissionDenied("Only the course's therapist ends it.")
    if outcome not in ENDINGS:
        raise RuleViolation("Choose how the course ended.")
    if not reason.strip():
        raise RuleViolation("Say why the course ended.")
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != CourseStatus.ACTIVE:
        raise RuleViolation("This course has already ended.")
    now = timezone.now()
    cancelled = course.appointments.filter(status=A.BOOKED, starts_at__gt=now).update(
        status=A.CANCELLED_BY_SERVICE
    )
    course.status, course.ended_at, course.end_reason = outcome, now, reason
    course.save(update_fields=["status", "ended_at", "end_reason"])
    course.referral.allocations.filter(ended_at__isnull=True).update(ended_at=now)
    referral = Referral.objects.select_for_update().get(pk=course.referral_id)
    referral.check_transition(ReferralStatus.DISCHARGED)
    referral.status = ReferralStatus.DISCHARGED
    referral.save(update_fields=["status"])
    record(
        actor=actor,
        action="course.ended",
        obj=course,
        detail={"outcome": outcome, "sessions_cancelled": cancelled},
    )
    record(
        actor=actor,
        action="referral.status_changed",
        obj=referral,
        detail={"from": "in_treatment", "to": "discharged", "why": outcome},
    )
    return course
