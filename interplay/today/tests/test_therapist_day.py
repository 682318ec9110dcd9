"""The therapist's day: each panel on hand-built data, what leaves it once done, its order,
who may open it, and its fixed number of queries."""

import datetime as dt
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interplay.accounts.models import User
from interplay.audit.actors import PatientActor
from interplay.courses import attendance
from interplay.courses import services as courses
from interplay.courses.models import Appointment, Course
from interplay.encounters import services as encounters
from interplay.monitoring import services as monitoring
from interplay.progress import services as progress
from interplay.progress.models import BetweenSessionTask
from interplay.test import BaseTestCase, allocated_to, course_for

# Session 1 of every test course is Monday 7 September 2026 at 10:00, London time.
MONDAY_21_EARLY = "2026-09-21 08:00 +01:00"  # session 3 is at 10:00 today
SUNDAY_20 = "2026-09-20 12:00 +01:00"  # session 3 is tomorrow


def phq9(total: int, item9: int = 0) -> dict[int, int | None]:
    rest = total - item9
    answers: dict[int, int | None] = {n: min(3, max(0, rest - 3 * (n - 1))) for n in range(1, 9)}
    return answers | {9: item9}


def gad7(total: int) -> dict[int, int | None]:
    return {n: min(3, max(0, total - 3 * (n - 1))) for n in range(1, 8)}


def course_at(therapist: User, hour: int, **details: Any) -> Course:
    """A second course of the same therapist on Mondays at ``hour`` (``course_for`` books
    10:00, so more courses there would be pushed past the first one's end)."""
    return courses.start_course(
        actor=therapist,
        referral=allocated_to(therapist, "ipt", **details),
        protocol_code="ipt16",
        weekday=0,
        at=dt.time(hour),
        first_date=dt.date(2026, 9, 7),
        history=True,
    )


def after(appointment: Appointment, hours: int = 2) -> Any:
    """Travel to ``hours`` after a session began."""
    return time_machine.travel(appointment.starts_at + dt.timedelta(hours=hours), tick=False)


class DayTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.course = course_for(self.therapist, first_name="Robin", last_name="Testwell")

    def session(self, number: int, course: Course | None = None) -> Appointment:
        return (course or self.course).appointments.get(number=number)

    def day(self) -> Any:
        self.sign_in(self.therapist)
        response = self.client.get(reverse("today:therapist"))
        self.assertEqual(response.status_code, 200)
        return response

    def items(self, response: Any, key: str) -> list[Any]:
        return list(response.context[key])


class SessionsTests(DayTestCase):
    @time_machine.travel(MONDAY_21_EARLY, tick=False)
    def test_todays_session_shows_the_person_their_place_and_the_room(self) -> None:
        page = self.day()
        (row,) = page.context["sessions_today"]
        self.assertEqual(row.appointment, self.session(3))
        self.assertEqual(row.label, "Session 3 of 16, initial phase")
        self.assertContains(page, "Robin Testwell")
        self.assertContains(page, "Not yet in")
        self.assertEqual(page.context["sessions_tomorrow"], [])

    @time_machine.travel(SUNDAY_20, tick=False)
    def test_tomorrows_session_is_listed_under_tomorrow(self) -> None:
        page = self.day()
        self.assertEqual(page.context["sessions_today"], [])
        (row,) = page.context["sessions_tomorrow"]
        self.assertEqual(row.appointment, self.session(3))

    @time_machine.travel(MONDAY_21_EARLY, tick=False)
    def test_this_weeks_questionnaires_show_with_the_change_since_last_time(self) -> None:
        monitoring.submit_response(
            actor=self.therapist,
            appointment=self.session(2),
            instrument_code="phq9",
            answers=phq9(12),
            source="in_session",
        )
        patient = PatientActor(self.course.patient)
        for code, answers in (("phq9", phq9(9)), ("gad7", gad7(6))):
            monitoring.submit_response(
                actor=patient,
                appointment=self.session(3),
                instrument_code=code,
                answers=answers,
                source="portal",
            )
        page = self.day()
        (row,) = page.context["sessions_today"]
        self.assertTrue(row.questionnaires_in)
        self.assertEqual([(s.code, s.change) for s in row.scores], [("phq9", -3), ("gad7", None)])
        self.assertContains(page, "PHQ-9 9 (")
        self.assertContains(page, "down 3 since the last score (12)")


