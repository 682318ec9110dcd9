"""Pure triage rules: waiting-time standards, contactability and allocation ranking.

No Django and no app imports: table-driven tests cover them (tests/test_rules.py).
"""

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# NHS Talking Therapies waiting-time standards (docs/clinical-rules.md 5.6, S99-S100): 75% start
# treatment within 6 weeks of referral, 95% within 18 weeks.
SIX_WEEKS = 42
EIGHTEEN_WEEKS = 126


@dataclass(frozen=True)
class WaitPolicy:
    """Whether exactly 42 (or 126) days still counts as "within" (UNVERIFIED in the
    sources, so a service setting; default: it does), and how early to warn."""

    boundary_inclusive: bool = True
    warn_days: int = 7


@dataclass(frozen=True)
class WaitStanding:
    days: int
    within_6_weeks: bool
    within_18_weeks: bool
    days_left_6_weeks: int
    days_left_18_weeks: int
    warning: str  # "", "6-week standard soon", "6-week standard missed", ...

    @property
    def weeks_and_days(self) -> str:
        weeks, days = divmod(self.days, 7)
        return f"{weeks} week{'s' if weeks != 1 else ''}, {days} day{'s' if days != 1 else ''}"


def _within(days: int, limit: int, inclusive: bool) -> bool:
    return days <= limit if inclusive else days < limit


def _last_day_within(limit: int, inclusive: bool) -> int:
    return limit if inclusive else limit - 1


def wait_standing(referred_on: dt.date, today: dt.date, policy: WaitPolicy) -> WaitStanding:
    """Where one person stands against the 6- and 18-week standards today.

    The clock runs from the referral date (docs/clinical-rules.md 5.6); day 0 is the day it arrived.
    """
    days = (today - referred_on).days
    left_6 = _last_day_within(SIX_WEEKS, policy.boundary_inclusive) - days
    left_18 = _last_day_within(EIGHTEEN_WEEKS, policy.boundary_inclusive) - days
    within_6 = _within(days, SIX_WEEKS, policy.boundary_inclusive)
    within_18 = _within(days, EIGHTEEN_WEEKS, policy.boundary_inclusive)
    if not within_18:
        warning = "18-week standard missed"
    elif left_18 < policy.warn_days and not within_6:
        warning = "18-week standard soon"
    elif not within_6:
        warning = "6-week standard missed"
    elif left_6 < policy.warn_days:
        warning = "6-week standard soon"
    else:
        warning = ""
    return WaitStanding(days, within_6, within_18, left_6, left_18, warning)


UNSUCCESSFUL_CONTACT = frozenset({"no_answer", "message_left", "wrong_number"})


