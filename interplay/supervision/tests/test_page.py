"""The supervision page: who reaches it, whose courses it shows, and in what order."""

import re

import time_machine
from django.urls import reverse

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.supervision.tests.stories import NOW, answer, attend, sign, start
from interplay.test import AUDIT_WRITE, BaseTestCase, make_clinician

URL = reverse("supervision:index")


def names_in_order(html: str) -> list[str]:
    """The people's names as the page lists them, top to bottom."""
    return re.findall(r'/courses/[0-9a-f-]+/">([^<]+)</a>', html)


@time_machine.travel(NOW, tick=False)
class SupervisionPageTests(BaseTestCase):
    def test_anonymous_is_sent_to_sign_in(self) -> None:
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_other_roles_are_refused(self) -> None:
        for user in (self.therapist, self.outsider, self.triage, self.manager, self.admin):
            self.sign_in(user)
            self.assertEqual(self.client.get(URL).status_code, 403, user)

    def test_the_header_links_supervisors_to_it(self) -> None:
        self.sign_in(self.supervisor)
        self.assertContains(self.client.get(reverse("home"), follow=True), f'href="{URL}"')
        self.sign_in(self.therapist)
        self.assertNotContains(self.client.get(reverse("home"), follow=True), f'href="{URL}"')

    def test_a_supervisor_sees_their_supervisees_courses_and_no_one_elses(self) -> None:
        mine = start(self.therapist, "Mine")
        start(self.outsider, "Outsider")
        start(self.supervisor, "Ownload")  # the supervisor's own caseload: theirs to run
        other = make_clinician("other-supervisor", Role.SUPERVISOR, Role.THERAPIST)
        theirs = make_clinician("theirs", Role.THERAPIST, supervisor=other)
        start(theirs, "Theirs")
        self.sign_in(self.supervisor)
        page = self.client.get(URL)
        self.assertEqual(names_in_order(page.content.decode()), ["Robin Mine"])
        self.assertContains(page, reverse("courses:detail", args=[mine.public_id]))
        self.assertContains(page, '<h2 id="supervisee-1">Therapist</h2>', html=False)
        self.sign_in(other)
        self.assertEqual(names_in_order(self.client.get(URL).content.decode()), ["Robin Theirs"])

    def test_each_course_shows_where_it_is_and_its_latest_scores(self) -> None:
        course = start(self.therapist, "Mine")
        attend(course, 1, 2, 3)
        answer(course, 1, 14, 9)
        answer(course, 3, 11, 6)
        self.sign_in(self.supervisor)
        row = self.client.get(URL).content.decode().split('data-testid="course-row"')[1]
        self.assertIn("Session 8 of 16, middle phase", row)
        self.assertIn("11 (Moderate), 20 Oct", row)  # typed in today, at session 3
        self.assertIn("6 (Mild)", row)

    def test_flagged_courses_come_first(self) -> None:
        calm = start(self.therapist, "Aardvark", hour=9)
        missed = start(self.therapist, "Zebra", hour=11)
        sign(calm, 1, 2, 3, 4, 5, 6, 7)
        answer(calm, 6, 5, 4)
        answer(calm, 7, 5, 4)
        sign(missed, 1, 2, 3, 4, 5)
        attend(missed, 6, 7, status="dna")
        self.sign_in(self.supervisor)
        page = self.client.get(URL)
        self.assertEqual(names_in_order(page.content.decode()), ["Robin Zebra", "Robin Aardvark"])
        self.assertContains(page, "1 of 2 active courses flagged, across 1 supervisee")

    def test_an_ended_course_is_not_on_the_page(self) -> None:
        from interplay.courses import attendance

        course = start(self.therapist, "Ended")
        attend(course, 1, 2, 3, 4, 5, 6, 7)
        attendance.end_course(
            actor=self.therapist, course=course, outcome="dropped_out", reason="Moved away."
        )
        self.sign_in(self.supervisor)
        self.assertEqual(names_in_order(self.client.get(URL).content.decode()), [])

    def test_a_supervisor_with_no_supervisees_is_told_why_the_page_is_empty(self) -> None:
        lone = make_clinician("lone", Role.SUPERVISOR)
        self.sign_in(lone)
        self.assertContains(self.client.get(URL), "No clinicians name you as their supervisor")

    def test_the_look_is_audited_with_the_courses_shown(self) -> None:
        course = start(self.therapist, "Mine")
        self.sign_in(self.supervisor)
        self.client.get(URL)
        event = AuditEvent.objects.by_action("supervision.viewed").get()
        self.assertEqual(event.actor, self.supervisor)
        self.assertEqual(event.detail["courses"], [str(course.public_id)])

    def test_the_query_count_does_not_grow_with_the_caseloads(self) -> None:
        first = start(self.therapist, "One")
        attend(first, 1, 2)
        self.sign_in(self.supervisor)
        self.client.get(URL)
        with self.assertNumQueries(QUERIES):
            self.client.get(URL)
        second = make_clinician("second", Role.THERAPIST, hours=300, supervisor=self.supervisor)
        for surname, hour in (("Two", 11), ("Three", 12)):
            course = start(self.therapist, surname, hour=hour)
            answer(course, 1, 9, 5)
            attend(course, 1, 2, 3, status="dna")
        dit = start(second, "Four", modality="dit", protocol="dit16")
        attend(dit, 1, 2, 3)
        with self.assertNumQueries(QUERIES):
            page = self.client.get(URL)
        self.assertEqual(len(names_in_order(page.content.decode())), 4)


# The session, its user with their roles, and the second factor (middleware); the supervisees; their
# courses with every flag; the attended sessions with their answers; the service's
# settings; the audit event (its chain head read and locked, the event and head written).
QUERIES = 7 + AUDIT_WRITE
