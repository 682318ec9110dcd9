"""Appointment reminders: an email with an .ics attachment before each session, once.

A schedulable sweep (`manage.py send_reminders`) queues one job per session due a
reminder; each job claims its session with a conditional update before sending, so a
reminder goes out once even if the sweep or the job runs twice. Cancelled sessions get
none. The email names no therapy and no clinician: an inbox may be shared.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Appointment, AppointmentStatus
from interplay.patients import access

HOURS_BEFORE = 48


def due(now: dt.datetime | None = None, hours_before: int = HOURS_BEFORE) -> list[Appointment]:
    """Booked sessions starting within ``hours_before`` hours with no reminder sent yet."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=hours_before),
        ).exclude(course__patient__email="")
    )


def queue_due(now: dt.datetime | None = None) -> int:
    appointments = due(now)
    for appointment in appointments:
        send_reminder.enqueue(str(appointment.public_id))
    return len(appointments)


def ics_for(appointment: Appointment, service_name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Interplay//Appointment//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.public_id}@interplay")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("summary", f"Appointment with {service_name}")
    if appointment.room:
        event.add("location", appointment.room.name)
    elif appointment.course.video_link:
        event.add("location", appointment.course.video_link)
    calendar.add_component(event)
    return calendar.to_ical()


def _portal_link(appointment: Appointment) -> str:
    """A one-time sign-in link to the portal, good until the session starts, for the
    questionnaires due before it. Empty when the person has not agreed to email."""
    patient = appointment.course.patient
    if not access.may_email(patient):
        return ""
    token = access.issue_link(
        patient, expires_at=appointment.starts_at, next_path=reverse("portal:home")
    )
    return access.link_url(token)


@task()
def send_reminder(appointment_public_id: str) -> bool:
    """Send one session's reminder, once; nothing for a session no longer booked."""
    with transaction.atomic():
        claimed = Appointment.objects.filter(
            public_id=appointment_public_id,
            status=AppointmentStatus.BOOKED,
            reminder_sent_at__isnull=True,
        ).update(reminder_sent_at=timezone.now())
        if not claimed:
            return False
        appointment = Appointment.objects.select_related("course__patient", "room").get(
            public_id=appointment_public_id
        )
        service = ServiceSettings.load()
        context = {
            "appointment": appointment,
            "service": service,
            "portal_url": _portal_link(appointment),
        }
        message = EmailMultiAlternatives(
            subject=f"Your appointment on {timezone.localtime(appointment.starts_at):%A %-d %B}",
            body=render_to_string("courses/email/reminder.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[appointment.course.patient.email],
        )
        message.attach_alternative(
            render_to_string("courses/email/reminder.html", context), "text/html"
        )
        message.attach("appointment.ics", ics_for(appointment, service.name), "text/calendar")
        message.send()
    return True
