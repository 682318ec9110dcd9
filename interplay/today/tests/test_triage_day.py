"""The triage clinician's day: each panel on hand-built data, what leaves it once done, its
order, who may open it, and its fixed number of queries."""

import datetime as dt
from typing import Any
from unittest import mock

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interplay.referrals.models import Referral
from interplay.test import BaseTestCase, answers, make_referral
from interplay.today import triage as triage_day
from interplay.triage import services as triage

TZ = dt.timezone(dt.timedelta(hours=1))  # London in September
MONDAY = dt.datetime(2026, 9, 21, 9, 0, tzinfo=TZ)
FRIDAY = dt.datetime(2026, 9, 18, 10, 0, tzinfo=TZ)
THURSDAY = dt.datetime(2026, 9, 17, 10, 0, tzinfo=TZ)
AT_RISK = answers([1, 1, 1, 1, 1, 1, 1, 1, 1])  # question 9 above 0: urgent


def referral(name: str, received_at: dt.datetime, **kw: Any) -> Referral:
    return make_referral(last_name=name, received_at=received_at, **kw)


class TriageDayTestCase(BaseTestCase):
    def day(self) -> Any:
        self.sign_in(self.triage)
        response = self.client.get(reverse("today:triage"))
        self.assertEqual(response.status_code, 200)
        return response

    def names(self, key: str) -> list[str]:
        rows = self.day().context[key]
        return [getattr(row, "referral", row).last_name for row in rows]


@time_machine.travel(MONDAY, tick=False)
class UrgentTests(TriageDayTestCase):
    def test_urgent_referrals_come_longest_waiting_first_against_the_limit(self) -> None:
        referral("Friday", FRIDAY, phq9=AT_RISK)
        referral("Thursday", THURSDAY, phq9=AT_RISK)
        referral("Routine", THURSDAY)
        page = self.day()
        self.assertEqual(
            [r.referral.last_name for r in page.context["urgent"]], ["Thursday", "Friday"]
        )
        thursday, friday = page.context["urgent"]
        # One working day: Thursday's was due on Friday; Friday's is due at 10:00 today.
        self.assertTrue(thursday.urgent.overdue)
        self.assertFalse(friday.urgent.overdue)
        self.assertContains(page, "Overdue")
        self.assertContains(page, "waited 3 days, 23 hours")
        self.assertContains(page, "to be triaged by Mon 21 Sep, 10:00")

    def test_a_limit_counted_from_a_weekend_ends_with_the_working_day(self) -> None:
        # Received on Saturday: the working day is Monday, due by Tuesday's midnight.
        referral("Saturday", FRIDAY + dt.timedelta(days=1), phq9=AT_RISK)
        page = self.day()
        self.assertContains(page, "to be triaged by the end of Mon 21 Sep.")
        self.assertNotContains(page, "00:00")

    def test_a_panel_shows_the_first_few_and_says_there_are_more(self) -> None:
        for day in range(3):
            referral(f"Urgent{day}", THURSDAY + dt.timedelta(hours=day), phq9=AT_RISK)
        with mock.patch.object(triage_day, "SHOWN", 2):
            page = self.day()
        self.assertEqual(
            [r.referral.last_name for r in page.context["urgent"]], ["Urgent0", "Urgent1"]
        )
        self.assertContains(page, "Urgent referrals (more than 2)")
        self.assertContains(page, "The first 2 are shown")
        with mock.patch.object(triage_day, "SHOWN", 3):
            page = self.day()
        self.assertContains(page, "Urgent referrals (3)")
        self.assertNotContains(page, "are shown")

    def test_an_urgent_referral_leaves_once_decided(self) -> None:
        urgent = referral("Friday", FRIDAY, phq9=AT_RISK)
        self.assertEqual(self.names("urgent"), ["Friday"])
        triage.decide(actor=self.triage, referral=urgent, outcome="signpost", signposted_to="GP")
        self.assertEqual(self.names("urgent"), [])


@time_machine.travel(MONDAY, tick=False)
class NewTests(TriageDayTestCase):
    def test_new_referrals_are_those_since_the_last_working_day(self) -> None:
        referral("Thursday", THURSDAY)
        referral("Friday", FRIDAY)
        referral("Saturday", FRIDAY + dt.timedelta(days=1))
        referral("FridayUrgent", FRIDAY, phq9=AT_RISK)  # in the urgent panel instead
        page = self.day()
        self.assertEqual([r.last_name for r in page.context["new"]], ["Friday", "Saturday"])
        self.assertContains(page, "New referrals since Friday 18 September")

    def test_a_new_referral_leaves_once_decided(self) -> None:
        new = referral("Friday", FRIDAY)
        triage.decide(actor=self.triage, referral=new, outcome="decline", reason="Not suitable")
        self.assertEqual(self.names("new"), [])


