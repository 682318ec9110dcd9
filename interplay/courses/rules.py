"""Pure scheduling rules for a course: weekly sessions, closures, clashes, attendance.

No Django and no app imports: table-driven tests cover them (tests/test_rules.py).
Times are aware datetimes in the service's zone; durations are real elapsed time, so
a 10:00 session stays at 10:00 local across a clock change while its UTC time moves.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from interplay.courses.protocols import AttendancePolicy

# Bank holidays are kept in interplay.lib.dates, which every app may use.
from interplay.lib.dates import DEFAULT_NATION as DEFAULT_NATION
from interplay.lib.dates import NATIONS as NATIONS
from interplay.lib.dates import bank_holidays as bank_holidays

UTC = dt.UTC

# How many weeks in a row may be skipped before the proposal gives up: a whole year of
# closures or leave is a data error, not a course.
MAX_SKIPPED_WEEKS = 52

# A closure test: a mapping of dates to their names (bank holidays, the service's own
# closures), a set of dates, or a function returning the name, True, or False/None.
Closures = Mapping[dt.date, str] | AbstractSet[dt.date] | Callable[[dt.date], bool | str | None]
# "This slot cannot be used": True (therapist unavailable), a reason, or False/None.
Unavailable = Callable[[dt.datetime, dt.datetime], bool | str | None]


@dataclass(frozen=True)
class Proposed:
    """One proposed session, and the weeks it was moved past (closures, leave, clashes)."""

    number: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    skipped: tuple[tuple[dt.date, str], ...] = ()


def _available(starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    return False


def _closure_reason(closures: Closures, day: dt.date) -> str | None:
    if isinstance(closures, Mapping):
        name = closures.get(day)
        return None if name is None else f"closure: {name}" if name else "closure"
    if isinstance(closures, AbstractSet):
        return "closure" if day in closures else None
    return _reason(closures(day), "closure", prefix="closure: ")


def _reason(answer: bool | str | None, default: str, prefix: str = "") -> str | None:
    if isinstance(answer, str) and answer:
        return prefix + answer
    return default if answer else None


def _slot(day: dt.date, at: dt.time, minutes: int, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a session; the end is ``minutes`` of real time after the start.

    A local time that does not exist (inside the spring gap) is read with the offset
    before the change, so it lands an hour later on the clock; an ambiguous one (the
    autumn hour that happens twice) is its first occurrence (fold=0).
    """
    starts_at = dt.datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    return starts_at.astimezone(tz), ends_at.astimezone(tz)


def first_on_or_after(day: dt.date, weekday: int) -> dt.date:
    """The first ``weekday`` (Monday = 0, as ``date.weekday()``) on or after ``day``."""
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def propose_sessions(
    *,
    first: dt.date,
    weekday: int,
    at: dt.time,
    count: int,
    minutes: int,
    tz: ZoneInfo,
    closures: Closures,
    unavailable: Unavailable = _available,
    first_number: int = 1,
) -> list[Proposed]:
    """``count`` weekly sessions at ``at`` local time, from the first ``weekday`` on or
    after ``first``.

    A week whose day is closed, or whose slot ``unavailable`` rejects (leave, a clash),
    is skipped and the session moves to the next week: the course gets longer rather
    than doubling up, because a fixed weekly rhythm is part of a time-limited contract
    (docs/clinical-rules.md 1.1). Each session lists the weeks it was moved past, with reasons.
    Sessions are numbered from ``first_number`` (0 for a group's pre-group meeting).
    """
    _check_request(weekday, at, count, minutes)
    day = first_on_or_after(first, weekday)
    sessions: list[Proposed] = []
    skipped: list[tuple[dt.date, str]] = []
    while len(sessions) < count:
        starts_at, ends_at = _slot(day, at, minutes, tz)
        reason = _closure_reason(closures, day) or _reason(
            unavailable(starts_at, ends_at), "therapist unavailable"
        )
        if reason:
            skipped.append((day, reason))
            if len(skipped) > MAX_SKIPPED_WEEKS:
                raise ValueError(f"No free week in {MAX_SKIPPED_WEEKS} weeks from {day}")
        else:
            number = first_number + len(sessions)
            sessions.append(Proposed(number, starts_at, ends_at, tuple(skipped)))
            skipped = []
        day += dt.timedelta(weeks=1)
    return sessions


def _check_request(weekday: int, at: dt.time, count: int, minutes: int) -> None:
    if not 0 <= weekday <= 6:
        raise ValueError("weekday runs from 0 (Monday) to 6 (Sunday)")
    if at.tzinfo is not None:
        raise ValueError("give the local time of day without a time zone; pass tz")
    if count < 1:
        raise ValueError("a course has at least one session")
    if minutes < 1:
        raise ValueError("a session lasts at least one minute")


