"""Measurement at every session, and the risk alerts it raises.

``submit_response`` is the one way answers given during a course are stored: by the
patient in the portal before a session, or typed by the therapist from paper or from
answers given aloud. In the same transaction it raises the alerts the answers call for
(PHQ-9 question 9 above 0; a reliable deterioration since the course's first score), so
no risk answer is ever stored without its alert. Alerts stay open until acknowledged
with a note, and escalate to the supervisor when not seen in time.
"""

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from interplay.accounts.models import User
from interplay.accounts.permissions import Action, can
from interplay.accounts.roles import Role
from interplay.audit.actors import PatientActor, SystemActor
from interplay.audit.services import record
from interplay.clinic.models import Closure, ServiceSettings
from interplay.courses import figures
from interplay.courses.models import Appointment, AppointmentStatus, CourseStatus
from interplay.courses.rules import bank_holidays
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.lib.prepared import Prepared
from interplay.measures import outcomes
from interplay.measures.instruments import Instrument
from interplay.measures.models import QuestionnaireResponse, ResponseSource
from interplay.measures.services import (
    UnknownInstrument,
    answerable,
    instrument,
    store_response,
)
from interplay.monitoring.models import AlertKind, RiskAlert
from interplay.monitoring.rules import add_working_days
from interplay.patients.models import Patient

STAFF_SOURCES = (ResponseSource.IN_SESSION, ResponseSource.PAPER)


class NotOpen(RuleViolation):
    """The questionnaire is not open for this session (not yet, no longer, or not used)."""


@dataclass(frozen=True)
class Due:
    """A session whose questionnaires are open, and those not yet answered."""

    appointment: Appointment
    instrument_codes: tuple[str, ...]


def _window() -> dt.timedelta:
    return dt.timedelta(hours=ServiceSettings.load().questionnaire_window_hours)


def current_instrument(code: str) -> Instrument | None:
    """The version of ``code`` answered now (the latest in use), or None if unknown."""
    try:
        return instrument(code)
    except UnknownInstrument:
        return None


def questionnaires_due(patient: Patient, now: dt.datetime | None = None) -> list[Due]:
    """Sessions opening within the service's window (72 hours by default) whose measures
    the patient has not yet answered in full. Three queries whatever the number of sessions."""
    now = now or timezone.now()
    appointments = list(
        Appointment.objects.filter(
            course__patient=patient,
            course__status=CourseStatus.ACTIVE,
            status=AppointmentStatus.BOOKED,
            starts_at__gt=now,
            starts_at__lte=now + _window(),
        )
        .select_related("course")
        .order_by("starts_at")
    )
    answered = set(
        QuestionnaireResponse.objects.filter(
            appointment__in=appointments, complete=True
        ).values_list("appointment_id", "instrument_code")
    )
    usable = answerable(c for a in appointments for c in a.course.protocol().measures_due)
    due = []
    for appointment in appointments:
        codes = tuple(
            code
            for code in appointment.course.protocol().measures_due
            if (appointment.pk, code) not in answered and code in usable
        )
        if codes:
            due.append(Due(appointment, codes))
    return due


def is_open(appointment: Appointment, instrument_code: str, now: dt.datetime) -> bool:
    """Whether the patient may answer ``instrument_code`` for ``appointment`` (its course
    loaded) at ``now``, answered or not: what ``questionnaires_due`` lists for one session,
    less the answers already in, read from the service settings and the instruments kept
    in this process (no query)."""
    course = appointment.course
    return (
        course.status == CourseStatus.ACTIVE
        and appointment.status == AppointmentStatus.BOOKED
        and now < appointment.starts_at <= now + _window()
        and instrument_code in course.protocol().measures_due
        and current_instrument(instrument_code) is not None
    )


def _check_submitter(
    actor: Any, appointment: Appointment, instrument_code: str, source: str
) -> None:
    course = appointment.course
    if isinstance(actor, PatientActor):
        if actor.patient.pk != course.patient_id:
            raise PermissionDenied("Not this patient's session.")
        if source != ResponseSource.PORTAL:
            raise PermissionDenied("Patients answer through the portal.")
        if not is_open(appointment, instrument_code, timezone.now()):
            raise NotOpen("This questionnaire is not open for this session.")
        return
    if not (can(actor, Action.RUN_COURSE) and course.therapist_id == actor.pk):
        raise PermissionDenied("Only the course's therapist enters answers.")
    if source not in STAFF_SOURCES:
        raise RuleViolation("Say whether the answers were given on paper or in the session.")
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED):
        raise RuleViolation("Answers can only be entered for a booked or attended session.")
    if instrument_code not in course.protocol().measures_due:
        raise RuleViolation("This course's protocol does not use this questionnaire.")


