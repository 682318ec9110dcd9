"""The figures row of a course, recomputed from its record."""

import datetime as dt

from interplay.accounts.roles import Role
from interplay.courses import attendance
from interplay.courses.models import AppointmentStatus
from interplay.monitoring.services import submit_response
from interplay.reports import rows
from interplay.test import BaseTestCase, answers, course_for, make_clinician


class RefreshTests(BaseTestCase):
    def test_a_recovered_course_is_counted_from_its_first_and_last_scores(self) -> None:
        therapist = make_clinician("sam", Role.THERAPIST)
        course = course_for(therapist, first_date=dt.date(2026, 9, 7))
        course.referral.received_at = dt.datetime(2026, 8, 1, 12, tzinfo=dt.UTC)
        course.referral.save()
        first, second = course.appointments.order_by("number")[:2]
        for appointment, phq, gad in ((first, 2, 2), (second, 0, 0)):
            attendance.record_attendance(
                actor=therapist, appointment=appointment, status=AppointmentStatus.ATTENDED
            )
            for code, item, count in (("phq9", phq, 9), ("gad7", gad, 7)):
                submit_response(
                    actor=therapist,
                    appointment=appointment,
                    instrument_code=code,
                    answers=answers([item] * count),
                    source="paper",
                )
        figures = rows.refresh(course)
        self.assertEqual((figures.phq9_first, figures.phq9_last), (18, 0))
        self.assertEqual((figures.gad7_first, figures.gad7_last), (14, 0))
        self.assertTrue(figures.at_caseness and figures.recovered and figures.reliable_fall)
        self.assertFalse(figures.reliable_rise)
        self.assertEqual((figures.attended, figures.attended_with_paired_scores), (2, 2))
        self.assertFalse(figures.finished)  # still in progress
        self.assertEqual(figures.first_session_on, dt.date(2026, 9, 7))
        self.assertEqual(figures.wait_days, 37)