class AlertTests(DayTestCase):
    def test_open_alerts_come_oldest_first_and_leave_once_acknowledged(self) -> None:
        other = course_at(self.therapist, 11, first_name="Sam", last_name="Later")
        with after(self.session(2)):
            first = self.raise_alert(self.session(2))
        with after(self.session(3)):
            second = self.raise_alert(self.session(3, other))
            page = self.day()
            self.assertEqual([r.alert for r in self.items(page, "alerts")], [first, second])
            self.assertContains(page, "Open 7 days;")
            monitoring.acknowledge_alert(actor=self.therapist, alert=first, action_note="Called")
            self.assertEqual([r.alert for r in self.items(self.day(), "alerts")], [second])

    def test_another_therapists_alerts_never_show(self) -> None:
        theirs = course_for(self.outsider, first_name="Alex", last_name="Elsewhere")
        with after(self.session(2, theirs)):
            self.raise_alert(self.session(2, theirs))
            page = self.day()
        self.assertEqual(self.items(page, "alerts"), [])
        self.assertNotContains(page, "Elsewhere")

    def raise_alert(self, appointment: Appointment) -> Any:
        response = monitoring.submit_response(
            actor=self.therapist if appointment.therapist == self.therapist else self.outsider,
            appointment=appointment,
            instrument_code="phq9",
            answers=phq9(10, item9=1),
            source="in_session",
        )
        return response.alerts.get()


class RecordTests(DayTestCase):
    def test_unsigned_records_come_oldest_first_and_leave_once_signed(self) -> None:
        first, second = self.session(1), self.session(2)
        with after(second):
            page = self.day()
            self.assertEqual(self.items(page, "records")[:2], [first, second])
            self.assertContains(page, "record whether they attended")
            attendance.record_attendance(actor=self.therapist, appointment=first, status="attended")
            page = self.day()
            self.assertContains(page, reverse("encounters:record", args=[first.public_id]))
            self.assertContains(page, "no record written yet")
            encounters.save_record(actor=self.therapist, appointment=first, risk_checked=True)
            self.assertContains(self.day(), "draft not yet signed")
            encounters.sign_record(actor=self.therapist, appointment=first)
            self.assertEqual(self.items(self.day(), "records"), [second])

    def test_a_course_ended_over_30_days_ago_leaves_its_unsigned_records_behind(self) -> None:
        first, second = self.session(1), self.session(2)
        with after(second):
            for session in (first, second):
                attendance.record_attendance(
                    actor=self.therapist, appointment=session, status="attended"
                )
            attendance.end_course(
                actor=self.therapist,
                course=self.course,
                outcome="dropped_out",
                reason="Stopped coming.",
            )
            self.assertEqual(self.items(self.day(), "records"), [first, second])
        with after(second, hours=31 * 24):
            self.assertEqual(self.items(self.day(), "records"), [])

    def test_sessions_to_come_and_cancelled_ones_are_not_listed(self) -> None:
        with after(self.session(1)):
            attendance.record_attendance(
                actor=self.therapist, appointment=self.session(1), status="cancelled_service"
            )
            self.assertEqual(self.items(self.day(), "records"), [])


class TaskTests(DayTestCase):
    def test_a_noted_task_shows_until_reviewed_at_the_next_session(self) -> None:
        first, second = self.session(1), self.session(2)
        with after(first):
            attendance.record_attendance(actor=self.therapist, appointment=first, status="attended")
            encounters.save_record(
                actor=self.therapist,
                appointment=first,
                between_session_task="Talk to your sister about the funeral.",
                share_task=True,
            )
            self.assertEqual(self.items(self.day(), "tasks"), [])
            task = BetweenSessionTask.objects.get()
            progress.note_task(actor=PatientActor(self.course.patient), task=task, note="Done.")
            page = self.day()
            self.assertEqual(self.items(page, "tasks"), [task])
            self.assertContains(page, reverse("encounters:record", args=[second.public_id]))
        with after(second):
            attendance.record_attendance(
                actor=self.therapist, appointment=second, status="attended"
            )
            encounters.save_record(
                actor=self.therapist, appointment=second, previous_task_review="It went well."
            )
            self.assertEqual(self.items(self.day(), "tasks"), [])


