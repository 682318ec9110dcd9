"""Course outcomes from paired scores (docs/clinical-rules.md 5.1-5.4): every rule, at its
boundaries."""

import pytest

from interplay.measures.instruments import GAD7, PHQ9
from interplay.measures.outcomes import (
    Pair,
    at_caseness,
    band,
    course_outcome,
    is_case,
    pair,
    reliably_deteriorated,
)


@pytest.mark.parametrize(
    ("phq", "gad", "case"),
    [
        (10, 0, True),  # PHQ-9 exactly 10
        (9, 0, False),  # PHQ-9 exactly 9
        (0, 8, True),  # GAD-7 exactly 8: the Talking Therapies cut-off
        (0, 7, False),  # GAD-7 exactly 7
        (9, 7, False),
        (27, 21, True),
    ],
)
def test_caseness_is_phq9_10_or_gad7_8(phq: int, gad: int, case: bool) -> None:
    assert is_case(phq, gad) is case


def test_caseness_per_measure_and_bands() -> None:
    assert at_caseness(PHQ9, 10) and not at_caseness(PHQ9, 9)
    assert at_caseness(GAD7, 8) and not at_caseness(GAD7, 7)
    assert band(PHQ9, 9) == "Mild" and band(PHQ9, 10) == "Moderate"
    assert band(GAD7, 7) == "Mild" and band(GAD7, 15) == "Severe"
    with pytest.raises(ValueError):
        band(GAD7, 22)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], None),
        ([14], Pair(14, None)),
        ([14, 12], Pair(14, 12)),
        ([14, 20, 3, 9], Pair(14, 9)),  # first and last in answer order, not min and max
    ],
)
def test_pairing_takes_the_first_and_last_scores(scores: list[int], expected: Pair | None) -> None:
    assert pair(scores) == expected


# (phq scores, gad scores, attended) -> the flags a reader of the course page would see.
FLAGS: tuple[str, ...] = ("at_caseness", "recovered", "reliable_improvement")
FLAGS += ("reliable_deterioration", "reliable_recovery", "no_reliable_change", "finished")
CASES = [
    # name, phq, gad, attended, at_case, recov, rel_imp, rel_det, rel_rec, no_change, fin
    ("recovers reliably", [16, 4], [12, 5], 8, 1, 1, 1, 0, 1, 0, 1),
    ("PHQ-9 falls exactly 6: reliable", [15, 9], [7, 7], 8, 1, 1, 1, 0, 1, 0, 1),
    ("PHQ-9 falls exactly 5: not reliable", [14, 9], [7, 7], 8, 1, 1, 0, 0, 0, 1, 1),
    ("GAD-7 falls exactly 4: reliable", [9, 9], [11, 7], 8, 1, 1, 1, 0, 1, 0, 1),
    ("GAD-7 falls exactly 3: not reliable", [9, 9], [10, 7], 8, 1, 1, 0, 0, 0, 1, 1),
    ("PHQ-9 rises exactly 6", [4, 10], [3, 3], 8, 0, 0, 0, 1, 0, 0, 1),
    ("PHQ-9 rises exactly 5", [4, 9], [3, 3], 8, 0, 0, 0, 0, 0, 1, 1),
    ("GAD-7 rises exactly 4", [4, 4], [3, 7], 8, 0, 0, 0, 1, 0, 0, 1),
    ("GAD-7 rises exactly 3", [4, 4], [3, 6], 8, 0, 0, 0, 0, 0, 1, 1),
    ("improves reliably but still a case", [24, 14], [15, 10], 8, 1, 0, 1, 0, 0, 0, 1),
    ("recovers without reliable change", [10, 9], [8, 7], 8, 1, 1, 0, 0, 0, 1, 1),
    ("not a case at the start: no recovery", [9, 2], [7, 1], 8, 0, 0, 1, 0, 0, 0, 1),
    ("last PHQ-9 exactly 10 is still a case", [18, 10], [5, 5], 8, 1, 0, 1, 0, 0, 0, 1),
    ("last GAD-7 exactly 8 is still a case", [5, 5], [14, 8], 8, 1, 0, 1, 0, 0, 0, 1),
    ("one attended session has not finished", [16, 4], [12, 5], 1, 1, 1, 1, 0, 1, 0, 0),
    ("exactly two attended sessions finish", [16, 4], [12, 5], 2, 1, 1, 1, 0, 1, 0, 1),
    ("a single score pairs nothing", [16], [12], 1, 1, 0, 0, 0, 0, 0, 0),
    ("no scores at all", [], [], 0, 0, 0, 0, 0, 0, 0, 0),
    ("GAD-7 never completed: case from PHQ-9", [12, 3], [], 3, 1, 0, 0, 0, 0, 0, 1),
    ("middle scores do not count", [16, 25, 0, 15], [9, 0, 21, 9], 4, 1, 0, 0, 0, 0, 1, 1),
]


