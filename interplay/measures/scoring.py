"""Scoring of one questionnaire response: pure functions, no Django.

Rules: totals are the sum of the scored items; a total exists only when every item is
answered (docs/clinical-rules.md 4.5: prorating is unverified, so partial answers stay
incomplete); bands per docs/clinical-rules.md 4.1-4.2; caseness per 5.1; a risk item above 0
flags risk (4.1, S64).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from interplay.measures.instruments import Instrument


@dataclass(frozen=True)
class Score:
    total: int | None
    band: str
    complete: bool
    at_caseness: bool
    risk_items_positive: tuple[int, ...]

    @property
    def risk(self) -> bool:
        return bool(self.risk_items_positive)


def band_for(instrument: Instrument, total: int) -> str:
    for band in instrument.bands:
        if band.low <= total <= band.high:
            return band.label
    raise ValueError(f"{total} is outside {instrument.name}'s range 0-{instrument.max_total}")


def score(instrument: Instrument, answers: Mapping[int, int | None]) -> Score:
    """Score answers keyed by item number (1-based); None or absent means unanswered."""
    allowed = {value for value, _, _ in instrument.options}
    values: dict[int, int] = {}
    for item in instrument.items:
        value = answers.get(item.number)
        if value is None:
            continue
        if value not in allowed:
            raise ValueError(f"{instrument.name} item {item.number}: {value} is not an option")
        values[item.number] = value
    risk = tuple(n for n in instrument.risk_items if values.get(n, 0) > 0)
    if len(values) < len(instrument.items):
        return Score(None, "Incomplete", False, False, risk)
    total = sum(values.values())
    return Score(
        total=total,
        band=band_for(instrument, total),
        complete=True,
        at_caseness=total >= instrument.caseness_threshold,
        risk_items_positive=risk,
    )
