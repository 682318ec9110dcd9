"""Courses through the API: a therapist's client reads their caseload and where each
course is, under the same rules as the caseload and course pages."""

from typing import ClassVar

from django.db import connection
from django.test.utils import CaptureQueriesContext

from interplay.accounts.roles import Role
from interplay.api.tests.caseload import ApiCase
from interplay.audit.models import AuditEvent
from interplay.courses import attendance
from interplay.courses.models import Course
from interplay.formulation import services as formulation
from interplay.test import course_for, make_clinician


class CourseApiTests(ApiCase):
    course: ClassVar[Course]
    elsewhere: ClassVar[Course]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.course = course_for(cls.therapist, first_name="Alex")
        cls.elsewhere = course_for(cls.outsider, first_name="Sam")

    def test_the_permission_ladder(self) -> None:
        path = f"/api/v1/courses/{self.course.public_id}"
        self.assert_problem(self.get(path, None), 401)
        for role_that_may_not in (self.triage, self.manager, self.admin):
            self.assert_problem(self.get(path, self.key(role_that_may_not)), 403)
        self.assert_problem(self.get(path, self.key(self.outsider)), 404)
        for allowed in (self.therapist, self.supervisor):
            self.assertEqual(self.get(path, self.key(allowed)).status_code, 200)

    def test_a_course_shows_each_session_with_its_number_and_phase(self) -> None:
        response = self.get(f"/api/v1/courses/{self.course.public_id}", self.key(self.therapist))
        body = response.json()
        self.assertEqual(body["id"], str(self.course.public_id))
        self.assertEqual(body["status"], "active")
        self.assertEqual(body["protocol"]["code"], "ipt16")
        self.assertEqual(len(body["sessions"]), 16)
        seventh = body["sessions"][6]
        self.assertEqual(seventh["label"], "Session 7 of 16, middle phase")
        self.assertEqual(seventh["phase"]["key"], "middle")
        self.assertEqual([p["key"] for p in body["phases"]], ["initial", "middle", "termination"])
        self.assertIsNone(body["focus"])
        self.assertEqual(body["patient"]["name"], "Alex Testwell")

    def test_the_focus_comes_as_its_coded_values_without_what_was_written(self) -> None:
        formulation.record_focus(
            actor=self.therapist,
            course=self.course,
            problem_area="role_dispute",
            dispute_stage="impasse",
            rationale="Low mood began as the arguments stopped being talked about.",
            formulation="Your low mood is tied to the stalled disagreement with Sam.",
        )
        response = self.get(f"/api/v1/courses/{self.course.public_id}", self.key(self.therapist))
        focus = response.json()["focus"]
        self.assertEqual(
            (focus["problem_area"], focus["dispute_stage"]), ("role_dispute", "impasse")
        )
        self.assertIsNone(focus["agreed_on"])
        self.assertNotIn("stalled disagreement", response.content.decode())

    def test_reading_a_course_is_audited_as_the_page_is(self) -> None:
        self.get(f"/api/v1/courses/{self.course.public_id}", self.key(self.supervisor))
        event = AuditEvent.objects.filter(action="course.viewed").latest("sequence")
        self.assertEqual((event.actor, event.detail), (self.supervisor, {"via": "api"}))
        self.assertEqual(event.object_id, str(self.course.public_id))

    def test_the_list_holds_my_caseload_and_my_supervisees(self) -> None:
        mine = self.get("/api/v1/courses", self.key(self.therapist)).json()
        self.assertEqual([c["id"] for c in mine["items"]], [str(self.course.public_id)])
        theirs = self.get("/api/v1/courses", self.key(self.supervisor)).json()
        self.assertEqual([c["id"] for c in theirs["items"]], [str(self.course.public_id)])
        self.assertEqual(
            AuditEvent.objects.filter(action="caseload.viewed").latest("sequence").detail,
            {"via": "api", "courses": [str(self.course.public_id)]},
        )
        self.assert_problem(self.get("/api/v1/courses", self.key(self.manager)), 403)

    def test_the_list_filters_by_status_and_pages_with_a_cursor(self) -> None:
        second = course_for(self.therapist, first_name="Jo", first_date=self.course.start_date)
        attendance.end_course(
            actor=self.therapist, course=second, outcome="dropped_out", reason="Moved away"
        )
        key = self.key(self.therapist)
        active = self.get("/api/v1/courses?status=active", key).json()["items"]
        self.assertEqual([c["id"] for c in active], [str(self.course.public_id)])
        ended = self.get("/api/v1/courses?status=dropped_out", key).json()["items"]
        self.assertEqual([c["id"] for c in ended], [str(second.public_id)])
        self.assert_problem(self.get("/api/v1/courses?status=lost", key), 422)
        first = self.get("/api/v1/courses?limit=1", key).json()
        rest = self.get(f"/api/v1/courses?limit=1&cursor={first['next_cursor']}", key).json()
        self.assertEqual(
            [c["id"] for c in first["items"] + rest["items"]],
            [str(self.course.public_id), str(second.public_id)],
        )
        self.assertIsNone(rest["next_cursor"])

    def test_the_list_reads_a_constant_number_of_queries(self) -> None:
        def supervisees_courses() -> int:
            return Course.objects.filter(therapist__clinician__supervisor=self.supervisor).count()

        def read(wanted: int) -> None:
            response = self.get("/api/v1/courses", key)
            self.assertEqual(len(response.json()["items"]), wanted)

        key = self.key(self.supervisor)
        self.get("/api/v1/whoami", key)  # the token's last use is written once a minute
        course_for(make_clinician("second", Role.THERAPIST, supervisor=self.supervisor))
        with CaptureQueriesContext(connection) as two:
            read(2)
        while supervisees_courses() < 10:
            n = supervisees_courses()
            course_for(make_clinician(f"t{n}", Role.THERAPIST, supervisor=self.supervisor))
        with self.assertNumQueries(len(two)):
            read(10)
