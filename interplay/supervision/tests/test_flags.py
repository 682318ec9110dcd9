"""Each flag of the supervision page, on hand-built courses: shown when it should be,
and not when it should not."""

import datetime as dt

import time_machine
from django.urls import reverse

from interplay.accounts.models import Qualification
from interplay.accounts.roles import Role
from interplay.clinic.models import ServiceSettings
from interplay.courses.models import Course
from interplay.encounters import services as encounters
from interplay.groups import running
from interplay.groups.tests.test_facilitators_day import FacilitatorsTestCase
from interplay.monitoring import services as monitoring
from interplay.monitoring.models import RiskAlert
from interplay.supervision.caseloads import CourseRow, caseloads
from interplay.supervision.tests.stories import (
    NOW,
    answer,
    attend,
    session,
    sign,
    spread,
    start,
)
from interplay.test import BaseTestCase, make_clinician


@time_machine.travel(NOW, tick=False)
class FlagTests(BaseTestCase):
    def row(self, course: Course) -> CourseRow:
        rows = [row for person in caseloads(self.supervisor) for row in person.rows]
        return next(row for row in rows if row.course.pk == course.pk)

    def flags(self, course: Course) -> dict[str, str]:
        return {flag.key: flag.text for flag in self.row(course).flags}

    def calm(self, surname: str = "Calm", **kwargs: object) -> Course:
        """Every session so far attended, signed and answered: nothing to flag."""
        course = start(self.therapist, surname, **kwargs)  # type: ignore[arg-type]
        sign(course, 1, 2, 3, 4, 5, 6, 7)
        for number in range(1, 8):
            answer(course, number, 12, 9)
        return course

    def test_a_course_going_to_plan_has_no_flag(self) -> None:
        self.assertEqual(self.flags(self.calm()), {})

    def test_an_open_risk_alert(self) -> None:
        course = start(self.therapist, "Risk")
        sign(course, 1, 2)
        monitoring.submit_response(
            actor=self.therapist,
            appointment=session(course, 2),
            instrument_code="phq9",
            answers=spread(12, 8) | {9: 1},
            source="in_session",
        )
        self.assertEqual(self.flags(course)["alerts"], "1 open risk alert")
        alert = RiskAlert.objects.get(course=course)
        monitoring.acknowledge_alert(actor=self.therapist, alert=alert, action_note="Phoned.")
        self.assertNotIn("alerts", self.flags(course))

    def test_reliable_deterioration(self) -> None:
        worse = start(self.therapist, "Worse")
        sign(worse, 1, 2)
        answer(worse, 1, 8, 5)
        answer(worse, 2, 14, 5)  # PHQ-9 up 6: reliably worse
        self.assertEqual(self.flags(worse)["deterioration"], "Reliable deterioration")
        # The alert it raised is acknowledged; the deterioration still shows.
        for alert in RiskAlert.objects.filter(course=worse):
            monitoring.acknowledge_alert(actor=self.therapist, alert=alert, action_note="Seen.")
        self.assertIn("deterioration", self.flags(worse))
        same = start(self.therapist, "Same", hour=11)
        sign(same, 1, 2)
        answer(same, 1, 8, 5)
        answer(same, 2, 13, 8)  # PHQ-9 up 5, GAD-7 up 3: not reliable
        self.assertNotIn("deterioration", self.flags(same))

    def test_the_mixed_case_follows_the_service_setting(self) -> None:
        mixed = start(self.therapist, "Mixed")
        sign(mixed, 1, 2)
        answer(mixed, 1, 18, 4)
        answer(mixed, 2, 10, 8)  # PHQ-9 down 8, GAD-7 up 4
        self.assertIn("deterioration", self.flags(mixed))
        service = ServiceSettings.load()
        service.mixed_change_rule = "no_change"
        service.save()
        self.assertNotIn("deterioration", self.flags(mixed))

    def test_two_missed_sessions(self) -> None:
        course = start(self.therapist, "Missed")
        attend(course, 1, status="dna")
        self.assertNotIn("missed", self.flags(course))
        attend(course, 2, status="cancelled_patient")  # with notice: not missed
        self.assertNotIn("missed", self.flags(course))
        attend(course, 3, status="cancelled_late")
        self.assertEqual(self.flags(course)["missed"], "2 missed sessions")

    def test_questionnaires_not_answered_at_the_last_two_sessions(self) -> None:
        course = start(self.therapist, "Quiet")
        sign(course, 1, 2, 3)
        answer(course, 1, 12, 9)
        self.assertEqual(
            self.flags(course)["unanswered"], "No questionnaires at the last two sessions"
        )
        monitoring.submit_response(
            actor=self.therapist,
            appointment=session(course, 3),
            instrument_code="phq9",
            answers=spread(12, 8) | {9: 0},
            source="in_session",
        )
        self.assertIn("unanswered", self.flags(course))  # a PHQ-9 alone is half the pair
        answer(course, 3, 12, 9)
        self.assertNotIn("unanswered", self.flags(course))

    def test_one_unanswered_session_is_not_yet_a_flag(self) -> None:
        course = start(self.therapist, "Once")
        sign(course, 1, 2)
        answer(course, 1, 12, 9)
        self.assertNotIn("unanswered", self.flags(course))

    def test_a_course_past_its_agreed_end_date(self) -> None:
        late = start(self.therapist, "Late", first_date=dt.date(2026, 6, 1))
        end = late.agreed_end_date  # 16 Mondays on, past the August bank holiday
        self.assertEqual(end, dt.date(2026, 9, 21))
        self.assertEqual(self.flags(late)["overdue"], "Past its agreed end date, 21 September 2026")
        self.assertNotIn("overdue", self.flags(self.calm(hour=11)))

    def test_session_records_unsigned_after_48_hours(self) -> None:
        course = start(self.therapist, "Unsigned")
        sign(course, 1, 2, 3, 4, 5)
        attend(course, 6, 7)  # session 7 was yesterday: under 48 hours ago
        self.assertEqual(self.flags(course)["unsigned"], "1 session record unsigned after 48 hours")
        encounters.save_record(
            actor=self.therapist, appointment=session(course, 6), notes="Draft", risk_checked=True
        )
        self.assertIn("unsigned", self.flags(course))  # a draft is not signed
        encounters.sign_record(actor=self.therapist, appointment=session(course, 6))
        self.assertNotIn("unsigned", self.flags(course))

    def test_a_dit_course_whose_therapist_qualification_lapses(self) -> None:
        dana = make_clinician("dana", Role.THERAPIST, hours=300, supervisor=self.supervisor)
        dit = start(dana, "Dynamic", modality="dit", protocol="dit16")
        ipt = start(dana, "Interpersonal", hour=11)
        self.assertEqual(dit.agreed_end_date, dt.date(2026, 12, 21))
        self.assertNotIn("qualification", self.flags(dit))  # no end date: it does not lapse
        held = Qualification.objects.filter(profile=dana.clinician, modality="dit")
        held.update(expires_on=dt.date(2027, 1, 31))  # after the course's end
        self.assertNotIn("qualification", self.flags(dit))
        held.update(expires_on=dt.date(2026, 12, 21))
        self.assertEqual(
            self.flags(dit)["qualification"],
            "Therapist's DIT qualification lapses on 21 December 2026, before the agreed end",
        )
        held.update(expires_on=dt.date(2026, 10, 20))
        self.assertEqual(
            self.flags(dit)["qualification"],
            "Therapist's DIT qualification lapsed on 20 October 2026",
        )
        self.assertNotIn("qualification", self.flags(ipt))  # the rule is DIT's
        held.delete()
        self.assertEqual(self.flags(dit)["qualification"], "Therapist holds no DIT qualification")

    def test_the_page_shows_the_flags_as_tags(self) -> None:
        course = start(self.therapist, "Missed")
        attend(course, 1, 2, status="dna")
        self.sign_in(self.supervisor)
        page = self.client.get(reverse("supervision:index")).content.decode()
        self.assertIn('data-flag="missed">2 missed sessions</strong>', page)