class ContactTests(TriageDayTestCase):
    def test_a_failed_attempt_before_today_makes_the_next_one_due_today(self) -> None:
        tried_friday = referral("TriedFriday", THURSDAY)
        reached = referral("Reached", THURSDAY)
        tried_today = referral("TriedToday", THURSDAY)
        referral("NeverTried", THURSDAY)
        with time_machine.travel(FRIDAY, tick=False):
            self.attempt(tried_friday, "no_answer")
            self.attempt(reached, "no_answer")
            self.attempt(reached, "reached")
        with time_machine.travel(MONDAY, tick=False):
            self.attempt(tried_today, "message_left")
            page = self.day()
            self.assertEqual([r.last_name for r in page.context["contacts"]], ["TriedFriday"])
            self.assertContains(page, "last tried Fri 18 Sep, not reached")
            self.attempt(tried_friday, "reached")
            self.assertEqual(self.names("contacts"), [])

    def attempt(self, referral: Referral, outcome: str) -> None:
        triage.log_contact_attempt(
            actor=self.triage, referral=referral, method="phone", outcome=outcome
        )


@time_machine.travel(MONDAY, tick=False)
class BreachTests(TriageDayTestCase):
    def test_standards_missed_within_the_warning_days_show_the_nearest_first(self) -> None:
        today = MONDAY
        referral("SixSoon", today - dt.timedelta(days=39))  # 3 days left of 6 weeks
        referral("SixSooner", today - dt.timedelta(days=41))  # 1 day left
        referral("SixLater", today - dt.timedelta(days=30))  # 12 days left
        referral("SixMissed", today - dt.timedelta(days=50))  # already missed: not "soon"
        referral("EighteenSoon", today - dt.timedelta(days=122))
        page = self.day()
        self.assertEqual(
            [b.referral.last_name for b in page.context["breaches"]],
            ["SixSooner", "SixSoon", "EighteenSoon"],
        )
        # Day 42 is the last within 6 weeks by default: one day left is tomorrow.
        self.assertContains(page, "waited 5 weeks, 6 days; first session by Tue 22 Sep to meet")
        self.assertContains(page, "first session by Thu 24 Sep to meet the 6-week standard")
        self.assertContains(page, "the 18-week standard")

    def test_a_person_who_leaves_the_wait_leaves_the_panel(self) -> None:
        soon = referral("SixSoon", MONDAY - dt.timedelta(days=39))
        triage.withdraw(actor=self.triage, referral=soon, reason="patient_request")
        self.assertEqual(self.names("breaches"), [])


class PermissionTests(TriageDayTestCase):
    def test_the_permission_ladder(self) -> None:
        url = reverse("today:triage")
        self.assertIn(reverse("accounts:login"), self.client.get(url)["Location"])
        for user in (self.therapist, self.manager, self.admin):
            self.sign_in(user)
            self.assertEqual(self.client.get(url).status_code, 403, user)
        for user in (self.triage, self.supervisor):
            self.sign_in(user)
            self.assertEqual(self.client.get(url).status_code, 200, user)


@time_machine.travel(MONDAY, tick=False)
class QueryTests(TriageDayTestCase):
    def test_the_same_number_of_queries_for_one_in_each_panel_or_three(self) -> None:
        self.fill("A")
        self.sign_in(self.triage)
        url = reverse("today:triage")
        self.client.get(url)
        with CaptureQueriesContext(connection) as first_size:
            self.client.get(url)
        self.fill("B")
        self.fill("C")
        with self.assertNumQueries(len(first_size.captured_queries)):
            page = self.client.get(url)
        for key in ("urgent", "new", "contacts", "breaches"):
            self.assertEqual(len(page.context[key]), 3, key)

    def fill(self, tag: str) -> None:
        referral(f"Urgent{tag}", FRIDAY, phq9=AT_RISK)
        referral(f"New{tag}", FRIDAY)
        tried = referral(f"Tried{tag}", THURSDAY - dt.timedelta(days=7))
        tried.contact_attempts.create(
            at=THURSDAY, by=self.triage, method="phone", outcome="no_answer"
        )
        referral(f"Soon{tag}", MONDAY - dt.timedelta(days=40))
