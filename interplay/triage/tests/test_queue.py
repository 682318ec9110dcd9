import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from interplay.audit.models import AuditEvent
from interplay.clinic.models import Closure, ServiceSettings
from interplay.referrals.models import Referral
from interplay.test import AUDIT_WRITE, BaseTestCase, make_referral

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
        self.assertContains(response, 'aria-hidden="true">Days waited </span>12<br>')
        self.assertContains(response, "Urgent, waiting 12 days")
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
        # session, user with roles and device, count, page (with the latest totals),
        # service settings for the page and for the urgent clock (kept per process outside
        # tests), closures, and the audit event
        with self.assertNumQueries(7 + AUDIT_WRITE):
            self.client.get(QUEUE)
        for _ in range(30):
            make_referral(email="", phq9=RISK)
        with self.assertNumQueries(7 + AUDIT_WRITE):
            self.client.get(QUEUE)


# Thursday 3 December 2026, 10:00 in London (GMT); Friday the 4th is a working day.
THURSDAY = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


class UrgentWaitTests(BaseTestCase):
    """An urgent referral shows how long it has waited and stands out once it has waited
    longer than the service's working days (1 by default) without triage."""

    def queue_at(self, moment: dt.datetime) -> str:
        with time_machine.travel(moment, tick=False):
            self.client.logout()
            self.sign_in(self.triage)
            response = self.client.get(QUEUE)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_an_urgent_referral_shows_its_wait_in_hours(self) -> None:
        make_referral(phq9=RISK, received_at=THURSDAY)
        page = self.queue_at(THURSDAY + dt.timedelta(hours=5))
        self.assertIn("Urgent, waiting 5 hours", page)
        self.assertNotIn("Overdue", page)

    def test_it_stands_out_after_one_working_day(self) -> None:
        make_referral(phq9=RISK, received_at=THURSDAY)
        page = self.queue_at(THURSDAY + dt.timedelta(days=1, hours=1))
        self.assertIn("Urgent, waiting 1 day, 1 hour", page)
        self.assertIn("Overdue: not triaged within 1 working day", page)

    def test_a_weekend_does_not_count(self) -> None:
        friday = THURSDAY + dt.timedelta(days=1)
        make_referral(phq9=RISK, received_at=friday)
        self.assertNotIn("Overdue", self.queue_at(friday + dt.timedelta(days=3, hours=-1)))
        self.assertIn("Overdue", self.queue_at(friday + dt.timedelta(days=3, hours=1)))

    def test_a_closure_does_not_count(self) -> None:
        Closure.objects.create(date=dt.date(2026, 12, 4), reason="Training day")
        make_referral(phq9=RISK, received_at=THURSDAY)
        self.assertNotIn("Overdue", self.queue_at(THURSDAY + dt.timedelta(days=1, hours=1)))

    def test_the_service_sets_how_many_working_days(self) -> None:
        ServiceSettings.objects.update_or_create(pk=1, defaults={"urgent_triage_working_days": 2})
        make_referral(phq9=RISK, received_at=THURSDAY)
        self.assertNotIn("Overdue", self.queue_at(THURSDAY + dt.timedelta(days=1, hours=1)))
        page = self.queue_at(THURSDAY + dt.timedelta(days=4, hours=1))
        self.assertIn("Overdue: not triaged within 2 working days", page)

    def test_routine_referrals_show_days_only(self) -> None:
        make_referral(received_at=THURSDAY - dt.timedelta(days=20))
        page = self.queue_at(THURSDAY)
        self.assertIn('aria-hidden="true">Days waited </span>20</td>', page)
        self.assertNotIn("Overdue", page)