@pytest.mark.parametrize(
    ("phq", "gad", "attended", "flags"),
    [pytest.param(c[1], c[2], c[3], c[4:], id=c[0]) for c in CASES],
)
def test_outcome_flags(phq: list[int], gad: list[int], attended: int, flags: tuple[int]) -> None:
    outcome = course_outcome(phq, gad, attended=attended)
    assert {f: getattr(outcome, f) for f in FLAGS} == dict(
        zip(FLAGS, map(bool, flags), strict=True)
    )


def test_missing_items_leave_a_score_out_of_the_pair() -> None:
    """A partial response has no total, so the caller passes only complete ones: the
    incomplete last response does not become the last score."""
    from interplay.measures.scoring import score

    answered = [
        score(PHQ9, dict.fromkeys(range(1, 10), 2)),  # 18
        score(PHQ9, {**dict.fromkeys(range(1, 9), 0), 9: None}),  # incomplete
    ]
    totals = [s.total for s in answered if s.complete and s.total is not None]
    outcome = course_outcome(totals, [10, 9], attended=2)
    assert totals == [18]
    assert outcome.phq9 == Pair(18, None)
    assert not outcome.paired and not outcome.recovered and not outcome.reliable_improvement


def test_the_mixed_case_counts_as_deterioration_by_default() -> None:
    """PHQ-9 reliably better (-8), GAD-7 reliably worse (+4): CORC wording
    (docs/clinical-rules.md 5.4)."""
    outcome = course_outcome([18, 10], [4, 8], attended=6)
    assert outcome.mixed
    assert outcome.reliable_deterioration
    assert not outcome.reliable_improvement and not outcome.reliable_recovery
    assert not outcome.no_reliable_change


def test_the_mixed_case_can_count_as_no_change() -> None:
    outcome = course_outcome([18, 10], [4, 8], attended=6, mixed_rule="no_change")
    assert outcome.mixed
    assert not outcome.reliable_deterioration and not outcome.reliable_improvement
    assert outcome.no_reliable_change


def test_the_mixed_rule_does_not_touch_a_plain_deterioration() -> None:
    outcome = course_outcome([4, 12], [4, 4], attended=6, mixed_rule="no_change")
    assert outcome.reliable_deterioration and not outcome.mixed


def test_an_unknown_mixed_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="mixed_rule"):
        course_outcome([1, 2], [1, 2], attended=2, mixed_rule="improvement")


@pytest.mark.parametrize(
    ("code", "first", "latest", "worse"),
    [
        ("phq9", 5, 11, True),
        ("phq9", 5, 10, False),
        ("phq9", 11, 5, False),
        ("gad7", 3, 7, True),
        ("gad7", 3, 6, False),
    ],
)
def test_reliable_deterioration_for_alerts(code: str, first: int, latest: int, worse: bool) -> None:
    assert reliably_deteriorated(code, first, latest) is worse