def skipped_dates(proposed: Iterable[Proposed]) -> list[tuple[dt.date, str]]:
    """Every skipped week of a proposal, in order."""
    return [skip for session in proposed for skip in session.skipped]


def agreed_end_date(proposed: Sequence[Proposed]) -> dt.date:
    """The date of the last session: the end date agreed in the IPT contract at the
    outset (docs/clinical-rules.md 1.1 [S3], 1.3 #8), in the sessions' local zone."""
    if not proposed:
        raise ValueError("no sessions proposed")
    return max(proposed, key=lambda session: session.starts_at.astimezone(UTC)).starts_at.date()


# --- Intervals, attendance, reminders -----------------------------------------------


def overlaps[T: (dt.date, dt.datetime)](a_start: T, a_end: T, b_start: T, b_end: T) -> bool:
    """Whether two half-open intervals [start, end) share any time.

    Back-to-back sessions (one ends at 11:00, the next starts at 11:00) do not overlap;
    an empty interval overlaps nothing.
    """
    a0, a1, b0, b1 = (_instant(moment) for moment in (a_start, a_end, b_start, b_end))
    if a1 < a0 or b1 < b0:
        raise ValueError("an interval ends before it starts")
    if a0 == a1 or b0 == b1:
        return False
    return a0 < b1 and b0 < a1


def _instant(moment: dt.date) -> dt.date:
    """Aware datetimes as UTC: Python compares two in the same zone by their wall clock,
    ignoring the offset, which is wrong in the hour that happens twice in October."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment


Trigger = Literal["review", "discharge"]


def missed_count_triggers(policy: AttendancePolicy, missed_so_far: int) -> Trigger | None:
    """What the service's attendance policy calls for after ``missed_so_far`` missed
    sessions (DNAs plus late cancellations) in the course.

    "review" from ``review_after_missed`` on, so every further miss is reviewed too (a
    missed contact is a risk signal, docs/clinical-rules.md 6.2 [S124]); "discharge" from
    ``discharge_after_missed`` on, if the policy sets it (docs/clinical-rules.md 7). It
    prompts a person to act; it discharges no one by itself.
    """
    if missed_so_far < 0:
        raise ValueError("missed_so_far cannot be negative")
    discharge_at = policy.discharge_after_missed
    if discharge_at is not None and missed_so_far >= discharge_at:
        return "discharge"
    if missed_so_far >= policy.review_after_missed:
        return "review"
    return None


def _require_aware(*moments: dt.datetime) -> None:
    if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
        raise ValueError("use aware datetimes")


def cancelled_too_late(
    policy: AttendancePolicy, starts_at: dt.datetime, cancelled_at: dt.datetime
) -> bool:
    """Whether a cancellation gave less than the policy's notice (48 hours by default,
    docs/clinical-rules.md 7 [S126]); exactly the notice is enough. Real hours, across clock
    changes."""
    _require_aware(starts_at, cancelled_at)
    notice = starts_at.astimezone(UTC) - cancelled_at.astimezone(UTC)
    return notice < dt.timedelta(hours=policy.notice_hours)


def reminder_due_at(starts_at: dt.datetime, hours_before: int = 48) -> dt.datetime:
    """When to send a reminder: ``hours_before`` real hours before the start (so it
    arrives before the notice period ends), in the start's own zone."""
    _require_aware(starts_at)
    due = starts_at.astimezone(UTC) - dt.timedelta(hours=hours_before)
    return due.astimezone(starts_at.tzinfo)


# --- Session dates: when a session may be booked or moved to -------------------------

Field = Literal["date", "weekday", "time", "reason"]


@dataclass(frozen=True)
class Refusal:
    """Why a time cannot be used, and the form field the message belongs beside."""

    field: Field
    message: str


