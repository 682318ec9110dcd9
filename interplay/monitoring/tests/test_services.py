"""Answers during a course, and the alerts that must follow a risk answer."""

import datetime as dt
import io
from typing import Any

import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interplay.audit.actors import PatientActor
from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.courses import attendance
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.measures.models import QuestionnaireResponse
from interplay.monitoring import services
from interplay.monitoring.models import AlertKind, RiskAlert
from interplay.test import BaseTestCase, course_for

# Session 1 of the test course is Monday 7 September 2026 at 10:00, London time.
FRIDAY_BEFORE = "2026-09-04 10:00 +01:00"
SATURDAY_BEFORE = "2026-09-05 09:00 +01:00"


def phq9(*values: int) -> dict[int, int | None]:
    return {n: v for n, v in enumerate(values, start=1)}


def steady(total: int, item9: int = 0) -> dict[int, int | None]:
    """A PHQ-9 adding up to ``total`` with question 9 as given."""
    rest = total - item9
    values = [min(3, max(0, rest - 3 * i)) for i in range(8)]
    return phq9(*values, item9)


class SubmitTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_for(self.therapist, email="robin@example.org")
        self.patient = PatientActor(self.course.patient)
        self.first = self.course.appointments.get(number=1)
        self.second = self.course.appointments.get(number=2)
        mail.outbox = []

    def submit(self, appointment: Any, answers: dict[int, int | None], **kw: Any) -> Any:
        kw.setdefault("actor", self.patient)
        kw.setdefault("source", "portal")
        kw.setdefault("instrument_code", "phq9")
        return services.submit_response(appointment=appointment, answers=answers, **kw)

    @time_machine.travel(SATURDAY_BEFORE, tick=False)
    def test_questionnaires_open_72_hours_before_and_close_when_answered(self) -> None:
        due = services.questionnaires_due(self.course.patient)
        self.assertEqual(
            [(d.appointment, d.instrument_codes) for d in due], [(self.first, ("phq9", "gad7"))]
        )
        self.submit(self.first, steady(12))
        due = services.questionnaires_due(self.course.patient)
        self.assertEqual(due[0].instrument_codes, ("gad7",))

    def test_the_window_edges(self) -> None:
        opens = self.first.starts_at - dt.timedelta(hours=72)
        cases = [
            (opens - dt.timedelta(seconds=1), []),
            (opens, [self.first]),
            (self.first.starts_at - dt.timedelta(seconds=1), [self.first]),
            (self.first.starts_at, []),
        ]
        for now, expected in cases:
            with self.subTest(now=now):
                due = services.questionnaires_due(self.course.patient, now)
                self.assertEqual([d.appointment for d in due], expected)

    def test_finding_what_is_due_costs_the_same_for_one_session_or_many(self) -> None:
        opens = self.first.starts_at - dt.timedelta(hours=1)
        with CaptureQueriesContext(connection) as one:
            self.assertEqual(len(services.questionnaires_due(self.course.patient, opens)), 1)
        ServiceSettings.objects.filter(pk=1).update(questionnaire_window_hours=24 * 15)
        with self.assertNumQueries(len(one)):
            due = services.questionnaires_due(self.course.patient, opens)
        self.assertEqual(len(due), 3)

    def test_an_instrument_retired_everywhere_is_not_asked(self) -> None:
        from interplay.measures.models import InstrumentDefinition

        InstrumentDefinition.objects.filter(code="gad7").update(active=False)
        opens = self.first.starts_at - dt.timedelta(hours=1)
        due = services.questionnaires_due(self.course.patient, opens)
        self.assertEqual(due[0].instrument_codes, ("phq9",))

    def test_the_window_is_a_service_setting(self) -> None:
        ServiceSettings.objects.filter(pk=1).update(questionnaire_window_hours=24)
        ServiceSettings.load()
        two_days_before = self.first.starts_at - dt.timedelta(hours=48)
        self.assertEqual(services.questionnaires_due(self.course.patient, two_days_before), [])

    @time_machine.travel(FRIDAY_BEFORE, tick=False)
    def test_a_patient_cannot_answer_before_the_window_or_for_someone_else(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "not open"):
            self.submit(self.second, steady(5))
        other = course_for(
            self.outsider, first_date=dt.date(2026, 9, 7), first_name="Sam", email=""
        )
        with self.assertRaises(PermissionDenied):
            self.submit(other.appointments.get(number=1), steady(5))
        self.assertFalse(QuestionnaireResponse.objects.filter(course__isnull=False).exists())

    @time_machine.travel(SATURDAY_BEFORE, tick=False)
    def test_question_9_above_0_raises_an_alert_and_an_email_with_no_clinical_content(
        self,
    ) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.submit(self.first, steady(14, item9=1))
        alert = RiskAlert.objects.get()
        self.assertEqual(
            (alert.kind, alert.response, alert.therapist),
            (AlertKind.RISK_ANSWER, response, self.therapist),
        )
        message = self.only_email()
        self.assertEqual(message.to, [self.therapist.email])
        body = message.body + self.html_of(message)
        for private in ("Robin", "PHQ", "question 9", "harm", "dead", "moderate"):
            self.assertNotIn(private, body)
        self.assertIn(f"/monitoring/alerts/{alert.public_id}/", body)
        raised = AuditEvent.objects.get(action="alert.raised")
        self.assertEqual(raised.actor_label, "system:alerts")
        self.assertEqual(raised.detail, {"kind": "risk_answer", "instrument": "phq9"})
        submitted = AuditEvent.objects.get(action="response.submitted")
        self.assertEqual(submitted.actor_label, f"patient:{self.course.patient.public_id}")

    @time_machine.travel(SATURDAY_BEFORE, tick=False)
    def test_question_9_at_0_raises_nothing(self) -> None:
        self.submit(self.first, steady(20, item9=0))
        self.assertFalse(RiskAlert.objects.exists())
        self.assertEqual(mail.outbox, [])

    @time_machine.travel(SATURDAY_BEFORE, tick=False)
    def test_a_skipped_question_9_keeps_the_response_incomplete_and_raises_nothing(self) -> None:
        answers = steady(10)
        answers[9] = None
        response = self.submit(self.first, answers)
        self.assertFalse(response.complete)
        self.assertIsNone(response.total)
        self.assertFalse(RiskAlert.objects.exists())

    def enter(self, appointment: Any, total: int) -> Any:
        return self.submit(appointment, steady(total), actor=self.therapist, source="in_session")

    def test_a_reliable_deterioration_raises_one_open_alert(self) -> None:
        third = self.course.appointments.get(number=3)
        fourth = self.course.appointments.get(number=4)
        self.enter(self.first, 8)
        self.enter(self.second, 13)  # 5 worse: not reliable (PHQ-9 needs 6)
        self.assertFalse(RiskAlert.objects.exists())
        self.enter(third, 14)  # 6 worse: reliable
        alert = RiskAlert.objects.get()
        self.assertEqual(alert.kind, AlertKind.DETERIORATION)
        self.enter(fourth, 16)  # still worse, but the alert is already open
        self.assertEqual(RiskAlert.objects.count(), 1)

    def test_in_session_entry_records_who_typed_it_and_how_it_was_given(self) -> None:
        response = self.submit(
            self.first, steady(9), actor=self.therapist, source="paper", instrument_code="phq9"
        )
        self.assertEqual((response.entered_by, response.source), (self.therapist, "paper"))
        self.assertEqual((response.course, response.appointment), (self.course, self.first))
        with self.assertRaises(PermissionDenied):
            self.submit(self.second, steady(9), actor=self.outsider, source="paper")
        with self.assertRaises(PermissionDenied):
            self.submit(self.second, steady(9), actor=self.supervisor, source="paper")

    def test_a_double_submission_stores_one_response(self) -> None:
        first = self.enter(self.first, 9)
        again = self.enter(self.first, 9)
        self.assertEqual(first, again)
        with self.assertRaisesMessage(RuleViolation, "already in"):
            self.enter(self.first, 12)
        self.assertEqual(QuestionnaireResponse.objects.filter(course=self.course).count(), 1)

    def test_no_answers_for_a_cancelled_session(self) -> None:
        attendance.record_attendance(
            actor=self.therapist, appointment=self.second, status="cancelled_service"
        )
        with self.assertRaisesMessage(RuleViolation, "booked or attended"):
            self.enter(self.second, 9)


