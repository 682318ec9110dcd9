"""Each clinical write of the API calls the very service its page calls: the service is
watched (still running for real) while the API and then the page make the change."""

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from interplay.api.tests.caseload import ApiCase
from interplay.courses import attendance
from interplay.courses.models import Course
from interplay.encounters import services as encounters
from interplay.monitoring import services as monitoring
from interplay.monitoring.models import RiskAlert
from interplay.progress import services as progress
from interplay.test import answers, course_for


class WritesCallThePagesServicesTests(ApiCase):
    course: ClassVar[Course]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        start = timezone.localdate() - dt.timedelta(weeks=10)
        cls.course = course_for(cls.therapist, first_date=start)

    def session(self, number: int) -> Any:
        return self.course.appointments.get(number=number)

    def watched(self, module: Any, name: str, change: Callable[[], Any]) -> int:
        """How many times ``module.name`` ran during ``change``."""
        with mock.patch.object(module, name, wraps=getattr(module, name)) as spy:
            change()
        return spy.call_count

    def api(self, method: str, path: str, body: Any = None, etag_of: str = "") -> Any:
        key = self.key(self.therapist, write=True)
        headers = {"If_Match": self.get(etag_of, key)["ETag"]} if etag_of else {}
        response = self.call(method, path, key, body, **headers)
        self.assertLess(response.status_code, 300, response.content)
        return response

    def page(self, name: str, public_id: Any, data: dict[str, Any], *args: str) -> None:
        self.sign_in(self.therapist)
        response = self.client.post(reverse(name, args=[public_id, *args]), data)
        self.assertEqual(response.status_code, 302, response.content[:500])
        self.client.logout()

    def test_attendance(self) -> None:
        a, b = self.session(2), self.session(3)
        path = f"/api/v1/appointments/{a.public_id}"
        by_api = self.watched(
            attendance,
            "record_attendance",
            lambda: self.api("POST", f"{path}/attendance", {"status": "attended"}, path),
        )
        by_page = self.watched(
            attendance,
            "record_attendance",
            lambda: self.page("courses:attendance", b.public_id, {"attendance-status": "attended"}),
        )
        self.assertEqual((by_api, by_page), (1, 1))

    def test_session_records(self) -> None:
        a, b = self.session(2), self.session(3)
        path = f"/api/v1/appointments/{a.public_id}/record"
        by_api = self.watched(
            encounters,
            "save_record",
            lambda: self.api("PATCH", path, {"risk_checked": True}, path),
        )
        data = {"record-risk_checked": "on"}
        by_page = self.watched(
            encounters, "save_record", lambda: self.page("encounters:save", b.public_id, data)
        )
        self.assertEqual((by_api, by_page), (1, 1))

    def test_signing_session_records(self) -> None:
        for number in (2, 3):
            session = self.session(number)
            attendance.record_attendance(
                actor=self.therapist, appointment=session, status="attended"
            )
            encounters.save_record(actor=self.therapist, appointment=session, risk_checked=True)
        a, b = self.session(2), self.session(3)
        path = f"/api/v1/appointments/{a.public_id}/record"
        by_api = self.watched(
            encounters, "sign_record", lambda: self.api("POST", f"{path}/sign", etag_of=path)
        )
        by_page = self.watched(
            encounters, "sign_record", lambda: self.page("encounters:sign", b.public_id, {})
        )
        self.assertEqual((by_api, by_page), (1, 1))

    def test_answers_typed_by_the_therapist(self) -> None:
        a, b = self.session(2), self.session(3)
        body = {"instrument": "gad7", "answers": answers([1] * 7), "source": "paper"}
        by_api = self.watched(
            monitoring,
            "submit_response",
            lambda: self.api("POST", f"/api/v1/appointments/{a.public_id}/responses", body),
        )
        data = {f"gad7-item_{n}": "1" for n in range(1, 8)} | {"how-source": "paper"}
        by_page = self.watched(
            monitoring,
            "submit_response",
            lambda: self.page("monitoring:enter", b.public_id, data, "gad7"),
        )
        self.assertEqual((by_api, by_page), (1, 1))

    def test_acknowledging_alerts(self) -> None:
        raised = []
        for number in (2, 3):
            response = monitoring.submit_response(
                actor=self.therapist,
                appointment=self.session(number),
                instrument_code="phq9",
                answers=answers([1] * 9),
                source="in_session",
            )
            raised.append(RiskAlert.objects.get(response=response))
        path = f"/api/v1/alerts/{raised[0].public_id}"
        by_api = self.watched(
            monitoring,
            "acknowledge_alert",
            lambda: self.api("POST", f"{path}/acknowledge", {"action_note": "Called"}, path),
        )
        self.sign_in(self.therapist)
        by_page = self.watched(
            monitoring,
            "acknowledge_alert",
            lambda: self.client.post(
                reverse("monitoring:alert", args=[raised[1].public_id]), {"action_note": "Called"}
            ),
        )
        self.assertEqual((by_api, by_page), (1, 1))
        self.assertFalse(RiskAlert.objects.open().exists())

    def test_re_rating_problems(self) -> None:
        first, eighth = self.session(1), self.session(8)
        attendance.record_attendance(actor=self.therapist, appointment=eighth, status="attended")

        def problem(kind: str) -> Any:
            return progress.add_problem(
                actor=self.therapist,
                course=self.course,
                kind=kind,
                description="Rows with her sister",
                baseline=7,
                session=first,
            )

        rated_on_page = problem("problem")
        data = {"rerate-session": "8", f"rerate-score_{rated_on_page.public_id.hex}": "4"}
        by_page = self.watched(
            progress,
            "rerate",
            lambda: self.page("progress:rerate", self.course.public_id, data),
        )
        rated_by_api = problem("goal")
        body = {"session": 8, "scores": {str(rated_by_api.public_id): 5}}
        path = f"/api/v1/courses/{self.course.public_id}/problems/ratings"
        by_api = self.watched(progress, "rerate", lambda: self.api("POST", path, body))
        self.assertEqual((by_api, by_page), (1, 1))
