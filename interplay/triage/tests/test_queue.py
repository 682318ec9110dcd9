import datetime as dt

from django.urls import reverse
from django.utils import timezone

from interplay.audit.models import AuditEvent
from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, make_referral

QUEUE = reverse("triage:queue")
RISK = {n: (1 if n == 9 else 0) for n in range(1, 10)}


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


class QueuePermissionTests(BaseTestCase):
    def test_anonymous_people_are_asked_to_sign_in(self) -> None:
        self.assertRedirects(self.client.get(QUEUE), f"{reverse('accounts:login')}?next={QUEUE}")

    def test_therapists_managers_and_administrators_are_refused(self) -> None:
        for user in (self.therapist, self.manager, self.admin):
            self.sign_in(user)
            self.assertEqual(self.client.get(QUEUE).status_code, 403, user)

    def test_triage_clinicians_and_supervisors_see_it(self) -> None:
        for user in (self.triage, self.supervisor):
            self.sign_in(user)
            self.assertEqual(self.client.get(QUEUE).status_code, 200, user)


class QueueTests(BaseTestCase):
    def test_urgent_first_then_the_longest_waiting(self) -> None:
        make_referral(first_name="Newest", received_at=days_ago(1))
        make_referral(first_name="Oldest", received_at=days_ago(30))
        make_referral(first_name="Urgent", phq9=RISK, received_at=days_ago(2))
        self.sign_in(self.triage)
        names = [r.first_name for r in self.client.get(QUEUE).context["page"].object_list]
        self.assertEqual(names, ["Urgent", "Oldest", "Newest"])

    def test_each_row_shows_days_waited_risk_and_scores_with_bands(self) -> None:
        make_referral(
            phq9={n: 2 for n in range(1, 10)},
            gad7={n: 1 for n in range(1, 8)},
            received_at=days_ago(12),
        )
        self.sign_in(self.triage)
        response = self.client.get(QUEUE)
        self.assertContains(response, 'aria-hidden="true">Days waited </span>12</td>')
        self.assertContains(response, "Urgent")
        self.assertContains(response, '18 <span class="nhsuk-body-s">Moderately severe</span>')
        self.assertContains(response, '7 <span class="nhsuk-body-s">Mild</span>')

    def test_decided_referrals_leave_the_queue(self) -> None:
        make_referral(first_name="Waiting")
        Referral.objects.update(status="declined")
        self.sign_in(self.triage)
        self.assertContains(self.client.get(QUEUE), "No referrals are waiting")

    def test_looking_at_the_queue_is_audited_with_the_references_shown(self) -> None:
        referral = make_referral()
        self.sign_in(self.triage)
        self.client.get(QUEUE)
        event = AuditEvent.objects.by_action("triage_queue.viewed").get()
        self.assertEqual(event.detail, {"referrals": [referral.reference]})

    def test_it_is_paginated(self) -> None:
        for _ in range(26):
            make_referral(email="")
        self.sign_in(self.triage)
        self.assertEqual(len(self.client.get(QUEUE).context["page"].object_list), 25)
        self.assertEqual(len(self.client.get(QUEUE + "?page=2").context["page"].object_list), 1)

    def test_the_query_count_does_not_grow_with_the_queue(self) -> None:
        self.sign_in(self.triage)
        make_referral(email="")
        self.client.get(QUEUE)  # warm the session and content types
        # session, user, second-factor device, roles, count, page, responses, audit (chain
        # head, insert, head update), service settings
        with self.assertNumQueries(11):
            self.client.get(QUEUE)
        for _ in range(30):
            make_referral(email="")
        with self.assertNumQueries(11):
            self.client.get(QUEUE)
