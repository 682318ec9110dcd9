"""A facilitator's own screens: a group session is one meeting, not a row per member.

The members' courses alternate between the lead and the co-facilitator, so each holds
half of the places; both see the group's session once on their day, their records to
sign, their week and the calendar feed, and each member's course on their caseload is
marked with its group. A therapist who does not facilitate sees none of it.
"""

import datetime as dt
from typing import Any

import time_machine
from django.urls import reverse
from icalendar import Calendar

from interplay.accounts.models import User
from interplay.accounts.roles import Role
from interplay.audit.actors import PatientActor
from interplay.courses import protocols
from interplay.courses.models import Appointment
from interplay.groups import diary, running
from interplay.groups.models import Group, GroupSession
from interplay.groups.tests.helpers import (
    NOW,
    course_of,
    ready_to_facilitate,
    running_group,
)
from interplay.monitoring import services as monitoring
from interplay.test import AUDIT_WRITE, BaseTestCase, make_clinician
from interplay.today.therapist import GroupRecord, records_to_sign

PHQ9 = {n: 1 for n in range(1, 9)} | {9: 0}  # no thought of self-harm: no alert
GAD7 = {n: 1 for n in range(1, 8)}


def sessions_panel(page: Any) -> str:
    html = page.content.decode()
    return html[
        html.index('data-testid="panel-sessions"') : html.index('data-testid="panel-records"')
    ]


def group_records(page: Any) -> list[GroupSession]:
    return [r.session for r in page.context["records"] if isinstance(r, GroupRecord)]


def on_the_morning_of(session: GroupSession) -> Any:
    morning = session.starts_at.replace(hour=8, minute=0)
    return time_machine.travel(morning, tick=False)


def after(session: GroupSession, hours: int = 1) -> Any:
    return time_machine.travel(session.ends_at + dt.timedelta(hours=hours), tick=False)


class FacilitatorsTestCase(BaseTestCase):
    co: User
    group: Group

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.co = make_clinician("cora", Role.THERAPIST)
        ready_to_facilitate(cls.therapist, cls.co)
        with time_machine.travel(NOW, tick=False):
            cls.group = running_group(cls.therapist, cls.co, members=6)

    def session(self, number: int) -> GroupSession:
        return self.group.sessions.get(number=number)

    def places(self, number: int) -> list[Appointment]:
        return [
            course_of(m).appointments.get(number=number)
            for m in self.group.members.order_by("invited_at", "id")
        ]

    def day(self, user: User) -> Any:
        self.sign_in(user)
        response = self.client.get(reverse("today:therapist"))
        self.assertEqual(response.status_code, 200)
        return response

    def attendance(self, number: int, status: str = "attended") -> None:
        session = self.session(number)
        running.record_group_attendance(
            actor=self.therapist,
            session=session,
            statuses={m.pk: status for m in self.group.members.all()},
        )