# The reads of every answer sent, compiled once per process (lib/prepared.py): the
# session, locked, with its course and therapist; a complete answer already in for it;
# the course's first complete answer to the same questionnaire.
_LOCKED_SESSION = Prepared(
    Appointment,
    lambda pk: (
        Appointment.objects.select_for_update().select_related("course__therapist").filter(pk=pk)
    ),
    pk="id",
)
_COMPLETE_FOR_SESSION = Prepared(
    QuestionnaireResponse,
    lambda appointment, code: QuestionnaireResponse.objects.filter(
        appointment=appointment, instrument_code=code, complete=True
    )[:1],
    appointment="id",
    code="text",
)
_FIRST_COMPLETE = Prepared(
    QuestionnaireResponse,
    lambda course, code: (
        QuestionnaireResponse.objects.filter(course=course, instrument_code=code, complete=True)
        .order_by("answered_at", "id")
        .only("pk", "total")[:1]
    ),  # not the answers: encrypted, and only the total is compared
    course="id",
    code="text",
)


def submit_response(
    *,
    actor: Any,
    appointment: Appointment,
    instrument_code: str,
    answers: Mapping[int, int | None],
    source: str,
    difficulty: int | None = None,
) -> QuestionnaireResponse:
    """Store answers for ``appointment`` and raise the alerts they call for.

    Idempotent for the same complete answers (a double submission returns the stored
    response); a second, different complete set for the same session is refused.
    """
    with transaction.atomic():
        # The session row is the lock: two submissions for one session go one at a time.
        locked = _LOCKED_SESSION.run(pk=appointment.pk)
        if not locked:
            raise Appointment.DoesNotExist
        appointment = locked[0]
        _check_submitter(actor, appointment, instrument_code, source)
        stored = _COMPLETE_FOR_SESSION.run(appointment=appointment.pk, code=instrument_code)
        existing = stored[0] if stored else None
        given = {str(k): v for k, v in answers.items() if v is not None}
        if existing is not None:
            if existing.answers == given:
                return existing
            raise RuleViolation("Answers for this questionnaire are already in for this session.")
        course = appointment.course
        response = store_response(
            instrument_code=instrument_code,
            answers=answers,
            source=source,
            answered_at=timezone.now(),
            difficulty=difficulty,
            course=course,
            appointment=appointment,
            entered_by=None if isinstance(actor, PatientActor) else actor,
        )
        figures.changed(course)
        record(
            actor=actor,
            action="response.submitted",
            obj=response,
            detail={
                "instrument": response.instrument_code,
                "version": response.instrument_version,
                "source": source,
                "complete": response.complete,
                "session": appointment.number,
            },
        )
        _raise_alerts(response)
    return response


def _first_complete(response: QuestionnaireResponse) -> QuestionnaireResponse | None:
    found = _FIRST_COMPLETE.run(course=response.course_id, code=response.instrument_code)
    return found[0] if found else None


def reliably_worse(response: QuestionnaireResponse, first: int, latest: int) -> bool:
    """A rise of at least the instrument's reliable-change value (PHQ-9 6, GAD-7 4:
    NHS Talking Therapies, docs/clinical-rules.md 5.4), on the version the latest was
    answered on."""
    answered_on = instrument(response.instrument_code, response.instrument_version)
    return outcomes.reliable_change(answered_on, first, latest) > 0


def _raise_alerts(response: QuestionnaireResponse) -> list[RiskAlert]:
    raised = []
    if response.risk_flagged:
        raised.append(_raise(response, AlertKind.RISK_ANSWER))
    if response.complete and response.total is not None:
        first = _first_complete(response)
        if (
            first is not None
            and first.pk != response.pk
            and first.total is not None
            and reliably_worse(response, first.total, response.total)
            and not RiskAlert.objects.open().filter(
                course=response.course,
                instrument_code=response.instrument_code,
                kind=AlertKind.DETERIORATION,
            )
        ):
            raised.append(_raise(response, AlertKind.DETERIORATION))
    return raised


def _closed_days(start: dt.date, service: ServiceSettings) -> set[dt.date]:
    days = set(bank_holidays(service.nation, (start.year, start.year + 1)))
    days.update(Closure.objects.filter(date__gte=start).values_list("date", flat=True))
    return days


def due_by(raised_at: dt.datetime) -> dt.datetime:
    """When an alert raised at ``raised_at`` escalates: the service's working days later
    (one by default), skipping weekends, bank holidays and closures."""
    service = ServiceSettings.load()
    local = raised_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    days = service.alert_escalation_working_days
    return add_working_days(local, days, _closed_days(local.date(), service))


