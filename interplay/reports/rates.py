"""The published rate arithmetic of NHS Talking Therapies (docs/clinical-rules.md 5.5, 5.6).

Pure functions over counts; None when the denominator is nought (the page then says
"no courses yet" rather than 0%).
"""

from collections.abc import Sequence
from statistics import median as _median


def percent(numerator: int, denominator: int) -> float | None:
    return None if denominator <= 0 else 100 * numerator / denominator


def recovery_rate(recovered: int, finished: int, finished_not_at_caseness: int) -> float | None:
    """recovered / (finished a course - finished not at caseness) x 100."""
    return percent(recovered, finished - finished_not_at_caseness)


def reliable_improvement_rate(improved: int, finished: int) -> float | None:
    """reliably improved / finished a course x 100."""
    return percent(improved, finished)


def reliable_recovery_rate(reliably_recovered: int, finished_at_caseness: int) -> float | None:
    """reliably recovered / finished a course at caseness x 100."""
    return percent(reliably_recovered, finished_at_caseness)


def within(wait_days: int, weeks: int, *, inclusive: bool = True) -> bool:
    """Whether a wait (days from referral, day 0 the day it arrived) is within ``weeks``;
    exactly ``weeks`` weeks counts as within unless the service's setting says otherwise."""
    limit = weeks * 7
    return wait_days <= limit if inclusive else wait_days < limit


def median(values: Sequence[float]) -> float | None:
    return _median(values) if values else None
