"""Problems and goals through the API: their ratings for the course's readers, and
re-rating at a session the protocol names through the problems page's service."""

import datetime as dt
from typing import ClassVar

from django.utils import timezone

from interplay.api.tests.caseload import ApiCase
from interplay.audit.models import AuditEvent
from interplay.courses import attendance
from interplay.courses.models import Appointment, Course
from interplay.progress import services as progress
from interplay.progress.models import Problem, ProblemRating
from interplay.test import AUDIT_WRITE, course_for


class ProblemApiTests(ApiCase):
    course: ClassVar[Course]
    problem: ClassVar[Problem]
    goal: ClassVar[Problem]
    eighth: ClassVar[Appointment]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        start = timezone.localdate() - dt.timedelta(weeks=10)
        cls.course = course_for(cls.therapist, first_date=start)
        first = cls.course.appointments.get(number=1)
        cls.problem = progress.add_problem(
            actor=cls.therapist,
            course=cls.course,
            kind="problem",
            description="Arguments with her sister since the funeral",
            baseline=8,
            session=first,
        )
        cls.goal = progress.add_problem(
            actor=cls.therapist,
            course=cls.course,
            kind="goal",
            description="Back to the choir",
            baseline=1,
            session=first,
        )
        cls.eighth = cls.course.appointments.get(number=8)
        attendance.record_attendance(actor=cls.therapist, appointment=cls.eighth, status="attended")

    def path(self, tail: str = "") -> str:
        return f"/api/v1/courses/{self.course.public_id}/problems{tail}"

    def test_the_permission_ladder(self) -> None:
        self.assert_problem(self.get(self.path(), None), 401)
        self.assert_problem(self.get(self.path(), self.key(self.manager)), 403)
        self.assert_problem(self.get(self.path(), self.key(self.outsider)), 404)
        for allowed in (self.therapist, self.supervisor):
            self.assertEqual(self.get(self.path(), self.key(allowed)).status_code, 200)

    def test_problems_come_with_their_ratings_and_the_sessions_to_re_rate_at(self) -> None:
        body = self.get(self.path(), self.key(self.supervisor)).json()
        self.assertEqual(body["rerate_sessions"], [8, 16])
        problem, goal = body["items"]
        self.assertEqual(problem["description"], "Arguments with her sister since the funeral")
        self.assertEqual(
            problem["ratings"][0] | {"rated_at": None},
            {
                "score": 8,
                "session": 1,
                "rater": "therapist",
                "rated_by": "therapist",
                "rated_at": None,
                "baseline": True,
            },
        )
        self.assertEqual(goal["kind"], "goal")
        event = AuditEvent.objects.filter(action="progress.problems_viewed").latest("sequence")
        self.assertEqual((event.actor, event.detail), (self.supervisor, {"via": "api"}))

    def test_re_rating_calls_the_page_s_service(self) -> None:
        key = self.key(self.therapist, write=True)
        scores = {str(self.problem.public_id): 4, str(self.goal.public_id): 6}
        response = self.call("POST", self.path("/ratings"), key, {"session": 8, "scores": scores})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["ratings"][str(self.goal.public_id)]["score"], 6)
        latest = ProblemRating.objects.filter(session=self.eighth).order_by("problem_id")
        self.assertEqual([r.score for r in latest], [4, 6])
        events = AuditEvent.objects.filter(action="progress.problem_rated")
        self.assertEqual(sorted(e.detail["score"] for e in events), [4, 6])

    def test_the_page_s_rules_hold_all_or_none(self) -> None:
        key = self.key(self.therapist, write=True)
        good = {str(self.problem.public_id): 4}
        early = self.call("POST", self.path("/ratings"), key, {"session": 5, "scores": good})
        self.assert_problem(early, 409)
        both = {str(self.problem.public_id): 4, str(self.goal.public_id): 11}
        self.assert_problem(
            self.call("POST", self.path("/ratings"), key, {"session": 8, "scores": both}), 422
        )
        stranger = {str(self.problem.public_id): 4, str(self.course.public_id): 2}
        self.assert_problem(
            self.call("POST", self.path("/ratings"), key, {"session": 8, "scores": stranger}), 409
        )
        self.assertEqual(ProblemRating.objects.filter(session=self.eighth).count(), 0)

    def test_only_the_course_s_therapist_with_a_write_token_re_rates(self) -> None:
        body = {"session": 8, "scores": {str(self.problem.public_id): 4}}
        path = self.path("/ratings")
        self.assert_problem(self.call("POST", path, None, body), 401)
        self.assert_problem(self.call("POST", path, self.key(self.therapist), body), 403)
        self.assert_problem(
            self.call("POST", path, self.key(self.supervisor, write=True), body), 403
        )
        self.assert_problem(self.call("POST", path, self.key(self.outsider, write=True), body), 404)

    def test_the_list_reads_a_constant_number_of_queries(self) -> None:
        key = self.key(self.therapist)
        self.get("/api/v1/whoami", key)
        for n in range(8):
            progress.add_problem(
                actor=self.therapist,
                course=self.course,
                kind="goal",
                description=f"Goal {n}",
                baseline=2,
                session=self.course.appointments.get(number=2),
            )
        with self.assertNumQueries(5 + AUDIT_WRITE):
            two = self.get(self.path("?limit=2"), key).json()["items"]
        with self.assertNumQueries(5 + AUDIT_WRITE):
            ten = self.get(self.path("?limit=10"), key).json()["items"]
        self.assertEqual((len(two), len(ten)), (2, 10))