def _raise(response: QuestionnaireResponse, kind: str) -> RiskAlert:
    course = response.course
    assert course is not None
    now = timezone.now()
    alert = RiskAlert.objects.create(
        course=course,
        response=response,
        kind=kind,
        instrument_code=response.instrument_code,
        therapist=course.therapist,
        raised_at=now,
        due_by=due_by(now),
    )
    record(
        actor=SystemActor("alerts"),
        action="alert.raised",
        obj=alert,
        detail={"kind": kind, "instrument": response.instrument_code},
    )
    therapist = course.therapist
    transaction.on_commit(lambda: _notify(therapist, alert, escalated=False))
    return alert


def _notify(user: User, alert: RiskAlert, *, escalated: bool) -> None:
    """An email with no clinical content: only that an alert waits, and where."""
    if not user.email:
        return
    context = {
        "user": user,
        "escalated": escalated,
        "url": settings.BASE_URL.rstrip("/") + reverse("monitoring:alert", args=[alert.public_id]),
        "service": ServiceSettings.load(),
    }
    subject = "An alert is waiting for you in Interplay"
    if escalated:
        subject = "An alert in Interplay has not been acknowledged"
    message = EmailMultiAlternatives(
        subject, render_to_string("monitoring/email/alert.txt", context), to=[user.email]
    )
    message.attach_alternative(
        render_to_string("monitoring/email/alert.html", context), "text/html"
    )
    message.send()


def may_act_on(user: Any, alert: RiskAlert) -> bool:
    """The course's therapist, or their supervisor (who sees every alert of their
    supervisees, and is the one it escalates to)."""
    if can(user, Action.RUN_COURSE) and alert.therapist_id == user.pk:
        return True
    if can(user, Action.SUPERVISE):
        profile = getattr(alert.therapist, "clinician", None)
        return alert.escalated_to_id == user.pk or (
            profile is not None and profile.supervisor_id == user.pk
        )
    return False


def acknowledge_alert(*, actor: Any, alert: RiskAlert, action_note: str) -> RiskAlert:
    """Close an alert with a note of what was done (a call made, a plan, a referral on)."""
    if not action_note.strip():
        raise RuleViolation("Write what you did or will do about this alert.")
    with transaction.atomic():
        alert = RiskAlert.objects.select_for_update().select_related("therapist").get(pk=alert.pk)
        if not may_act_on(actor, alert):
            raise PermissionDenied("Only the therapist or their supervisor acknowledges alerts.")
        if not alert.is_open:
            raise RuleViolation("This alert has already been acknowledged.")
        now = timezone.now()
        alert.acknowledged_at, alert.acknowledged_by = now, actor
        alert.action_note = action_note.strip()
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "action_note"])
        record(
            actor=actor,
            action="alert.acknowledged",
            obj=alert,
            detail={
                "kind": alert.kind,
                "by_therapist": actor.pk == alert.therapist_id,
                "after_escalation": alert.escalated_at is not None,
                "late": now > alert.due_by,
            },
        )
    return alert


def _escalation_target(alert: RiskAlert) -> User | None:
    profile = getattr(alert.therapist, "clinician", None)
    if profile is not None and profile.supervisor_id:
        supervisor: User = profile.supervisor
        return supervisor
    # No supervisor named: any active supervisor, so the alert still reaches someone.
    return (
        User.objects.filter(is_active=True, role_assignments__role=Role.SUPERVISOR)
        .exclude(pk=alert.therapist_id)
        .order_by("pk")
        .first()
    )


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Escalate every open alert past its time to the therapist's supervisor; once each."""
    now = now or timezone.now()
    count = 0
    for pk in RiskAlert.objects.overdue(now).values_list("pk", flat=True):
        with transaction.atomic():
            # Lock only the alert row: PostgreSQL cannot lock the nullable side of the
            # outer joins that reach the supervisor.
            alert = (
                RiskAlert.objects.select_for_update(of=("self",))
                .select_related("therapist__clinician__supervisor")
                .filter(pk=pk)
                .filter(Q(acknowledged_at__isnull=True) & Q(escalated_at__isnull=True))
                .first()
            )
            if alert is None:
                continue  # acknowledged or escalated since the list was read
            target = _escalation_target(alert)
            alert.escalated_at, alert.escalated_to = now, target
            alert.save(update_fields=["escalated_at", "escalated_to"])
            record(
                actor=SystemActor("escalate_alerts"),
                action="alert.escalated",
                obj=alert,
                detail={"kind": alert.kind, "to": target.get_username() if target else ""},
            )
            if target is not None:
                transaction.on_commit(functools.partial(_notify, target, alert, escalated=True))
            count += 1
    return count
