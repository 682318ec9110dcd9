"""The therapist's week, and the same sessions as an iCalendar feed on a secret address."""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from interplay.audit.services import record
from interplay.courses.models import Appointment, AppointmentQuerySet, CalendarFeed

FEED_DAYS_BACK = 28
FEED_DAYS_AHEAD = 180


def week_start(day: dt.date) -> dt.datetime:
    """Midnight on the Monday of the week holding ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min))


def week_of(therapist: Any, day: dt.date) -> AppointmentQuerySet:
    """The therapist's live sessions in the Monday-to-Sunday week holding ``day``, but for
    members' places at group sessions: the group's own session stands for those, once
    (``interplay/groups``)."""
    start = week_start(day)
    return (
        Appointment.objects.live()
        .filter(
            therapist=therapist, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=7)
        )
        .exclude(shared=True)
        .select_related("course__patient", "room")
        .order_by("starts_at")
    )


@dataclass(frozen=True)
class SharedEvent:
    """A session held for several courses at once (a group's), one event in the feed."""

    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str  # never a name
    location: str


@transaction.atomic
def new_feed(*, actor: Any) -> CalendarFeed:
    """Give the therapist a new secret feed address; any old address stops working."""
    feed, _ = CalendarFeed.objects.update_or_create(
        therapist=actor, defaults={"token": secrets.token_urlsafe(32)}
    )
    record(actor=actor, action="calendar_feed.issued", obj=actor)
    return feed


@transaction.atomic
def revoke_feed(*, actor: Any) -> None:
    CalendarFeed.objects.filter(therapist=actor).delete()
    record(actor=actor, action="calendar_feed.revoked", obj=actor)


def feed_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return now - dt.timedelta(days=FEED_DAYS_BACK), now + dt.timedelta(days=FEED_DAYS_AHEAD)


def feed_ics(feed: CalendarFeed, shared: Sequence[SharedEvent] = ()) -> bytes:
    """The sessions as iCalendar: times, session number and room; no names, no notes.
    Members' places at group sessions are left out: ``shared`` holds each group session
    once, as its caller read it."""
    now = timezone.now()
    start, end = feed_window(now)
    sessions = (
        Appointment.objects.live()
        .filter(therapist=feed.therapist, starts_at__gte=start, starts_at__lt=end)
        .exclude(shared=True)
        .select_related("room", "course")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Interplay//Therapist sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Interplay sessions")
    for appointment in sessions:
        event = Event()
        event.add("uid", f"{appointment.public_id}@interplay")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add(
            "summary",
            f"Therapy session {appointment.number} of {appointment.course.planned_sessions}",
        )
        if appointment.room:
            event.add("location", appointment.room.name)
        calendar.add_component(event)
    for item in shared:
        event = Event()
        event.add("uid", f"{item.uid}@interplay")
        event.add("dtstamp", now)
        event.add("dtstart", item.starts_at)
        event.add("dtend", item.ends_at)
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        calendar.add_component(event)
    return calendar.to_ical()
