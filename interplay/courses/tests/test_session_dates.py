"""Session dates hold: moving a session and starting a course keep the referral, the
sessions' order, the back-dating window and the therapist's hours and leave; ending a
course resolves past sessions first and marks the rest "not needed"."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from interplay.accounts.models import Leave
from interplay.audit.models import AuditEvent
from interplay.clinic.models import ServiceSettings
from interplay.courses import attendance, services
from interplay.courses.forms import AttendanceForm
from interplay.courses.models import Appointment, AppointmentStatus, Course
from interplay.lib.errors import RuleViolation
from interplay.monitoring import services as monitoring
from interplay.test import BaseTestCase, allocated_to, give_hours, qualify

LONDON = ZoneInfo("Europe/London")
# A Sunday: the referral arrives now; the course runs on Mondays at 10:00 from tomorrow.
NOW = dt.datetime(2026, 9, 20, 12, tzinfo=LONDON)
WEEKDAYS = [(day, "09:00", "17:00") for day in range(5)]


def at(m: int, d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(2026, m, d, h, mi, tzinfo=LONDON)


class DatedCourseTestCase(BaseTestCase):
    def setUp(self) -> None:
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, *WEEKDAYS)
        self.referral = allocated_to(self.therapist, "ipt")

    def start(self, first_date: dt.date = dt.date(2026, 9, 21), **options: object) -> Course:
        return services.start_course(
            actor=self.therapist,
            referral=self.referral,
            protocol_code="ipt16",
            weekday=options.pop("weekday", 0),  # type: ignore[arg-type]
            at=options.pop("at", dt.time(10)),  # type: ignore[arg-type]
            first_date=first_date,
            **options,  # type: ignore[arg-type]
        )


class MovingASessionTests(DatedCourseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.course = self.start()
        self.s = {a.number: a for a in self.course.appointments.all()}

    def move(self, number: int, starts_at: dt.datetime, reason: str = "") -> Appointment:
        return attendance.reschedule(
            actor=self.therapist, appointment=self.s[number], starts_at=starts_at, reason=reason
        )

    def refused(self, number: int, starts_at: dt.datetime, reason: str = "") -> RuleViolation:
        with self.assertRaises(RuleViolation) as caught:
            self.move(number, starts_at, reason)
        return caught.exception

    def test_a_session_stays_after_the_previous_one(self) -> None:
        error = self.refused(3, at(9, 28, 10, 49))  # session 2 ends at 10:50
        self.assertEqual(error.field, "date")
        self.assertIn("Session 2 is on Mon 28 Sep 2026 at 10:00, so session 3", str(error))
        self.assertEqual(self.move(3, at(9, 28, 10, 50)).starts_at, at(9, 28, 10, 50))

    def test_a_session_ends_before_the_next_one(self) -> None:
        error = self.refused(3, at(10, 12, 9, 11))  # would end 10:01; session 4 starts 10:00
        self.assertIn("Session 4 is on Mon 12 Oct 2026 at 10:00", str(error))
        self.assertEqual(self.move(3, at(10, 12, 9, 10)).ends_at, at(10, 12, 10))

    def test_not_before_the_referral(self) -> None:
        error = self.refused(1, at(9, 18, 10))
        self.assertEqual(
            (error.field, str(error)),
            ("date", "This is before the referral was received (20 September 2026)."),
        )

    def test_outside_working_hours_or_on_leave(self) -> None:
        self.assertEqual(self.refused(4, at(10, 12, 16, 11)).field, "time")
        self.move(4, at(10, 12, 16, 10))  # ends at 17:00 exactly
        saturday = self.refused(5, at(10, 17, 10))
        self.assertEqual(saturday.field, "date")
        self.assertIn("you do not work on Saturdays", str(saturday))
        Leave.objects.create(
            profile=self.therapist.clinician,
            starts_on=dt.date(2026, 10, 21),
            ends_on=dt.date(2026, 10, 23),
        )
        self.assertIn("on leave", str(self.refused(5, at(10, 21, 10))))
        self.move(5, at(10, 20, 10))  # the day before the leave

    def test_a_clash_is_refused_beside_the_time(self) -> None:
        other = allocated_to(self.therapist, "ipt", last_name="Other")
        services.start_course(
            actor=self.therapist,
            referral=other,
            protocol_code="ipt16",
            weekday=2,
            at=dt.time(10),
            first_date=dt.date(2026, 9, 23),
        )
        error = self.refused(3, at(9, 30, 10, 30))
        self.assertEqual(
            (error.field, str(error)), ("time", "You already have a session at that time.")
        )

    def test_back_dating_needs_a_reason_within_the_window_and_stops_beyond_it(self) -> None:
        with time_machine.travel(at(10, 7, 12), tick=False):  # session 3 (5 Oct) unrecorded
            self.assertEqual(self.refused(3, at(9, 30, 12)).field, "reason")
            beyond = self.refused(3, at(9, 30, 11, 59), reason="Seen then")
            self.assertIn("more than 7 days ago", str(beyond))
            moved = self.move(3, at(9, 30, 12), reason="Seen on the Wednesday instead")
        moved.refresh_from_db()
        self.assertEqual(moved.backdate_reason, "Seen on the Wednesday instead")
        event = AuditEvent.objects.by_action("appointment.rescheduled").get()
        self.assertTrue(event.detail["backdated"])
        self.assertNotIn("Wednesday", str(event.detail))  # the reason stays encrypted

    def test_the_window_is_the_services_setting(self) -> None:
        settings = ServiceSettings.load()
        settings.backdate_window_days = 14
        settings.save()
        with time_machine.travel(at(10, 7, 12), tick=False):
            self.move(3, at(9, 29, 10), reason="Seen on the Tuesday")
        settings.backdate_window_days = 0
        settings.save()
        with time_machine.travel(at(10, 14, 12), tick=False):
            self.assertIn("in the past", str(self.refused(4, at(10, 13, 10), reason="x")))


class StartingACourseTests(DatedCourseTestCase):
    def test_a_first_date_before_the_referral_is_refused(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            self.start(dt.date(2026, 9, 14), reason="Seen then")
        self.assertEqual(caught.exception.field, "first_date")
        self.assertIn("before the referral was received", str(caught.exception))
        self.assertFalse(Course.objects.exists())

    def test_a_back_dated_start_needs_a_reason_and_keeps_it(self) -> None:
        self.referral.received_at = at(9, 1, 9)
        self.referral.save(update_fields=["received_at"])
        with self.assertRaises(RuleViolation) as caught:
            self.start(dt.date(2026, 9, 14))
        self.assertEqual(caught.exception.field, "reason")
        with self.assertRaises(RuleViolation) as caught:
            self.start(dt.date(2026, 9, 7), reason="Seen then")
        self.assertEqual(caught.exception.field, "first_date")
        self.assertIn("more than 7 days ago", str(caught.exception))
        course = self.start(dt.date(2026, 9, 14), reason="First session held before booking")
        first, second = course.appointments.order_by("number")[:2]
        self.assertEqual(first.backdate_reason, "First session held before booking")
        self.assertEqual(second.backdate_reason, "")
        event = AuditEvent.objects.by_action("course.started").get()
        self.assertEqual(event.detail["backdated_sessions"], [1])

    def test_outside_working_hours_is_refused_beside_the_time(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            self.start(at=dt.time(16, 30))
        self.assertEqual(caught.exception.field, "time")
        self.assertIn(
            "outside your working hours on Mondays (09:00 to 17:00)", str(caught.exception)
        )


class DateFormTests(DatedCourseTestCase):
    def test_the_move_form_shows_the_refusal_beside_the_field_and_keeps_what_was_typed(
        self,
    ) -> None:
        course = self.start()
        third = course.appointments.get(number=3)
        self.sign_in(self.therapist)
        page = self.client.get(reverse("courses:session", args=[third.public_id]))
        self.assertContains(page, "Your working hours: Monday 09:00 to 17:00; Tuesday")
        url = reverse("courses:reschedule", args=[third.public_id])
        typed = {
            "move-date_0": "28",
            "move-date_1": "9",
            "move-date_2": "2026",
            "move-time": "09:15",
        }
        response = self.client.post(url, typed)
        self.assertContains(response, 'id="id_move-date-error"', status_code=409)
        self.assertContains(response, "so session 3 must come after it", status_code=409)
        self.assertContains(response, 'value="09:15"', status_code=409)
        self.assertContains(response, 'value="28"', status_code=409)
        late = self.client.post(
            url, typed | {"move-date_0": "5", "move-date_1": "10", "move-time": "17:30"}
        )
        self.assertContains(late, 'id="id_move-time-error"', status_code=409)
        self.assertContains(late, "Your working hours: Monday 09:00 to 17:00", status_code=409)

    def test_the_start_form_shows_the_refusal_beside_the_first_date(self) -> None:
        self.sign_in(self.therapist)
        url = reverse("courses:start", args=[self.referral.public_id])
        data = {
            "protocol": "ipt16",
            "weekday": "0",
            "time": "16:30",
            "first_date_0": "21",
            "first_date_1": "9",
            "first_date_2": "2026",
        }
        late = self.client.post(url, data)
        self.assertContains(late, 'id="id_time-error"', status_code=409)
        self.assertContains(late, "Your working hours: Monday 09:00 to 17:00", status_code=409)
        early = self.client.post(url, data | {"time": "10:00", "first_date_0": "14"})
        self.assertContains(early, 'id="id_first_date-error"', status_code=409)
        self.assertContains(early, "before the referral was received", status_code=409)
        self.assertContains(early, 'value="14"', status_code=409)


class EndingTests(DatedCourseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.course = self.start()
        self.s = {a.number: a for a in self.course.appointments.all()}
        self.url = reverse("courses:detail", args=[self.course.public_id])

    def attend(self, *numbers: int) -> None:
        for n in numbers:
            attendance.record_attendance(
                actor=self.therapist, appointment=self.s[n], status="attended"
            )

    def end(self, outcome: str = "completed") -> Course:
        return attendance.end_course(
            actor=self.therapist, course=self.course, outcome=outcome, reason="Agreed to stop."
        )

    def test_completed_is_refused_while_past_sessions_are_unresolved(self) -> None:
        with time_machine.travel(at(10, 14, 12), tick=False):  # sessions 1-4 have passed
            self.attend(1, 2)
            with self.assertRaises(RuleViolation) as caught:
                self.end()
            self.assertEqual(
                str(caught.exception),
                ("Record what happened at sessions 3 and 4 before ending the course as completed."),
            )
            self.assertEqual(caught.exception.field, "outcome")
            self.sign_in(self.therapist)
            page = self.client.get(self.url)
            listed = reverse("courses:session", args=[self.s[3].public_id])
            self.assertContains(page, 'data-testid="unresolved"')
            self.assertContains(page, f'href="{listed}"')
            refused = self.client.post(
                reverse("courses:end", args=[self.course.public_id]),
                {"end-outcome": "completed", "end-reason": "All done."},
            )
            self.assertContains(refused, 'id="id_end-outcome-error"', status_code=409)
            self.assertContains(refused, "All done.", status_code=409)
            self.attend(3)
            attendance.record_attendance(
                actor=self.therapist, appointment=self.s[4], status="cancelled_patient"
            )
            self.end()
        statuses = dict(self.course.appointments.values_list("number", "status"))
        self.assertEqual(statuses[4], AppointmentStatus.CANCELLED_BY_PATIENT)
        self.assertEqual({statuses[n] for n in range(5, 17)}, {AppointmentStatus.NOT_NEEDED})
        self.assertFalse(
            self.course.appointments.filter(status=AppointmentStatus.CANCELLED_BY_SERVICE).exists()
        )
        event = AuditEvent.objects.by_action("course.ended").get()
        self.assertEqual(event.detail["sessions_not_needed"], 12)

    def test_another_ending_is_not_held_back_by_unresolved_sessions(self) -> None:
        with time_machine.travel(at(10, 14, 12), tick=False):
            self.end("dropped_out")
        self.assertEqual(self.course.appointments.get(number=3).status, AppointmentStatus.BOOKED)

    def test_not_needed_is_not_a_choice_for_the_therapist(self) -> None:
        choices = [value for value, _ in AttendanceForm().fields["status"].choices]  # type: ignore[attr-defined]
        self.assertNotIn(AppointmentStatus.NOT_NEEDED, choices)
        self.assertIn(AppointmentStatus.CANCELLED_BY_SERVICE, choices)

    def test_ending_warns_when_there_is_no_final_score(self) -> None:
        with time_machine.travel(at(9, 28, 12), tick=False):
            self.sign_in(self.therapist)
            self.attend(1, 2)
            self.assertContains(self.client.get(self.url), 'data-testid="no-final-score"')
            for code, items in (("phq9", 9), ("gad7", 7)):
                monitoring.submit_response(
                    actor=self.therapist,
                    appointment=self.s[2],
                    instrument_code=code,
                    answers=dict.fromkeys(range(1, items + 1), 1),
                    source="in_session",
                )
            self.assertNotContains(self.client.get(self.url), 'data-testid="no-final-score"')

    def test_an_ended_course_says_what_it_is_now(self) -> None:
        with time_machine.travel(at(10, 14, 12), tick=False):
            self.attend(1, 2, 3, 4)
            self.end()
            self.sign_in(self.therapist)
            page = self.client.get(self.url)
        self.assertContains(page, "Completed on Wednesday 14 October 2026")
        self.assertContains(page, "4 attended of 16 planned")
        self.assertContains(page, "Not needed: course ended")
        self.assertNotContains(page, "End this course")
        self.assertNotContains(page, "Agreed end date</dt>")
