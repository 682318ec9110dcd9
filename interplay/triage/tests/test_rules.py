"""Waiting-time arithmetic, contactability and allocation ranking (pure)."""

import datetime as dt
import random

import pytest

from interplay.triage.rules import (
    Candidate,
    NextPeople,
    Waiting,
    WaitPolicy,
    needs_not_contactable_letter,
    next_for,
    parts_covered,
    rank_therapists,
    time_waited,
    wait_standing,
)

REFERRED = dt.date(2026, 1, 5)


def day(n: int) -> dt.date:
    return REFERRED + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("days", "inclusive", "within_6", "within_18"),
    [
        (0, True, True, True),
        (41, True, True, True),
        (42, True, True, True),  # exactly six weeks counts as within, by default
        (43, True, False, True),
        (41, False, True, True),
        (42, False, False, True),  # ... or not, when the service says so
        (126, True, False, True),
        (127, True, False, False),
        (126, False, False, False),
    ],
)
def test_the_42_and_126_day_boundaries(
    days: int, inclusive: bool, within_6: bool, within_18: bool
) -> None:
    standing = wait_standing(REFERRED, day(days), WaitPolicy(boundary_inclusive=inclusive))
    assert (standing.days, standing.within_6_weeks, standing.within_18_weeks) == (
        days,
        within_6,
        within_18,
    )


@pytest.mark.parametrize(
    ("days", "warning"),
    [
        (30, ""),
        (35, ""),
        (36, "6-week standard soon"),  # 6 days left, warned 7 days ahead
        (42, "6-week standard soon"),
        (43, "6-week standard missed"),
        (119, "6-week standard missed"),
        (120, "18-week standard soon"),
        (127, "18-week standard missed"),
    ],
)
def test_it_warns_before_a_breach(days: int, warning: str) -> None:
    assert wait_standing(REFERRED, day(days), WaitPolicy(warn_days=7)).warning == warning


def test_days_left_and_a_readable_wait() -> None:
    standing = wait_standing(REFERRED, day(40), WaitPolicy())
    assert (standing.days_left_6_weeks, standing.days_left_18_weeks) == (2, 86)
    assert standing.weeks_and_days == "5 weeks, 5 days"
    assert wait_standing(REFERRED, day(8), WaitPolicy()).weeks_and_days == "1 week, 1 day"


@pytest.mark.parametrize(
    ("outcomes", "letter"),
    [
        ([], False),
        (["no_answer"], False),
        (["no_answer", "message_left"], True),
        (["no_answer", "reached", "no_answer"], False),
        (["reached", "no_answer", "wrong_number"], True),
    ],
)
def test_two_failed_attempts_in_a_row_call_for_a_letter(outcomes: list[str], letter: bool) -> None:
    assert needs_not_contactable_letter(outcomes, attempts_before_letter=2) is letter


@pytest.mark.parametrize(
    ("weekday", "start", "end", "parts"),
    [
        (0, dt.time(9), dt.time(17), {"weekday_morning", "weekday_afternoon"}),
        (2, dt.time(16), dt.time(20), {"weekday_afternoon", "weekday_evening"}),
        (2, dt.time(16, 30), dt.time(20), {"weekday_evening"}),
        (5, dt.time(9), dt.time(17), set()),  # Saturday
        (1, dt.time(11, 30), dt.time(12, 30), set()),  # no 50 minutes in either part
    ],
)
def test_working_hours_become_parts_of_the_day(
    weekday: int, start: dt.time, end: dt.time, parts: set[str]
) -> None:
    assert parts_covered(weekday, start, end) == parts


IPT_ONLY = Candidate("ipt", "Ivy", frozenset({"ipt"}), 5, frozenset({"weekday_morning"}))
DIT_EVENINGS = Candidate(
    "dit1", "Dara", frozenset({"ipt", "dit"}), 2, frozenset({"weekday_evening"})
)
DIT_MORNINGS = Candidate("dit2", "Dev", frozenset({"dit"}), 1, frozenset({"weekday_morning"}))
DIT_FULL = Candidate("dit3", "Di", frozenset({"dit"}), 0, frozenset({"weekday_morning"}))


