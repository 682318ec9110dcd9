"""A member's portal shows their group's times and place and their own work, and never
another member's name, answers or scores; the invitation is answered there."""

import datetime as dt

import time_machine
from django.urls import reverse

from interplay.groups import services
from interplay.groups.models import MemberStatus
from interplay.groups.tests.helpers import (
    NOW,
    course_of,
    form,
    ready_to_facilitate,
    running_group,
    waiting_for_group,
)
from interplay.monitoring.services import submit_response
from interplay.portal.tests.test_shared_work import portal_sign_in
from interplay.test import BaseTestCase

SAD = {n: 3 for n in range(1, 10)}  # PHQ-9 27, and question 9 answered


class PortalIsolationTests(BaseTestCase):
    def test_two_members_of_one_group_see_nothing_of_each_other(self) -> None:
        ready_to_facilitate(self.therapist)
        with time_machine.travel(NOW, tick=False):
            group = running_group(self.therapist, members=5)
        ada, bea = list(group.members.select_related("course").order_by("invited_at", "id"))[:2]
        with time_machine.travel(dt.datetime(2026, 9, 15, 16, tzinfo=NOW.tzinfo), tick=False):
            submit_response(
                actor=self.therapist,
                appointment=course_of(bea).appointments.get(number=1),
                instrument_code="phq9",
                answers=SAD,
                source="paper",
            )
            portal_sign_in(self.client, ada.referral.patient)
            home = self.client.get(reverse("portal:home"))
            page = self.client.get(reverse("portal:group"))
            # Bea's place answers 404 to Ada, whatever she posts.
            answer = reverse("portal:group_answer", args=[bea.public_id])
            self.assertEqual(self.client.post(answer, {"answer": "no"}).status_code, 404)
        self.assertContains(home, "Your group")
        self.assertContains(page, "Tuesday group")
        self.assertContains(page, "Tuesday 22 September 2026, 14:00")
        for other in ("Bea", "Cal", "Dee", "Eli"):
            self.assertNotContains(page, other)
            self.assertNotContains(home, other)
        # Bea's PHQ-9 is hers: Ada, who has answered nothing, has no scores.
        self.assertContains(home, "Your scores will show here once you have answered")

    @time_machine.travel(NOW, tick=False)
    def test_the_person_accepts_or_declines_in_the_portal(self) -> None:
        ready_to_facilitate(self.therapist)
        group = form(self.therapist, self.therapist)
        ada = waiting_for_group("Ada")
        member = services.invite_member(actor=self.therapist, group=group, referral=ada)
        portal_sign_in(self.client, ada.patient)
        page = self.client.get(reverse("portal:group"))
        self.assertContains(page, "Would you like to join?")
        answer = reverse("portal:group_answer", args=[member.public_id])
        self.assertRedirects(self.client.post(answer, {"answer": "yes"}), reverse("portal:group"))
        member.refresh_from_db()
        self.assertEqual(member.status, MemberStatus.ACCEPTED)
        again = self.client.post(answer, {"answer": "no"}, follow=True)
        self.assertContains(again, "already answered")
