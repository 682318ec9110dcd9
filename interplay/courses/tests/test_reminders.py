"""Reminders: 48 hours ahead, once even if the job runs twice, none for cancelled sessions."""

import datetime as dt
from io import StringIO

import time_machine
from django.core import mail
from django.core.management import call_command
from icalendar import Calendar

from interplay.courses import attendance, reminders, services
from interplay.test import BaseTestCase, allocated_to, give_hours, qualify

# Monday 7 December 2026 at noon: session 1, Wednesday 9 December at 10:00, is 46 hours away.
MONDAY_MORNING = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)


class ReminderTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (2, "09:00", "17:00"))
        referral = allocated_to(self.therapist, "ipt", email="robin@example.org")
        self.course = services.start_course(
            actor=self.therapist,
            referral=referral,
            protocol_code="ipt16",
            weekday=2,
            at=dt.time(10),
            first_date=dt.date(2026, 12, 9),
            history=True,
            video_link="https://video.example.org/robin",
        )
        mail.outbox = []

    def test_the_sweep_sends_one_reminder_with_a_calendar_file(self) -> None:
        with time_machine.travel(MONDAY_MORNING, tick=False):
            call_command("send_reminders", stdout=StringIO())
            call_command("send_reminders", stdout=StringIO())
        message = self.only_email()
        self.assertEqual(message.to, ["robin@example.org"])
        self.assertIn("Wednesday 9 December 2026, 10:00", message.body)
        self.assertIn("https://video.example.org/robin", self.html_of(message))
        self.assertNotIn("IPT", f"{message.body} {message.subject}")
        name, content, kind = message.attachments[0]
        self.assertEqual((name, kind), ("appointment.ics", "text/calendar"))
        event = next(iter(Calendar.from_ical(content).walk("VEVENT")))
        self.assertEqual(event.decoded("dtstart"), self.course.appointments.get(number=1).starts_at)

    def test_a_job_run_twice_sends_once(self) -> None:
        first = self.course.appointments.get(number=1)
        self.assertTrue(reminders.send_reminder.call(str(first.public_id)))
        self.assertFalse(reminders.send_reminder.call(str(first.public_id)))
        self.assertEqual(len(mail.outbox), 1)

    def test_a_cancelled_session_gets_no_reminder(self) -> None:
        first = self.course.appointments.get(number=1)
        attendance.record_attendance(
            actor=self.therapist, appointment=first, status="cancelled_patient"
        )
        with time_machine.travel(MONDAY_MORNING, tick=False):
            self.assertEqual(reminders.queue_due(), 0)
        self.assertFalse(reminders.send_reminder.call(str(first.public_id)))
        self.assertEqual(mail.outbox, [])

    def test_sessions_more_than_48_hours_away_wait(self) -> None:
        with time_machine.travel(MONDAY_MORNING - dt.timedelta(days=1), tick=False):
            self.assertEqual(reminders.due(), [])
