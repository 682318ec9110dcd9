"""Risk alerts through the API: the open alerts of my caseload, and acknowledging one
through the alert page's service, with If-Match so two people acting on one alert at
once cannot silently overwrite each other."""

import datetime as dt
from typing import ClassVar

from django.utils import timezone

from interplay.api.tests.caseload import ApiCase
from interplay.audit.models import AuditEvent
from interplay.courses.models import Course
from interplay.monitoring import services as monitoring
from interplay.monitoring.models import RiskAlert
from interplay.test import AUDIT_WRITE, answers, course_for

RISK = answers([1, 1, 1, 1, 1, 1, 1, 1, 1])  # question 9 answered "several days"


def raise_alert(course: Course, number: int) -> RiskAlert:
    response = monitoring.submit_response(
        actor=course.therapist,
        appointment=course.appointments.get(number=number),
        instrument_code="phq9",
        answers=RISK,
        source="in_session",
    )
    return RiskAlert.objects.get(response=response)


class AlertApiTests(ApiCase):
    course: ClassVar[Course]
    alert: ClassVar[RiskAlert]
    elsewhere: ClassVar[RiskAlert]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        start = timezone.localdate() - dt.timedelta(weeks=11)
        cls.course = course_for(cls.therapist, first_date=start)
        cls.alert = raise_alert(cls.course, 1)
        cls.elsewhere = raise_alert(course_for(cls.outsider, first_date=start), 1)

    def path(self, alert: RiskAlert, tail: str = "") -> str:
        return f"/api/v1/alerts/{alert.public_id}{tail}"

    def acknowledge(self, key: str | None, note: str = "Phoned; safety plan agreed.", **h: str):
        return self.call(
            "POST", self.path(self.alert, "/acknowledge"), key, {"action_note": note}, **h
        )

    def test_the_permission_ladder(self) -> None:
        path = self.path(self.alert)
        self.assert_problem(self.get(path, None), 401)
        for role_that_may_not in (self.triage, self.manager, self.admin):
            self.assert_problem(self.get(path, self.key(role_that_may_not)), 403)
            self.assert_problem(self.get("/api/v1/alerts", self.key(role_that_may_not)), 403)
        self.assert_problem(self.get(path, self.key(self.outsider)), 404)
        for allowed in (self.therapist, self.supervisor):
            self.assertEqual(self.get(path, self.key(allowed)).status_code, 200)

    def test_the_list_holds_my_caseload_s_open_alerts(self) -> None:
        mine = self.get("/api/v1/alerts", self.key(self.therapist)).json()["items"]
        self.assertEqual([a["id"] for a in mine], [str(self.alert.public_id)])
        self.assertEqual((mine[0]["kind"], mine[0]["open"]), ("risk_answer", True))
        supervised = self.get("/api/v1/alerts", self.key(self.supervisor)).json()["items"]
        self.assertEqual([a["id"] for a in supervised], [str(self.alert.public_id)])
        event = AuditEvent.objects.filter(action="alerts.viewed").latest("sequence")
        self.assertEqual(event.detail["via"], "api")
        monitoring.acknowledge_alert(actor=self.therapist, alert=self.alert, action_note="Called")
        key = self.key(self.therapist)
        self.assertEqual(self.get("/api/v1/alerts", key).json()["items"], [])
        done = self.get("/api/v1/alerts?state=acknowledged", key).json()["items"]
        self.assertEqual([a["acknowledged_by"] for a in done], ["therapist"])

    def test_updated_since_lists_alerts_raised_or_acknowledged_since(self) -> None:
        key = self.key(self.therapist)
        since = timezone.now().isoformat().replace("+", "%2B")
        self.assertEqual(self.get(f"/api/v1/alerts?updated_since={since}", key).json()["items"], [])
        later = raise_alert(self.course, 2)
        found = self.get(f"/api/v1/alerts?updated_since={since}", key).json()["items"]
        self.assertEqual([a["id"] for a in found], [str(later.public_id)])

    def test_acknowledging_calls_the_page_s_service(self) -> None:
        key = self.key(self.therapist, write=True)
        tag = self.get(self.path(self.alert), key)["ETag"]
        response = self.acknowledge(key, If_Match=tag)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["open"], body["acknowledged_by"]), (False, "therapist"))
        self.assertEqual(body["action_note"], "Phoned; safety plan agreed.")
        self.assertNotEqual(response["ETag"], tag)
        event = AuditEvent.objects.get(action="alert.acknowledged")
        self.assertEqual(event.actor, self.therapist)
        self.assertEqual(event.detail["by_therapist"], True)

    def test_two_people_acting_at_once_cannot_both_close_it(self) -> None:
        therapist = self.key(self.therapist, write=True)
        supervisor = self.key(self.supervisor, write=True)
        tag = self.get(self.path(self.alert), therapist)["ETag"]
        self.assertEqual(self.get(self.path(self.alert), supervisor)["ETag"], tag)
        self.assertEqual(self.acknowledge(therapist, If_Match=tag).status_code, 200)
        late = self.acknowledge(supervisor, "Discussed in supervision.", If_Match=tag)
        self.assertIn("changed since", self.assert_problem(late, 412)["detail"])
        self.alert.refresh_from_db()
        self.assertEqual(self.alert.action_note, "Phoned; safety plan agreed.")
        fresh = self.get(self.path(self.alert), supervisor)["ETag"]
        again = self.acknowledge(supervisor, "Discussed.", If_Match=fresh)
        self.assertIn("already been acknowledged", self.assert_problem(again, 409)["detail"])

    def test_if_match_is_required_and_a_note_too(self) -> None:
        key = self.key(self.therapist, write=True)
        self.assertIn("If-Match", self.assert_problem(self.acknowledge(key), 428)["detail"])
        tag = self.get(self.path(self.alert), key)["ETag"]
        self.assert_problem(self.acknowledge(key, "", If_Match=tag), 422)
        self.assert_problem(self.acknowledge(key, If_Match="W/" + tag), 412)
        self.assertTrue(RiskAlert.objects.get(pk=self.alert.pk).is_open)

    def test_a_read_only_token_and_the_wrong_people_cannot_acknowledge(self) -> None:
        tag = self.get(self.path(self.alert), self.key(self.therapist))["ETag"]
        self.assert_problem(self.acknowledge(None), 401)
        self.assert_problem(self.acknowledge(self.key(self.therapist), If_Match=tag), 403)
        self.assert_problem(
            self.acknowledge(self.key(self.outsider, write=True), If_Match=tag), 404
        )
        self.assert_problem(self.acknowledge(self.key(self.manager, write=True), If_Match=tag), 403)
        self.assertTrue(RiskAlert.objects.get(pk=self.alert.pk).is_open)

    def test_the_list_reads_a_constant_number_of_queries(self) -> None:
        key = self.key(self.therapist)
        self.get("/api/v1/whoami", key)
        for number in range(2, 11):
            raise_alert(self.course, number)
        with self.assertNumQueries(3 + AUDIT_WRITE):
            two = self.get("/api/v1/alerts?limit=2", key).json()["items"]
        with self.assertNumQueries(3 + AUDIT_WRITE):
            ten = self.get("/api/v1/alerts?limit=10", key).json()["items"]
        self.assertEqual((len(two), len(ten)), (2, 10))
