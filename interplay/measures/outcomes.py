"""Course outcomes from paired PHQ-9 and GAD-7 scores: pure functions, no Django, no ORM.

The rules are NHS Talking Therapies' (docs/clinical-rules.md 5), summarised here so a reader can
check the code against them:

- Caseness (5.1): a case if PHQ-9 >= 10 or GAD-7 >= 8 (the anxiety cut-off is 8, not the
  GAD-7 screening 10). Cut-offs live on the instrument (``instruments.py``).
- Finished a course (5.2): at least two attended treatment sessions.
- Paired scores (5.3): the first and last scores of each measure. Only complete
  responses have a score (docs/clinical-rules.md 4.5), so callers pass complete totals, in the order
  they were answered; a measure needs two of them to pair.
- Flags (5.4): reliable change is a change of at least 6 on PHQ-9 and 4 on GAD-7.
  Recovery = a case at the first score and not at the last. Reliable improvement = a
  reliable fall on at least one measure and a reliable rise on neither. Reliable
  deterioration = a reliable rise on at least one. Reliable recovery = recovery and
  reliable improvement. No reliable change = neither a reliable fall nor a reliable rise.
- The mixed case (one measure reliably better, the other reliably worse) is unverified
  for NHS Talking Therapies (5.4). By default it follows CORC's wording [S96] and counts
  as reliable deterioration; a service may choose ``"no_change"``
  (``ServiceSettings.mixed_change_rule``), which counts it as neither improvement nor
  deterioration, that is as no reliable change.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from interplay.measures.instruments import BUILT_IN, GAD7, PHQ9, Instrument

MixedRule = Literal["deterioration", "no_change"]
MIXED_RULES: tuple[str, ...] = ("deterioration", "no_change")
MIN_ATTENDED_TO_FINISH = 2  # docs/clinical-rules.md 5.2 [S87][S88]


@dataclass(frozen=True)
class Pair:
    """The first and last complete scores of one measure; ``last`` is None with one score."""

    first: int
    last: int | None

    @property
    def paired(self) -> bool:
        return self.last is not None

    @property
    def change(self) -> int | None:
        """Last minus first: negative is better on PHQ-9 and GAD-7."""
        return None if self.last is None else self.last - self.first


@dataclass(frozen=True)
class CourseOutcome:
    """The outcome flags of one course, from its first and last paired scores.

    A flag that needs a pair is False until both measures have been answered completely
    twice (``paired``); ``at_caseness`` needs only a first score.
    """

    phq9: Pair | None
    gad7: Pair | None
    at_caseness: bool
    recovered: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    reliable_recovery: bool
    no_reliable_change: bool
    finished: bool
    mixed: bool

    @property
    def paired(self) -> bool:
        return bool(self.phq9 and self.phq9.paired and self.gad7 and self.gad7.paired)


def band(instrument: Instrument, total: int) -> str:
    """The severity band of a total (docs/clinical-rules.md 4.1 Kroenke 2001, 4.2 Spitzer 2006)."""
    for b in instrument.bands:
        if b.low <= total <= b.high:
            return b.label
    raise ValueError(f"{total} is outside {instrument.name}'s range 0-{instrument.max_total}")


def at_caseness(instrument: Instrument, total: int) -> bool:
    """Whether one measure's total is at or above its caseness cut-off
    (docs/clinical-rules.md 5.1)."""
    return total >= instrument.caseness_threshold


def is_case(phq: int, gad: int) -> bool:
    """``case(phq, gad) = phq >= 10 or gad >= 8`` (docs/clinical-rules.md 5.1, 5.4)."""
    return at_caseness(PHQ9, phq) or at_caseness(GAD7, gad)


def pair(scores: Sequence[int]) -> Pair | None:
    """First and last of the complete scores, in answer order (docs/clinical-rules.md 5.3)."""
    if not scores:
        return None
    return Pair(first=scores[0], last=scores[-1] if len(scores) > 1 else None)


def reliable_change(instrument: Instrument, first: int, last: int) -> int:
    """-1 reliably better, +1 reliably worse, 0 neither (PHQ-9: 6, GAD-7: 4;
    docs/clinical-rules.md 5.4)."""
    change = last - first
    if change <= -instrument.reliable_change:
        return -1
    if change >= instrument.reliable_change:
        return 1
    return 0


def reliably_deteriorated(instrument_code: str, first: int, latest: int) -> bool:
    """Whether ``latest`` is reliably worse than ``first`` on the built-in instrument.

    For deterioration alerts during a course: a rise of 6 or more on PHQ-9, 4 or more on
    GAD-7 (docs/clinical-rules.md 5.4). Raises KeyError for an instrument that is not built in.
    """
    return reliable_change(BUILT_IN[instrument_code], first, latest) > 0


def finished(attended: int) -> bool:
    """Finished a course of treatment: two or more attended treatment sessions (5.2)."""
    return attended >= MIN_ATTENDED_TO_FINISH


def course_outcome(
    phq: Sequence[int],
    gad: Sequence[int],
    *,
    attended: int,
    mixed_rule: str = "deterioration",
) -> CourseOutcome:
    """The outcome flags from each measure's complete totals in answer order.

    ``phq`` and ``gad`` hold complete totals only (an incomplete response has none and is
    left out by the caller). ``mixed_rule`` is "deterioration" (CORC, the default) or
    "no_change"; see the module docstring.
    """
    if mixed_rule not in MIXED_RULES:
        raise ValueError(f"mixed_rule must be one of {MIXED_RULES}, not {mixed_rule!r}")
    p, g = pair(phq), pair(gad)
    # Either first score at its cut-off makes a case (5.1), even before the other exists.
    case_at_start = (p is not None and at_caseness(PHQ9, p.first)) or (
        g is not None and at_caseness(GAD7, g.first)
    )
    done = finished(attended)
    if p is None or g is None or p.last is None or g.last is None:
        return CourseOutcome(p, g, case_at_start, False, False, False, False, False, done, False)
    changes = (reliable_change(PHQ9, p.first, p.last), reliable_change(GAD7, g.first, g.last))
    down, up = -1 in changes, 1 in changes
    mixed = down and up
    if mixed and mixed_rule == "no_change":
        down = up = False
    recovered = case_at_start and not is_case(p.last, g.last)
    improvement = down and not up
    return CourseOutcome(
        phq9=p,
        gad7=g,
        at_caseness=case_at_start,
        recovered=recovered,
        reliable_improvement=improvement,
        reliable_deterioration=up,
        reliable_recovery=recovered and improvement,
        no_reliable_change=not down and not up,
        finished=done,
        mixed=mixed,
    )