class AlertLifecycleTests(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_for(self.therapist, email="robin@example.org")
        first = self.course.appointments.get(number=1)
        # Raised on Friday 4 September 2026 at 10:00: due Monday 7 September at 10:00.
        with time_machine.travel("2026-09-04 10:00 +01:00", tick=False):
            services.submit_response(
                actor=self.therapist,
                appointment=first,
                instrument_code="phq9",
                answers=steady(12, item9=2),
                source="in_session",
            )
        self.alert = RiskAlert.objects.get()
        mail.outbox = []

    def test_it_is_due_one_working_day_later(self) -> None:
        self.assertEqual(
            timezone.localtime(self.alert.due_by).isoformat(), "2026-09-07T10:00:00+01:00"
        )

    def test_acknowledging_needs_a_note_and_the_right_person(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "Write what you did"):
            services.acknowledge_alert(actor=self.therapist, alert=self.alert, action_note=" ")
        for stranger in (self.outsider, self.triage, self.admin):
            with self.subTest(stranger=stranger), self.assertRaises(PermissionDenied):
                services.acknowledge_alert(actor=stranger, alert=self.alert, action_note="Seen.")
        alert = services.acknowledge_alert(
            actor=self.therapist, alert=self.alert, action_note="Phoned; safety plan agreed."
        )
        self.assertFalse(alert.is_open)
        with self.assertRaisesMessage(RuleViolation, "already"):
            services.acknowledge_alert(actor=self.supervisor, alert=alert, action_note="Again.")
        event = AuditEvent.objects.get(action="alert.acknowledged")
        self.assertEqual(event.actor_label, "therapist")
        self.assertNotIn("safety plan", str(event.detail))

    def test_the_supervisor_may_acknowledge(self) -> None:
        services.acknowledge_alert(actor=self.supervisor, alert=self.alert, action_note="Seen.")
        self.assertEqual(RiskAlert.objects.get().acknowledged_by, self.supervisor)

    def test_an_alert_not_acknowledged_in_time_escalates_once(self) -> None:
        with time_machine.travel("2026-09-07 09:59 +01:00", tick=False):
            self.assertEqual(services.escalate_overdue(), 0)
        with (
            time_machine.travel("2026-09-07 10:00 +01:00", tick=False),
            self.captureOnCommitCallbacks(execute=True),
        ):
            call_command("escalate_alerts", stdout=io.StringIO())
            call_command("escalate_alerts", stdout=io.StringIO())
        alert = RiskAlert.objects.get()
        self.assertEqual(alert.escalated_to, self.supervisor)
        message = self.only_email()
        self.assertEqual(message.to, [self.supervisor.email])
        self.assertNotIn("Robin", message.body)
        events = AuditEvent.objects.filter(action="alert.escalated")
        self.assertEqual([e.actor_label for e in events], ["system:escalate_alerts"])

    def test_an_acknowledged_alert_never_escalates(self) -> None:
        services.acknowledge_alert(actor=self.therapist, alert=self.alert, action_note="Seen.")
        with time_machine.travel("2026-09-08 10:00 +01:00", tick=False):
            self.assertEqual(services.escalate_overdue(), 0)
        self.assertEqual(mail.outbox, [])
