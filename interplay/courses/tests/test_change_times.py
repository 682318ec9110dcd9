"""Every change to a course or a session moves its change time (``updated_at``), which a
system polling for changes reads; a look never does."""

import datetime as dt
import importlib

import time_machine
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone

from interplay.courses import attendance, reminders, services
from interplay.courses.models import Appointment, Course
from interplay.patients import retention
from interplay.test import BaseTestCase, course_for, sign_in

STARTED = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 9, 22, 16, tzinfo=dt.UTC)
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Mondays well after the machine's own clock, whatever the day the tests run.
FUTURE = dt.date(2099, 1, 5)
backfill = importlib.import_module("interplay.courses.migrations.0009_updated_at")


class ChangeTimeTests(BaseTestCase):
    def setUp(self) -> None:
        with time_machine.travel(STARTED, tick=False):
            self.course: Course = course_for(self.therapist, first_date=dt.date(2026, 9, 7))
        self.sessions = {a.number: a for a in self.course.appointments.all()}

    def times(self) -> tuple[dt.datetime, dict[int, dt.datetime]]:
        course = Course.objects.get(pk=self.course.pk)
        sessions = dict(self.course.appointments.values_list("number", "updated_at"))
        return course.updated_at, sessions

    def changed_later(self) -> tuple[bool, list[int]]:
        """Whether the course changed at LATER, and which sessions did."""
        course, sessions = self.times()
        return course == LATER, sorted(n for n, at in sessions.items() if at == LATER)

    def test_a_new_course_and_its_sessions_changed_when_booked(self) -> None:
        course, sessions = self.times()
        self.assertEqual(course, STARTED)
        self.assertEqual(set(sessions.values()), {STARTED})

    @time_machine.travel(LATER, tick=False)
    def test_recording_attendance_changes_the_session_and_its_course(self) -> None:
        attendance.record_attendance(
            actor=self.therapist, appointment=self.sessions[2], status="dna"
        )
        self.assertEqual(self.changed_later(), (True, [2]))

    @time_machine.travel(LATER, tick=False)
    def test_moving_a_session_changes_it_and_its_course(self) -> None:
        fifth = self.sessions[5]
        attendance.reschedule(
            actor=self.therapist,
            appointment=fifth,
            starts_at=fifth.starts_at + dt.timedelta(hours=2),
        )
        self.assertEqual(self.changed_later(), (True, [5]))

    @time_machine.travel(LATER, tick=False)
    def test_shifting_the_remaining_sessions_changes_each_of_them(self) -> None:
        services.shift_remaining(actor=self.therapist, course=self.course, from_number=14, weeks=1)
        self.assertEqual(self.changed_later(), (True, [14, 15, 16]))

    @time_machine.travel(LATER, tick=False)
    def test_ending_a_course_changes_it_and_the_sessions_no_longer_needed(self) -> None:
        attendance.end_course(
            actor=self.therapist, course=self.course, outcome="dropped_out", reason="Moved away"
        )
        # Sessions 1-3 have passed (still booked, so unchanged); 4-16 are not needed.
        self.assertEqual(self.changed_later(), (True, list(range(4, 17))))

    def test_anonymising_the_person_changes_their_courses(self) -> None:
        retention.anonymise(self.course.patient, now=LATER)
        changed, sessions = self.changed_later()
        self.assertTrue(changed)
        self.assertEqual(sessions, list(range(1, 17)))

    @time_machine.travel(LATER, tick=False)
    def test_reading_the_course_and_a_session_changes_nothing(self) -> None:
        client = Client()
        sign_in(client, self.therapist)
        self.assertEqual(client.get(f"/courses/{self.course.public_id}/").status_code, 200)
        session = f"/courses/sessions/{self.sessions[2].public_id}/"
        self.assertEqual(client.get(session).status_code, 200)
        self.assertEqual(self.changed_later(), (False, []))

    def test_sending_a_reminder_is_not_a_change_to_the_session(self) -> None:
        with time_machine.travel(STARTED, tick=False):
            later = course_for(self.therapist, first_date=dt.date(2026, 10, 5), first_name="Jo")
        first = later.appointments.get(number=1)
        with time_machine.travel(LATER, tick=False):
            self.assertTrue(reminders.send_reminder.call(str(first.public_id)))
        first.refresh_from_db()
        self.assertIsNotNone(first.reminder_sent_at)
        self.assertEqual(first.updated_at, STARTED)


class BackfillTests(BaseTestCase):
    """The migration gives rows made before change times a time their own columns imply."""

    def test_each_row_gets_the_time_it_last_changed_as_far_as_its_columns_tell(self) -> None:
        with time_machine.travel(STARTED, tick=False):
            course = course_for(self.therapist, first_date=dt.date(2026, 9, 7))
            upcoming = course_for(self.therapist, first_date=FUTURE, first_name="Jo")
        sessions = {a.number: a for a in course.appointments.all()}
        with time_machine.travel(LATER, tick=False):
            attendance.record_attendance(
                actor=self.therapist, appointment=sessions[1], status="attended"
            )
            attendance.end_course(
                actor=self.therapist, course=course, outcome="dropped_out", reason="Moved away"
            )
        called_off = upcoming.appointments.get(number=2)
        attendance.record_attendance(
            actor=self.therapist, appointment=called_off, status="cancelled_patient"
        )
        Course.objects.update(updated_at=LONG_AGO)
        Appointment.objects.update(updated_at=LONG_AGO)

        before = timezone.now()
        backfill.backfill(django_apps, None)
        after = timezone.now()

        course.refresh_from_db()
        self.assertEqual(course.updated_at, LATER)  # ended
        times = dict(course.appointments.values_list("number", "updated_at"))
        self.assertEqual(times[1], sessions[1].starts_at)  # recorded: taken as its start
        self.assertEqual({times[2], times[3]}, {STARTED})  # still booked: since it began
        self.assertEqual({times[n] for n in range(4, 17)}, {LATER})  # not needed: the end
        booked = upcoming.appointments.exclude(pk=called_off.pk).values_list("updated_at")
        self.assertEqual(set(booked), {(STARTED,)})
        called_off.refresh_from_db()
        # Recorded ahead of its time: never a change time in the future.
        self.assertTrue(before - dt.timedelta(seconds=1) <= called_off.updated_at <= after)
        upcoming.refresh_from_db()
        self.assertEqual(upcoming.updated_at, called_off.updated_at)