class DayTests(FacilitatorsTestCase):
    def test_both_facilitators_see_the_group_session_once_with_its_place_and_answers(
        self,
    ) -> None:
        fourth = self.session(4)
        members = self.places(4)
        with on_the_morning_of(fourth):
            for place in members[:2]:  # two members have answered both
                for code, answers in (("phq9", PHQ9), ("gad7", GAD7)):
                    monitoring.submit_response(
                        actor=PatientActor(place.course.patient),
                        appointment=place,
                        instrument_code=code,
                        answers=answers,
                        source="portal",
                    )
            monitoring.submit_response(  # a third only the PHQ-9 so far
                actor=PatientActor(members[2].course.patient),
                appointment=members[2],
                instrument_code="phq9",
                answers=PHQ9,
                source="portal",
            )
            for facilitator in (self.therapist, self.co):
                page = self.day(facilitator)
                (row,) = page.context["sessions_today"]
                self.assertTrue(row.is_group)
                self.assertEqual(row.session, fourth)
                self.assertEqual(row.label, "Session 4 of 8, middle phase")
                self.assertEqual((row.expected, row.answered), (6, 2))
                self.assertContains(page, "Tuesday group (group IPT)")
                self.assertContains(page, "6 members expected")
                self.assertContains(page, "2 of 6 members' questionnaires in")
                self.assertContains(page, reverse("groups:session", args=[fourth.public_id]))
                self.assertContains(page, "video link")
                panel = sessions_panel(page)
                for place in members:  # no member's own row, nor their name
                    self.assertNotIn(place.course.patient.full_name, panel)

    def test_the_meeting_reads_its_protocol_by_digest_not_by_snapshot(self) -> None:
        fourth = self.session(4)
        start = fourth.starts_at.replace(hour=0)
        end = start + dt.timedelta(days=1)
        # A process that has met no protocol; the others' tests get theirs back after.
        known = dict(protocols._BY_DIGEST)
        self.addCleanup(protocols._BY_DIGEST.update, known)
        protocols._BY_DIGEST.clear()
        with self.assertNumQueries(2):  # the sessions, and a member course's snapshot once
            (first,) = diary.meetings(self.therapist, start, end)
        with self.assertNumQueries(1):  # no snapshot: the protocol is known by its digest
            (again,) = diary.meetings(self.therapist, start, end)
        self.assertEqual((first.label, again.label), ("Session 4 of 8, middle phase",) * 2)
        self.assertEqual(first.measures, ("phq9", "gad7"))

    def test_a_member_who_left_is_no_longer_expected(self) -> None:
        fourth = self.session(4)
        leaving = self.group.members.order_by("invited_at", "id").first()
        assert leaving is not None
        with after(self.session(3)):
            running.member_leaves(actor=self.therapist, member=leaving, reason="Moved away.")
        with on_the_morning_of(fourth):
            (row,) = self.day(self.co).context["sessions_today"]
        self.assertEqual(row.expected, 5)

    def test_the_group_session_tomorrow_is_under_tomorrow(self) -> None:
        fourth = self.session(4)
        with time_machine.travel(fourth.starts_at - dt.timedelta(days=1), tick=False):
            page = self.day(self.co)
        self.assertEqual(page.context["sessions_today"], [])
        (row,) = page.context["sessions_tomorrow"]
        self.assertEqual(row.session, fourth)

    def test_a_therapist_who_does_not_facilitate_never_sees_the_group(self) -> None:
        # The outsider runs no group; the supervisor is the lead's supervisor, not a
        # facilitator: their own day is their own caseload.
        with on_the_morning_of(self.session(4)):
            for user in (self.outsider, self.supervisor):
                page = self.day(user)
                self.assertEqual(page.context["sessions_today"], [])
                self.assertNotContains(page, "Tuesday group")
        with after(self.session(3)):
            for user in (self.outsider, self.supervisor):
                self.assertEqual(self.day(user).context["records"], [])

    def test_the_look_is_audited_with_the_group_session_not_its_members(self) -> None:
        from interplay.audit.models import AuditEvent

        fourth = self.session(4)
        with on_the_morning_of(fourth):
            self.day(self.co)
        event = AuditEvent.objects.filter(action="today.viewed").latest("id")
        self.assertEqual(event.detail["sessions_today"], 1)
        self.assertIn(str(fourth.public_id), event.detail["group_sessions"])
        self.assertNotIn("Waiting", str(event.detail))


class RecordTests(FacilitatorsTestCase):
    def group_records(self, user: User) -> list[GroupSession]:
        return group_records(self.day(user))

    def test_the_group_record_waits_once_for_each_facilitator_until_signed(self) -> None:
        first = self.session(1)
        with after(first):
            for facilitator in (self.therapist, self.co):
                self.assertEqual(self.group_records(facilitator), [first])
            self.assertContains(self.day(self.co), "record who attended")
            self.attendance(1)
            self.assertContains(self.day(self.co), "no group record written yet")
            running.save_group_record(
                actor=self.co, session=first, tasks_done=[], notes="Introductions."
            )
            self.assertContains(self.day(self.therapist), "group record not yet signed")
            running.sign_group_record(actor=self.co, session=first)
            for facilitator in (self.therapist, self.co):
                self.assertEqual(self.group_records(facilitator), [])

    def test_it_comes_oldest_first_among_the_members_pre_group_sessions(self) -> None:
        first = self.session(1)
        now = first.ends_at + dt.timedelta(hours=1)
        with time_machine.travel(now, tick=False):
            listed = records_to_sign(self.co, now)
        # Cora holds three members' courses: their pre-group sessions (not shared, before
        # the group's first session), then the group's session once.
        own = [item for item in listed if isinstance(item, Appointment)]
        shared = [item.session for item in listed if isinstance(item, GroupRecord)]
        self.assertEqual(listed[:3], own)
        self.assertEqual([a.number for a in own], [0, 0, 0])
        self.assertFalse(any(a.shared for a in own))
        self.assertEqual(shared, [first])
        self.assertEqual([i.starts_at for i in listed], sorted(i.starts_at for i in listed))

    def test_sessions_to_come_and_one_nobody_came_to_are_not_listed(self) -> None:
        first, second = self.session(1), self.session(2)
        with after(first):
            self.attendance(1, "dna")
            self.assertEqual(self.group_records(self.therapist), [])
        with time_machine.travel(second.starts_at - dt.timedelta(hours=1), tick=False):
            self.assertEqual(self.group_records(self.therapist), [])

    def test_a_signed_record_with_attendance_unrecorded_still_waits(self) -> None:
        first = self.session(1)
        with after(first):
            running.sign_group_record(actor=self.therapist, session=first)
            self.assertEqual(self.group_records(self.co), [first])
            self.assertContains(self.day(self.co), "record who attended")
            self.assertNotContains(self.day(self.co), "and sign the group record")
            self.attendance(1)
            self.assertEqual(self.group_records(self.co), [])


