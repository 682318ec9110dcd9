import datetime as dt
import re
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from interplay.accounts.models import User
from interplay.demo.totp import current_demo_code
from interplay.referrals.models import Referral
from interplay.today import triage as triage_day

LONDON = ZoneInfo("Europe/London")


@override_settings(DEMO=True)
class DemoSetupTests(TestCase):
    def run_setup(self, password: str = "demo-password-1") -> str:
        out = StringIO()
        with self.settings(DEMO_TOTP_SECRET="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"):
            import os

            os.environ["INTERPLAY_DEMO_PASSWORD"] = password
            try:
                call_command("demo_setup", history=0, stdout=out)
            finally:
                del os.environ["INTERPLAY_DEMO_PASSWORD"]
        return out.getvalue()

    def test_it_prints_working_sign_ins_and_the_second_factor(self) -> None:
        output = self.run_setup()
        for name in ("admin", "manager", "supervisor", "therapist", "triage"):
            self.assertIn(name, output)
            self.assertTrue(User.objects.get(username=name).check_password("demo-password-1"))
        self.assertIn("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", output)
        self.assertEqual(Referral.objects.count(), 36)
        self.assertTrue(Referral.objects.filter(urgent=True).exists())
        statuses = set(Referral.objects.values_list("status", flat=True))
        self.assertTrue({"received", "waiting", "allocated", "signposted", "declined"} <= statuses)

    def test_the_triage_day_has_recent_urgent_referrals_and_a_standard_falling_due(self) -> None:
        self.run_setup()
        # A service triages urgent referrals within a working day or two: none is weeks old.
        urgent = Referral.objects.filter(urgent=True, status="received")
        self.assertTrue(urgent.exists())
        oldest = min(urgent.values_list("received_at", flat=True))
        self.assertLess(timezone.now() - oldest, dt.timedelta(days=3, hours=9))
        today = timezone.localdate()
        (near,) = triage_day.breaches_within_week(User.objects.get(username="triage"), today)
        self.assertEqual(near.standard, "6-week")
        # Day 42 after the day it came is the last within six weeks (a few days away).
        came = timezone.localdate(near.referral.received_at)
        self.assertEqual(near.last_day, came + dt.timedelta(days=42))
        self.assertGreater(near.last_day, today)

    def test_the_printed_feed_key_reads_back_the_referrals_it_sent_and_no_others(self) -> None:
        output = self.run_setup()
        found = re.search(r"curl -H 'Authorization: Bearer (ipl_\S+)' \S+/api/v1/referrals", output)
        assert found is not None, output
        answer = self.client.get(
            "/api/v1/referrals?limit=200", headers={"Authorization": f"Bearer {found.group(1)}"}
        )
        self.assertEqual(answer.status_code, 200, answer.content)
        sent = {r["reference"] for r in answer.json()["items"]}
        feed = User.objects.get(username="gp-feed-demo")
        self.assertEqual(
            sent,
            set(Referral.objects.filter(submitted_by=feed).values_list("reference", flat=True)),
        )
        self.assertEqual(len(sent), 12)
        statuses = {r["status"] for r in answer.json()["items"]}
        self.assertGreater(len(statuses), 1, "some of the feed's referrals have been triaged")
        self.assertIn("It reads back the 12 referrals it sent", output)

    def test_it_points_to_a_subject_access_export_with_a_course(self) -> None:
        from interplay.patients import subject_access
        from interplay.patients.models import Patient

        output = self.run_setup()
        found = re.search(r"subject access export: /patients/([0-9a-f-]{36})/export\.pdf", output)
        assert found is not None, output
        patient = Patient.objects.get(public_id=found.group(1))
        (course,) = subject_access.document(patient)["courses"]
        self.assertTrue(course["formulation"]["inventory"])
        self.assertTrue(any(s["record"] for s in course["sessions"]))

    def test_courses_part_way_show_improvement_and_deterioration(self) -> None:
        from interplay.courses.models import Course
        from interplay.measures.panel import outcome_panel

        self.run_setup()
        dit = Course.objects.get(
            therapist__username="supervisor", ended_at=None, group_place__isnull=True
        )
        ipt = Course.objects.get(therapist__username="therapist", time=dt.time(11))
        sources = set(dit.responses.values_list("source", flat=True))
        self.assertEqual(sources, {"portal"})
        self.assertEqual(set(ipt.responses.values_list("source", flat=True)), {"in_session"})
        self.assertFalse(dit.responses.filter(appointment__isnull=True).exists())
        improving, worsening = outcome_panel(dit).outcome, outcome_panel(ipt).outcome
        self.assertTrue(improving.reliable_improvement and improving.recovered)
        self.assertTrue(worsening.reliable_deterioration and not worsening.reliable_improvement)

    def test_the_part_way_course_has_a_formulation(self) -> None:
        from interplay.courses.models import Course
        from interplay.formulation.services import shared_formulation

        self.run_setup()
        course = Course.objects.get(
            therapist__username="supervisor", ended_at=None, group_place__isnull=True
        )
        self.assertEqual(course.inventory.count(), 4)
        self.assertEqual(course.inventory.filter(ring__isnull=False).count(), 4)
        self.assertEqual(course.timeline.count(), 2)
        self.assertTrue(course.focus.agreed)
        self.assertIn("you pull back from people", shared_formulation(course) or "")

    def test_every_start_takes_the_password_again_and_adds_no_duplicates(self) -> None:
        self.run_setup("first-password-1")
        self.run_setup("second-password-2")
        self.assertTrue(User.objects.get(username="triage").check_password("second-password-2"))
        self.assertEqual(Referral.objects.count(), 36)

    def test_the_printed_code_opens_the_demo_accounts(self) -> None:
        self.run_setup()
        self.client.force_login(User.objects.get(username="triage"))
        response = self.client.post("/accounts/verify/", {"code": current_demo_code()})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get("/triage/").status_code, 200)

    def test_the_demo_has_an_open_alert_and_a_patient_who_can_sign_in(self) -> None:
        import re

        from interplay.monitoring.models import RiskAlert
        from interplay.monitoring.services import questionnaires_due

        output = self.run_setup()
        alert = RiskAlert.objects.get(kind="risk_answer")
        self.assertEqual(alert.therapist.username, "therapist")
        self.assertTrue(RiskAlert.objects.filter(kind="deterioration").exists())
        link = re.search(rf"{settings.BASE_URL}(/portal/sign-in/\S+/)", output)
        born = re.search(r"date of birth (\d\d) (\d\d) (\d{4})", output)
        assert link and born
        response = self.client.post(
            link.group(1),
            {f"date_of_birth_{i}": v for i, v in enumerate(born.groups())},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(questionnaires_due(alert.course.patient)), 1)
        self.assertContains(self.client.get("/portal/"), "Before your next session")

    def test_on_a_friday_morning_the_questionnaires_are_still_waiting(self) -> None:
        """The therapist does not work at weekends: on a Friday before noon, noon on Monday
        is more than the portal's 72 hours away, so the third session falls on Friday."""
        from interplay.monitoring.models import RiskAlert
        from interplay.monitoring.services import questionnaires_due

        with time_machine.travel(dt.datetime(2026, 12, 4, 3, 45, tzinfo=LONDON)):
            self.run_setup()
            patient = RiskAlert.objects.get(kind="risk_answer").course.patient
            (due,) = questionnaires_due(patient)
        self.assertEqual(due.appointment.starts_at, dt.datetime(2026, 12, 4, 12, tzinfo=LONDON))

    def test_the_third_session_is_always_a_working_slot_inside_the_window(self) -> None:
        from interplay.demo.management.commands.demo_setup import STAFF, third_session_at

        hours = STAFF["therapist"][3]["working_hours"]  # type: ignore[index]
        starts = {day: dt.time.fromisoformat(start) for day, start, _ in hours}
        window = dt.timedelta(hours=72)
        monday = dt.datetime(2026, 11, 30, tzinfo=LONDON)
        for quarter in range(7 * 24 * 4):
            now = monday + dt.timedelta(minutes=15 * quarter)
            at = third_session_at(now, starts, window)
            self.assertLessEqual(now + dt.timedelta(hours=1), at, now)
            self.assertLessEqual(at, now + window, now)
            self.assertIn(at.weekday(), starts, now)
            self.assertIn(at.time(), (starts[at.weekday()], dt.time(12)), now)
        # Where noon on the next working day is inside the window, the session is there.
        tuesday = dt.datetime(2026, 12, 1, 15, tzinfo=LONDON)
        self.assertEqual(
            third_session_at(tuesday, starts, window), dt.datetime(2026, 12, 3, 12, tzinfo=LONDON)
        )

    def test_it_refuses_outside_demo_mode(self) -> None:
        from django.core.management.base import CommandError

        with self.settings(DEMO=False, DEBUG=False), self.assertRaises(CommandError):
            call_command("demo_setup", stdout=StringIO())

    def test_it_shows_problems_a_noted_task_and_an_ending_review(self) -> None:
        from interplay.progress.models import BetweenSessionTask, EndingReview, ProblemRating

        self.run_setup()
        self.assertTrue(ProblemRating.objects.filter(rater="patient").exists())
        self.assertTrue(ProblemRating.objects.filter(rater="therapist", baseline=False).exists())
        noted = BetweenSessionTask.objects.exclude(patient_noted_at=None)
        # The supervisor's DIT course's, and the one on the therapist's day (demo/today.py).
        self.assertEqual(noted.count(), 2)
        review = EndingReview.objects.get(course__ended_at=None)
        self.assertEqual(review.course.therapist.username, "therapist")
        self.assertIn("allocated", set(Referral.objects.values_list("status", flat=True)))

    def test_the_therapists_day_lists_a_few_records_to_sign_not_every_past_session(self) -> None:
        from django.utils import timezone

        from interplay.today.therapist import records_to_sign

        self.run_setup()
        therapist = User.objects.get(username="therapist")
        to_sign = records_to_sign(therapist, timezone.now())
        # The latest session of each running course, last week's draft and the group's
        # record: a therapist's usual backlog, not the whole history of the demo courses.
        self.assertGreaterEqual(len(to_sign), 3)
        self.assertLessEqual(len(to_sign), 6)
        courses = [item.course for item in to_sign if hasattr(item, "course")]
        self.assertEqual(len(courses), len(set(courses)), "one session per course at most")

    def test_sessions_have_a_room_or_video_and_todays_course_has_every_score(self) -> None:
        from django.utils import timezone

        from interplay.courses.models import Appointment

        self.run_setup()
        ahead = Appointment.objects.filter(
            therapist__username="therapist", starts_at__gte=timezone.now()
        )
        individual = ahead.filter(shared=False, course__video_link="")
        self.assertTrue(individual.exists())
        self.assertFalse(individual.filter(room=None).exists())
        self.assertEqual(
            set(individual.values_list("room__name", flat=True)), {"Room 1, Meadow House"}
        )
        self.assertFalse(ahead.filter(shared=True).exclude(room=None).exists())
        # Today's course has its questionnaires at every session so far, as the portal asks.
        from interplay.measures.models import QuestionnaireResponse

        todays = Appointment.objects.filter(
            therapist__username="therapist", shared=False, starts_at__date=timezone.localdate()
        ).exclude(status="cancelled_service")
        self.assertTrue(todays.exists())
        answered_throughout = [
            set(
                QuestionnaireResponse.objects.filter(
                    course=a.course, instrument_code="phq9"
                ).values_list("appointment__number", flat=True)
            )
            == set(range(1, a.number + 1))
            for a in todays
        ]
        self.assertTrue(any(answered_throughout))
        # The therapist's day says where each of today's and tomorrow's sessions is.
        from django.urls import reverse

        from interplay.test import sign_in

        sign_in(self.client, User.objects.get(username="therapist"))
        day = self.client.get(reverse("today:therapist")).content.decode()
        self.assertIn("Room 1, Meadow House", day)
