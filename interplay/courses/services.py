"""Starting a course: propose the weekly sessions, then book them all without a clash.

The clash check runs under a lock on the therapist's (and the room's) row, so two
bookings for the same time are decided one after the other; partial unique indexes on
(therapist, start) and (room, start) back it up. On SQLite every write transaction is
already serialised (BEGIN IMMEDIATE).
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from interplay.accounts.models import ClinicianProfile, Leave, User
from interplay.accounts.permissions import Action, can
from interplay.audit.services import record
from interplay.clinic.models import Closure, Room, ServiceSettings
from interplay.courses import figures, protocols, rules
from interplay.courses.models import Appointment, Course, ServiceProtocol
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.referrals.models import Referral, ReferralStatus


@dataclasses.dataclass(frozen=True)
class Plan:
    """What the therapist chose, and the sessions it gives."""

    protocol: protocols.Protocol
    weekday: int
    at: dt.time
    first_date: dt.date
    sessions: list[rules.Proposed]
    skipped: list[tuple[dt.date, str]]
    room: Room | None

    @property
    def agreed_end_date(self) -> dt.date:
        return rules.agreed_end_date(self.sessions)


def available_protocols() -> dict[str, protocols.Protocol]:
    """Built-in protocols and the service's own active ones (its newest version of each)."""
    offered = dict(protocols.BUILT_IN)
    for row in ServiceProtocol.objects.filter(active=True).order_by("code", "id"):
        offered[row.code] = protocols.from_dict(row.definition)
    return offered


def protocols_for(modality: str) -> list[protocols.Protocol]:
    return [p for p in available_protocols().values() if p.modality == modality]


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _closures(first: dt.date) -> dict[dt.date, str]:
    years = range(first.year, first.year + 2)
    days = dict(rules.bank_holidays(ServiceSettings.load().nation, years))
    days.update(Closure.objects.filter(date__gte=first).values_list("date", "reason"))
    return days


