"""The monthly trends as SVG charts drawn on the server (matplotlib), shown as data-URI
images beside the table that holds the same numbers.

The approach and look are the score charts' (``measures.charts``, ``lib.chartstyle``):
an image because the Content Security Policy forbids the inline ``<style>`` a matplotlib
SVG carries; deterministic bytes (a fixed hash salt per chart, no date in the metadata);
words for the alt text. No Django, no ORM: the numbers come in.
"""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from interplay.lib import chartstyle


@dataclass(frozen=True)
class Chart:
    uri: str
    alt: str


@dataclass(frozen=True)
class Trend:
    """One value a month (None where there is nothing to count), and how to draw it."""

    key: str
    title: str
    unit: str
    months: Sequence[dt.date]
    values: Sequence[float | None]
    bars: bool = False
    standard: float | None = None
    standard_label: str = ""


def chart(trend: Trend) -> Chart:
    return Chart(_uri(_frozen(trend)), describe(trend))


def _frozen(trend: Trend) -> Trend:
    return dataclasses.replace(trend, months=tuple(trend.months), values=tuple(trend.values))


# Drawing a chart takes matplotlib most of the dashboard's time (text layout above all),
# while the numbers of past months seldom change: each process keeps the charts it drew
# last, keyed by every number and word in them, so an unchanged chart is drawn once.
@lru_cache(maxsize=64)
def _uri(trend: Trend) -> str:
    return chartstyle.data_uri(_svg(trend))


def _labels(months: Sequence[dt.date]) -> list[str]:
    """Month names under the axis; past six months every other one, so they stay apart
    on a phone (the table beside the chart names every month)."""
    step = 1 if len(months) <= 6 else 2 if len(months) <= 12 else 3
    return [f"{m:%b}" if n % step == 0 else "" for n, m in enumerate(months)]


def _svg(trend: Trend) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    positions = list(range(len(trend.months)))
    known = [(x, v) for x, v in zip(positions, trend.values, strict=True) if v is not None]
    with matplotlib.rc_context(chartstyle.rc(f"reports-{trend.key}")):
        figure = Figure(figsize=(chartstyle.WIDTH_IN, 3.6), layout="constrained")
        axes = figure.add_subplot()
        if trend.bars:
            axes.bar(positions, [v or 0 for v in trend.values], color=chartstyle.BLUE)
        elif known:
            xs, ys = zip(*known, strict=True)
            axes.plot(xs, ys, color=chartstyle.BLUE, marker="o", zorder=3, label=trend.title)
        if trend.standard is not None:
            axes.axhline(
                trend.standard,
                color=chartstyle.DARK_PINK,
                ls=(0, (4, 3)),
                lw=1.5,
                label=trend.standard_label,
            )
            figure.legend(loc="outside lower center", ncols=1, handlelength=2.4)
        axes.set_xticks(positions, _labels(trend.months))
        axes.set_xlim(-0.6, max(len(positions), 1) - 0.4)
        top = max([v for _, v in known] + [trend.standard or 0, 1])
        axes.set_ylim(0, top * 1.15)
        axes.set_ylabel(trend.unit)
        if trend.months:
            first, last = trend.months[0], trend.months[-1]
            axes.set_xlabel(f"{first:%B %Y} to {last:%B %Y}")
        return chartstyle.svg(figure)


def describe(trend: Trend) -> str:
    """The alt text: what is charted, and each month's value (or the range when long)."""
    kind = "Bar chart" if trend.bars else "Line chart"
    if not trend.months:
        return f"{kind} of {trend.title.lower()}: no months in the period."
    parts = [
        f"{m:%B %Y} {_value(v, trend.unit)}"
        for m, v in zip(trend.months, trend.values, strict=True)
    ]
    if len(parts) > 12:
        known = [v for v in trend.values if v is not None]
        summary = (
            f"from {_value(min(known), trend.unit)} to {_value(max(known), trend.unit)}"
            if known
            else "nothing to show yet"
        )
        parts = [f"{len(trend.months)} months, {summary}"]
    standard = (
        f" A dashed line marks {trend.standard_label.lower()}." if trend.standard_label else ""
    )
    said = "; ".join(parts)
    return f"{kind} of {trend.title.lower()}: {said}.{standard} The table gives each month."


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "none yet"
    number = f"{value:.1f}".removesuffix(".0")
    return f"{number}%" if unit == "%" else f"{number} {unit.lower()}"
