"""Attendance, the attendance policy's tasks, and moving a session."""

import datetime as dt

import time_machine
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.courses import attendance, services
from interplay.courses.models import Appointment, Course, CourseTask, TaskKind
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.test import BaseTestCase, allocated_to, give_hours, qualify

LONDON = dt.UTC


class AttendanceTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        referral = allocated_to(self.therapist, "ipt")
        self.course: Course = services.start_course(
            actor=self.therapist,
            referral=referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2026, 9, 7),
            history=True,
        )
        self.sessions = list(self.course.appointments.order_by("number"))

    def test_a_missed_session_raises_a_risk_check_and_the_second_an_attendance_review(self) -> None:
        first = attendance.record_attendance(
            actor=self.therapist, appointment=self.sessions[0], status="dna"
        )
        self.assertEqual([t.kind for t in first], [TaskKind.RISK_CHECK])
        attendance.record_attendance(
            actor=self.therapist, appointment=self.sessions[1], status="attended"
        )
        second = attendance.record_attendance(
            actor=self.therapist, appointment=self.sessions[2], status="cancelled_late"
        )
        self.assertEqual(
            [t.kind for t in second], [TaskKind.RISK_CHECK, TaskKind.ATTENDANCE_REVIEW]
        )
        event = AuditEvent.objects.by_action("course.tasks_raised").order_by("sequence").last()
        assert event is not None
        self.assertEqual(event.detail["missed_so_far"], 2)

    def test_a_cancellation_with_notice_raises_nothing(self) -> None:
        raised = attendance.record_attendance(
            actor=self.therapist, appointment=self.sessions[0], status="cancelled_patient"
        )
        self.assertEqual(raised, [])

    @time_machine.travel(dt.datetime(2026, 9, 1, 9, tzinfo=LONDON))
    def test_a_future_session_cannot_be_marked_attended(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "before it has happened"):
            attendance.record_attendance(
                actor=self.therapist, appointment=self.sessions[0], status="attended"
            )

    def test_only_the_courses_therapist_records_attendance(self) -> None:
        with self.assertRaises(PermissionDenied):
            attendance.record_attendance(
                actor=self.outsider, appointment=self.sessions[0], status="attended"
            )

    def test_closing_a_task_needs_what_was_done(self) -> None:
        (task,) = attendance.record_attendance(
            actor=self.therapist, appointment=self.sessions[0], status="dna"
        )
        with self.assertRaisesMessage(RuleViolation, "Say what you did"):
            attendance.complete_task(actor=self.therapist, task=task, outcome=" ")
        attendance.complete_task(actor=self.therapist, task=task, outcome="Phoned; safe; rebooked.")
        self.assertFalse(CourseTask.objects.open().exists())


class SessionPageTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        referral = allocated_to(self.therapist, "ipt")
        self.course = services.start_course(
            actor=self.therapist,
            referral=referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2026, 9, 7),
            history=True,
        )
        self.first: Appointment = self.course.appointments.get(number=1)
        self.url = reverse("courses:session", args=[self.first.public_id])

    def test_the_session_page_knows_its_number_phase_and_tasks(self) -> None:
        self.sign_in(self.therapist)
        page = self.client.get(self.url)
        self.assertContains(page, "Session 1 of 16, initial phase")
        self.assertContains(page, "Initial phase: what to cover")

    def test_the_ladder(self) -> None:
        for user, status in [
            (self.therapist, 200),
            (self.supervisor, 200),
            (self.outsider, 404),
            (self.triage, 403),
        ]:
            self.sign_in(user)
            self.assertEqual(self.client.get(self.url).status_code, status, user)
        self.sign_in(self.supervisor)
        post = reverse("courses:attendance", args=[self.first.public_id])
        self.assertEqual(self.client.post(post, {"attendance-status": "attended"}).status_code, 403)

    def test_recording_a_dna_shows_the_tasks_on_the_course(self) -> None:
        self.sign_in(self.therapist)
        post = reverse("courses:attendance", args=[self.first.public_id])
        response = self.client.post(post, {"attendance-status": "dna"}, follow=True)
        self.assertContains(response, "1 task(s) raised")
        course = self.client.get(reverse("courses:detail", args=[self.course.public_id]))
        self.assertContains(course, "Check risk after a missed session")

    def test_a_bad_new_time_is_explained_beside_the_field(self) -> None:
        self.sign_in(self.therapist)
        post = reverse("courses:reschedule", args=[self.first.public_id])
        response = self.client.post(
            post, {"move-date_0": "31", "move-date_1": "2", "move-date_2": "2027", "move-time": "9"}
        )
        self.assertContains(response, "must be a real date", status_code=400)


class EndCourseTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        self.referral = allocated_to(self.therapist, "ipt")
        self.course = services.start_course(
            actor=self.therapist,
            referral=self.referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2026, 9, 7),
            history=True,
        )

    def test_ending_cancels_later_sessions_frees_the_place_and_discharges(self) -> None:
        from interplay.triage.models import Allocation

        attendance.end_course(
            actor=self.therapist,
            course=self.course,
            outcome="dropped_out",
            reason="Moved away; agreed to stop.",
        )
        self.course.refresh_from_db()
        self.referral.refresh_from_db()
        self.assertEqual((self.course.status, self.referral.status), ("dropped_out", "discharged"))
        later = self.course.appointments.filter(starts_at__gt=dt.datetime.now(dt.UTC))
        self.assertTrue(later.exists())
        self.assertFalse(later.filter(status="booked").exists())
        self.assertFalse(Allocation.objects.active().exists())
        with self.assertRaisesMessage(RuleViolation, "already ended"):
            attendance.end_course(
                actor=self.therapist, course=self.course, outcome="completed", reason="x"
            )

    def test_the_course_page_ends_it_with_a_reason(self) -> None:
        for appointment in attendance.unresolved(self.course):
            attendance.record_attendance(
                actor=self.therapist, appointment=appointment, status="attended"
            )
        self.sign_in(self.therapist)
        url = reverse("courses:end", args=[self.course.public_id])
        missing = self.client.post(url, {"end-outcome": "completed"})
        self.assertContains(missing, "Say why the course ended", status_code=400)
        done = self.client.post(url, {"end-outcome": "completed", "end-reason": "All 16 done."})
        self.assertEqual(done.status_code, 302)
        self.assertContains(self.client.get(done["Location"]), "Completed on")
        self.sign_in(self.supervisor)
        self.assertEqual(
            self.client.post(url, {"end-outcome": "completed", "end-reason": "x"}).status_code, 403
        )


class ShiftTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        self.referral = allocated_to(self.therapist, "ipt")
        self.course = services.start_course(
            actor=self.therapist,
            referral=self.referral,
            protocol_code="ipt16",
            weekday=0,
            at=dt.time(10),
            first_date=dt.date(2027, 1, 4),
            history=True,
        )

    def test_all_remaining_sessions_move_a_week_keeping_day_and_time(self) -> None:
        before = {a.number: a.starts_at for a in self.course.appointments.all()}
        services.shift_remaining(actor=self.therapist, course=self.course, from_number=5, weeks=1)
        after = {a.number: a.starts_at for a in self.course.appointments.all()}
        self.assertEqual([after[n] for n in range(1, 5)], [before[n] for n in range(1, 5)])
        self.assertGreaterEqual(after[5] - before[5], dt.timedelta(days=7))
        self.assertTrue(all(after[n].astimezone(dt.UTC).weekday() == 0 for n in after))
        self.assertEqual(len(set(after.values())), 16)
        self.course.refresh_from_db()
        self.assertGreater(self.course.agreed_end_date, before[16].date())

    def test_the_course_page_explains_a_bad_request(self) -> None:
        self.sign_in(self.therapist)
        url = reverse("courses:shift", args=[self.course.public_id])
        response = self.client.post(url, {"shift-from_number": "5", "shift-weeks": "12"})
        self.assertContains(response, "Move sessions by 1 to 8 weeks", status_code=400)
        done = self.client.post(url, {"shift-from_number": "5", "shift-weeks": "1"})
        self.assertEqual(done.status_code, 302)
