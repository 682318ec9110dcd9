"""Attendance, cancellations and moving a session: each audited, each under the same lock
as booking, and each applying the protocol's attendance policy."""

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from interplay.accounts.models import ClinicianProfile
from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.clinic.models import Room, ServiceSettings
from interplay.courses import figures, rules
from interplay.courses.models import (
    RECORDABLE,
    Appointment,
    AppointmentStatus,
    Course,
    CourseStatus,
    CourseTask,
    TaskKind,
)
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.lib.prepared import Prepared

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
    late) raises a risk check (docs/clinical-rules.md 6.2: a missed contact is a risk
    signal) and, as the protocol's attendance policy says, an attendance review. Returns
    tasks raised."""
    return apply_attendance(actor=actor, appointment=_own(actor, appointment), status=status)


def apply_attendance(*, actor: Any, appointment: Appointment, status: str) -> list[CourseTask]:
    """``record_attendance`` once its caller has checked who may record it and locked the
    appointment: a group's facilitators record for every member (interplay/groups)."""
    if status not in RECORDABLE:
        raise RuleViolation("Choose what happened at the session.")
    if appointment.course.status != CourseStatus.ACTIVE:
        raise RuleViolation("This course has ended; its sessions can no longer change.")
    if status == A.ATTENDED and appointment.starts_at > timezone.now():
        raise RuleViolation("A session cannot be marked attended before it has happened.")
    before = appointment.status
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    Course.objects.filter(pk=appointment.course_id).touch(appointment.updated_at)
    figures.changed(appointment.course_id)
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


MOVE_FIELDS = {"date": "date", "weekday": "date", "time": "time", "reason": "reason"}


@transaction.atomic
def reschedule(
    *, actor: Any, appointment: Appointment, starts_at: dt.datetime, reason: str = ""
) -> Appointment:
    """Move one booked session, if the therapist (and room) are free then.

    The date rules (``rules.session_time_refusal``): after the referral, between the
    previous and the next session, inside the therapist's working hours and not on
    their leave; a time in the past only within the service's back-dating window, with
    a ``reason`` (kept encrypted on the session, audited as given).
    """
    appointment = _own(actor, appointment)
    if appointment.status != A.BOOKED:
        raise RuleViolation("Only a booked session can be moved.")
    if appointment.shared:
        raise RuleViolation("A group session moves with its group, not one member at a time.")
    profile = ClinicianProfile.objects.select_for_update().get(user_id=appointment.therapist_id)
    if appointment.room_id:
        Room.objects.select_for_update().get(pk=appointment.room_id)
    ends_at = starts_at + (appointment.ends_at - appointment.starts_at)
    _check_move(appointment, profile, starts_at, ends_at, reason)
    clash = Appointment.objects.overlapping(starts_at, ends_at).exclude(pk=appointment.pk)
    if clash.filter(therapist_id=appointment.therapist_id).exists():
        raise RuleViolation("You already have a session at that time.", field="time")
    if appointment.room_id and clash.filter(room_id=appointment.room_id).exists():
        raise RuleViolation("The room is booked at that time.", field="time")
    before = appointment.starts_at
    backdated = starts_at < timezone.now()
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.backdate_reason = reason.strip() if backdated else ""
    appointment.save(update_fields=["starts_at", "ends_at", "backdate_reason", "updated_at"])
    Course.objects.filter(pk=appointment.course_id).touch(appointment.updated_at)
    figures.changed(appointment.course_id)
    record(
        actor=actor,
        action="appointment.rescheduled",
        obj=appointment.course,
        detail={
            "session": appointment.number,
            "from": before.isoformat(),
            "to": starts_at.isoformat(),
            "backdated": backdated,
        },
    )
    return appointment


def _neighbour(appointment: Appointment, later: bool) -> rules.Neighbour | None:
    others = appointment.course.appointments.live().exclude(pk=appointment.pk)
    if later:
        found = others.filter(number__gt=appointment.number).order_by("number").first()
    else:
        found = others.filter(number__lt=appointment.number).order_by("-number").first()
    return rules.Neighbour(found.number, found.starts_at, found.ends_at) if found else None


def _check_move(
    appointment: Appointment,
    profile: ClinicianProfile,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
) -> None:
    from interplay.courses.services import refuse

    refusal = rules.session_time_refusal(
        starts_at=starts_at,
        ends_at=ends_at,
        now=timezone.now(),
        tz=timezone.get_current_timezone(),
        referred_at=appointment.course.referral.received_at,
        backdate_days=ServiceSettings.load().backdate_window_days,
        hours=[rules.Hours(h.weekday, h.start, h.end) for h in profile.working_hours.all()],
        leave=profile.leave.values_list("starts_on", "ends_on"),
        previous=_neighbour(appointment, later=False),
        following=_neighbour(appointment, later=True),
        reason=reason,
        number=appointment.number,
    )
    refuse(refusal, MOVE_FIELDS)


