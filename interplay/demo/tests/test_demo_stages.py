"""The demo shows a course at every stage, its links use where it is served, and its
alerts are not duplicated. One demo is built for the whole class (it is slow to build)."""

import re
from collections import Counter
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings

from interplay.accounts.models import User
from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Course
from interplay.demo.management.commands.demo_setup import stage_of
from interplay.demo.totp import current_demo_code
from interplay.letters.tests import pdf_text
from interplay.monitoring.models import RiskAlert

BASE_URL = "http://127.0.0.1:8123"


def run_setup() -> str:
    out = StringIO()
    call_command("demo_setup", history=0, stdout=out)
    return out.getvalue()


@override_settings(DEMO=True, BASE_URL=BASE_URL)
class DemoStagesTests(TestCase):
    output: str

    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = run_setup()

    def sign_in(self, username: str) -> None:
        self.client.force_login(User.objects.get(username=username))
        self.client.post("/accounts/verify/", {"code": current_demo_code()})

    def course_in(self, phase: str, therapist: str, **match: object) -> Course:
        (course,) = [
            c
            for c in Course.objects.filter(
                therapist__username=therapist, ended_at=None, group_place__isnull=True, **match
            )
            if stage_of(c).startswith(f"in the {phase} phase")
        ]
        return course

    def test_a_running_group_of_eight_at_session_four_with_two_facilitators(self) -> None:
        from django.utils import timezone

        from interplay.groups.models import Group

        group = Group.objects.get()
        self.assertEqual(group.status, "running")
        self.assertEqual(len(group.facilitators()), 2)
        self.assertEqual(group.members.filter(status="accepted").count(), 8)
        upcoming = group.sessions.filter(starts_at__gt=timezone.now()).first()
        assert upcoming is not None
        self.assertEqual(upcoming.number, 4)
        self.assertIn(f"Group IPT, '{group.name}' (8 members, session 4 next", self.output)
        for username in ("therapist", "supervisor", "manager"):
            self.sign_in(username)
            page = self.client.get(f"/groups/{group.public_id}/")
            self.assertContains(page, group.name)
            if username == "therapist":
                # A facilitator's own screens carry the members' courses like any other.
                for url in ("/today/therapist/", "/caseload/", "/calendar/", "/groups/"):
                    self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_both_facilitators_days_show_the_group_once_and_its_record_to_sign(self) -> None:
        from django.utils import timezone

        from interplay.groups.models import Group
        from interplay.today.therapist import GroupRecord

        group = Group.objects.get()
        upcoming = group.sessions.filter(starts_at__gt=timezone.now()).get(number=4)
        held = group.sessions.get(number=3)
        self.assertFalse(held.signed)
        for username in ("therapist", "supervisor"):
            self.sign_in(username)
            page = self.client.get("/today/therapist/")
            rows = page.context["sessions_today"] + page.context["sessions_tomorrow"]
            meetings = [r for r in rows if r.is_group]
            if timezone.localdate().weekday() not in (4, 5):  # the next working day: tomorrow
                self.assertEqual([m.session for m in meetings], [upcoming], username)
                self.assertEqual((meetings[0].expected, meetings[0].answered), (8, 5))
            records = [r.session for r in page.context["records"] if isinstance(r, GroupRecord)]
            self.assertEqual(records, [held], username)
            self.assertContains(page, f"{group.name} (group IPT), session 3")

    def test_the_supervisor_sees_flagged_courses_of_two_supervisees_and_a_note(self) -> None:
        self.sign_in("supervisor")
        page = self.client.get("/supervision/").content.decode()
        for shown in (
            "Riley Reyes",
            "Taylor Therapist",
            "2 missed sessions",
            "Past its agreed end date",
            "before the agreed end",
            "Reliable deterioration",
            "1 open risk alert",
        ):
            self.assertIn(shown, page)
        (course,) = Course.objects.filter(supervision_notes__isnull=False)
        self.sign_in("therapist")
        self.assertContains(self.client.get(f"/courses/{course.public_id}/"), "PHQ-9 up 7")

    def test_a_course_in_its_initial_phase(self) -> None:
        course = self.course_in("initial", "therapist")
        self.assertEqual(course.modality, "ipt")
        self.assertIn(f"Course {stage_of(course)} ({course.patient.full_name}", self.output)

    def test_an_ipt_course_in_the_middle_phase_with_its_agreed_problem_area(self) -> None:
        # The therapist's day (demo/today.py) adds middle-phase courses with no focus.
        course = self.course_in("middle", "therapist", focus__isnull=False)
        self.assertTrue(course.focus.agreed and course.focus.shared_with_patient)
        self.assertEqual(
            (course.focus.problem_area, course.focus.dispute_stage),
            ("role_dispute", "renegotiation"),
        )
        self.sign_in("therapist")
        page = self.client.get(f"/formulation/{course.public_id}/")
        self.assertContains(page, "Role dispute")

    def test_a_dit_course_in_the_middle_phase_with_an_agreed_ipaf_and_shared_work(
        self,
    ) -> None:
        course = self.course_in("middle", "supervisor")
        self.assertEqual(course.modality, "dit")
        self.assertTrue(course.focus.agreed)
        self.assertEqual(course.focus.linking_affect, "Shame")
        self.assertTrue(course.problems.filter(shared=True, ratings__rater="patient").exists())
        self.assertTrue(course.between_session_tasks.filter(shared=True).exists())

    def test_a_course_that_ended_with_its_review_goodbye_letter_and_recovery(self) -> None:
        course = Course.objects.get(ended_at__isnull=False)
        self.assertEqual((course.status, course.modality), ("completed", "dit"))
        self.assertEqual(course.referral.status, "discharged")
        self.assertLess(course.referral.received_at.date(), course.start_date)
        self.assertEqual(course.appointments.filter(status="attended").count(), 16)
        self.assertTrue(course.ending_review.relapse_plan)
        letter = course.ending_letters.get(kind="goodbye")
        assert letter.letter is not None
        self.assertTrue(letter.shared)
        text = pdf_text(letter.letter.pdf)
        self.assertIn(course.patient.full_name, text)
        self.assertIn("You look after everyone and ask for nothing", text)
        self.assertIn("rated 8 out of 10 at first and 2 most recently", text)
        self.sign_in("supervisor")
        page = self.client.get(f"/courses/{course.public_id}/").content.decode()
        self.assertIn("first 15, last 4 (change -11)", page)
        flags = dict(re.findall(r"__key\">([^<]+)</dt><dd[^>]*>(Yes|No)<", page))
        self.assertEqual(flags["Reliable recovery (recovered and reliably improved)"], "Yes")
        self.assertIn(f"Course ended (completed) ({course.patient.full_name}", self.output)

    def test_printed_links_use_the_base_url_it_is_served_on(self) -> None:
        links = re.findall(r"https?://[^/\s]+/\S*", self.output)
        self.assertGreaterEqual(len(links), 7)
        self.assertTrue(all(link.startswith(f"{BASE_URL}/") for link in links), links)
        portal = re.search(rf"{BASE_URL}(/portal/sign-in/\S+/)", self.output)
        assert portal is not None
        self.assertEqual(self.client.get(portal.group(1)).status_code, 200)

    def test_the_service_has_a_phone_number_and_an_administrators_is_kept(self) -> None:
        self.assertEqual(ServiceSettings.load().phone, "+441134960000")
        letter = Course.objects.get(ended_at__isnull=False).ending_letters.get().letter
        assert letter is not None
        # On the letterhead, however the number is laid out for reading.
        self.assertRegex(pdf_text(letter.pdf), r"Telephone (\+44 ?113|0113) ?496 ?0000")
        service = ServiceSettings.load()
        service.phone = "+441134960999"
        service.save()
        run_setup()
        self.assertEqual(ServiceSettings.load().phone, "+441134960999")

    def test_alerts_are_not_duplicated_however_often_it_runs(self) -> None:
        def alerts() -> list[tuple[int, str]]:
            return sorted(RiskAlert.objects.open().values_list("course_id", "kind"))

        first = alerts()
        self.assertEqual(Counter(kind for _, kind in first), {"risk_answer": 1, "deterioration": 1})
        run_setup()
        self.assertEqual(alerts(), first)
        self.assertEqual(len(set(first)), len(first))
