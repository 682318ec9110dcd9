"""Working hours and leave: an administrator keeps everyone's, a therapist their own."""

import datetime as dt
from typing import Any

import time_machine
from django.urls import reverse

from interplay.accounts import services
from interplay.accounts.models import Leave, WorkingHours
from interplay.accounts.roles import Role
from interplay.accounts.rules import leave_problem, working_hours_problem
from interplay.audit.models import AuditEvent
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.test import BaseTestCase, give_hours, make_clinician

NINE, TWELVE, ONE, FIVE = dt.time(9), dt.time(12), dt.time(13), dt.time(17)
MY_WEEK = reverse("hours:my_week")
MY_LEAVE = reverse("hours:my_leave")
TODAY = dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC)


def week_data(*rows: tuple[str, str, str], initial: int = 0, **extra: str) -> dict[str, str]:
    """What the week page sends: each row's day, from and until, then empty rows."""
    data = {
        "hours-TOTAL_FORMS": str(len(rows) + 1),
        "hours-INITIAL_FORMS": str(initial),
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
    }
    for n, (day, start, end) in enumerate([*rows, ("", "", "")]):
        data |= {f"hours-{n}-weekday": day, f"hours-{n}-start": start, f"hours-{n}-end": end}
    return data | extra


def leave_data(start: dt.date, end: dt.date) -> dict[str, Any]:
    return {
        "starts_on_0": start.day,
        "starts_on_1": start.month,
        "starts_on_2": start.year,
        "ends_on_0": end.day,
        "ends_on_1": end.month,
        "ends_on_2": end.year,
    }


class WorkingHoursRuleTests(BaseTestCase):
    def test_the_rule_reads_a_week(self) -> None:
        cases = [
            ([(0, NINE, FIVE), (1, NINE, FIVE)], None),
            ([(0, NINE, TWELVE), (0, ONE, FIVE)], None),
            ([(0, NINE, TWELVE), (0, TWELVE, FIVE)], None),
            ([(2, NINE, FIVE), (2, ONE, dt.time(18))], "Wednesday: two sets of hours overlap"),
            ([(4, FIVE, NINE)], "Friday: the hours must end after they start"),
        ]
        for spans, expected in cases:
            problem = working_hours_problem(spans)
            if expected is None:
                self.assertIsNone(problem, spans)
            else:
                self.assertIn(expected, problem or "", spans)

    def test_leave_may_not_overlap_leave_already_kept(self) -> None:
        kept = [(dt.date(2026, 8, 3), dt.date(2026, 8, 14))]
        self.assertIsNone(leave_problem(dt.date(2026, 8, 15), dt.date(2026, 8, 15), kept))
        self.assertIn(
            "overlaps leave already recorded from 3 August 2026 to 14 August 2026",
            leave_problem(dt.date(2026, 8, 14), dt.date(2026, 8, 20), kept) or "",
        )
        self.assertIn(
            "after the first day", leave_problem(dt.date(2026, 8, 2), dt.date(2026, 8, 1), []) or ""
        )


