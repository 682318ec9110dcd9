"""The group pages: who sees what (the ladder), forming from the waiting list, recording
a session, and a fixed number of queries however large the group."""

import datetime as dt

import time_machine
from django.urls import reverse

from interplay.groups.models import Group, GroupStatus
from interplay.groups.tests.helpers import (
    NOW,
    course_of,
    form,
    ready_to_facilitate,
    running_group,
    waiting_for_group,
)
from interplay.test import BaseTestCase


class GroupPageTests(BaseTestCase):
    group: Group

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        ready_to_facilitate(cls.therapist)
        with time_machine.travel(NOW, tick=False):
            cls.group = running_group(cls.therapist, members=5)

    def detail(self) -> str:
        return reverse("groups:detail", args=[self.group.public_id])

    def test_the_ladder_on_the_group_page(self) -> None:
        self.assertEqual(self.client.get(self.detail()).status_code, 302)
        for user, status in (
            (self.outsider, 404),
            (self.triage, 403),
            (self.admin, 403),
            (self.therapist, 200),
            (self.supervisor, 200),
            (self.manager, 200),
        ):
            self.sign_in(user)
            self.assertEqual(self.client.get(self.detail()).status_code, status, user)

    def test_a_facilitator_and_their_supervisor_see_members_a_manager_only_counts(self) -> None:
        for user in (self.therapist, self.supervisor):
            self.sign_in(user)
            self.assertContains(self.client.get(self.detail()), "Ada Waiting")
        self.sign_in(self.manager)
        page = self.client.get(self.detail())
        self.assertContains(page, "5 in the group")
        self.assertNotContains(page, "Ada Waiting")
        session = self.group.sessions.get(number=1)
        url = reverse("groups:session", args=[session.public_id])
        self.assertEqual(self.client.get(url).status_code, 403)
        self.sign_in(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_list_shows_my_groups_only(self) -> None:
        self.sign_in(self.outsider)
        self.assertNotContains(self.client.get(reverse("groups:index")), "Tuesday group")
        self.sign_in(self.therapist)
        self.assertContains(self.client.get(reverse("groups:index")), "Tuesday group")

    def test_the_pages_cost_the_same_however_many_groups_and_members(self) -> None:
        self.sign_in(self.therapist)
        for url in (reverse("groups:index"), self.detail()):
            self.client.get(url)  # warm the session and settings
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as before:
                self.client.get(url)
            with time_machine.travel(NOW, tick=False):
                group = form(self.therapist, self.therapist, name="Another group")
                from interplay.groups import services

                for name in ("Kit", "Lou"):
                    services.invite_member(
                        actor=self.therapist,
                        group=group if url.endswith("groups/") else self.group,
                        referral=waiting_for_group(name, date_of_birth=dt.date(1970, 1, 1)),
                    )
            with self.assertNumQueries(len(before)):
                self.client.get(url)

    def test_invitations_stop_once_the_second_session_is_over(self) -> None:
        waiting_for_group("Bo Later")
        second = self.group.sessions.get(number=2)
        with time_machine.travel(second.starts_at, tick=False):
            self.sign_in(self.therapist)
            page = self.client.get(self.detail())
            self.assertContains(page, "Invite from the waiting list")
            self.assertNotContains(page, "closed to new members")
        self.client.logout()  # a new day's sign-in, not the same session gone idle
        with time_machine.travel(second.ends_at + dt.timedelta(minutes=1), tick=False):
            self.sign_in(self.therapist)
            page = self.client.get(self.detail())
            page = self.client.get(self.detail())
            self.assertContains(page, "The group is closed to new members")

    @time_machine.travel(dt.datetime(2026, 9, 15, 16, tzinfo=NOW.tzinfo), tick=False)
    def test_a_facilitator_records_attendance_and_the_group_record(self) -> None:
        self.sign_in(self.therapist)
        session = self.group.sessions.get(number=1)
        url = reverse("groups:session", args=[session.public_id])
        members = list(self.group.members.order_by("invited_at", "id"))
        data = {f"member_{m.pk}": "attended" for m in members}
        data[f"member_{members[0].pk}"] = ""
        page = self.client.post(reverse("groups:attendance", args=[session.public_id]), data)
        self.assertContains(page, "Select what happened for Ada Waiting", status_code=400)
        data[f"member_{members[0].pk}"] = "dna"
        done = self.client.post(reverse("groups:attendance", args=[session.public_id]), data)
        self.assertRedirects(done, url)
        self.assertEqual(course_of(members[0]).appointments.get(number=1).status, "dna")
        self.assertNotContains(self.client.get(self.detail()), "Missed 1 sessions")
        self.client.post(
            reverse("groups:record", args=[session.public_id]),
            {"tasks_done": ["group_introductions"], "notes": "Everyone spoke."},
        )
        self.client.post(reverse("groups:sign", args=[session.public_id]))
        page = self.client.get(url)
        self.assertContains(page, "Signed by")
        self.assertContains(page, "Everyone spoke.")


@time_machine.travel(NOW, tick=False)
class FormingPageTests(BaseTestCase):
    def test_a_facilitator_forms_a_group_and_invites_from_the_waiting_list(self) -> None:
        ready_to_facilitate(self.therapist)
        ada = waiting_for_group("Ada")
        self.sign_in(self.therapist)
        page = self.client.get(reverse("groups:form"))
        self.assertContains(page, "Ada Waiting")
        data = {
            "name": "Tuesday group",
            "protocol_code": "who-group-ipt",
            "lead": self.therapist.pk,
            "weekday": 1,
            "time": "14:00",
            "first_date_0": "15",
            "first_date_1": "9",
            "first_date_2": "2026",
            "video_link": "",
            "members": [str(ada.public_id)],
        }
        refused = self.client.post(reverse("groups:form"), data)
        self.assertContains(refused, "Give a room, a video link or both.", status_code=400)
        self.assertContains(refused, 'value="Tuesday group"', status_code=400)
        data["video_link"] = "https://meet.example.org/t"
        done = self.client.post(reverse("groups:form"), data)
        group = Group.objects.get()
        self.assertRedirects(done, reverse("groups:detail", args=[group.public_id]))
        self.assertEqual(group.status, GroupStatus.FORMING)
        self.assertEqual(group.members.get().referral, ada)


class CoFacilitatorTests(BaseTestCase):
    def test_a_co_facilitator_opens_the_courses_of_their_own_members_only(self) -> None:
        from interplay.courses.models import Course

        ready_to_facilitate(self.therapist, self.outsider)
        with time_machine.travel(NOW, tick=False):
            group = running_group(self.therapist, self.outsider, members=5)
        self.sign_in(self.outsider)
        page = self.client.get(reverse("groups:detail", args=[group.public_id])).content.decode()
        mine = Course.objects.filter(group_place__group=group, therapist=self.outsider)
        theirs = Course.objects.filter(group_place__group=group, therapist=self.therapist)
        self.assertEqual((mine.count(), theirs.count()), (2, 3))
        for course in mine:
            self.assertIn(reverse("courses:detail", args=[course.public_id]), page)
        for course in theirs:
            self.assertNotIn(reverse("courses:detail", args=[course.public_id]), page)
        self.assertIn("Eli Waiting", page)  # every member's name and attendance, still
