"""When a session may be booked or moved to, and where a course has got to (pure rules),
at every boundary."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from interplay.courses.rules import (
    Hours,
    Neighbour,
    backdate_refusal,
    describe_hours,
    ending_begun,
    hours_refusal,
    reached,
    rerate_refusal,
    session_time_refusal,
)

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2027, 3, 10, 12, 0, tzinfo=LONDON)  # a Wednesday, noon
REFERRED = dt.datetime(2027, 1, 4, 9, 30, tzinfo=LONDON)
WEEK = (
    Hours(0, dt.time(9), dt.time(17)),  # Monday
    Hours(2, dt.time(9), dt.time(12)),  # Wednesday morning
    Hours(2, dt.time(13), dt.time(18)),  # Wednesday afternoon
)
PREVIOUS = Neighbour(
    4, dt.datetime(2027, 3, 15, 10, tzinfo=LONDON), dt.datetime(2027, 3, 15, 10, 50, tzinfo=LONDON)
)
FOLLOWING = Neighbour(
    6, dt.datetime(2027, 3, 29, 10, tzinfo=LONDON), dt.datetime(2027, 3, 29, 10, 50, tzinfo=LONDON)
)


def at(y: int, m: int, d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=LONDON)


def check(starts_at: dt.datetime, *, minutes: int = 50, reason: str = "", days: int = 7, **extra):
    return session_time_refusal(
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        now=NOW,
        tz=LONDON,
        referred_at=REFERRED,
        backdate_days=days,
        hours=WEEK,
        reason=reason,
        number=5,
        **extra,
    )


@pytest.mark.parametrize(
    ("starts_at", "extra", "field", "words"),
    [
        # The referral: the same day before it arrived is refused, from its minute on fine
        # (here the date is also far in the past, so the next rule answers).
        (at(2027, 1, 4, 9, 29), {}, "date", "before the referral was received (4 January 2027)"),
        (at(2027, 1, 4, 9, 30), {"days": 400, "reason": "r"}, None, None),
        # The previous session: ending at 10:50, a start at 10:49 is refused, 10:50 fine.
        (
            at(2027, 3, 15, 10, 49),
            {"previous": PREVIOUS},
            "date",
            "Session 4 is on Mon 15 Mar 2027 at 10:00, so session 5 must come after it",
        ),
        (at(2027, 3, 15, 10, 50), {"previous": PREVIOUS}, None, None),
        # The next session: starting at 10:00, ending at 10:01 is refused, at 10:00 fine.
        (
            at(2027, 3, 29, 9, 11),
            {"following": FOLLOWING},
            "date",
            "Session 6 is on Mon 29 Mar 2027 at 10:00, so session 5 must end before it starts",
        ),
        (at(2027, 3, 29, 9, 10), {"following": FOLLOWING}, None, None),
        # Working hours: a day not worked, a start before the span, an end after it.
        (at(2027, 3, 16, 10), {}, "date", "you do not work on Tuesdays"),
        (
            at(2027, 3, 15, 8, 59),
            {},
            "time",
            "08:59 to 09:49 is outside your working hours on Mondays (09:00 to 17:00)",
        ),
        (at(2027, 3, 15, 9, 0), {}, None, None),
        (at(2027, 3, 15, 16, 10), {}, None, None),
        (at(2027, 3, 15, 16, 11), {}, "time", "outside your working hours"),
        # Two spans on Wednesday: the session must fit inside one of them.
        (at(2027, 3, 17, 11, 30), {}, "time", "on Wednesdays (09:00 to 12:00 and 13:00 to 18:00)"),
        (at(2027, 3, 17, 13, 0), {}, None, None),
        # Leave, first and last day.
        (
            at(2027, 3, 22, 10),
            {"leave": [(dt.date(2027, 3, 22), dt.date(2027, 3, 26))]},
            "date",
            "You are on leave from 22/03/2027 to 26/03/2027",
        ),
        (
            at(2027, 3, 29, 10),
            {"leave": [(dt.date(2027, 3, 22), dt.date(2027, 3, 29))]},
            "date",
            "on leave",
        ),
        (
            at(2027, 3, 29, 10),
            {"leave": [(dt.date(2027, 3, 22), dt.date(2027, 3, 28))]},
            None,
            None,
        ),
    ],
)
def test_session_times_at_each_boundary(starts_at, extra, field, words) -> None:
    refusal = check(starts_at, **extra)
    if field is None:
        assert refusal is None
    else:
        assert refusal is not None
        assert refusal.field == field
        assert words in refusal.message


@pytest.mark.parametrize(
    ("starts_at", "days", "reason", "field", "words"),
    [
        (NOW, 7, "", None, None),  # now is not the past
        (NOW + dt.timedelta(minutes=1), 7, "", None, None),
        (NOW - dt.timedelta(minutes=1), 7, "", "reason", "This time is in the past: say why"),
        (NOW - dt.timedelta(minutes=1), 7, "   ", "reason", "say why"),
        (NOW - dt.timedelta(minutes=1), 7, "Seen on the Tuesday", None, None),
        (NOW - dt.timedelta(days=7), 7, "Seen then", None, None),  # the window's last minute
        (
            NOW - dt.timedelta(days=7, minutes=1),
            7,
            "Seen then",
            "date",
            "more than 7 days ago. A session can be recorded up to 7 days back",
        ),
        (NOW - dt.timedelta(days=1, minutes=1), 1, "Seen then", "date", "more than 1 day ago"),
        (NOW - dt.timedelta(minutes=1), 0, "Seen then", "date", "This is in the past"),
        (NOW, 0, "", None, None),
    ],
)
def test_back_dating_at_each_boundary(starts_at, days, reason, field, words) -> None:
    refusal = backdate_refusal(starts_at, now=NOW, backdate_days=days, reason=reason)
    if field is None:
        assert refusal is None
    else:
        assert refusal is not None and refusal.field == field and words in refusal.message


def test_the_rules_apply_in_order_referral_first() -> None:
    refusal = check(at(2026, 12, 1, 10), previous=PREVIOUS)
    assert refusal is not None and "referral" in refusal.message


def test_a_back_dated_session_within_the_window_still_keeps_working_hours() -> None:
    refusal = check(at(2027, 3, 9, 10), reason="Seen then")  # a Tuesday, not worked
    assert refusal is not None and refusal.message.startswith("Tuesday is outside your working")


def test_working_hours_on_the_start_page_name_the_weekday_field() -> None:
    refusal = hours_refusal(at(2027, 3, 16, 10), at(2027, 3, 16, 10, 50), WEEK, LONDON, "weekday")
    assert refusal is not None and refusal.field == "weekday"


def test_a_session_ending_after_midnight_is_outside_any_hours() -> None:
    late = (Hours(0, dt.time(9), dt.time(23, 59)),)
    assert hours_refusal(at(2027, 3, 15, 23, 30), at(2027, 3, 16, 0, 20), late, LONDON)


def test_hours_are_described_in_week_order() -> None:
    assert describe_hours(reversed(WEEK)) == (
        "Monday 09:00 to 17:00; Wednesday 09:00 to 12:00; Wednesday 13:00 to 18:00"
    )
    assert describe_hours([]) == "none recorded"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        backdate_refusal(dt.datetime(2027, 3, 1, 10), now=NOW, backdate_days=7, reason="")


# Where the course has got to


@pytest.mark.parametrize(
    ("attended", "ending_first", "begun"),
    [
        ((), 13, False),
        ((1, 2, 3, 12), 13, False),
        ((1, 2, 13), 13, True),  # a missed session does not hold the ending back
        ((13,), 13, True),
        ((14,), 13, True),
        ((0, 1, 2, 3, 4, 5), 6, False),  # group: pre-group 0, ending from 6
        ((0, 1, 2, 3, 4, 5, 6), 6, True),
    ],
)
def test_the_ending_begins_with_an_attended_session_of_it(attended, ending_first, begun) -> None:
    assert ending_begun(attended, ending_first) is begun


def test_reached_is_the_highest_attended_session() -> None:
    assert reached([]) == 0
    assert reached([1, 2, 5, 3]) == 5


@pytest.mark.parametrize(
    ("number", "attended", "words"),
    [
        (7, {1, 7, 8}, "re-rates problems at sessions 8, 16 only"),
        (8, {1, 2, 3, 4, 5, 6, 7}, "Record session 8 as attended before re-rating at it"),
        (8, {8}, None),
        (16, set(range(1, 16)), "Record session 16 as attended"),
        (16, {16}, None),
    ],
)
def test_re_rating_opens_with_the_named_session_attended(number, attended, words) -> None:
    refusal = rerate_refusal(number, (8, 16), attended)
    if words is None:
        assert refusal is None
    else:
        assert refusal is not None and words in refusal