class HoursServiceTests(BaseTestCase):
    def test_a_therapist_sets_their_own_week_and_it_is_audited(self) -> None:
        give_hours(self.therapist, (0, "09:00", "17:00"))
        services.set_working_hours(
            actor=self.therapist,
            profile=self.therapist.clinician,
            spans=[(1, NINE, TWELVE), (1, ONE, FIVE)],
        )
        rows = WorkingHours.objects.filter(profile=self.therapist.clinician)
        self.assertEqual([str(r) for r in rows], ["Tuesday 09:00-12:00", "Tuesday 13:00-17:00"])
        event = AuditEvent.objects.by_action("working_hours.set").get()
        self.assertEqual(event.actor, self.therapist)
        self.assertEqual(event.detail["before"], ["Monday 09:00-17:00"])

    def test_saving_the_same_week_again_writes_no_audit_row(self) -> None:
        week = [(0, NINE, FIVE)]
        for _ in range(2):
            services.set_working_hours(
                actor=self.admin, profile=self.therapist.clinician, spans=week
            )
        self.assertEqual(AuditEvent.objects.by_action("working_hours.set").count(), 1)

    def test_a_therapist_cannot_change_someone_elses_hours_or_leave(self) -> None:
        profile = self.outsider.clinician
        with self.assertRaises(PermissionDenied):
            services.set_working_hours(actor=self.therapist, profile=profile, spans=[])
        with self.assertRaises(PermissionDenied):
            services.add_leave(
                actor=self.therapist,
                profile=profile,
                starts_on=dt.date(2026, 8, 3),
                ends_on=dt.date(2026, 8, 4),
            )
        with self.assertRaises(PermissionDenied):
            services.set_working_hours(actor=self.triage, profile=profile, spans=[])

    def test_overlapping_hours_are_refused_and_nothing_changes(self) -> None:
        give_hours(self.therapist, (0, "09:00", "17:00"))
        with self.assertRaisesMessage(RuleViolation, "Monday: two sets of hours overlap"):
            services.set_working_hours(
                actor=self.admin,
                profile=self.therapist.clinician,
                spans=[(0, NINE, FIVE), (0, TWELVE, dt.time(18))],
            )
        self.assertEqual(self.therapist.clinician.working_hours.count(), 1)

    def test_leave_sent_twice_is_one_spell_and_an_overlap_is_refused(self) -> None:
        profile = self.therapist.clinician
        dates = {"starts_on": dt.date(2026, 8, 3), "ends_on": dt.date(2026, 8, 14)}
        first = services.add_leave(actor=self.therapist, profile=profile, **dates)
        again = services.add_leave(actor=self.therapist, profile=profile, **dates)
        self.assertEqual(first, again)
        self.assertEqual(AuditEvent.objects.by_action("leave.added").count(), 1)
        with self.assertRaises(RuleViolation) as refused:
            services.add_leave(
                actor=self.admin,
                profile=profile,
                starts_on=dt.date(2026, 8, 10),
                ends_on=dt.date(2026, 8, 20),
            )
        self.assertEqual(refused.exception.field, "starts_on")

    def test_cancelled_leave_is_gone_and_audited(self) -> None:
        leave = services.add_leave(
            actor=self.admin,
            profile=self.therapist.clinician,
            starts_on=dt.date(2026, 8, 3),
            ends_on=dt.date(2026, 8, 3),
        )
        services.cancel_leave(actor=self.therapist, leave=leave)
        self.assertFalse(Leave.objects.exists())
        event = AuditEvent.objects.by_action("leave.cancelled").get()
        self.assertEqual(event.detail, {"starts_on": "2026-08-03", "ends_on": "2026-08-03"})


