"""Appointments through the API: a course's sessions, and attendance recorded by the
course's therapist through the service the session page calls."""

import datetime as dt
from typing import ClassVar

from django.utils import timezone

from interplay.api.tests.caseload import ApiCase
from interplay.audit.models import AuditEvent
from interplay.courses.models import Appointment, Course, CourseTask
from interplay.test import AUDIT_WRITE, course_for


class AppointmentApiTests(ApiCase):
    course: ClassVar[Course]
    fourth: ClassVar[Appointment]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Started ten weeks ago: sessions 1-10 have happened, 11-16 are to come.
        start = timezone.localdate() - dt.timedelta(weeks=10)
        cls.course = course_for(cls.therapist, first_date=start)
        cls.fourth = cls.course.appointments.get(number=4)

    def path(self, appointment: Appointment, tail: str = "") -> str:
        return f"/api/v1/appointments/{appointment.public_id}{tail}"

    def test_the_permission_ladder(self) -> None:
        for path in (
            self.path(self.fourth),
            f"/api/v1/courses/{self.course.public_id}/appointments",
        ):
            self.assert_problem(self.get(path, None), 401)
            self.assert_problem(self.get(path, self.key(self.manager)), 403)
            self.assert_problem(self.get(path, self.key(self.triage)), 403)
            self.assert_problem(self.get(path, self.key(self.outsider)), 404)
            self.assertEqual(self.get(path, self.key(self.therapist)).status_code, 200)
            self.assertEqual(self.get(path, self.key(self.supervisor)).status_code, 200)

    def test_a_session_knows_its_number_and_phase_and_sends_its_etag(self) -> None:
        response = self.get(self.path(self.fourth), self.key(self.therapist))
        body = response.json()
        self.assertEqual(body["label"], "Session 4 of 16, initial phase")
        self.assertEqual((body["status"], body["course"]), ("booked", str(self.course.public_id)))
        self.assertTrue(response["ETag"].startswith('"'))
        event = AuditEvent.objects.filter(action="course.viewed").latest("sequence")
        self.assertEqual(event.detail, {"via": "api", "session": 4})

    def test_the_sessions_come_a_page_at_a_time_in_a_constant_number_of_queries(self) -> None:
        key = self.key(self.supervisor)
        path = f"/api/v1/courses/{self.course.public_id}/appointments"
        self.get("/api/v1/whoami", key)
        with self.assertNumQueries(4 + AUDIT_WRITE):
            two = self.get(f"{path}?limit=2", key).json()
        with self.assertNumQueries(4 + AUDIT_WRITE):
            ten = self.get(f"{path}?limit=10&cursor={two['next_cursor']}", key).json()
        self.assertEqual([a["number"] for a in two["items"]], [1, 2])
        self.assertEqual([a["number"] for a in ten["items"]], list(range(3, 13)))

    def test_a_missed_session_raises_the_same_tasks_as_from_the_page(self) -> None:
        key = self.key(self.therapist, write=True)
        tag = self.get(self.path(self.fourth), key)["ETag"]
        response = self.call(
            "POST", self.path(self.fourth, "/attendance"), key, {"status": "dna"}, If_Match=tag
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["tasks_raised"], ["risk_check"])
        self.assertNotEqual(response["ETag"], tag)
        self.fourth.refresh_from_db()
        self.assertEqual(self.fourth.status, "dna")
        self.assertTrue(CourseTask.objects.filter(course=self.course, kind="risk_check").exists())
        event = AuditEvent.objects.get(action="appointment.attendance")
        self.assertEqual(event.actor, self.therapist)
        self.assertEqual(event.detail, {"session": 4, "from": "booked", "to": "dna"})

    def test_attendance_needs_the_latest_etag(self) -> None:
        key = self.key(self.therapist, write=True)
        path = self.path(self.fourth, "/attendance")
        stale = self.get(self.path(self.fourth), key)["ETag"]
        self.assert_problem(self.call("POST", path, key, {"status": "attended"}), 428)
        self.call("POST", path, key, {"status": "attended"}, If_Match=stale)
        # A second writer still holding the old tag is told, not silently obeyed.
        body = self.assert_problem(
            self.call("POST", path, key, {"status": "dna"}, If_Match=stale), 412
        )
        self.assertIn("changed since you read it", body["detail"])
        self.fourth.refresh_from_db()
        self.assertEqual(self.fourth.status, "attended")

    def test_only_the_course_s_therapist_with_a_write_token_records_attendance(self) -> None:
        path = self.path(self.fourth, "/attendance")
        tag = self.get(self.path(self.fourth), self.key(self.therapist))["ETag"]
        read_only = self.call("POST", path, self.key(self.therapist), {"status": "attended"})
        self.assertIn("read-only", self.assert_problem(read_only, 403)["detail"])
        supervisor = self.key(self.supervisor, write=True)
        self.assert_problem(
            self.call("POST", path, supervisor, {"status": "attended"}, If_Match=tag), 403
        )
        outsider = self.key(self.outsider, write=True)
        self.assert_problem(
            self.call("POST", path, outsider, {"status": "attended"}, If_Match=tag), 404
        )
        self.assert_problem(self.call("POST", path, None, {"status": "attended"}), 401)
        self.fourth.refresh_from_db()
        self.assertEqual(self.fourth.status, "booked")

    def test_the_service_s_rules_answer_409_and_bad_input_422(self) -> None:
        key = self.key(self.therapist, write=True)
        later = self.course.appointments.get(number=14)
        tag = self.get(self.path(later), key)["ETag"]
        path = self.path(later, "/attendance")
        refused = self.call("POST", path, key, {"status": "attended"}, If_Match=tag)
        self.assertIn("before it has happened", self.assert_problem(refused, 409)["detail"])
        self.assert_problem(
            self.call("POST", path, key, {"status": "not_needed"}, If_Match=tag), 422
        )
