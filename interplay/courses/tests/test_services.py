"""Starting a course: weekly sessions that skip closures and leave, booked without clashes."""

import datetime as dt
import threading

from django.db import connection
from django.test import TransactionTestCase

from interplay.accounts.models import Leave, User
from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.clinic.models import Closure, Room
from interplay.courses import services
from interplay.courses.models import Appointment, Course
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.referrals.models import Referral, ReferralStatus
from interplay.test import BaseTestCase, allocated_to, give_hours, make_clinician, qualify

MONDAY = 0
TEN = dt.time(10)


def dit_therapist(name: str = "dara") -> User:
    therapist = make_clinician(name, Role.THERAPIST, hours=300, caseload_capacity=10)
    qualify(therapist, "dit", "ipt")
    give_hours(therapist, (MONDAY, "09:00", "17:00"), (1, "09:00", "17:00"))
    return therapist


class StartCourseTests(BaseTestCase):
    def setUp(self) -> None:
        self.dara = dit_therapist()
        self.referral = allocated_to(self.dara, "dit")

    def start(self, **overrides: object) -> Course:
        options = {
            "actor": self.dara,
            "referral": self.referral,
            "protocol_code": "dit16",
            "weekday": MONDAY,
            "at": TEN,
            "first_date": dt.date(2026, 12, 7),
            "history": True,
        }
        options.update(overrides)
        return services.start_course(**options)  # type: ignore[arg-type]

    def test_sixteen_weekly_sessions_skip_bank_holidays_and_fix_the_end_date(self) -> None:
        course = self.start()
        sessions = list(course.appointments.order_by("number"))
        self.assertEqual([s.number for s in sessions], list(range(1, 17)))
        dates = [s.starts_at.astimezone(dt.UTC).date() for s in sessions]
        self.assertNotIn(dt.date(2026, 12, 28), dates)  # Boxing Day, observed on Monday
        self.assertEqual(dates[0], dt.date(2026, 12, 7))
        self.assertEqual(course.agreed_end_date, dates[-1])
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.IN_TREATMENT)
        event = AuditEvent.objects.by_action("course.started").get()
        self.assertEqual(event.detail["sessions"], 16)

    def test_a_service_closure_and_the_therapists_leave_are_skipped(self) -> None:
        Closure.objects.create(date=dt.date(2026, 12, 14), reason="Team training day")
        Leave.objects.create(
            profile=self.dara.clinician, starts_on=dt.date(2027, 1, 4), ends_on=dt.date(2027, 1, 8)
        )
        plan = services.propose(
            referral=self.referral,
            therapist=self.dara,
            protocol_code="dit16",
            weekday=MONDAY,
            at=TEN,
            first_date=dt.date(2026, 12, 7),
            history=True,
        )
        reasons = dict(plan.skipped)
        self.assertEqual(reasons[dt.date(2026, 12, 14)], "closure: Team training day")
        self.assertEqual(reasons[dt.date(2027, 1, 4)], "therapist unavailable")
        self.assertEqual(len(plan.sessions), 16)

    def test_a_slot_outside_working_hours_is_refused(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "outside your working hours"):
            self.start(weekday=2)

    def test_only_the_allocated_therapist_starts_the_course(self) -> None:
        other = dit_therapist("dev")
        with self.assertRaisesMessage(RuleViolation, "allocated to you"):
            self.start(actor=other)
        with self.assertRaises(PermissionDenied):
            self.start(actor=self.triage)

    def test_the_therapists_other_bookings_are_skipped_not_double_booked(self) -> None:
        first = self.start()
        second = allocated_to(self.dara, "dit", nhs_number="9434765919")
        plan = services.propose(
            referral=second,
            therapist=self.dara,
            protocol_code="dit16",
            weekday=MONDAY,
            at=TEN,
            first_date=dt.date(2026, 12, 7),
            history=True,
        )
        self.assertIn("therapist unavailable", {reason for _, reason in plan.skipped})
        taken = set(first.appointments.values_list("starts_at", flat=True))
        self.assertFalse(taken & {s.starts_at for s in plan.sessions})
        self.assertGreater(plan.sessions[0].starts_at, max(taken))


class DoubleBookingTests(TransactionTestCase):
    def test_two_courses_racing_for_one_room_and_time_give_one_booking(self) -> None:
        room = Room.objects.create(name="Room 2")
        therapists = [dit_therapist("dara"), dit_therapist("dev")]
        referrals = [
            allocated_to(therapists[0], "dit"),
            allocated_to(therapists[1], "dit", nhs_number="9434765919"),
        ]
        outcomes: list[str] = []

        def start(therapist: User, referral: Referral) -> None:
            try:
                services.start_course(
                    actor=therapist,
                    referral=referral,
                    protocol_code="dit16",
                    weekday=MONDAY,
                    at=TEN,
                    first_date=dt.date(2026, 12, 7),
                    history=True,
                    room=room,
                )
                outcomes.append("booked")
            except RuleViolation:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [
            threading.Thread(target=start, args=pair)
            for pair in zip(therapists, referrals, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Both are booked, but never in the room at the same time: the second course's
        # proposal, made under the lock, moved past every week the first one holds.
        starts = list(Appointment.objects.filter(room=room).values_list("starts_at", flat=True))
        self.assertEqual(len(starts), len(set(starts)))
        self.assertEqual(sorted(outcomes), ["booked", "booked"])
        self.assertEqual(Course.objects.count(), 2)