def test_an_ipt_only_therapist_is_never_offered_for_dit() -> None:
    ranked = rank_therapists([IPT_ONLY, DIT_EVENINGS, DIT_MORNINGS], "dit", ["weekday_morning"])
    assert [s.candidate.key for s in ranked] == ["dit2", "dit1"]


def test_shared_times_come_before_capacity() -> None:
    ranked = rank_therapists([DIT_EVENINGS, DIT_MORNINGS], "dit", ["weekday_morning"])
    assert ranked[0].candidate is DIT_MORNINGS
    assert ranked[0].shared_times == {"weekday_morning"}
    assert ranked[1].shared_times == frozenset()


def test_with_equal_times_more_capacity_ranks_higher() -> None:
    roomy = Candidate("a", "Zed", frozenset({"ipt"}), 9, frozenset({"weekday_morning"}))
    busy = Candidate("b", "Amy", frozenset({"ipt"}), 1, frozenset({"weekday_morning"}))
    ranked = rank_therapists([busy, roomy], "ipt", ["weekday_morning"])
    assert [s.candidate.key for s in ranked] == ["a", "b"]


def test_a_therapist_with_no_capacity_left_is_not_suggested() -> None:
    assert rank_therapists([DIT_FULL], "dit", ["weekday_morning"]) == []


def test_the_next_person_is_urgent_first_then_the_longest_waiting() -> None:
    waiting = [
        Waiting("old", "dit", False, dt.date(2026, 1, 1), frozenset({"weekday_morning"})),
        Waiting("urgent", "dit", True, dt.date(2026, 2, 1), frozenset({"weekday_morning"})),
        Waiting("ipt", "ipt", True, dt.date(2025, 12, 1), frozenset({"weekday_morning"})),
        Waiting("evening", "dit", True, dt.date(2025, 11, 1), frozenset({"weekday_evening"})),
    ]
    assert next_for(DIT_MORNINGS, waiting) == waiting[1]
    assert next_for(DIT_MORNINGS, waiting[:1]) == waiting[0]
    assert next_for(DIT_FULL, waiting) is None


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0, "less than an hour"),
        (59, "less than an hour"),
        (60, "1 hour"),
        (5 * 60 + 30, "5 hours"),
        (24 * 60, "1 day"),
        (25 * 60, "1 day, 1 hour"),
        (3 * 24 * 60 + 2 * 60, "3 days, 2 hours"),
    ],
)
def test_an_urgent_wait_is_told_to_the_hour(minutes: int, shown: str) -> None:
    received = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
    assert time_waited(received, received + dt.timedelta(minutes=minutes)) == shown


def test_next_people_gives_next_for_each_therapist_from_the_queue_in_order() -> None:
    rng = random.Random(11)
    parts = ("weekday_morning", "weekday_afternoon", "weekday_evening")
    waiting = [
        Waiting(
            key=f"{rng.randrange(16**8):08x}",
            modality=rng.choice(["ipt", "dit"]),
            urgent=rng.random() < 0.2,
            referred_on=day(rng.randrange(4)),  # many on one day: the key decides
            times=frozenset(rng.sample(parts, rng.randint(1, 2))),
        )
        for _ in range(60)
    ]
    therapists = [
        Candidate(key=n, name=str(n), modalities=m, capacity_left=c, times=t)
        for n, (m, c, t) in enumerate(
            [
                (frozenset({"ipt"}), 2, frozenset({"weekday_morning"})),
                (frozenset({"ipt", "dit"}), 1, frozenset({"weekday_evening"})),
                (frozenset({"dit"}), 3, frozenset(parts)),
                (frozenset({"ipt"}), 2, frozenset({"weekday_morning"})),  # as the first
                (frozenset({"ipt"}), 0, frozenset(parts)),  # full
                (frozenset({"group_ipt"}), 4, frozenset(parts)),  # nobody on that list
            ]
        )
    ]
    search = NextPeople(therapists)
    # In queue order as the database gives it: urgency and day, ties in any order.
    for person in sorted(waiting, key=lambda w: (not w.urgent, w.referred_on, rng.random())):
        search.see(person)
    for therapist in therapists:
        assert search.next_for(therapist) == next_for(therapist, waiting)
    assert search.next_for(therapists[0]) is not None
    assert search.next_for(therapists[4]) is None
    assert not search.settled  # the group therapist found nobody: everyone was read
