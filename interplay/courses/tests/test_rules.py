"""Scheduling arithmetic for a course (pure): weeks, closures, clock changes, attendance."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from interplay.courses.protocols import AttendancePolicy
from interplay.courses.rules import (
    Closures,
    Proposed,
    Unavailable,
    agreed_end_date,
    bank_holidays,
    cancelled_too_late,
    first_on_or_after,
    missed_count_triggers,
    overlaps,
    propose_sessions,
    reminder_due_at,
    skipped_dates,
)

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
D = dt.date
TEN = dt.time(10)
ENGLAND = bank_holidays("ENG", range(2026, 2028))
SCOTLAND = bank_holidays("SCT", range(2026, 2028))


def local(y: int, m: int, d: int, h: int = 10, mi: int = 0, fold: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=LONDON, fold=fold)


def weekly(
    first: dt.date,
    weekday: int,
    count: int,
    closures: Closures = frozenset(),
    unavailable: Unavailable | None = None,
    at: dt.time = TEN,
    minutes: int = 50,
) -> list[Proposed]:
    extra = {} if unavailable is None else {"unavailable": unavailable}
    return propose_sessions(
        first=first,
        weekday=weekday,
        at=at,
        count=count,
        minutes=minutes,
        tz=LONDON,
        closures=closures,
        **extra,  # type: ignore[arg-type]
    )


def dates(sessions: list[Proposed]) -> list[dt.date]:
    return [s.starts_at.date() for s in sessions]


# --- The weekly rhythm --------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "weekday", "expected"),
    [
        (D(2026, 12, 14), 0, D(2026, 12, 14)),  # a Monday, for a Monday course
        (D(2026, 12, 15), 0, D(2026, 12, 21)),  # a Tuesday: the next Monday
        (D(2026, 12, 14), 4, D(2026, 12, 18)),  # Monday, for a Friday course
        (D(2026, 12, 20), 6, D(2026, 12, 20)),  # Sunday
    ],
)
def test_the_first_session_is_on_the_first_such_weekday(
    first: dt.date, weekday: int, expected: dt.date
) -> None:
    assert first_on_or_after(first, weekday) == expected
    assert weekly(first, weekday, 1)[0].starts_at.date() == expected


def test_sessions_are_weekly_numbered_and_fifty_minutes() -> None:
    sessions = weekly(D(2026, 9, 1), 2, 3)
    assert [s.number for s in sessions] == [1, 2, 3]
    assert dates(sessions) == [D(2026, 9, 2), D(2026, 9, 9), D(2026, 9, 16)]
    assert all(s.ends_at - s.starts_at == dt.timedelta(minutes=50) for s in sessions)
    assert skipped_dates(sessions) == []


def test_a_group_can_number_from_its_pre_group_session() -> None:
    sessions = propose_sessions(
        first=D(2026, 9, 1), weekday=1, at=TEN, count=9, minutes=90, tz=LONDON,
        closures=set(), first_number=0,
    )  # fmt: skip
    assert [s.number for s in sessions] == list(range(9))


# --- Closures -----------------------------------------------------------------------


def test_a_monday_course_over_christmas_and_easter_gets_longer() -> None:
    sessions = weekly(D(2026, 12, 14), 0, 16, ENGLAND)
    assert len(sessions) == 16
    assert skipped_dates(sessions) == [
        (D(2026, 12, 28), "closure: Boxing Day (observed)"),
        (D(2027, 3, 29), "closure: Easter Monday"),
    ]
    # Each skipped week is listed on the session that moved past it.
    assert sessions[2].skipped == ((D(2026, 12, 28), "closure: Boxing Day (observed)"),)
    assert sessions[2].starts_at.date() == D(2027, 1, 4)
    assert sessions[14].starts_at.date() == D(2027, 4, 5)
    assert agreed_end_date(sessions) == D(2027, 4, 12)  # 17 weeks for 16 sessions
    assert all(s.starts_at.time() == TEN for s in sessions)


def test_a_friday_course_skips_christmas_day_and_new_years_day() -> None:
    sessions = weekly(D(2026, 12, 11), 4, 4, ENGLAND)
    assert dates(sessions) == [D(2026, 12, 11), D(2026, 12, 18), D(2027, 1, 8), D(2027, 1, 15)]
    assert sessions[2].skipped == (
        (D(2026, 12, 25), "closure: Christmas Day"),
        (D(2027, 1, 1), "closure: New Year's Day"),
    )


def test_easter_monday_2026_is_skipped() -> None:
    sessions = weekly(D(2026, 3, 23), 0, 4, ENGLAND)
    assert dates(sessions) == [D(2026, 3, 23), D(2026, 3, 30), D(2026, 4, 13), D(2026, 4, 20)]
    assert skipped_dates(sessions) == [(D(2026, 4, 6), "closure: Easter Monday")]


def test_st_andrews_day_closes_a_scottish_service_only() -> None:
    england = weekly(D(2026, 11, 23), 0, 3, ENGLAND)
    scotland = weekly(D(2026, 11, 23), 0, 3, SCOTLAND)
    assert dates(england) == [D(2026, 11, 23), D(2026, 11, 30), D(2026, 12, 7)]
    assert dates(scotland) == [D(2026, 11, 23), D(2026, 12, 7), D(2026, 12, 14)]
    assert skipped_dates(scotland) == [(D(2026, 11, 30), "closure: Saint Andrew's Day")]


TRAINING_DAY = D(2026, 10, 21)


@pytest.mark.parametrize(
    ("closures", "reason"),
    [
        ({TRAINING_DAY}, "closure"),
        ({TRAINING_DAY: "Staff training"}, "closure: Staff training"),
        (lambda day: day == TRAINING_DAY, "closure"),
        (lambda day: "Staff training" if day == TRAINING_DAY else None, "closure: Staff training"),
    ],
)
def test_closures_as_a_set_a_mapping_or_a_function(closures: Closures, reason: str) -> None:
    sessions = weekly(D(2026, 10, 14), 2, 3, closures)
    assert dates(sessions) == [D(2026, 10, 14), D(2026, 10, 28), D(2026, 11, 4)]
    assert skipped_dates(sessions) == [(TRAINING_DAY, reason)]


def test_a_year_of_closures_is_refused_rather_than_looping() -> None:
    with pytest.raises(ValueError, match="No free week"):
        weekly(D(2026, 1, 1), 0, 1, lambda day: True)


# --- Therapist leave and clashes ----------------------------------------------------


def on_leave(starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    return D(2026, 11, 2) <= starts_at.date() <= D(2026, 11, 6)


def test_a_week_of_leave_moves_the_session_and_keeps_the_count() -> None:
    sessions = weekly(D(2026, 10, 21), 2, 3, unavailable=on_leave)
    assert dates(sessions) == [D(2026, 10, 21), D(2026, 10, 28), D(2026, 11, 11)]
    assert skipped_dates(sessions) == [(D(2026, 11, 4), "therapist unavailable")]


def test_a_clash_with_another_appointment_moves_the_session() -> None:
    booked = (local(2026, 10, 28, 10, 30), local(2026, 10, 28, 11, 20))

    def clash(starts_at: dt.datetime, ends_at: dt.datetime) -> str | None:
        return "clash: another appointment" if overlaps(starts_at, ends_at, *booked) else None

    sessions = weekly(D(2026, 10, 21), 2, 2, unavailable=clash)
    assert dates(sessions) == [D(2026, 10, 21), D(2026, 11, 4)]
    assert skipped_dates(sessions) == [(D(2026, 10, 28), "clash: another appointment")]


def test_a_closure_is_named_before_leave_in_the_same_week() -> None:
    sessions = weekly(D(2026, 10, 28), 2, 1, {D(2026, 11, 4)}, on_leave)
    assert sessions[0].starts_at.date() == D(2026, 10, 28)
    sessions = weekly(D(2026, 11, 4), 2, 1, {D(2026, 11, 4): "Fire drill"}, on_leave)
    assert skipped_dates(sessions) == [(D(2026, 11, 4), "closure: Fire drill")]


# --- Clock changes ------------------------------------------------------------------


def test_ten_oclock_stays_ten_oclock_across_the_october_clock_change() -> None:
    sessions = weekly(D(2026, 10, 13), 1, 4)  # Tuesdays; clocks go back Sunday 25 October
    assert [s.starts_at.strftime("%d %b %H:%M %Z") for s in sessions] == [
        "13 Oct 10:00 BST",
        "20 Oct 10:00 BST",
        "27 Oct 10:00 GMT",
        "03 Nov 10:00 GMT",
    ]
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [9, 9, 10, 10]
    assert [s.ends_at.strftime("%H:%M") for s in sessions] == ["10:50"] * 4


def test_a_session_spanning_the_repeated_hour_lasts_its_real_length() -> None:
    # 00:45 BST on 25 October 2026 plus 90 minutes is 01:15 GMT, the second 01:15.
    [session] = weekly(D(2026, 10, 25), 6, 1, at=dt.time(0, 45), minutes=90)
    assert session.ends_at.astimezone(UTC) - session.starts_at.astimezone(UTC) == dt.timedelta(
        minutes=90
    )
    assert (session.ends_at.strftime("%H:%M %Z"), session.ends_at.fold) == ("01:15 GMT", 1)


def test_a_time_in_the_spring_gap_moves_an_hour_later() -> None:
    [session] = weekly(D(2026, 3, 29), 6, 1, at=dt.time(1, 30))  # 01:30 does not exist
    assert session.starts_at.strftime("%H:%M %Z") == "02:30 BST"
    assert session.starts_at.astimezone(UTC).strftime("%H:%M") == "01:30"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weekday": 7}, "weekday"),
        ({"count": 0}, "at least one session"),
        ({"minutes": 0}, "one minute"),
        ({"at": dt.time(10, tzinfo=UTC)}, "without a time zone"),
    ],
)
def test_nonsense_requests_are_refused(changes: dict[str, object], message: str) -> None:
    request: dict[str, object] = {
        "first": D(2026, 9, 1), "weekday": 0, "at": TEN, "count": 16, "minutes": 50,
        "tz": LONDON, "closures": set(),
    }  # fmt: skip
    with pytest.raises(ValueError, match=message):
        propose_sessions(**(request | changes))  # type: ignore[arg-type]


def test_an_empty_proposal_has_no_end_date() -> None:
    with pytest.raises(ValueError):
        agreed_end_date([])


# --- Bank holidays ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "closed_in"),
    [
        (D(2026, 1, 1), {"ENG", "WLS", "SCT", "NIR"}),
        (D(2026, 1, 2), {"SCT"}),
        (D(2026, 3, 17), {"NIR"}),  # St Patrick's Day
        (D(2026, 4, 6), {"ENG", "WLS", "NIR"}),  # Easter Monday
        (D(2026, 7, 13), {"NIR"}),  # Battle of the Boyne (observed)
        (D(2026, 8, 3), {"SCT"}),  # Scotland's summer bank holiday
        (D(2026, 8, 31), {"ENG", "WLS", "NIR"}),
        (D(2026, 11, 30), {"SCT"}),  # St Andrew's Day
        (D(2026, 12, 28), {"ENG", "WLS", "SCT", "NIR"}),  # Boxing Day falls on a Saturday
        (D(2026, 11, 2), set()),
    ],
)
def test_bank_holidays_differ_between_the_nations(day: dt.date, closed_in: set[str]) -> None:
    found = {
        nation for nation in ("ENG", "WLS", "SCT", "NIR") if day in bank_holidays(nation, 2026)
    }
    assert found == closed_in


def test_bank_holidays_are_named_in_date_order() -> None:
    scotland = bank_holidays("sct", [2026])
    assert scotland[D(2026, 11, 30)] == "Saint Andrew's Day"
    assert scotland[D(2026, 1, 2)] == "New Year Holiday"
    assert list(scotland) == sorted(scotland)
    assert all(day.year == 2026 for day in scotland)
    assert D(2027, 1, 1) in bank_holidays("ENG", range(2026, 2028))


def test_an_unknown_nation_is_refused() -> None:
    with pytest.raises(ValueError, match="ENG, WLS, SCT, NIR"):
        bank_holidays("GB", 2026)


# --- Overlaps -----------------------------------------------------------------------

NINE, TEN_, ELEVEN, NOON = (local(2026, 11, 2, h) for h in (9, 10, 11, 12))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((TEN_, ELEVEN), (ELEVEN, NOON), False),  # back to back
        ((ELEVEN, NOON), (TEN_, ELEVEN), False),
        ((TEN_, NOON), (ELEVEN, NOON), True),  # shares the last hour
        ((NINE, NOON), (TEN_, ELEVEN), True),  # contains
        ((TEN_, ELEVEN), (TEN_, ELEVEN), True),  # the same slot
        ((NINE, TEN_), (ELEVEN, NOON), False),  # apart
        ((TEN_, TEN_), (NINE, NOON), False),  # an empty interval
        ((D(2026, 11, 2), D(2026, 11, 7)), (D(2026, 11, 6), D(2026, 11, 9)), True),
        ((D(2026, 11, 2), D(2026, 11, 7)), (D(2026, 11, 7), D(2026, 11, 9)), False),
        # 01:00-01:30 BST and 01:10-01:40 GMT share a wall clock but not an instant.
        (
            (local(2026, 10, 25, 1, 0), local(2026, 10, 25, 1, 30)),
            (local(2026, 10, 25, 1, 10, fold=1), local(2026, 10, 25, 1, 40, fold=1)),
            False,
        ),
        ((TEN_, ELEVEN), (TEN_.astimezone(UTC), NOON.astimezone(UTC)), True),  # mixed zones
    ],
)
def test_overlaps_of_half_open_intervals(
    a: tuple[dt.datetime, dt.datetime], b: tuple[dt.datetime, dt.datetime], expected: bool
) -> None:
    assert overlaps(*a, *b) is expected


def test_an_interval_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError):
        overlaps(ELEVEN, TEN_, NINE, NOON)


# --- Attendance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "missed", "trigger"),
    [
        (AttendancePolicy(), 0, None),
        (AttendancePolicy(), 1, None),  # one further opportunity (CPFT)
        (AttendancePolicy(), 2, "review"),  # the second missed session
        (AttendancePolicy(), 5, "review"),  # no automatic discharge by default
        (AttendancePolicy(2, 2), 2, "discharge"),  # CPFT: discharged at the second
        (AttendancePolicy(2, 3), 2, "review"),  # Bristol, 12 sessions: at most 2
        (AttendancePolicy(2, 3), 3, "discharge"),
        (AttendancePolicy(2, 3), 4, "discharge"),
        (AttendancePolicy(1, None), 1, "review"),
    ],
)
def test_missed_sessions_trigger_a_review_then_discharge(
    policy: AttendancePolicy, missed: int, trigger: str | None
) -> None:
    assert missed_count_triggers(policy, missed) == trigger


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        missed_count_triggers(AttendancePolicy(), -1)


MONDAY_AFTER_CHANGE = local(2026, 10, 26)  # 10:00 GMT


@pytest.mark.parametrize(
    ("cancelled_at", "late"),
    [
        (MONDAY_AFTER_CHANGE - dt.timedelta(hours=72), False),
        (local(2026, 10, 24, 11), False),  # exactly 48 real hours (11:00 BST)
        (local(2026, 10, 24, 11, 1), True),
        # 10:30 BST on Saturday is 48.5 real hours before, though 47.5 on the clock.
        (local(2026, 10, 24, 10, 30), False),
        (MONDAY_AFTER_CHANGE + dt.timedelta(minutes=5), True),  # after it started
    ],
)
def test_a_cancellation_needs_48_hours_notice(cancelled_at: dt.datetime, late: bool) -> None:
    assert cancelled_too_late(AttendancePolicy(), MONDAY_AFTER_CHANGE, cancelled_at) is late


@pytest.mark.parametrize(
    ("starts_at", "hours", "due"),
    [
        (local(2026, 11, 11), 48, local(2026, 11, 9)),
        (local(2026, 11, 11), 24, local(2026, 11, 10)),
        (MONDAY_AFTER_CHANGE, 48, local(2026, 10, 24, 11)),  # 11:00 BST = 48 real hours
    ],
)
def test_reminders_go_out_a_fixed_number_of_real_hours_before(
    starts_at: dt.datetime, hours: int, due: dt.datetime
) -> None:
    sent = reminder_due_at(starts_at, hours_before=hours)
    assert sent == due
    assert sent.strftime("%H:%M %Z") == due.strftime("%H:%M %Z")


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        reminder_due_at(dt.datetime(2026, 11, 11, 10))
    with pytest.raises(ValueError, match="aware"):
        cancelled_too_late(AttendancePolicy(), local(2026, 11, 11), dt.datetime(2026, 11, 9))