class RerateTests(DayTestCase):
    def test_a_problem_not_rated_at_a_rerating_session_shows_until_rated(self) -> None:
        first, eighth = self.session(1), self.session(8)
        with after(first):
            attendance.record_attendance(actor=self.therapist, appointment=first, status="attended")
            problem = progress.add_problem(
                actor=self.therapist,
                course=self.course,
                kind="problem",
                description="Arguments with my partner",
                baseline=8,
                session=first,
            )
            self.assertEqual(self.items(self.day(), "rerating"), [])
        with after(eighth):
            self.assertEqual(self.items(self.day(), "rerating"), [])  # not yet attended
            attendance.record_attendance(
                actor=self.therapist, appointment=eighth, status="attended"
            )
            (due,) = self.items(self.day(), "rerating")
            self.assertEqual((due.course, due.detail), (self.course, "to re-rate at session 8"))
            progress.rerate(
                actor=self.therapist, course=self.course, session=eighth, scores={problem: 5}
            )
            self.assertEqual(self.items(self.day(), "rerating"), [])


class EndingTests(DayTestCase):
    def test_a_course_nearing_its_end_shows_until_its_ending_review_is_written(self) -> None:
        thirteenth = self.session(13)  # the first of IPT-16's ending phase
        with time_machine.travel(thirteenth.starts_at - dt.timedelta(days=8), tick=False):
            self.assertEqual(self.items(self.day(), "endings"), [])
        with time_machine.travel(thirteenth.starts_at - dt.timedelta(days=6), tick=False):
            (due,) = self.items(self.day(), "endings")
            self.assertEqual(due.course, self.course)
        with after(thirteenth):
            attendance.record_attendance(
                actor=self.therapist, appointment=thirteenth, status="attended"
            )
            progress.save_ending_review(
                actor=self.therapist, course=self.course, warning_signs="Sleeping badly."
            )
            self.assertEqual(self.items(self.day(), "endings"), [])


class PermissionTests(DayTestCase):
    def test_the_permission_ladder(self) -> None:
        url = reverse("today:therapist")
        self.assertIn(reverse("accounts:login"), self.client.get(url)["Location"])
        for user in (self.triage, self.manager, self.admin):
            self.sign_in(user)
            self.assertEqual(self.client.get(url).status_code, 403, user)
        for user in (self.therapist, self.outsider, self.supervisor):
            self.sign_in(user)
            self.assertEqual(self.client.get(url).status_code, 200, user)

    def test_a_therapist_sees_only_their_own_caseload(self) -> None:
        with after(self.session(2)):
            self.sign_in(self.outsider)
            page = self.client.get(reverse("today:therapist"))
        self.assertEqual(page.context["records"], [])
        self.assertNotContains(page, "Testwell")

    def test_a_look_is_audited_with_counts_only(self) -> None:
        from interplay.audit.models import AuditEvent

        with after(self.session(2)):
            self.day()
        event = AuditEvent.objects.filter(action="today.viewed").get()
        self.assertEqual(event.detail["screen"], "therapist")
        self.assertEqual(event.detail["records"], 2)
        self.assertEqual(event.detail["courses"], [str(self.course.public_id)])
        self.assertNotIn("Testwell", str(event.detail))


class QueryTests(DayTestCase):
    def test_the_day_takes_the_same_number_of_queries_for_one_course_or_four(self) -> None:
        self.sign_in(self.therapist)
        url = reverse("today:therapist")
        with time_machine.travel(MONDAY_21_EARLY, tick=False):
            self.fill(self.course)
            self.client.get(url)  # warm the session and settings caches
            with CaptureQueriesContext(connection) as first_size:
                self.client.get(url)
            for n in range(3):
                self.fill(course_at(self.therapist, 11 + n, last_name=f"Extra{n}"))
            with self.assertNumQueries(len(first_size.captured_queries)):
                page = self.client.get(url)
        self.assertEqual(len(page.context["alerts"]), 4)
        self.assertEqual(len(page.context["sessions_today"]), 4)

    def fill(self, course: Course) -> None:
        """An alert, a record to sign, scores and a problem: every panel has something."""
        first, second = course.appointments.get(number=1), course.appointments.get(number=2)
        attendance.record_attendance(actor=self.therapist, appointment=first, status="attended")
        progress.add_problem(
            actor=self.therapist,
            course=course,
            kind="goal",
            description="See friends",
            baseline=2,
            session=first,
        )
        monitoring.submit_response(
            actor=self.therapist,
            appointment=second,
            instrument_code="phq9",
            answers=phq9(10, item9=1),
            source="in_session",
        )
