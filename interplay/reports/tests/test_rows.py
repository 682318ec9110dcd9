"""The figures row of a course, kept equal to its record by every service that changes it."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.forms.models import model_to_dict
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.courses import attendance
from interplay.courses import services as courses
from interplay.courses.models import Appointment, AppointmentStatus, Course, CourseStatus
from interplay.monitoring.services import submit_response
from interplay.referrals.models import Referral
from interplay.reports import rows
from interplay.reports.models import CourseFigures
from interplay.test import BaseTestCase, answers, course_for, give_hours, make_clinician

LONDON = ZoneInfo("Europe/London")
# Mondays from 7 September 2026 at 10:00; on 1 October sessions 1-4 have happened.
FIRST_DAY = dt.date(2026, 9, 7)
NOW = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
A = AppointmentStatus


def spread(total: int, items: int) -> dict[int, int | None]:
    """Invented answers (0-3 each) adding up to ``total``."""
    values = [min(3, max(0, total - 3 * i)) for i in range(items)]
    return answers(values)


def row_of(course: Course) -> dict[str, Any]:
    """The stored row, every field but the time it was written."""
    row = CourseFigures.objects.get(course=course)
    return {k: v for k, v in model_to_dict(row).items() if k != "updated_at"}


class RowsTestCase(BaseTestCase):
    def setUp(self) -> None:
        clock = time_machine.travel(NOW, tick=False)
        clock.start()
        self.addCleanup(clock.stop)
        self.sam = make_clinician("sam", Role.THERAPIST)
        self.course = course_for(self.sam, first_date=FIRST_DAY)
        Referral.objects.filter(pk=self.course.referral_id).update(
            received_at=dt.datetime(2026, 8, 1, 12, tzinfo=dt.UTC), source="gp"
        )
        rows.refresh(self.course)  # the referral's dates were set by hand above

    def session(self, number: int) -> Appointment:
        return self.course.appointments.get(number=number)

    def attend(self, number: int, status: str = A.ATTENDED) -> None:
        appointment = self.session(number)
        attendance.record_attendance(actor=self.sam, appointment=appointment, status=status)

    def score(self, number: int, phq: int | None, gad: int | None) -> None:
        appointment = self.session(number)
        for code, total, items in (("phq9", phq, 9), ("gad7", gad, 7)):
            if total is not None:
                submit_response(
                    actor=self.sam,
                    appointment=appointment,
                    instrument_code=code,
                    answers=spread(total, items),
                    source="paper",
                )

    def end(self, outcome: str) -> None:
        attendance.end_course(
            actor=self.sam, course=self.course, outcome=outcome, reason="Synthetic."
        )

    def assert_rebuilt_alike(self) -> dict[str, Any]:
        """The row as the services left it equals a rebuild from nothing; returns it."""
        kept = row_of(self.course)
        CourseFigures.objects.all().delete()
        self.assertEqual(rows.rebuild(), Course.objects.count())
        self.assertEqual(row_of(self.course), kept)
        return kept


class KeptRightTests(RowsTestCase):
    def test_starting_a_course_writes_its_row(self) -> None:
        row = self.assert_rebuilt_alike()
        self.assertEqual(row["status"], CourseStatus.ACTIVE)
        self.assertEqual((row["referral_source"], row["referred_on"]), ("gp", dt.date(2026, 8, 1)))
        self.assertEqual(
            (row["attended"], row["first_session_on"], row["wait_days"]), (0, None, None)
        )

    def test_each_score_moves_the_row_as_it_is_submitted(self) -> None:
        self.attend(1)
        self.score(1, 18, None)
        row = self.assert_rebuilt_alike()
        self.assertEqual((row["phq9_first"], row["phq9_last"], row["gad7_first"]), (18, None, None))
        self.assertTrue(row["at_caseness"])  # one first score at its cut-off is enough (5.1)
        self.assertFalse(row["paired"])
        self.score(1, None, 14)
        self.attend(2)
        self.score(2, 6, 6)
        row = self.assert_rebuilt_alike()
        self.assertEqual((row["phq9_last"], row["gad7_last"]), (6, 6))
        self.assertTrue(row["paired"] and row["recovered"] and row["reliable_fall"])
        self.assertEqual(row["attended_with_paired_scores"], 2)
        self.assertEqual(row["phq9_latest_on"], NOW.date())

    def test_attendance_changed_and_changed_back(self) -> None:
        self.attend(1)
        self.attend(2)
        self.assertEqual(self.assert_rebuilt_alike()["second_session_on"], dt.date(2026, 9, 14))
        self.attend(2, A.DID_NOT_ATTEND)
        row = self.assert_rebuilt_alike()
        self.assertEqual(
            (row["attended"], row["did_not_attend"], row["second_session_on"]), (1, 1, None)
        )
        self.attend(3, A.CANCELLED_LATE)
        self.attend(4, A.CANCELLED_BY_SERVICE)
        row = self.assert_rebuilt_alike()
        self.assertEqual((row["cancelled_by_patient"], row["cancelled_by_service"]), (1, 1))
        self.attend(2)
        self.attend(3, A.CANCELLED_BY_PATIENT)
        row = self.assert_rebuilt_alike()
        self.assertEqual(
            (row["attended"], row["did_not_attend"], row["cancelled_by_patient"]), (2, 0, 1)
        )
        self.assertEqual(row["second_session_on"], dt.date(2026, 9, 14))

    def test_a_moved_session_moves_the_wait(self) -> None:
        give_hours(self.sam, (1, "09:00", "17:00"))
        later = dt.datetime(2026, 10, 6, 14, tzinfo=LONDON)  # session 5, moved to a Tuesday
        attendance.reschedule(actor=self.sam, appointment=self.session(5), starts_at=later)
        self.assertEqual(self.assert_rebuilt_alike()["attended"], 0)
        with time_machine.travel(dt.datetime(2026, 10, 7, 9, tzinfo=dt.UTC), tick=False):
            self.attend(5)
        row = self.assert_rebuilt_alike()
        self.assertEqual((row["first_session_on"], row["wait_days"]), (dt.date(2026, 10, 6), 66))

    def test_sessions_shifted_keep_the_row(self) -> None:
        self.attend(1)
        courses.shift_remaining(actor=self.sam, course=self.course, from_number=5, weeks=2)
        self.assertEqual(self.assert_rebuilt_alike()["attended"], 1)

    def test_a_course_ended_with_two_attended_sessions_is_finished(self) -> None:
        for number, phq, gad in ((1, 15, 12), (2, 8, 6)):
            self.attend(number)
            self.score(number, phq, gad)
        self.attend(3, A.DID_NOT_ATTEND)
        self.attend(4, A.DID_NOT_ATTEND)
        self.assertFalse(self.assert_rebuilt_alike()["finished"])  # still in progress
        self.end(CourseStatus.DISCHARGED_DNA)
        row = self.assert_rebuilt_alike()
        self.assertTrue(row["finished"])
        self.assertEqual(
            (row["status"], row["ended_on"]), (CourseStatus.DISCHARGED_DNA, NOW.date())
        )
        # The later sessions became "not needed", which no figure counts as cancelled.
        self.assertEqual((row["cancelled_by_patient"], row["cancelled_by_service"]), (0, 0))
        self.assertTrue(self.course.appointments.filter(status=A.NOT_NEEDED).exists())

    def test_a_course_dropped_out_after_one_session_is_not_finished(self) -> None:
        self.attend(1)
        self.score(1, 15, 12)
        self.end(CourseStatus.DROPPED_OUT)
        row = self.assert_rebuilt_alike()
        self.assertEqual((row["status"], row["attended"]), (CourseStatus.DROPPED_OUT, 1))
        self.assertFalse(row["finished"] or row["paired"])

    def test_a_course_not_at_caseness_at_the_start(self) -> None:
        for number, phq, gad in ((1, 7, 5), (2, 1, 0)):
            self.attend(number)
            self.score(number, phq, gad)
        self.end(CourseStatus.DROPPED_OUT)
        row = self.assert_rebuilt_alike()
        self.assertTrue(row["finished"] and row["paired"] and row["reliable_fall"])
        self.assertFalse(row["at_caseness"] or row["recovered"])

    def test_an_answer_whose_session_was_removed_still_counts(self) -> None:
        self.attend(1)
        self.score(1, 18, 14)
        self.attend(2)
        self.score(2, 4, 3)
        Appointment.objects.filter(pk=self.session(2).pk).delete()  # by hand: no service does
        row = rows.refresh(self.course)
        self.assertEqual((row.phq9_last, row.attended, row.attended_with_paired_scores), (4, 1, 1))


class CostTests(RowsTestCase):
    def test_refresh_costs_four_queries_however_much_the_course_holds(self) -> None:
        self.attend(1)
        self.score(1, 18, 14)
        with self.assertNumQueries(4):
            rows.refresh(self.course)
        for number in (2, 3, 4):
            self.attend(number)
            self.score(number, 10, 8)
        with self.assertNumQueries(4):
            rows.refresh(self.course.pk)

    def test_one_course_s_reads_are_the_orm_s_statements_with_its_id(self) -> None:
        other = course_for(make_clinician("kim", Role.THERAPIST), first_date=FIRST_DAY)
        self.attend(1)
        self.score(1, 18, 14)
        self.attend(2, A.DID_NOT_ATTEND)
        for course in (self.course, other):
            self.assertEqual(
                rows._one_course_sessions.rows(course.pk), list(rows._sessions([course.pk]))
            )
            self.assertEqual(
                rows._one_course_answers.rows(course.pk), list(rows._answers([course.pk]))
            )
        sessions = rows._one_course_sessions.rows(self.course.pk)
        self.assertEqual([s["status"] for s in sessions[:2]], [A.ATTENDED, A.DID_NOT_ATTEND])
        self.assertIsInstance(sessions[0]["starts_at"], dt.datetime)
        self.assertEqual(
            [
                (a["instrument_code"], a["total"])
                for a in rows._one_course_answers.rows(self.course.pk)
            ],
            [("phq9", 18), ("gad7", 14)],
        )
        self.assertEqual(rows._one_course_answers.rows(other.pk), [])
        # One course's row, refreshed alone, is the row rebuilt with every course.
        alone = row_of(self.course)
        rows.build([self.course.pk, other.pk])
        self.assertEqual(row_of(self.course), alone)


class TimeZoneTests(BaseTestCase):
    def test_dates_are_the_services_own_whatever_zone_a_request_runs_in(self) -> None:
        referral = Referral(received_at=dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC))
        course = Course(
            referral=referral,
            therapist_id=1,
            modality="ipt",
            status=CourseStatus.ACTIVE,
            start_date=dt.date(2026, 6, 1),
        )
        session = {
            "pk": 1,
            "status": A.ATTENDED,
            "starts_at": dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC),
        }
        with timezone.override("UTC"):
            row = rows.figures_of(course, [session], [])
        # 00:30 on 1 June and 1 July in London: a wait of 30 days, not 30 in UTC's 31 May.
        self.assertEqual(row.referred_on, dt.date(2026, 6, 1))
        self.assertEqual(row.first_session_on, dt.date(2026, 7, 1))
        self.assertEqual(row.wait_days, 30)
