"""Forming a closed group: who may facilitate, invitations, answers, starting, closing."""

import datetime as dt

import time_machine

from interplay.accounts.roles import Role
from interplay.audit.actors import PatientActor
from interplay.audit.models import AuditEvent
from interplay.clinic.models import Closure
from interplay.courses.models import Appointment, Course
from interplay.groups import services
from interplay.groups.models import GroupStatus, MemberStatus
from interplay.groups.tests.helpers import (
    FIRST_DATE,
    NAMES,
    NOW,
    accept,
    course_of,
    form,
    ready_to_facilitate,
    running_group,
    waiting_for_group,
)
from interplay.letters.models import Letter
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.test import BaseTestCase, make_clinician, qualify


@time_machine.travel(NOW, tick=False)
class FormingTests(BaseTestCase):
    def setUp(self) -> None:
        ready_to_facilitate(self.therapist, self.supervisor)

    def test_a_facilitator_forms_a_group_with_a_colleague(self) -> None:
        group = form(self.therapist, self.therapist, self.supervisor)
        self.assertEqual(group.status, GroupStatus.FORMING)
        self.assertEqual(group.minutes, 90)  # the WHO programme's session length
        self.assertTrue(AuditEvent.objects.filter(action="group.formed").exists())

    def test_someone_not_qualified_for_group_ipt_cannot_facilitate(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "not qualified to facilitate group IPT"):
            form(self.therapist, self.therapist, self.outsider)

    def test_a_non_specialist_facilitates_only_under_a_named_supervisor(self) -> None:
        lay = make_clinician("lay", Role.THERAPIST)
        qualify(lay, "group_ipt")
        ready_to_facilitate(lay)  # also gives IPT: take it away again
        lay.clinician.qualifications.filter(modality="ipt").delete()
        with self.assertRaisesMessage(RuleViolation, "name a supervisor"):
            form(lay, lay)
        group = form(lay, lay, supervisor=self.supervisor)
        self.assertEqual(group.supervisor, self.supervisor)

    def test_a_therapist_forms_only_a_group_they_facilitate_but_a_manager_any(self) -> None:
        with self.assertRaises(PermissionDenied):
            form(self.outsider, self.therapist)
        self.assertEqual(form(self.manager, self.therapist).lead, self.therapist)
        with self.assertRaises(PermissionDenied):
            form(self.triage, self.therapist)

    def test_an_invitation_is_a_letter_and_the_person_answers_in_the_portal(self) -> None:
        group = form(self.therapist, self.therapist)
        ada = waiting_for_group("Ada", email="ada@example.org")
        member = services.invite_member(actor=self.therapist, group=group, referral=ada)
        letter = Letter.objects.get(referral=ada, kind="group_invitation")
        self.assertEqual(letter.recipient_email, "ada@example.org")
        # Emailed like every letter: its subject says nothing about therapy.
        emailed = [m for m in self.mail() if m.subject.startswith("A letter from")]
        self.assertEqual(emailed[-1].to, ["ada@example.org"])
        self.assertEqual(len(emailed), 2)  # the triage offer, then the invitation
        accept(member)
        member.refresh_from_db()
        self.assertEqual(member.status, MemberStatus.ACCEPTED)

    def mail(self) -> list:
        from django.core import mail

        return list(mail.outbox)

    def test_someone_else_cannot_answer_an_invitation(self) -> None:
        group = form(self.therapist, self.therapist)
        ada, bea = (
            waiting_for_group("Ada"),
            waiting_for_group("Bea", date_of_birth=dt.date(1980, 1, 2)),
        )
        member = services.invite_member(actor=self.therapist, group=group, referral=ada)
        with self.assertRaises(PermissionDenied):
            services.respond_to_invitation(
                actor=PatientActor(bea.patient), member=member, accept=True
            )

    def test_declining_keeps_the_person_on_the_waiting_list(self) -> None:
        group = form(self.therapist, self.therapist)
        ada = waiting_for_group("Ada")
        member = services.invite_member(actor=self.therapist, group=group, referral=ada)
        services.respond_to_invitation(actor=PatientActor(ada.patient), member=member, accept=False)
        self.assertIn(ada, services.waiting_for_a_group())

    def test_no_one_is_invited_twice_or_past_the_maximum(self) -> None:
        group = form(self.therapist, self.therapist, max_members=5)
        ada = waiting_for_group("Ada")
        services.invite_member(actor=self.therapist, group=group, referral=ada)
        with self.assertRaisesMessage(RuleViolation, "not waiting for a group"):
            services.invite_member(actor=self.therapist, group=group, referral=ada)
        for name in NAMES[1:5]:
            services.invite_member(
                actor=self.therapist, group=group, referral=waiting_for_group(name)
            )
        with self.assertRaisesMessage(RuleViolation, "5 places filled"):
            services.invite_member(
                actor=self.therapist, group=group, referral=waiting_for_group("Fay")
            )

    def test_a_group_starts_only_with_its_minimum_accepted(self) -> None:
        group = form(self.therapist, self.therapist)
        for name in NAMES[:4]:
            accept(
                services.invite_member(
                    actor=self.therapist, group=group, referral=waiting_for_group(name)
                )
            )
        with self.assertRaisesMessage(RuleViolation, "needs 5 members who have accepted; it has 4"):
            services.start_group(actor=self.therapist, group=group)

    def test_starting_books_a_pre_group_session_and_eight_group_sessions_each(self) -> None:
        group = running_group(self.therapist, self.supervisor, members=6)
        self.assertEqual(group.status, GroupStatus.RUNNING)
        sessions = list(group.sessions.values_list("number", "starts_at"))
        self.assertEqual([n for n, _ in sessions], list(range(1, 9)))
        self.assertEqual(sessions[0][1].date(), FIRST_DATE)
        courses = Course.objects.filter(group_place__group=group)
        self.assertEqual(courses.count(), 6)
        self.assertEqual({c.modality for c in courses}, {"group_ipt"})
        # Facilitators take turns: three members each.
        self.assertEqual(courses.filter(therapist=self.therapist).count(), 3)
        pre_group = Appointment.objects.filter(course__in=courses, number=0)
        days = sorted(a.starts_at.date() for a in pre_group)
        self.assertEqual(len(set(days)), 6)  # one a day, on working days before session 1
        self.assertTrue(all(d.weekday() < 5 and d < FIRST_DATE for d in days))
        self.assertEqual(Appointment.objects.filter(course__in=courses, shared=True).count(), 6 * 8)
        for course in courses:
            self.assertEqual(course.referral.status, "in_treatment")

    def test_the_schedule_skips_closures_and_a_facilitators_other_sessions(self) -> None:
        Closure.objects.create(date=dt.date(2026, 9, 22), reason="Training day")
        from interplay.test import course_for

        # The co-facilitator sees someone at 14:00 on Tuesday 29 September.
        ready_to_facilitate(self.supervisor)
        course = course_for(self.supervisor, first_date=dt.date(2026, 9, 28))
        Appointment.objects.filter(course=course, number=1).update(
            starts_at=dt.datetime(2026, 9, 29, 14, tzinfo=NOW.tzinfo),
            ends_at=dt.datetime(2026, 9, 29, 14, 50, tzinfo=NOW.tzinfo),
        )
        group = running_group(self.therapist, self.supervisor, members=5)
        days = [s.starts_at.date() for s in group.sessions.all()]
        self.assertEqual(days[:3], [FIRST_DATE, dt.date(2026, 10, 6), dt.date(2026, 10, 13)])

    def test_a_group_time_outside_a_facilitators_hours_is_refused(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "outside"):
            form(self.therapist, self.therapist, at=dt.time(16, 30))

    def test_the_group_closes_to_newcomers_after_session_two(self) -> None:
        group = running_group(self.therapist, members=5)
        # One invited before the start joins late, with their own pre-group session.
        with time_machine.travel(dt.datetime(2026, 9, 16, 9, tzinfo=NOW.tzinfo), tick=False):
            late = services.invite_member(
                actor=self.therapist, group=group, referral=waiting_for_group("Ivy")
            )
            accept(late)
            late.refresh_from_db()
            numbers = list(course_of(late).appointments.values_list("number", flat=True))
            self.assertEqual(numbers, [0, 2, 3, 4, 5, 6, 7, 8])
        jon = waiting_for_group("Jon")
        closed = "no one joins after its second session"
        with (
            time_machine.travel(dt.datetime(2026, 9, 23, 9, tzinfo=NOW.tzinfo), tick=False),
            self.assertRaisesMessage(RuleViolation, closed),
        ):
            services.invite_member(actor=self.therapist, group=group, referral=jon)