class GroupMemberFlagTests(FacilitatorsTestCase):
    """A member's place at a group session has no record of its own: the group's one
    record, signed on the group's session page, is theirs, and the flag counts it."""

    def unsigned(self, when: dt.datetime) -> list[str | None]:
        with time_machine.travel(when, tick=False):
            people = caseloads(self.supervisor)
        rows = [
            row for person in people if person.therapist == self.therapist for row in person.rows
        ]
        flags = [{flag.key: flag.text for flag in row.flags} for row in rows]
        return [found.get("unsigned") for found in flags]

    def test_a_members_session_is_unsigned_until_the_group_record_is_signed(self) -> None:
        first = self.session(1)
        later = first.ends_at + dt.timedelta(hours=49)
        with time_machine.travel(first.ends_at + dt.timedelta(hours=1), tick=False):
            self.attendance(1)
        # The lead holds half of the six members' courses.
        self.assertEqual(self.unsigned(later), ["1 session record unsigned after 48 hours"] * 3)
        with time_machine.travel(first.ends_at + dt.timedelta(hours=2), tick=False):
            running.save_group_record(
                actor=self.co, session=first, tasks_done=[], notes="Introductions."
            )
            running.sign_group_record(actor=self.co, session=first)
        self.assertEqual(self.unsigned(later), [None] * 3)
