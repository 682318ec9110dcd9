"""The outcome of a course through the API: the same flags the course page shows."""

import datetime as dt
from typing import ClassVar

from django.utils import timezone

from interplay.api.tests.caseload import ApiCase
from interplay.audit.models import AuditEvent
from interplay.courses.models import Course
from interplay.measures.panel import outcome_panel
from interplay.monitoring import services as monitoring
from interplay.test import answers, course_for


class OutcomeApiTests(ApiCase):
    course: ClassVar[Course]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        start = timezone.localdate() - dt.timedelta(weeks=10)
        cls.course = course_for(cls.therapist, first_date=start)
        for number, phq, gad in (
            (1, [2] * 8 + [0], [2] * 6 + [0]),
            (8, [1] * 5 + [0] * 4, [0] * 7),
        ):
            for code, given in (("phq9", phq), ("gad7", gad)):
                monitoring.submit_response(
                    actor=cls.therapist,
                    appointment=cls.course.appointments.get(number=number),
                    instrument_code=code,
                    answers=answers(given),
                    source="in_session",
                )

    def path(self) -> str:
        return f"/api/v1/courses/{self.course.public_id}/outcome"

    def test_the_permission_ladder(self) -> None:
        self.assert_problem(self.get(self.path(), None), 401)
        self.assert_problem(self.get(self.path(), self.key(self.manager)), 403)
        self.assert_problem(self.get(self.path(), self.key(self.outsider)), 404)
        for allowed in (self.therapist, self.supervisor):
            self.assertEqual(self.get(self.path(), self.key(allowed)).status_code, 200)

    def test_a_recovered_course_reads_as_the_course_page_shows_it(self) -> None:
        body = self.get(self.path(), self.key(self.supervisor)).json()
        self.assertEqual(body["phq9"], {"first": 16, "last": 5, "change": -11, "paired": True})
        self.assertEqual(body["gad7"], {"first": 12, "last": 0, "change": -12, "paired": True})
        self.assertTrue(body["at_caseness"] and body["recovered"] and body["reliable_recovery"])
        self.assertFalse(body["reliable_deterioration"])
        shown = outcome_panel(self.course).outcome
        for flag in ("recovered", "reliable_improvement", "no_reliable_change", "mixed"):
            self.assertEqual(body[flag], getattr(shown, flag), flag)
        self.assertEqual(
            [(s["session"], s["phq9"], s["gad7"]) for s in body["sessions"]],
            [(1, 16, 12), (8, 5, 0)],
        )
        event = AuditEvent.objects.filter(action="course.viewed").latest("sequence")
        self.assertEqual(event.detail, {"via": "api", "outcome": True})

    def test_before_two_scores_nothing_is_claimed(self) -> None:
        fresh = course_for(self.therapist, first_name="Kit")
        body = self.get(f"/api/v1/courses/{fresh.public_id}/outcome", self.key(self.therapist))
        body = body.json()
        self.assertEqual((body["phq9"], body["paired"], body["recovered"]), (None, False, False))
        self.assertEqual(body["sessions"], [])