def time_waited(received_at: dt.datetime, now: dt.datetime) -> str:
    """How long an urgent referral has waited, to the hour: "5 hours", "1 day, 3 hours".

    Urgent referrals are triaged within working days, so hours matter where the
    routine queue counts whole days (docs/clinical-rules.md 6.2: disclosed risk first).
    """
    hours = max(int((now - received_at).total_seconds() // 3600), 0)
    if hours < 1:
        return "less than an hour"
    days, hours = divmod(hours, 24)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    if hours or not days:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    return ", ".join(parts)


def needs_not_contactable_letter(outcomes: Sequence[str], attempts_before_letter: int) -> bool:
    """True once the last ``attempts_before_letter`` attempts in a row all failed.

    The service's rule (configurable, default two attempts then a letter); a successful
    contact resets the count.
    """
    failed_in_a_row = 0
    for outcome in outcomes:
        failed_in_a_row = failed_in_a_row + 1 if outcome in UNSUCCESSFUL_CONTACT else 0
    return failed_in_a_row >= attempts_before_letter


# Parts of the day a patient can say they are free, and the hours that make them up.
PARTS_OF_DAY = {
    "weekday_morning": (dt.time(8), dt.time(12)),
    "weekday_afternoon": (dt.time(12), dt.time(17)),
    "weekday_evening": (dt.time(17), dt.time(21)),
}
SESSION_MINUTES = 50


# Pure, and asked again for every therapist's every working day: clinics share a few
# spans of hours.
@functools.cache
def parts_covered(weekday: int, start: dt.time, end: dt.time) -> frozenset[str]:
    """The patient-facing parts of the day in which a working slot fits a 50-minute session."""
    if weekday > 4:
        return frozenset()
    covered = set()
    for part, (part_start, part_end) in PARTS_OF_DAY.items():
        overlap_start = max(start, part_start)
        overlap_end = min(end, part_end)
        minutes = (
            dt.datetime.combine(dt.date.min, overlap_end)
            - dt.datetime.combine(dt.date.min, overlap_start)
        ).total_seconds() / 60
        if minutes >= SESSION_MINUTES:
            covered.add(part)
    return frozenset(covered)


@dataclass(frozen=True)
class Candidate:
    """A therapist as the allocator sees them."""

    key: Any
    name: str
    modalities: frozenset[str]
    capacity_left: int
    times: frozenset[str]


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    shared_times: frozenset[str]


def rank_therapists(
    candidates: Iterable[Candidate], modality: str, patient_times: Iterable[str]
) -> list[Suggestion]:
    """Therapists who may take this person, best first.

    Only those qualified for the modality (the DIT rule is enforced where the
    qualification is granted, so an IPT-only therapist never appears for DIT) and with
    capacity left. Then: sharing a time the patient can attend before not; more of the
    patient's times shared; more capacity left; name, so the order is stable.
    """
    wanted = frozenset(patient_times)
    suggestions = [
        Suggestion(c, c.times & wanted)
        for c in candidates
        if modality in c.modalities and c.capacity_left > 0
    ]
    return sorted(
        suggestions,
        key=lambda s: (
            not s.shared_times,
            -len(s.shared_times),
            -s.candidate.capacity_left,
            s.candidate.name,
        ),
    )


@dataclass(frozen=True)
class Waiting:
    """A person on a waiting list as the allocator sees them."""

    key: Any
    modality: str
    urgent: bool
    referred_on: dt.date
    times: frozenset[str]


def queue_place(w: Waiting) -> tuple[bool, dt.date, str]:
    """Where a person stands for allocation: urgent first, then the longest waiting (by
    referral date), then by key, so the order is total."""
    return (not w.urgent, w.referred_on, str(w.key))


def next_for(candidate: Candidate, waiting: Iterable[Waiting]) -> Waiting | None:
    """The next person this therapist can take: urgent first, then the longest waiting,
    among those on a list the therapist is qualified for and who share a time with them."""
    possible = [
        w for w in waiting if w.modality in candidate.modalities and w.times & candidate.times
    ]
    if candidate.capacity_left <= 0 or not possible:
        return None
    return min(possible, key=queue_place)


class NextPeople:
    """``next_for`` for many therapists at once, over people waiting shown in queue order
    (urgent first, then by referral date; ties on both in any order), so the caller can
    stop reading once ``settled``. Therapists qualified for the same lists at the same
    times have the same next person, so each such pair is looked for once. A pair is
    settled once it has someone and a person behind them in urgency and day has been
    seen: an equal on both with a smaller key could still come before that."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.looking = {
            (c.modalities, c.times)
            for c in candidates
            if c.capacity_left > 0 and c.modalities and c.times
        }
        self.lists = frozenset().union(*(modalities for modalities, _ in self.looking))
        self.best: dict[tuple[frozenset[str], frozenset[str]], Waiting] = {}

    @property
    def settled(self) -> bool:
        return not self.looking

    def see(self, person: Waiting) -> None:
        place = queue_place(person)
        for pair in list(self.looking):
            found = self.best.get(pair)
            if found is not None and queue_place(found)[:2] < place[:2]:
                self.looking.discard(pair)
            elif (
                (found is None or place < queue_place(found))
                and person.modality in pair[0]
                and person.times & pair[1]
            ):
                self.best[pair] = person

    def next_for(self, candidate: Candidate) -> Waiting | None:
        """What ``next_for`` gives for ``candidate`` over everyone shown."""
        if candidate.capacity_left <= 0:
            return None
        return self.best.get((candidate.modalities, candidate.times))
