"""What happens to one synthetic person: pure choices from a seeded random generator.

Referral sources, risk, the triage decision, the waits, how a course goes (finished,
dropped out, discharged after missed sessions) and the scores at each session. The
proportions are plausible for an NHS Talking Therapies service (docs/clinical-rules.md
5.8: about half of those who finish recover; some deteriorate); they are invented, not
any service's figures. No Django here.
"""

import bisect
import datetime as dt
import functools
import itertools
import random
from dataclasses import dataclass

SOURCES = (("self", 55), ("gp", 30), ("other_health", 10), ("other", 5))
DECISIONS = (
    ("offer_ipt", 48),
    ("offer_dit", 20),
    ("offer_group_ipt", 12),
    ("signpost", 9),
    ("refer_on", 4),
    ("decline", 4),
    ("withdrawn", 3),
)
MODALITY = {"offer_ipt": "ipt", "offer_dit": "dit", "offer_group_ipt": "group_ipt"}
PROTOCOLS = {
    "ipt": (("ipt16", 75), ("ipt12", 25)),
    "dit": (("dit16", 1),),
    "group_ipt": (("who-group-ipt", 1),),
}
ENDINGS = (("completed", 62), ("dropped_out", 27), ("discharged_dna", 6), ("referred_on", 5))
# What happens at a session that is not the last of a completed course.
SESSION = (
    ("attended", 88),
    ("dna", 5),
    ("cancelled_patient", 4),
    ("cancelled_late", 2),
    ("cancelled_service", 1),
)
# How the scores move over a course that runs to its end.
COURSES = (("recovers", 55), ("improves", 18), ("unchanged", 20), ("worsens", 7))


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    """One of the keys, by weight: ``rng.choices(keys, weights)[0]``, the same draw from
    the same generator, with the table's running totals worked out once."""
    table = _TABLES.get(id(weighted))
    if table is None or table[0] is not weighted:
        keys = tuple(k for k, _ in weighted)
        running = list(itertools.accumulate(w for _, w in weighted))
        table = _TABLES[id(weighted)] = (weighted, keys, running, running[-1] + 0.0)
    _, keys, running, total = table
    return keys[bisect.bisect(running, rng.random() * total, 0, len(keys) - 1)]


# Each weighted table (kept, so its id is not reused) with its keys and running totals.
_TABLES: dict[int, tuple[tuple[tuple[str, int], ...], tuple[str, ...], list[int], float]] = {}


def clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


@dataclass(frozen=True)
class Arrival:
    source: str
    urgent: bool
    phq9: int
    gad7: int
    risk_item: int  # PHQ-9 question 9 at referral


def arrival(rng: random.Random) -> Arrival:
    """Where the referral came from and how the person scores at referral."""
    phq = clip(rng.gauss(15, 5), 2, 27)
    gad = clip(rng.gauss(12, 4), 1, 21)
    risk_item = rng.choice((1, 1, 2, 3)) if rng.random() < 0.09 else 0
    urgent = risk_item > 1 or (risk_item == 1 and rng.random() < 0.4)
    return Arrival(pick(rng, SOURCES), urgent, max(phq, risk_item), gad, risk_item)


@dataclass(frozen=True)
class Triage:
    assessed_after: int  # days from the referral
    outcome: str
    modality: str  # "" unless offered therapy
    allocated_after: int  # days from the decision to allocation
    starts_after: int  # days from allocation to the earliest first session


def triage(rng: random.Random, urgent: bool) -> Triage:
    assessed = rng.randint(0, 3) if urgent else rng.randint(2, 12)
    outcome = pick(rng, DECISIONS)
    waiting = int(rng.expovariate(1 / 10)) if not urgent else rng.randint(0, 5)
    return Triage(assessed, outcome, MODALITY.get(outcome, ""), waiting, rng.randint(5, 12))


@dataclass(frozen=True)
class Plan:
    """How a course goes, before dates: what happens at each numbered session."""

    protocol: str
    first_number: int  # 0 for a group's pre-group meeting
    planned: int
    ending: str
    # One entry per session from first_number: attended, dna, cancelled_*, or "" for
    # sessions after the course ended (not needed, or still booked).
    happens: tuple[str, ...]
    ends_after: int  # the index of the last session that happened
    trajectory: str


def course_plan(rng: random.Random, modality: str) -> Plan:
    protocol = pick(rng, PROTOCOLS[modality])
    planned = {"ipt16": 16, "ipt12": 12, "dit16": 16, "who-group-ipt": 8}[protocol]
    first = 0 if protocol == "who-group-ipt" else 1
    count = planned - first + 1
    ending = pick(rng, ENDINGS)
    happens = [pick(rng, SESSION) for _ in range(count)]
    happens[0] = "attended"
    if ending == "completed":
        last = count - 1
        happens[last] = "attended"
    elif ending == "discharged_dna":
        last = rng.randint(2, count - 4)
        happens[last - 2 : last + 1] = ["dna"] * 3
    elif ending == "referred_on":
        last = rng.randint(2, 5)
    else:  # dropped out: stops coming, usually early
        last = min(count - 2, int(rng.expovariate(1 / 4)) + 1)
        happens[last] = "dna"
    happens[last + 1 :] = [""] * (count - last - 1)
    return Plan(protocol, first, planned, ending, tuple(happens), last, pick(rng, COURSES))


def scores(
    rng: random.Random, start: tuple[int, int], trajectory: str, sessions: int
) -> list[tuple[int, int]]:
    """PHQ-9 and GAD-7 totals at each of ``sessions`` attended sessions, from ``start``:
    a path towards where this course is heading, with session-to-session noise."""
    phq0, gad0 = start
    if trajectory == "recovers":
        end = (rng.randint(1, 8), rng.randint(0, 6))
    elif trajectory == "improves":
        end = (phq0 - rng.randint(4, 9), gad0 - rng.randint(3, 6))
    elif trajectory == "worsens":
        end = (phq0 + rng.randint(5, 9), gad0 + rng.randint(3, 6))
    else:
        end = (phq0 + rng.randint(-3, 3), gad0 + rng.randint(-2, 2))
    path = []
    for i in range(sessions):
        share = (i / (sessions - 1)) ** 0.8 if sessions > 1 else 0.0
        noise = 0 if i in (0, sessions - 1) else 1.5
        path.append(
            (
                clip(phq0 + (end[0] - phq0) * share + rng.gauss(0, noise), 0, 27),
                clip(gad0 + (end[1] - gad0) * share + rng.gauss(0, noise), 0, 21),
            )
        )
    return path


def items(total: int, count: int, last_item: int = 0) -> dict[str, int]:
    """Invented answers (0-3 each) adding up to ``total``, the last item ``last_item``
    (PHQ-9 question 9) where the total allows."""
    last_item = min(last_item, total, 3)
    rest = total - last_item
    values = [min(3, max(0, rest - 3 * i)) for i in range(count - 1)]
    values.append(last_item + max(0, rest - sum(values)))
    return {str(n): v for n, v in enumerate(values, start=1)}


@functools.lru_cache(maxsize=1 << 17)
def at_time(day: dt.date, hour: int, zone: dt.tzinfo) -> dt.datetime:
    """The hour on the day; the same object for every session at that hour, so its hash,
    and the times worked out from it (``seeding``), are made once."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