class WeekAndCaseloadTests(FacilitatorsTestCase):
    def test_the_week_shows_the_group_session_once_for_each_facilitator(self) -> None:
        fourth = self.session(4)
        day = fourth.starts_at.date().isoformat()
        with on_the_morning_of(fourth):
            for facilitator in (self.therapist, self.co):
                self.sign_in(facilitator)
                page = self.client.get(reverse("calendar"), {"day": day})
                self.assertContains(page, 'data-testid="group-session"', count=1)
                self.assertContains(page, "Tuesday group (group IPT)</a>, session 4 of 8")
                self.assertContains(page, "6 members, video")
                self.assertContains(page, reverse("groups:session", args=[fourth.public_id]))
                for place in self.places(4):
                    self.assertNotContains(page, place.course.patient.full_name)
            self.sign_in(self.outsider)
            page = self.client.get(reverse("calendar"), {"day": day})
            self.assertNotContains(page, "Tuesday group")

    def test_the_feed_has_each_group_session_once_and_no_member_places(self) -> None:
        from interplay.courses import calendar

        for facilitator in (self.therapist, self.co):
            token = calendar.new_feed(actor=facilitator).token
            with time_machine.travel(NOW, tick=False):
                response = self.client.get(reverse("calendar_feed", args=[token]))
            summaries = [
                str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")
            ]
            group = [s for s in summaries if s.startswith("Group therapy session")]
            self.assertEqual(len(group), 8, facilitator)
            self.assertIn("Group therapy session 4 of 8", group)
            # Their own members' pre-group sessions (three each), and no member's place.
            self.assertEqual(len(summaries), 8 + 3)
            self.assertNotIn(b"Tuesday group", response.content)

    def test_the_caseload_lists_the_group_once_and_marks_its_members_courses(self) -> None:
        with on_the_morning_of(self.session(4)):
            self.sign_in(self.co)
            page = self.client.get(reverse("caseload"))
        (group,) = page.context["groups"]
        self.assertEqual((group.name, group.in_group, group.yours), ("Tuesday group", 6, 3))
        self.assertContains(
            page,
            "Tuesday group (group IPT)</a>: 6 members (3 of their courses with you, marked "
            "below), next meeting Tue 6 Oct",
        )
        # Cora holds three of the six members' courses: each a row, marked as a member.
        self.assertEqual(len(page.context["rows"]), 3)
        self.assertContains(page, 'data-testid="group-label"', count=3)
        self.assertContains(page, "Member of <a", count=3)
        self.sign_in(self.outsider)
        self.assertNotContains(self.client.get(reverse("caseload")), "Tuesday group")


class QueryTests(BaseTestCase):
    """The day's queries with a group's session today and its last one to sign: the
    same for three members as for eight (the count interplay/today/README.md gives);
    likewise the week and the caseload."""

    QUERIES = {
        "today:therapist": 13 + AUDIT_WRITE,
        "calendar": 6 + AUDIT_WRITE,
        "caseload": 11 + AUDIT_WRITE,
    }

    def setUp(self) -> None:
        self.co = make_clinician("cora", Role.THERAPIST)
        ready_to_facilitate(self.therapist, self.co)

    def test_a_group_of_three(self) -> None:
        # A group starts with five at least: here two have left after session 1.
        group = self.group_of(5)
        for member in group.members.order_by("invited_at", "id")[:2]:
            with after(group.sessions.get(number=1)):
                running.member_leaves(actor=self.therapist, member=member, reason="Left.")
        self.assert_day_costs(group, expected=3)

    def test_a_group_of_eight(self) -> None:
        self.assert_day_costs(self.group_of(8), expected=8)

    def group_of(self, members: int) -> Group:
        with time_machine.travel(NOW, tick=False):
            return running_group(self.therapist, self.co, members=members)

    def assert_day_costs(self, group: Group, expected: int) -> None:
        second = group.sessions.get(number=2)
        with on_the_morning_of(second):
            self.sign_in(self.co)
            for name, count in self.QUERIES.items():
                self.client.get(reverse(name))  # warm the session and settings
                with self.assertNumQueries(count):
                    self.client.get(reverse(name))
            page = self.client.get(reverse("today:therapist"))
        (row,) = page.context["sessions_today"]
        self.assertEqual(row.expected, expected)
        self.assertEqual(group_records(page), [group.sessions.get(number=1)])