def _busy(
    therapist: User, room: Room | None, first: dt.date, ignoring: list[int] | None = None
) -> Callable[[dt.datetime, dt.datetime], bool]:
    """A test for "this slot cannot be used": leave, or the therapist or room already booked."""
    since = dt.datetime.combine(first, dt.time.min, tzinfo=_zone())
    booked = Appointment.objects.live().filter(starts_at__gte=since).exclude(pk__in=ignoring or [])
    taken = list(booked.filter(therapist=therapist).values_list("starts_at", "ends_at"))
    if room is not None:
        taken += list(booked.filter(room=room).values_list("starts_at", "ends_at"))
    away = list(
        Leave.objects.filter(profile__user=therapist, ends_on__gte=first).values_list(
            "starts_on", "ends_on"
        )
    )

    def busy(starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
        day = starts_at.astimezone(_zone()).date()
        if any(start <= day <= end for start, end in away):
            return True
        return any(rules.overlaps(starts_at, ends_at, s, e) for s, e in taken)

    return busy


def working_hours(therapist: User) -> list[rules.Hours]:
    """The therapist's working week, for the date rules and for the pages that refuse."""
    return [rules.Hours(h.weekday, h.start, h.end) for h in therapist.clinician.working_hours.all()]


def refuse(refusal: rules.Refusal | None, fields: dict[str, str] | None = None) -> None:
    """Raise a rule's refusal as a ``RuleViolation`` naming the form field it is about."""
    if refusal is not None:
        field = (fields or {}).get(refusal.field, refusal.field)
        raise RuleViolation(refusal.message, field=field)


START_FIELDS = {"date": "first_date"}


def propose(
    *,
    referral: Referral,
    therapist: User,
    protocol_code: str,
    weekday: int,
    at: dt.time,
    first_date: dt.date,
    room: Room | None = None,
    reason: str = "",
    history: bool = False,
) -> Plan:
    """Weekly sessions from ``first_date``, skipping closures, leave and clashes.

    Refused (with the form field the message belongs beside) outside the therapist's
    working hours, before the referral was received, or in the past beyond the
    service's back-dating window; within it, only with a ``reason``. ``history`` is for
    the demo and test factories, which build courses already part-way: it lifts the
    referral and back-dating rules, never the working hours. No form passes it.
    """
    protocol = available_protocols().get(protocol_code)
    if protocol is None or protocol.modality != _modality(referral):
        raise RuleViolation("Choose a protocol for the therapy this person was offered.")
    zone = _zone()
    starts_at = dt.datetime.combine(rules.first_on_or_after(first_date, weekday), at, tzinfo=zone)
    ends_at = starts_at + dt.timedelta(minutes=protocol.session_minutes)
    refuse(rules.hours_refusal(starts_at, ends_at, working_hours(therapist), zone, "weekday"))
    sessions = rules.propose_sessions(
        first=first_date,
        weekday=weekday,
        at=at,
        count=protocol.default_sessions,
        minutes=protocol.session_minutes,
        tz=zone,
        closures=_closures(first_date),
        unavailable=_busy(therapist, room, first_date),
    )
    if not history:
        _check_first(referral, sessions[0], reason)
    skipped = [s for proposed in sessions for s in proposed.skipped]
    return Plan(protocol, weekday, at, first_date, sessions, skipped, room)


def _check_first(referral: Referral, first: rules.Proposed, reason: str) -> None:
    """The first session: not before the referral, not in the past beyond the window."""
    if first.starts_at < referral.received_at:
        received = timezone.localtime(referral.received_at)
        raise RuleViolation(
            f"This is before the referral was received ({received.day} {received:%B %Y}).",
            field="first_date",
        )
    refuse(
        rules.backdate_refusal(
            first.starts_at,
            now=timezone.now(),
            backdate_days=ServiceSettings.load().backdate_window_days,
            reason=reason,
        ),
        START_FIELDS,
    )


def _modality(referral: Referral) -> str:
    decision = getattr(referral, "decision", None)
    return decision.modality if decision else ""


def start_course(
    *,
    actor: User,
    referral: Referral,
    protocol_code: str,
    weekday: int,
    at: dt.time,
    first_date: dt.date,
    room: Room | None = None,
    video_link: str = "",
    reason: str = "",
    history: bool = False,
) -> Course:
    """Start the course of the person allocated to ``actor``: book every session at once.

    Refuses if any proposed session now clashes (someone booked that time meanwhile):
    the therapist sees the new proposal and confirms again. The date rules are
    ``propose``'s; sessions booked in the past keep the ``reason`` (encrypted).
    """
    if not can(actor, Action.RUN_COURSE):
        raise PermissionDenied(f"{actor} may not run courses.")
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        allocation = referral.allocations.active().filter(therapist=actor).first()
        if referral.status != ReferralStatus.ALLOCATED or allocation is None:
            raise RuleViolation("Only a person allocated to you can start a course with you.")
        ClinicianProfile.objects.select_for_update().get(user=actor)
        if room is not None:
            room = Room.objects.select_for_update().get(pk=room.pk)
        plan = propose(
            referral=referral,
            therapist=actor,
            protocol_code=protocol_code,
            weekday=weekday,
            at=at,
            first_date=first_date,
            room=room,
            reason=reason,
            history=history,
        )
        try:
            course = _book(actor, referral, plan, video_link, "" if history else reason)
        except IntegrityError:
            raise RuleViolation(
                "Another booking took one of these times just now. Look at the new proposal."
            ) from None
    return course


def _book(actor: User, referral: Referral, plan: Plan, video_link: str, reason: str) -> Course:
    protocol = plan.protocol
    if referral.patient is None:
        raise RuleViolation("This referral has no patient record.")
    course = Course.objects.create(
        referral=referral,
        patient=referral.patient,
        therapist=actor,
        modality=protocol.modality,
        protocol_code=protocol.code,
        protocol_version=protocol.version,
        protocol_snapshot=dataclasses.asdict(protocol),
        planned_sessions=len(plan.sessions),
        weekday=plan.weekday,
        time=plan.at,
        room=plan.room,
        video_link=video_link,
        start_date=plan.sessions[0].starts_at.date(),
        agreed_end_date=plan.agreed_end_date,
        started_at=timezone.now(),
        started_by=actor,
    )
    now = timezone.now()
    backdated = [s.number for s in plan.sessions if s.starts_at < now] if reason.strip() else []
    with transaction.atomic():
        Appointment.objects.bulk_create(
            Appointment(
                course=course,
                number=s.number,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                therapist=actor,
                room=plan.room,
                backdate_reason=reason.strip() if s.number in backdated else "",
            )
            for s in plan.sessions
        )
    figures.changed(course)
    referral.check_transition(ReferralStatus.IN_TREATMENT)
    referral.status = ReferralStatus.IN_TREATMENT
    referral.save(update_fields=["status"])
    record(
        actor=actor,
        action="course.started",
        obj=course,
        detail={
            "referral": referral.reference,
            "protocol": f"{protocol.code}@{protocol.version}",
            "sessions": len(plan.sessions),
            "skipped": len(plan.skipped),
            "backdated_sessions": backdated,
        },
    )
    record(
        actor=actor,
        action="referral.status_changed",
        obj=referral,
        detail={
            "from": ReferralStatus.ALLOCATED,
            "to": ReferralStatus.IN_TREATMENT,
            "why": "course started",
        },
    )
    return course


@transaction.atomic
def shift_remaining(
    *, actor: User, course: Course, from_number: int, weeks: int
) -> list[Appointment]:
    """Move every booked session from ``from_number`` on by ``weeks`` weeks, at the same
    day and time, skipping closures, leave and clashes as when the course began. The
    agreed end date moves with them (a renegotiated contract, audited old and new)."""
    if not can(actor, Action.RUN_COURSE) or course.therapist_id != actor.pk:
        raise PermissionDenied("Only the course's therapist moves its sessions.")
    if not 1 <= weeks <= 8:
        raise RuleViolation("Move sessions by 1 to 8 weeks.")
    course = Course.objects.select_for_update().get(pk=course.pk)
    ClinicianProfile.objects.select_for_update().get(user=actor)
    moving = list(
        course.appointments.filter(status="booked", number__gte=from_number).order_by("number")
    )
    if not moving:
        raise RuleViolation(f"No booked session from session {from_number} on.")
    if any(appointment.shared for appointment in moving):
        raise RuleViolation("A group's sessions move with the group, not one member at a time.")
    first = moving[0].starts_at.astimezone(_zone()).date() + dt.timedelta(weeks=weeks)
    protocol = course.protocol()
    proposed = rules.propose_sessions(
        first=first,
        weekday=course.weekday,
        at=course.time,
        count=len(moving),
        minutes=protocol.session_minutes,
        tz=_zone(),
        closures=_closures(first),
        unavailable=_busy(actor, course.room, first, ignoring=[a.pk for a in moving]),
    )
    for appointment, slot in zip(moving, proposed, strict=True):
        appointment.starts_at, appointment.ends_at = slot.starts_at, slot.ends_at
    try:
        with transaction.atomic():
            # Latest first: each session moves into a time the one after it has left.
            for appointment in reversed(moving):
                appointment.save(update_fields=["starts_at", "ends_at", "updated_at"])
    except IntegrityError:
        raise RuleViolation("Another booking took one of these times just now.") from None
    before = course.agreed_end_date
    course.agreed_end_date = max(course.agreed_end_date, rules.agreed_end_date(proposed))
    course.save(update_fields=["agreed_end_date", "updated_at"])
    figures.changed(course)
    record(
        actor=actor,
        action="course.sessions_shifted",
        obj=course,
        detail={
            "from_session": from_number,
            "weeks": weeks,
            "agreed_end_date": [before.isoformat(), course.agreed_end_date.isoformat()],
        },
    )
    return moving
