"""Running a group: attendance per member, a member leaving, the group record, finishing,
and each member's outcome counted in the service figures under group IPT."""

import datetime as dt

import time_machine

from interplay.audit.models import AuditEvent
from interplay.courses import protocols
from interplay.courses.models import CourseTask, TaskKind
from interplay.groups import running
from interplay.groups.models import GroupStatus, MemberStatus
from interplay.groups.summary import summarise
from interplay.groups.tests.helpers import NOW, course_of, ready_to_facilitate, running_group
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.monitoring.services import submit_response
from interplay.reports import figures, series
from interplay.test import BaseTestCase

LOW = {n: 2 for n in range(1, 10)}  # PHQ-9 18 (moderately severe)
LOW_GAD = {n: 2 for n in range(1, 8)}  # GAD-7 14
WELL = {n: 0 for n in range(1, 10)}
WELL_GAD = {n: 0 for n in range(1, 8)}


def after(session: object) -> dt.datetime:
    return session.ends_at + dt.timedelta(hours=1)  # type: ignore[attr-defined]


class ProtocolTests(BaseTestCase):
    def test_the_who_group_programme_opens_with_a_pre_group_session(self) -> None:
        who = protocols.BUILT_IN["who-group-ipt"]
        names = [protocols.phase_for(who, n).key for n in range(9)]
        self.assertEqual(names, ["pre_group", "initial", *["middle"] * 6, "termination"])
        self.assertEqual(
            protocols.session_label(who, 0, 8), "Pre-group session, before 8 group sessions"
        )


class RunningTests(BaseTestCase):
    def test_a_group_runs_to_its_end_with_one_member_leaving(self) -> None:
        ready_to_facilitate(self.therapist, self.supervisor)
        with time_machine.travel(NOW, tick=False):
            group = running_group(self.therapist, self.supervisor, members=5)
        sessions = list(group.sessions.all())
        members = list(group.members.select_related("course").order_by("invited_at", "id"))
        ada, bea = members[0], members[1]
        everyone = {m.pk: "attended" for m in members}

        with time_machine.travel(after(sessions[0]), tick=False):
            for m in members:  # each member's first scores, entered by their own facilitator
                first = course_of(m).appointments.get(number=1)
                for code, answers in (("phq9", LOW), ("gad7", LOW_GAD)):
                    submit_response(
                        actor=course_of(m).therapist,
                        appointment=first,
                        instrument_code=code,
                        answers=answers,
                        source="paper",
                    )
            raised = running.record_group_attendance(
                actor=self.supervisor, session=sessions[0], statuses={**everyone, ada.pk: "dna"}
            )
            self.assertEqual([t.kind for t in raised], [TaskKind.RISK_CHECK])
            self.assertEqual(raised[0].course, ada.course)
            with self.assertRaises(PermissionDenied):
                running.record_group_attendance(
                    actor=self.outsider, session=sessions[0], statuses=everyone
                )

        with time_machine.travel(after(sessions[1]), tick=False):
            running.record_group_attendance(
                actor=self.therapist, session=sessions[1], statuses={**everyone, ada.pk: "dna"}
            )
            # A second missed session: the same review as in an individual course, and
            # a flag beside her name on the group's page.
            self.assertTrue(
                CourseTask.objects.filter(
                    course=ada.course, kind=TaskKind.ATTENDANCE_REVIEW
                ).exists()
            )
            rows = {row.member.pk: row for row in summarise(group).members}
            self.assertEqual(rows[ada.pk].missed, 2)
            self.assertTrue(rows[ada.pk].flagged_for_missing)
            self.assertFalse(any(r.flagged_for_missing for k, r in rows.items() if k != ada.pk))
            running.save_group_record(
                actor=self.therapist,
                session=sessions[1],
                tasks_done=["mood_review"],
                notes="A lively session.",
            )
            with self.assertRaisesMessage(RuleViolation, "tasks of this session's phase"):
                running.save_group_record(
                    actor=self.therapist,
                    session=sessions[1],
                    tasks_done=["relapse_plan"],
                    notes="",
                )
            signed = running.sign_group_record(actor=self.supervisor, session=sessions[1])
            self.assertEqual(signed.signed_by, self.supervisor)
            running.member_leaves(actor=self.therapist, member=bea, reason="Moved away.")
            course_of(bea).refresh_from_db()
            self.assertEqual(course_of(bea).status, "dropped_out")
            self.assertEqual(course_of(bea).appointments.filter(status="not_needed").count(), 6)

        for session in sessions[2:]:
            with time_machine.travel(after(session), tick=False):
                present = {m.pk: "attended" for m in members if m.pk != bea.pk}
                running.record_group_attendance(
                    actor=self.therapist, session=session, statuses=present
                )
        with time_machine.travel(after(sessions[-1]), tick=False):
            for m in members:
                if m.pk == bea.pk:
                    continue
                last = course_of(m).appointments.get(number=8)
                for code, answers in (("phq9", WELL), ("gad7", WELL_GAD)):
                    submit_response(
                        actor=course_of(m).therapist,
                        appointment=last,
                        instrument_code=code,
                        answers=answers,
                        source="in_session",
                    )
            # The pre-group sessions are recorded too before anyone finishes.
            for m in members:
                if m.pk != bea.pk:
                    running.attendance.apply_attendance(
                        actor=self.therapist,
                        appointment=course_of(m).appointments.get(number=0),
                        status="attended",
                    )
            running.end_group(actor=self.therapist, group=group)

        group.refresh_from_db()
        self.assertEqual(group.status, GroupStatus.ENDED)
        summary = summarise(group)
        self.assertEqual((summary.finished, summary.left), (4, 1))
        self.assertEqual([row.attended for row in summary.sessions], [4, 4, 4, 4, 4, 4, 4, 4])
        self.assertEqual((summary.recovered, summary.reliable_improvement), (4, 4))
        self.assertEqual(
            {m.status for m in group.members.all()}, {MemberStatus.FINISHED, MemberStatus.LEFT}
        )
        self.assertTrue(AuditEvent.objects.filter(action="group.ended").exists())

        # The service figures count each member's course under group IPT.
        filters = figures.Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
        by_modality = series.breakdown(filters, figures.Policy(), "modality")
        self.assertEqual(by_modality["group_ipt"]["finished"], 5)
        self.assertEqual(by_modality["group_ipt"]["recovered"], 4)
