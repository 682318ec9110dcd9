"""Questionnaire responses through the API: a course's scores for its readers, and
answers typed by the therapist through the service of their entry page, which raises a
risk alert exactly as the page does."""

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from django.urls import reverse
from django.utils import timezone

from interplay.api.tests.caseload import ApiCase
from interplay.audit.models import AuditEvent
from interplay.courses.models import Appointment, Course
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring import services as monitoring
from interplay.monitoring.models import RiskAlert
from interplay.test import AUDIT_WRITE, answers, course_for

# PHQ-9 of 12, question 9 answered "several days".
LOW_WITH_RISK = answers([2, 2, 1, 1, 1, 1, 1, 2, 1])


class ResponseApiTests(ApiCase):
    course: ClassVar[Course]
    first: ClassVar[Appointment]
    second: ClassVar[Appointment]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        start = timezone.localdate() - dt.timedelta(weeks=10)
        cls.course = course_for(cls.therapist, first_date=start)
        cls.first = cls.course.appointments.get(number=1)
        cls.second = cls.course.appointments.get(number=2)
        monitoring.submit_response(
            actor=cls.therapist,
            appointment=cls.first,
            instrument_code="phq9",
            answers=answers([2, 2, 2, 2, 2, 2, 2, 2, 0]),
            source="in_session",
        )

    def list_path(self) -> str:
        return f"/api/v1/courses/{self.course.public_id}/responses"

    def submit(self, appointment: Appointment, key: str | None, body: dict[str, Any]) -> Any:
        path = f"/api/v1/appointments/{appointment.public_id}/responses"
        return self.call("POST", path, key, body)

    def phq9(self, given: Mapping[int, int | None], **more: object) -> dict[str, Any]:
        return {"instrument": "phq9", "answers": given, "source": "paper"} | more

    def test_the_permission_ladder(self) -> None:
        path = self.list_path()
        self.assert_problem(self.get(path, None), 401)
        self.assert_problem(self.get(path, self.key(self.manager)), 403)
        self.assert_problem(self.get(path, self.key(self.outsider)), 404)
        for allowed in (self.therapist, self.supervisor):
            self.assertEqual(self.get(path, self.key(allowed)).status_code, 200)

    def test_the_list_shows_totals_bands_and_question_9(self) -> None:
        body = self.get(self.list_path(), self.key(self.supervisor)).json()
        [only] = body["items"]
        self.assertEqual((only["instrument"], only["total"], only["session"]), ("phq9", 16, 1))
        self.assertEqual(
            (only["band"], only["item9"], only["risk_flagged"]),
            (
                "Moderately severe",
                0,
                False,
            ),
        )
        self.assertEqual(only["source"], "in_session")

    def test_a_question_9_answer_raises_the_alert_as_from_the_page(self) -> None:
        key = self.key(self.therapist, write=True)
        response = self.submit(self.second, key, self.phq9(LOW_WITH_RISK, difficulty=1))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["total"], body["item9"], body["risk_flagged"]), (12, 1, True))
        alert = RiskAlert.objects.get(course=self.course)
        self.assertEqual(body["alerts_raised"], [str(alert.public_id)])
        self.assertEqual((alert.kind, alert.therapist), ("risk_answer", self.therapist))
        saved = QuestionnaireResponse.objects.get(public_id=body["id"])
        self.assertEqual((saved.source, saved.entered_by), ("paper", self.therapist))
        event = AuditEvent.objects.get(action="response.submitted", object_id=body["id"])
        self.assertEqual(event.actor, self.therapist)
        self.assertEqual(event.detail["source"], "paper")
        self.assertTrue(AuditEvent.objects.filter(action="alert.raised").exists())

    def test_the_page_and_the_api_leave_the_same_record(self) -> None:
        """The same answers typed on the entry page and sent by the API, for two sessions."""
        third = self.course.appointments.get(number=3)
        self.sign_in(self.therapist)
        page = reverse("monitoring:enter", args=[self.second.public_id, "phq9"])
        form = {f"phq9-item_{n}": str(v) for n, v in LOW_WITH_RISK.items()}
        self.client.post(page, form | {"how-source": "paper"})
        self.client.logout()
        self.submit(third, self.key(self.therapist, write=True), self.phq9(LOW_WITH_RISK))
        by_page, by_api = QuestionnaireResponse.objects.filter(
            appointment__in=[self.second, third]
        ).order_by("appointment__number")
        fields = ("total", "band", "risk_flagged", "source", "entered_by_id", "answers")
        self.assertEqual(
            [getattr(by_page, f) for f in fields], [getattr(by_api, f) for f in fields]
        )
        self.assertEqual(RiskAlert.objects.filter(kind="risk_answer").count(), 2)
        details = [
            {k: v for k, v in e.detail.items() if k != "session"}
            for e in AuditEvent.objects.filter(action="response.submitted").order_by("sequence")
        ][-2:]
        self.assertEqual(details[0], details[1])

    def test_missing_or_impossible_answers_are_named_beside_each_field(self) -> None:
        key = self.key(self.therapist, write=True)
        given = {1: 1, 2: 7}
        problem = self.assert_problem(self.submit(self.second, key, self.phq9(given)), 422)
        fields = {e["field"] for e in problem["errors"]}
        self.assertIn("answers.2", fields)
        self.assertIn("answers.3", fields)
        self.assertFalse(QuestionnaireResponse.objects.filter(appointment=self.second).exists())
        kept = self.submit(self.second, key, self.phq9({1: 1}, send_incomplete=True))
        self.assertEqual(kept.status_code, 201)
        self.assertEqual((kept.json()["complete"], kept.json()["total"]), (False, None))
        unknown = self.submit(self.second, key, self.phq9({}) | {"instrument": "core10"})
        self.assert_problem(unknown, 422)

    def test_only_the_course_s_therapist_with_a_write_token_submits(self) -> None:
        body = self.phq9(LOW_WITH_RISK)
        self.assert_problem(self.submit(self.second, None, body), 401)
        self.assert_problem(self.submit(self.second, self.key(self.therapist), body), 403)
        self.assert_problem(
            self.submit(self.second, self.key(self.supervisor, write=True), body), 403
        )
        self.assert_problem(
            self.submit(self.second, self.key(self.outsider, write=True), body), 404
        )
        self.assertFalse(RiskAlert.objects.exists())

    def test_the_same_answers_twice_are_stored_once_and_different_ones_refused(self) -> None:
        key = self.key(self.therapist, write=True)
        body = self.phq9(answers([1] * 9))
        self.assertEqual(self.submit(self.second, key, body).status_code, 201)
        self.assertEqual(self.submit(self.second, key, body).status_code, 200)
        refused = self.submit(self.second, key, self.phq9(answers([2] * 9)))
        self.assertIn("already in", self.assert_problem(refused, 409)["detail"])
        self.assertEqual(self.course.responses.filter(appointment=self.second).count(), 1)

    def test_the_list_reads_a_constant_number_of_queries(self) -> None:
        key = self.key(self.therapist)
        self.get("/api/v1/whoami", key)
        for number in range(2, 7):
            session = self.course.appointments.get(number=number)
            for code, count in (("phq9", 9), ("gad7", 7)):
                monitoring.submit_response(
                    actor=self.therapist,
                    appointment=session,
                    instrument_code=code,
                    answers=answers([1] * count),
                    source="in_session",
                )
        with self.assertNumQueries(4 + AUDIT_WRITE):
            two = self.get(f"{self.list_path()}?limit=2", key).json()
        with self.assertNumQueries(4 + AUDIT_WRITE):
            ten = self.get(f"{self.list_path()}?limit=10", key).json()
        self.assertEqual((len(two["items"]), len(ten["items"])), (2, 10))

    def test_updated_since_lists_what_was_answered_since(self) -> None:
        key = self.key(self.therapist)
        since = timezone.now()
        self.submit(self.second, self.key(self.therapist, write=True), self.phq9(LOW_WITH_RISK))
        items = self.get(
            f"{self.list_path()}?updated_since={since.isoformat()}".replace("+", "%2B"), key
        ).json()["items"]
        self.assertEqual([i["session"] for i in items], [2])
