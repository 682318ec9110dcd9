"""The alert inbox, one alert, and entering answers in a session: who may, and what shows."""

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.monitoring import services
from interplay.monitoring.models import RiskAlert
from interplay.monitoring.tests.test_services import steady
from interplay.test import BaseTestCase, course_for


def raise_alert(course: Any, number: int = 1) -> RiskAlert:
    services.submit_response(
        actor=course.therapist,
        appointment=course.appointments.get(number=number),
        instrument_code="phq9",
        answers=steady(12, item9=1),
        source="in_session",
    )
    return RiskAlert.objects.filter(course=course).latest("raised_at")


class InboxTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_for(self.therapist)
        self.alert = raise_alert(self.course)

    def test_the_permission_ladder(self) -> None:
        url = reverse("monitoring:alerts")
        self.assertRedirects(self.client.get(url), f"/accounts/login/?next={url}")
        for user, status in (
            (self.triage, 403),
            (self.admin, 403),
            (self.outsider, 200),
            (self.supervisor, 200),
            (self.therapist, 200),
        ):
            with self.subTest(user=user.username):
                self.sign_in(user)
                response = self.client.get(url)
                self.assertEqual(response.status_code, status)
                if status == 200:
                    shown = self.course.patient.full_name in response.text
                    self.assertEqual(shown, user != self.outsider)

    def test_the_inbox_costs_the_same_for_one_alert_or_many(self) -> None:
        self.sign_in(self.therapist)
        url = reverse("monitoring:alerts")
        self.client.get(url)
        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        for number in (2, 3, 4):
            raise_alert(self.course, number)
        course = course_for(self.therapist, first_name="Alex", nhs_number="")
        raise_alert(course)
        with self.assertNumQueries(len(one.captured_queries)):
            response = self.client.get(url)
        self.assertEqual(len(re.findall(r"/monitoring/alerts/[0-9a-f-]{36}/", response.text)), 5)


class AlertPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_for(self.therapist)
        self.alert = raise_alert(self.course)
        self.url = reverse("monitoring:alert", args=[self.alert.public_id])

    def test_the_permission_ladder(self) -> None:
        self.assertRedirects(self.client.get(self.url), f"/accounts/login/?next={self.url}")
        for user, status in (
            (self.triage, 403),
            (self.outsider, 404),
            (self.supervisor, 200),
            (self.therapist, 200),
        ):
            with self.subTest(user=user.username):
                self.sign_in(user)
                self.assertEqual(self.client.get(self.url).status_code, status)

    def test_acknowledging_from_the_page(self) -> None:
        self.sign_in(self.therapist)
        page = self.client.get(self.url)
        self.assertContains(page, "Question 9 answered 1 of 3")
        empty = self.client.post(self.url, {"action_note": ""})
        self.assertContains(
            empty, "Write what you did or will do about this alert", status_code=400
        )
        done = self.client.post(self.url, {"action_note": "Phoned them; safety plan agreed."})
        self.assertRedirects(done, self.url)
        page = self.client.get(self.url)
        self.assertContains(page, "Phoned them; safety plan agreed.")
        self.assertNotContains(page, "Acknowledge the alert")
        self.assertTrue(AuditEvent.objects.filter(action="alert.viewed").exists())
        inbox = self.client.get(reverse("monitoring:alerts")).content.decode()
        acknowledged = inbox.split("Acknowledged, the newest first")[1]
        self.assertIn("acknowledged", acknowledged)
        self.assertNotIn("The latest 50 are shown", acknowledged)  # one of them: all shown

    def test_an_outsider_cannot_acknowledge_by_posting(self) -> None:
        self.sign_in(self.outsider)
        self.assertEqual(self.client.post(self.url, {"action_note": "x"}).status_code, 404)
        self.assertTrue(RiskAlert.objects.get(pk=self.alert.pk).is_open)


class EnterAnswersTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_for(self.therapist)
        self.first = self.course.appointments.get(number=1)
        self.url = reverse("monitoring:enter", args=[self.first.public_id, "gad7"])

    def test_the_permission_ladder(self) -> None:
        self.assertRedirects(self.client.get(self.url), f"/accounts/login/?next={self.url}")
        for user, status in (
            (self.triage, 403),
            (self.outsider, 404),
            (self.therapist, 200),
        ):
            with self.subTest(user=user.username):
                self.sign_in(user)
                self.assertEqual(self.client.get(self.url).status_code, status)

    def test_missing_answers_are_named_beside_each_question_and_kept(self) -> None:
        self.sign_in(self.therapist)
        data = {"gad7-item_1": "2", "gad7-item_2": "3"}
        response = self.client.post(self.url, data)
        for text in (
            "Select how the answers were given",
            "Select an answer to question 3",
            'value="2" checked',
            'value="3" checked',
        ):
            self.assertContains(response, text, status_code=400)

    def test_answers_entered_with_their_source(self) -> None:
        self.sign_in(self.therapist)
        data = {f"gad7-item_{n}": "1" for n in range(1, 8)} | {"how-source": "paper"}
        response = self.client.post(self.url, data)
        self.assertRedirects(
            response,
            reverse("courses:session", args=[self.first.public_id]),
            fetch_redirect_response=False,
        )
        saved = self.course.responses.get()
        self.assertEqual(
            (saved.total, saved.source, saved.entered_by), (7, "paper", self.therapist)
        )

    def test_an_incomplete_set_is_kept_when_asked(self) -> None:
        self.sign_in(self.therapist)
        data = {"gad7-item_1": "1", "gad7-send_incomplete": "on", "how-source": "in_session"}
        self.client.post(self.url, data)
        saved = self.course.responses.get()
        self.assertEqual((saved.complete, saved.total), (False, None))


class CaseloadTests(BaseTestCase):
    def test_the_caseload_shows_the_latest_session_score_and_open_alerts(self) -> None:
        course = course_for(self.therapist)
        self.sign_in(self.therapist)
        before = self.client.get(reverse("caseload")).text
        self.assertNotIn("open alert", before)
        raise_alert(course)  # PHQ-9 of 12 with question 9 at 1, typed in session 1
        page = self.client.get(reverse("caseload"))
        self.assertContains(page, "1 open alert")
        self.assertContains(page, "12 (Moderate)")


class CoursePageAlertTests(BaseTestCase):
    def test_the_course_page_keeps_acknowledged_alerts_with_who_and_when(self) -> None:
        course = course_for(self.therapist)
        first, second = raise_alert(course, 1), raise_alert(course, 2)
        services.acknowledge_alert(actor=self.therapist, alert=first, action_note="Phoned.")
        url = reverse("courses:detail", args=[course.public_id])
        self.sign_in(self.supervisor)
        page = self.client.get(url).content.decode()
        still_open = page.split('data-testid="course-alerts"')[1].split("</div>")[0]
        self.assertIn(str(second.public_id), still_open)
        self.assertNotIn(str(first.public_id), still_open)
        done = page.split('data-testid="course-acknowledged-alerts"')[1].split("</details>")[0]
        self.assertIn("Acknowledged alerts (1)", done)
        self.assertIn(str(first.public_id), done)
        self.assertIn(f"by {self.therapist.get_full_name()}", done)
        self.assertNotIn("Phoned.", page)  # the note stays on the alert's own page
        services.acknowledge_alert(actor=self.therapist, alert=second, action_note="Seen.")
        page = self.client.get(url).content.decode()
        self.assertNotIn('data-testid="course-alerts"', page)
        self.assertIn("Acknowledged alerts (2)", page)
        # The latest acknowledged first.
        self.assertLess(page.index(str(second.public_id)), page.index(str(first.public_id)))