class HoursPagePermissionTests(BaseTestCase):
    def test_the_permission_ladder_of_someone_elses_hours(self) -> None:
        url = reverse("hours:week", args=[self.therapist.public_id])
        response = self.client.get(url)
        self.assertRedirects(response, f"{reverse('accounts:login')}?next={url}")
        self.sign_in(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.sign_in(self.manager)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.sign_in(self.admin)
        self.assertContains(self.client.get(url), "Monday")
        unknown = reverse("hours:week", args=["00000000-0000-4000-8000-000000000000"])
        self.assertEqual(self.client.get(unknown).status_code, 404)

    def test_a_therapist_cancels_only_their_own_leave(self) -> None:
        theirs = Leave.objects.create(
            profile=self.outsider.clinician,
            starts_on=dt.date(2026, 8, 3),
            ends_on=dt.date(2026, 8, 4),
        )
        self.sign_in(self.therapist)
        response = self.client.post(reverse("hours:my_cancel_leave", args=[theirs.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Leave.objects.filter(pk=theirs.pk).exists())
        url = reverse("hours:cancel_leave", args=[self.outsider.public_id, theirs.pk])
        self.assertEqual(self.client.post(url).status_code, 403)

    def test_a_therapist_without_a_clinician_profile_is_told_to_ask(self) -> None:
        from interplay.test import make_user

        newcomer = make_user("newcomer", Role.THERAPIST)
        self.sign_in(newcomer)
        self.assertEqual(self.client.get(MY_WEEK).status_code, 404)

    def test_only_those_allowed_see_the_links(self) -> None:
        self.sign_in(self.therapist)
        home = self.client.get(reverse("home"), follow=True)
        self.assertContains(home, f'href="{MY_WEEK}"')
        self.assertNotContains(home, f'href="{reverse("settings:index")}"')
        self.sign_in(self.triage)
        self.assertNotContains(self.client.get(reverse("home"), follow=True), f'href="{MY_WEEK}"')


class MyWeekPageTests(BaseTestCase):
    def setUp(self) -> None:
        give_hours(self.therapist, (0, "09:00", "17:00"))
        self.sign_in(self.therapist)

    def test_the_page_shows_the_week_with_empty_rows_to_add(self) -> None:
        response = self.client.get(MY_WEEK)
        self.assertContains(response, "Your working hours")
        self.assertContains(response, 'value="09:00"')
        self.assertEqual(len(response.context["formset"].forms), 4)

    def test_a_therapist_adds_a_day_and_removes_one(self) -> None:
        data = week_data(("0", "09:00", "17:00"), ("3", "10:00", "14.30"), initial=1)
        data["hours-0-DELETE"] = "on"
        response = self.client.post(MY_WEEK, data, follow=True)
        self.assertRedirects(response, MY_WEEK)
        self.assertContains(response, "Working hours of Therapist saved.")
        self.assertContains(response, 'data-testid="message-success"')
        rows = WorkingHours.objects.filter(profile=self.therapist.clinician)
        self.assertEqual([str(r) for r in rows], ["Thursday 10:00-14:30"])

    def test_a_mistake_is_named_beside_its_field_and_nothing_typed_is_lost(self) -> None:
        data = week_data(("0", "09:00", "17:00"), ("2", "14:00", "nine"), initial=1)
        response = self.client.post(MY_WEEK, data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Error: Your working hours", status_code=400)
        self.assertContains(
            response, "Hours 2: Enter an end time like 12:30 or 17:00", status_code=400
        )
        self.assertContains(response, 'id="id_hours-1-end-error"', status_code=400)
        self.assertContains(response, 'value="nine"', status_code=400)
        self.assertContains(response, 'value="14:00"', status_code=400)
        self.assertEqual(self.therapist.clinician.working_hours.count(), 1)

    def test_overlapping_hours_are_named_in_the_summary(self) -> None:
        data = week_data(("0", "09:00", "17:00"), ("0", "16:00", "19:00"), initial=1)
        response = self.client.post(MY_WEEK, data)
        self.assertContains(response, "Monday: two sets of hours overlap", status_code=400)
        self.assertEqual(self.therapist.clinician.working_hours.count(), 1)


@time_machine.travel(TODAY, tick=False)
class LeavePageTests(BaseTestCase):
    def test_a_therapist_adds_and_cancels_their_leave(self) -> None:
        self.sign_in(self.therapist)
        data = leave_data(dt.date(2026, 8, 3), dt.date(2026, 8, 14))
        response = self.client.post(MY_LEAVE, data, follow=True)
        self.assertContains(response, "Leave of Therapist added.")
        self.assertContains(response, "Monday 3 August 2026")
        leave = Leave.objects.get(profile=self.therapist.clinician)
        cancel = reverse("hours:my_cancel_leave", args=[leave.pk])
        response = self.client.post(cancel, follow=True)
        self.assertContains(response, "Leave from 3 August 2026 to 14 August 2026 cancelled.")
        self.assertFalse(Leave.objects.exists())

    def test_an_overlap_is_refused_beside_the_first_day(self) -> None:
        Leave.objects.create(
            profile=self.therapist.clinician,
            starts_on=dt.date(2026, 8, 3),
            ends_on=dt.date(2026, 8, 14),
        )
        self.sign_in(self.admin)
        url = reverse("hours:leave", args=[self.therapist.public_id])
        response = self.client.post(url, leave_data(dt.date(2026, 8, 10), dt.date(2026, 8, 20)))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'id="id_starts_on-error"', status_code=400)
        self.assertContains(response, "overlaps leave already recorded", status_code=400)
        self.assertContains(response, 'value="20"', status_code=400)

    def test_the_last_day_before_the_first_is_named_beside_it(self) -> None:
        self.sign_in(self.therapist)
        response = self.client.post(MY_LEAVE, leave_data(dt.date(2026, 8, 5), dt.date(2026, 8, 4)))
        self.assertContains(
            response, "The last day away must be the same as or after the first", status_code=400
        )
        self.assertFalse(Leave.objects.exists())


@time_machine.travel(TODAY, tick=False)
class StaffHoursListTests(BaseTestCase):
    def test_the_list_costs_the_same_for_many_clinicians(self) -> None:
        give_hours(self.therapist, (0, "09:00", "17:00"))
        self.sign_in(self.admin)
        url = reverse("hours:staff")
        self.client.get(url)  # warm the session
        # session, user with roles and device, profiles, hours, leave, service
        with self.assertNumQueries(6):
            response = self.client.get(url)
        self.assertContains(response, "Monday 09:00-17:00")
        for n in range(5):
            clinician = make_clinician(f"extra{n}", Role.THERAPIST)
            give_hours(clinician, (n, "09:00", "12:00"))
            Leave.objects.create(
                profile=clinician.clinician,
                starts_on=dt.date(2026, 9, 1),
                ends_on=dt.date(2026, 9, 2),
            )
        with self.assertNumQueries(6):
            response = self.client.get(url)
        self.assertContains(response, "1 Sep 2026 to 2 Sep 2026", count=5)
