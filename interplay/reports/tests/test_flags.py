"""The outcome flags as database conditions agree with the course's own outcome rules."""

import datetime as dt
import itertools

from interplay.accounts.roles import Role
from interplay.measures import outcomes
from interplay.reports import flags, rows
from interplay.reports.models import CourseFigures
from interplay.test import BaseTestCase, course_for, make_clinician

RULES = ("deterioration", "no_change")
FLAGS = {
    "reliable_improvement": flags.reliable_improvement,
    "reliable_deterioration": flags.reliable_deterioration,
    "reliable_recovery": flags.reliable_recovery,
    "no_reliable_change": flags.no_reliable_change,
}
# First and last totals: a reliable fall, a fall just short of it, no change, a rise just
# short, a reliable rise; from at, and from below, the cut-offs (PHQ-9 10, GAD-7 8).
PHQ9_PAIRS = [(16, 10), (16, 9), (12, 7), (10, 10), (4, 9), (4, 10), (9, 3)]
GAD7_PAIRS = [(12, 8), (12, 7), (9, 6), (8, 8), (3, 6), (3, 7), (7, 3)]


def answer(code: str, total: int, minute: int) -> dict[str, object]:
    at = dt.datetime(2026, 9, 7, 10, minute, tzinfo=dt.UTC)
    return {"instrument_code": code, "total": total, "answered_at": at, "appointment_id": None}


class FlagsAgreeWithOutcomesTests(BaseTestCase):
    def test_every_flag_matches_course_outcome_under_both_rules(self) -> None:
        course = course_for(make_clinician("sam", Role.THERAPIST))
        for phq, gad in itertools.product(PHQ9_PAIRS, GAD7_PAIRS):
            scores = [
                answer("phq9", phq[0], 0),
                answer("gad7", gad[0], 1),
                answer("phq9", phq[1], 2),
                answer("gad7", gad[1], 3),
            ]
            rows.save([rows.figures_of(course, [], scores)])
            stored = CourseFigures.objects.filter(pk=course.pk)
            for rule in RULES:
                expected = outcomes.course_outcome(
                    list(phq), list(gad), attended=2, mixed_rule=rule
                )
                for name, condition in FLAGS.items():
                    with self.subTest(phq=phq, gad=gad, rule=rule, flag=name):
                        self.assertEqual(
                            stored.filter(condition(rule)).exists(), getattr(expected, name)
                        )

    def test_an_unpaired_course_has_no_flag_under_either_rule(self) -> None:
        course = course_for(make_clinician("sam", Role.THERAPIST))
        rows.save([rows.figures_of(course, [], [answer("phq9", 20, 0), answer("gad7", 15, 1)])])
        stored = CourseFigures.objects.filter(pk=course.pk)
        self.assertTrue(stored.get().at_caseness)
        for rule in RULES:
            for condition in FLAGS.values():
                self.assertFalse(stored.filter(condition(rule)).exists())


class MixedCaseTests(BaseTestCase):
    def test_the_mixed_case_counts_by_the_services_rule(self) -> None:
        course = course_for(make_clinician("sam", Role.THERAPIST))
        # PHQ-9 reliably better (18 to 6), GAD-7 reliably worse (4 to 12).
        scores = [answer("phq9", 18, 0), answer("gad7", 4, 1)]
        scores += [answer("phq9", 6, 2), answer("gad7", 12, 3)]
        rows.save([rows.figures_of(course, [], scores)])
        row = CourseFigures.objects.get()
        self.assertTrue(row.reliable_fall and row.reliable_rise)
        counted = {
            rule: {name for name, c in FLAGS.items() if CourseFigures.objects.filter(c(rule))}
            for rule in RULES
        }
        self.assertEqual(counted["deterioration"], {"reliable_deterioration"})
        self.assertEqual(counted["no_change"], {"no_reliable_change"})
