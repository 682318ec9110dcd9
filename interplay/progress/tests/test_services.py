"""Problems and goals, ratings, tasks, sharing and the ending review, service by service."""

import dataclasses
import datetime as dt
from typing import Any

import time_machine

from interplay.audit.actors import PatientActor
from interplay.audit.models import AuditEvent
from interplay.courses import attendance, protocols
from interplay.courses.models import Appointment
from interplay.encounters import services as encounters
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.progress import services, sharing, stage
from interplay.progress.models import BetweenSessionTask, Problem, ProblemRating
from interplay.progress.tests.factories import AFTER_THE_END, attend, make_course
from interplay.test import BaseTestCase


class ProgressTestCase(BaseTestCase):
    attended = 16  # the sessions recorded as attended: every one, unless a story says

    def setUp(self) -> None:
        traveller = time_machine.travel(AFTER_THE_END, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.course = make_course(self.therapist, "ipt", attended=self.attended)
        self.patient = PatientActor(self.course.patient)

    def session(self, number: int) -> Appointment:
        return self.course.appointments.get(number=number)

    def problem(self, description: str = "Arguments with my sister", **kw: Any) -> Problem:
        values: dict[str, Any] = {"kind": "problem", "baseline": 8, "session": self.session(2)}
        values.update(kw)
        return services.add_problem(
            actor=self.therapist,
            course=self.course,
            description=description,
            **values,
        )


class ProblemTests(ProgressTestCase):
    def test_the_baseline_is_kept_with_who_rated_it_and_when(self) -> None:
        problem = self.problem()
        rating = problem.ratings.get()
        self.assertEqual((rating.score, rating.rater, rating.baseline), (8, "therapist", True))
        self.assertEqual(rating.rated_by, self.therapist)
        self.assertEqual(rating.session, self.session(2))
        self.assertEqual(rating.rated_at, AFTER_THE_END)
        event = AuditEvent.objects.get(action="progress.problem_added")
        self.assertEqual(event.detail, {"kind": "problem", "baseline": 8, "session": 2})
        self.assertNotIn("sister", str(event.detail))

    def test_problems_are_first_identified_in_the_initial_phase_only(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "initial phase"):
            self.problem(session=self.session(5))
        self.assertFalse(Problem.objects.exists())

    def test_only_the_courses_therapist_lists_problems(self) -> None:
        for someone in (self.outsider, self.supervisor, self.triage):
            with self.subTest(someone.username), self.assertRaises(PermissionDenied):
                services.add_problem(
                    actor=someone,
                    course=self.course,
                    kind="goal",
                    description="Go back to choir",
                    baseline=1,
                    session=self.session(1),
                )

    def test_a_rating_is_from_0_to_10(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "0 to 10"):
            self.problem(baseline=11)


class RatingTests(ProgressTestCase):
    def test_the_therapist_re_rates_at_the_sessions_the_protocol_names(self) -> None:
        problem = self.problem()
        self.assertEqual(stage.rerate_numbers(self.course), (8, 16))
        services.rate_problem(
            actor=self.therapist, problem=problem, score=5, session=self.session(8)
        )
        services.rate_problem(
            actor=self.therapist, problem=problem, score=2, session=self.session(16)
        )
        with self.assertRaisesMessage(RuleViolation, "sessions 8, 16 only"):
            services.rate_problem(
                actor=self.therapist, problem=problem, score=4, session=self.session(9)
            )
        with self.assertRaisesMessage(RuleViolation, "Already rated at session 8"):
            services.rate_problem(
                actor=self.therapist, problem=problem, score=4, session=self.session(8)
            )
        scores = [(r.session_id, r.score) for r in problem.ratings.all()]
        ids = [self.session(n).pk for n in (2, 8, 16)]
        self.assertEqual(scores, list(zip(ids, [8, 5, 2], strict=True)))
        first, latest = problem.first_and_latest()
        self.assertEqual((first.score, latest.score), (8, 2))  # type: ignore[union-attr]

    def test_the_patient_rates_a_shared_problem_at_any_time(self) -> None:
        problem = self.problem()
        with self.assertRaises(PermissionDenied):
            services.rate_problem(actor=self.patient, problem=problem, score=6)
        services.set_shared(actor=self.therapist, item=problem, shared=True)
        rating = services.rate_problem(actor=self.patient, problem=problem, score=6)
        self.assertEqual((rating.rater, rating.rated_by, rating.score), ("patient", None, 6))
        self.assertEqual(rating.session, self.session(16))  # the latest session that has begun
        event = AuditEvent.objects.get(action="progress.problem_rated")
        self.assertEqual(event.actor_label, f"patient:{self.course.patient.public_id}")
        self.assertEqual(event.detail["rater"], "patient")

    def test_another_patient_cannot_rate(self) -> None:
        problem = self.problem()
        services.set_shared(actor=self.therapist, item=problem, shared=True)
        other = make_course(self.outsider, "ipt", first_name="Kim", nhs_number="")
        with self.assertRaises(PermissionDenied):
            services.rate_problem(actor=PatientActor(other.patient), problem=problem, score=1)
        self.assertEqual(ProblemRating.objects.count(), 1)

    def test_rerating_several_is_all_or_nothing(self) -> None:
        one, two = self.problem(), self.problem("Sleeping badly")
        two_rated = services.rate_problem(
            actor=self.therapist, problem=two, score=5, session=self.session(8)
        )
        with self.assertRaises(RuleViolation):
            services.rerate(
                actor=self.therapist,
                course=self.course,
                session=self.session(8),
                scores={one: 4, two: 3},
            )
        self.assertEqual(one.ratings.count(), 1)
        self.assertEqual(list(two.ratings.all())[-1], two_rated)


class UnrecordedSessionTests(ProgressTestCase):
    attended = 15

    def test_not_before_the_session_is_recorded_as_attended(self) -> None:
        problem = self.problem()
        sixteen = self.session(16)  # its date has passed, its attendance is not recorded
        with self.assertRaisesMessage(RuleViolation, "Record session 16 as attended"):
            services.rate_problem(actor=self.therapist, problem=problem, score=3, session=sixteen)
        attend(self.course, 16)
        services.rate_problem(actor=self.therapist, problem=problem, score=3, session=sixteen)


class GroupCourseTests(BaseTestCase):
    def test_a_group_member_lists_problems_before_the_middle_phase(self) -> None:
        from interplay.courses import services as courses
        from interplay.test import allocated_to, give_hours, qualify

        qualify(self.therapist, "group_ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))
        with time_machine.travel(AFTER_THE_END, tick=False):
            course = courses.start_course(
                actor=self.therapist,
                referral=allocated_to(self.therapist, "group_ipt"),
                protocol_code="who-group-ipt",
                weekday=0,
                at=dt.time(10),
                first_date=dt.date(2026, 9, 7),
                history=True,
            )
            self.assertEqual(list(stage.initial_numbers(course)), [0, 1])
            self.assertEqual(stage.rerate_numbers(course), (4, 8))
            self.assertEqual(services.letter_kinds(course), ["ending_summary", "discharge"])
            services.add_problem(
                actor=self.therapist,
                course=course,
                kind="problem",
                description="Lonely since retiring",
                baseline=7,
                # Courses book group sessions from 1 today (no pre-group session 0 yet).
                session=course.appointments.get(number=1),
            )
            with self.assertRaisesMessage(RuleViolation, "initial phase"):
                services.add_problem(
                    actor=self.therapist,
                    course=course,
                    kind="problem",
                    description="Too late",
                    baseline=7,
                    session=course.appointments.get(number=2),
                )


class ProtocolDataTests(BaseTestCase):
    def test_re_rating_sessions_follow_the_protocol_and_the_planned_length(self) -> None:
        self.assertEqual(protocols.rerate_sessions(protocols.IPT_16), (8, 16))
        self.assertEqual(protocols.rerate_sessions(protocols.IPT_16, 14), (8, 14))
        self.assertEqual(protocols.rerate_sessions(protocols.IPT_12), (6, 12))
        self.assertEqual(protocols.rerate_sessions(protocols.DIT_16), (8, 16))
        self.assertEqual(protocols.rerate_sessions(protocols.WHO_GROUP_IPT), (4, 8))
        self.assertEqual(protocols.goodbye_letter_session(protocols.DIT_16), 15)

    def test_a_snapshot_from_before_the_fields_existed_still_loads(self) -> None:
        old = dataclasses.asdict(protocols.IPT_12)
        del old["rerate_problems_at"], old["goodbye_letter_at"]
        protocol = protocols.from_dict(old)
        self.assertIsNone(protocol.rerate_problems_at)
        self.assertEqual(protocols.rerate_sessions(protocol), (6, 12))  # halfway and last
        self.assertEqual(protocols.goodbye_letter_session(protocol), 11)

    def test_a_snapshot_keeps_its_own_sessions(self) -> None:
        data = dataclasses.asdict(protocols.DIT_16) | {"rerate_problems_at": [4, 12, 16]}
        self.assertEqual(protocols.rerate_sessions(protocols.from_dict(data)), (4, 12, 16))


class TaskTests(ProgressTestCase):
    def save(self, number: int, **fields: Any) -> None:
        values: dict[str, Any] = {"notes": "SECRET SESSION NOTE", "risk_notes": "SECRET RISK NOTE"}
        values.update(fields)
        encounters.save_record(
            actor=self.therapist,
            appointment=self.session(number),
            **values,
        )

    def test_the_session_record_sets_the_task_and_the_next_one_reviews_it(self) -> None:
        self.save(3, between_session_task="Call my sister once this week.")
        task = BetweenSessionTask.objects.get()
        self.assertEqual(
            (task.text, task.set_at.number, task.shared),
            ("Call my sister once this week.", 3, False),
        )
        self.save(3, between_session_task="Call my sister twice this week.")
        task.refresh_from_db()
        self.assertEqual(task.text, "Call my sister twice this week.")
        self.save(4, previous_task_review="She called once; it went better than feared.")
        task.refresh_from_db()
        self.assertEqual(task.review, "She called once; it went better than feared.")
        self.assertEqual(task.reviewed_at.number, 4)  # type: ignore[union-attr]
        actions = list(
            AuditEvent.objects.filter(action__startswith="progress.task")
            .order_by("id")
            .values_list("action", flat=True)
        )
        self.assertEqual(
            actions, ["progress.task_set", "progress.task_set", "progress.task_reviewed"]
        )

    def test_emptying_the_work_removes_a_task_the_patient_has_not_noted(self) -> None:
        self.save(3, between_session_task="Call my sister.")
        self.save(3, between_session_task="")
        self.assertFalse(BetweenSessionTask.objects.exists())

    def test_the_patient_notes_a_shared_task_only(self) -> None:
        self.save(3, between_session_task="Call my sister.")
        task = BetweenSessionTask.objects.get()
        with self.assertRaises(PermissionDenied):
            services.note_task(actor=self.patient, task=task, note="I called her.")
        services.set_shared(actor=self.therapist, item=task, shared=True)
        with self.assertRaises(PermissionDenied):
            services.note_task(actor=self.therapist, task=task, note="Written for her.")
        services.note_task(actor=self.patient, task=task, note="I called her on Sunday.")
        task.refresh_from_db()
        self.assertEqual(task.patient_note, "I called her on Sunday.")
        self.assertEqual(task.patient_noted_at, AFTER_THE_END)
        self.assertEqual(services.previous_task(self.session(4)), task)

    def test_a_new_task_is_shared_once_the_therapist_has_shared_one_in_this_course(
        self,
    ) -> None:
        self.save(3, between_session_task="Call my sister.")
        first = BetweenSessionTask.objects.get()
        self.assertFalse(first.shared)  # nothing shared yet: the record only
        services.set_shared(actor=self.therapist, item=first, shared=True)
        self.save(4, between_session_task="Write down one thing you enjoyed.")
        second = BetweenSessionTask.objects.get(set_at__number=4)
        self.assertTrue(second.shared)
        self.assertTrue(services.task_will_be_shared(self.session(5)))
        # Another course of the same therapist is not swayed by this one.
        other = make_course(self.therapist, "ipt")
        self.assertFalse(services.task_shared_by_default(other))

    def test_the_record_says_whether_to_share_its_task(self) -> None:
        self.save(3, between_session_task="Call my sister.", share_task=True)
        task = BetweenSessionTask.objects.get()
        self.assertTrue(task.shared)
        self.save(3, between_session_task="Call my sister.", share_task=False)
        task.refresh_from_db()
        self.assertFalse(task.shared)
        self.save(3, between_session_task="Call my sister.")  # None: left as it is
        task.refresh_from_db()
        self.assertFalse(task.shared)
        actions = list(
            AuditEvent.objects.filter(action__startswith="progress.")
            .order_by("id")
            .values_list("action", "detail")
        )
        self.assertEqual(
            actions,
            [
                ("progress.task_set", {"session": 3, "shared": True}),
                ("progress.unshared", {"what": "task"}),
            ],
        )


class SharingTests(ProgressTestCase):
    def test_the_portal_gets_only_what_is_shared_and_never_notes(self) -> None:
        shown, hidden = self.problem("Shown problem"), self.problem("Hidden problem")
        services.set_shared(actor=self.therapist, item=shown, shared=True)
        for number, text in ((3, "Shown task"), (4, "Hidden task")):
            encounters.save_record(
                actor=self.therapist,
                appointment=self.session(number),
                notes="SECRET SESSION NOTE",
                risk_notes="SECRET RISK NOTE",
                between_session_task=text,
            )
        services.set_shared(
            actor=self.therapist, item=BetweenSessionTask.objects.get(set_at__number=3), shared=True
        )
        with self.assertNumQueries(2):
            problems = sharing.shared_problems(self.course)
        with self.assertNumQueries(1):
            tasks = sharing.patient_tasks(self.course)
        with self.assertNumQueries(1):
            letters = sharing.shared_letters(self.course)
        self.assertEqual([p.description for p in problems], ["Shown problem"])
        self.assertEqual([r.score for r in problems[0].ratings.all()], [8])
        self.assertEqual([t.text for t in tasks], ["Shown task"])
        self.assertEqual(letters, [])
        seen = repr([vars(o) for o in [*problems, *tasks]])
        self.assertNotIn("SECRET", seen)
        self.assertNotIn(hidden.description, seen)

    def test_query_counts_do_not_grow_with_the_course(self) -> None:
        for n in range(4):
            services.set_shared(actor=self.therapist, item=self.problem(f"P{n}"), shared=True)
        with self.assertNumQueries(2):
            self.assertEqual(len(sharing.shared_problems(self.course)), 4)

    def test_sharing_is_the_therapists_and_audited(self) -> None:
        problem = self.problem()
        with self.assertRaises(PermissionDenied):
            services.set_shared(actor=self.supervisor, item=problem, shared=True)
        services.set_shared(actor=self.therapist, item=problem, shared=True)
        services.set_shared(actor=self.therapist, item=problem, shared=False)
        actions = list(
            AuditEvent.objects.filter(action__in=["progress.shared", "progress.unshared"])
            .order_by("id")
            .values_list("action", "detail")
        )
        self.assertEqual(
            actions,
            [("progress.shared", {"what": "problem"}), ("progress.unshared", {"what": "problem"})],
        )


class EndingReviewTests(ProgressTestCase):
    attended = 12  # every date has passed, but only sessions 1-12 are recorded

    def test_it_opens_with_the_ending_phase_and_closes_with_the_course(self) -> None:
        with self.assertRaisesMessage(RuleViolation, "ending phase begins"):
            services.save_ending_review(
                actor=self.therapist, course=self.course, warning_signs="Not sleeping."
            )
        attend(self.course, 13, 14, 15, 16)
        review = services.save_ending_review(
            actor=self.therapist, course=self.course, warning_signs="Not sleeping."
        )
        review = services.save_ending_review(
            actor=self.therapist, course=self.course, relapse_plan="Call the GP early."
        )
        self.assertEqual(
            (review.warning_signs, review.relapse_plan), ("Not sleeping.", "Call the GP early.")
        )
        details = list(
            AuditEvent.objects.filter(action="progress.ending_review_saved")
            .order_by("id")
            .values_list("detail", flat=True)
        )
        self.assertEqual(
            details,
            [
                {"created": True, "filled": ["warning_signs"]},
                {"created": False, "filled": ["warning_signs", "relapse_plan"]},
            ],
        )
        attendance.end_course(
            actor=self.therapist, course=self.course, outcome="completed", reason="Finished."
        )
        self.course.refresh_from_db()
        with self.assertRaisesMessage(RuleViolation, "ended"):
            services.save_ending_review(
                actor=self.therapist, course=self.course, warning_signs="Changed later."
            )

    def test_only_the_therapist_writes_it(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.save_ending_review(
                actor=self.supervisor, course=self.course, warning_signs="x"
            )