def unresolved(course: Any) -> list[Appointment]:
    """The course's sessions still booked whose time has passed: what happened at each
    must be recorded before the course can be ended as completed."""
    sessions = course.appointments.unresolved_before(timezone.now()).order_by("number")
    # Their numbers and times are what is shown: the encrypted reason is not decrypted.
    return list(sessions.defer("backdate_reason"))


def unresolved_among(appointments: Iterable[Appointment], now: dt.datetime) -> list[Appointment]:
    """``unresolved`` of a course whose every session is in ``appointments``."""
    return sorted(
        (a for a in appointments if a.status == A.BOOKED and a.starts_at < now),
        key=lambda a: a.number,
    )


def final_score_missing(course: Any) -> bool:
    """Whether the latest attended session has no complete PHQ-9: the course's outcome
    then pairs the first score with an earlier one, or with none (docs/clinical-rules.md
    5.3, 5.7)."""
    return not _final_phq9().run(course=course.pk)


@functools.cache
def _final_phq9() -> Prepared:
    """A complete PHQ-9 of the course's latest attended session, if any (compiled once;
    the measures app is read when first asked, as it depends on this one)."""
    from interplay.measures.models import QuestionnaireResponse

    def build(course: int) -> Any:
        last = Appointment.objects.filter(course=course, status=A.ATTENDED, number__gte=1).order_by(
            "-number"
        )
        return QuestionnaireResponse.objects.filter(
            appointment=Subquery(last.values("pk")[:1]), instrument_code="phq9", complete=True
        ).values_list("pk")[:1]

    return Prepared(QuestionnaireResponse, build, course="id")


ENDINGS = {
    CourseStatus.COMPLETED,
    CourseStatus.DROPPED_OUT,
    CourseStatus.DISCHARGED_DNA,
    CourseStatus.REFERRED_ON,
}


@transaction.atomic
def end_course(*, actor: Any, course: Any, outcome: str, reason: str) -> Any:
    """End a course: completed, dropped out, discharged after non-attendance, or referred
    on. Later booked sessions become "not needed: course ended" (not a cancellation),
    the therapist's place frees, and the referral is discharged. "Completed" is refused
    while a session whose time has passed is still booked: record what happened first."""
    if not can(actor, Action.RUN_COURSE) or course.therapist_id != actor.pk:
        raise PermissionDenied("Only the course's therapist ends it.")
    return close_course(actor=actor, course=course, outcome=outcome, reason=reason)


def close_course(*, actor: Any, course: Any, outcome: str, reason: str) -> Any:
    """``end_course`` once its caller has checked who may end it: a group's facilitators
    end the courses of its members (interplay/groups)."""
    from interplay.referrals.models import Referral, ReferralStatus

    if outcome not in ENDINGS:
        raise RuleViolation("Choose how the course ended.")
    if not reason.strip():
        raise RuleViolation("Say why the course ended.")
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != CourseStatus.ACTIVE:
        raise RuleViolation("This course has already ended.")
    open_sessions = unresolved(course)
    if outcome == CourseStatus.COMPLETED and open_sessions:
        *most, last = [str(a.number) for a in open_sessions]
        numbers = f"{', '.join(most)} and {last}" if most else last
        raise RuleViolation(
            f"Record what happened at session{'s' if len(open_sessions) > 1 else ''} "
            f"{numbers} before ending the course as completed.",
            field="outcome",
        )
    now = timezone.now()
    not_needed = course.appointments.filter(status=A.BOOKED, starts_at__gt=now).update(
        status=A.NOT_NEEDED, updated_at=now
    )
    course.status, course.ended_at, course.end_reason = outcome, now, reason
    course.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    figures.changed(course)
    course.referral.allocations.filter(ended_at__isnull=True).update(ended_at=now)
    referral = Referral.objects.select_for_update().get(pk=course.referral_id)
    referral.check_transition(ReferralStatus.DISCHARGED)
    referral.status = ReferralStatus.DISCHARGED
    referral.save(update_fields=["status"])
    record(
        actor=actor,
        action="course.ended",
        obj=course,
        detail={
            "outcome": outcome,
            "sessions_not_needed": not_needed,
            "final_score": not final_score_missing(course),
        },
    )
    record(
        actor=actor,
        action="referral.status_changed",
        obj=referral,
        detail={"from": "in_treatment", "to": "discharged", "why": outcome},
    )
    return course