@dataclass(frozen=True)
class Hours:
    """One span of a therapist's working week, in local time (Monday = 0)."""

    weekday: int
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Neighbour:
    """The session before or after the one being moved."""

    number: int
    starts_at: dt.datetime
    ends_at: dt.datetime


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _when(moment: dt.datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"


def describe_hours(hours: Iterable[Hours]) -> str:
    """ "Monday 09:00 to 17:00; Wednesday 13:00 to 18:00", or "none recorded"."""
    spans = sorted(hours, key=lambda h: (h.weekday, h.start))
    text = "; ".join(f"{WEEKDAYS[h.weekday]} {h.start:%H:%M} to {h.end:%H:%M}" for h in spans)
    return text or "none recorded"


def hours_refusal(
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    hours: Iterable[Hours],
    tz: ZoneInfo,
    day_field: Field = "date",
) -> Refusal | None:
    """Whether the session falls outside the therapist's working hours: it must fit
    inside one span of its weekday (a session may end exactly when the span ends)."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    spans = [h for h in hours if h.weekday == start.weekday()]
    day = WEEKDAYS[start.weekday()]
    if not spans:
        message = f"{day} is outside your working hours: you do not work on {day}s."
        return Refusal(day_field, message)
    if end.date() == start.date() and any(
        h.start <= start.time() and end.time() <= h.end for h in spans
    ):
        return None
    worked = " and ".join(f"{h.start:%H:%M} to {h.end:%H:%M}" for h in spans)
    return Refusal(
        "time",
        f"{start:%H:%M} to {end:%H:%M} is outside your working hours on {day}s ({worked}).",
    )


def session_time_refusal(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    now: dt.datetime,
    tz: ZoneInfo,
    referred_at: dt.datetime,
    backdate_days: int,
    hours: Iterable[Hours],
    leave: Iterable[tuple[dt.date, dt.date]] = (),
    previous: Neighbour | None = None,
    following: Neighbour | None = None,
    reason: str = "",
    number: int | None = None,
) -> Refusal | None:
    """The first rule a session time breaks, or None if it may be booked there.

    In order: not before the referral arrived; after the previous session has ended and
    over before the next one starts (sessions keep their order); not in the past, except
    within ``backdate_days`` and with a reason (to record a session that really
    happened); inside the therapist's working hours; not on their leave.
    """
    _require_aware(starts_at, ends_at, now, referred_at)
    start, end = _instant(starts_at), _instant(ends_at)
    if start < _instant(referred_at):
        received = referred_at.astimezone(tz)
        return Refusal(
            "date",
            f"This is before the referral was received ({received.day} {received:%B %Y}).",
        )
    this = f"session {number}" if number is not None else "this session"
    if previous is not None and start < _instant(previous.ends_at):
        return Refusal(
            "date",
            f"Session {previous.number} is on {_when(previous.starts_at, tz)}, "
            f"so {this} must come after it.",
        )
    if following is not None and end > _instant(following.starts_at):
        return Refusal(
            "date",
            f"Session {following.number} is on {_when(following.starts_at, tz)}, "
            f"so {this} must end before it starts.",
        )
    past = backdate_refusal(starts_at, now=now, backdate_days=backdate_days, reason=reason)
    if past is not None:
        return past
    refused = hours_refusal(starts_at, ends_at, hours, tz)
    if refused is not None:
        return refused
    day = starts_at.astimezone(tz).date()
    for first, last in leave:
        if first <= day <= last:
            return Refusal("date", f"You are on leave from {first:%d/%m/%Y} to {last:%d/%m/%Y}.")
    return None


def backdate_refusal(
    starts_at: dt.datetime, *, now: dt.datetime, backdate_days: int, reason: str
) -> Refusal | None:
    """A time in the past is refused beyond ``backdate_days`` days, and needs a reason
    within them; a time from ``now`` on needs nothing."""
    _require_aware(starts_at, now)
    behind = _instant(now) - _instant(starts_at)
    if behind <= dt.timedelta(0):
        return None
    if behind > dt.timedelta(days=backdate_days):
        if backdate_days == 0:
            return Refusal("date", "This is in the past. Choose a date and time from now on.")
        return Refusal(
            "date",
            f"This is more than {backdate_days} day{'s' if backdate_days != 1 else ''} ago. "
            f"A session can be recorded up to {backdate_days} days back.",
        )
    if not reason.strip():
        return Refusal(
            "reason",
            "This time is in the past: say why (for example, to record a session that "
            "happened then).",
        )
    return None


# --- Where a course has got to: by sessions attended, not by dates passed --------------


def reached(attended: Iterable[int]) -> int:
    """The highest session number recorded as attended (0 before any).

    The phases follow what happened: a session whose date has passed unrecorded, or that
    was missed, moves the course on no further. A missed session still uses its place in
    the contract (the course is not lengthened), so a later attended session counts from
    its own number (docs/clinical-rules.md 1.1, 7).
    """
    return max(attended, default=0)


def ending_begun(attended: Iterable[int], ending_first: int) -> bool:
    """Whether a session of the ending phase has been attended (and recorded)."""
    return reached(attended) >= ending_first


def rerate_refusal(number: int, named: Sequence[int], attended: AbstractSet[int]) -> str | None:
    """Why the therapist may not re-rate problems at session ``number`` now, or None:
    only at the sessions the protocol names, once that session is recorded as attended."""
    if number not in named:
        listed = ", ".join(str(n) for n in named)
        return f"The protocol re-rates problems at sessions {listed} only."
    if number not in attended:
        return f"Record session {number} as attended before re-rating at it."
    return None
