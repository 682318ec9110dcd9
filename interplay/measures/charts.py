"""Score charts as SVG data URIs, drawn on the server with matplotlib. No Django, no ORM.

Why a data-URI ``<img>``: the pages' Content Security Policy forbids inline ``<style>``,
which matplotlib's SVG carries, so inline SVG would render unstyled; an image is styled
by its own document, works without JavaScript, and WeasyPrint draws it in a PDF too.
The look (NHS.UK colours, Arial, text readable on a phone) is ``lib.chartstyle``'s. The
output is deterministic (a fixed ``svg.hashsalt``, no date in the metadata), so the same
scores give the same bytes.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from interplay.lib import chartstyle
from interplay.measures.instruments import GAD7, PHQ9

PHQ_COLOUR = chartstyle.BLUE
GAD_COLOUR = chartstyle.DARK_PINK  # distinct from blue for most colour vision
PHASE_FILLS = (chartstyle.PALE, "#e8edee")


@dataclass(frozen=True)
class PhaseSpan:
    name: str
    first: int
    last: int


def scores_chart(
    phq: Sequence[tuple[int, int]],
    gad: Sequence[tuple[int, int]],
    *,
    phases: Sequence[PhaseSpan] = (),
    sessions: int | None = None,
) -> str:
    """A ``data:image/svg+xml;base64,...`` URI charting PHQ-9 and GAD-7 per session.

    ``phq`` and ``gad`` are (session number, total) pairs; ``phases`` shade the sessions
    each phase covers; ``sessions`` is the last session on the axis (else the last
    point). Dashed lines mark the caseness cut-offs (PHQ-9 10, GAD-7 8; docs/clinical-rules.md 5.1).
    The portal reuses this for a patient's own chart.

    Drawing takes matplotlib about a sixth of a second (two layout passes), more than the
    rest of the course page; the same scores give the same bytes, so each process keeps
    the charts it drew last (a few hundred, about 20 kB each) and draws a course's chart
    again only once its scores or phases change.
    """
    return _drawn(tuple(phq), tuple(gad), tuple(phases), sessions)


@functools.lru_cache(maxsize=256)
def _drawn(
    phq: tuple[tuple[int, int], ...],
    gad: tuple[tuple[int, int], ...],
    phases: tuple[PhaseSpan, ...],
    sessions: int | None,
) -> str:
    return chartstyle.data_uri(_svg(phq, gad, phases, sessions))


def _svg(
    phq: Sequence[tuple[int, int]],
    gad: Sequence[tuple[int, int]],
    phases: Sequence[PhaseSpan],
    sessions: int | None,
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display; the Figure below never touches pyplot's state
    from matplotlib.figure import Figure

    numbers = [n for n, _ in (*phq, *gad)]
    last = max([sessions or 0, *numbers, *(p.last for p in phases), 1])
    first = min([0 if any(p.first == 0 for p in phases) else 1, *numbers])
    with matplotlib.rc_context(chartstyle.rc("interplay")):
        height = 4.2 if phases else 3.9
        figure = Figure(figsize=(chartstyle.WIDTH_IN, height), layout="constrained")
        axes = figure.add_subplot()
        names = _phases(axes, phases)
        for instrument, points, colour, marker in (
            (PHQ9, phq, PHQ_COLOUR, "o"),
            (GAD7, gad, GAD_COLOUR, "s"),
        ):
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, color=colour, marker=marker, zorder=3, label=instrument.name)
        for instrument, colour in ((PHQ9, PHQ_COLOUR), (GAD7, GAD_COLOUR)):
            axes.axhline(
                instrument.caseness_threshold,
                color=colour,
                ls=(0, (4, 3)),
                lw=1.5,
                zorder=1,
                label=f"{instrument.name} cut-off ({instrument.caseness_threshold})",
            )
        chartstyle.session_ticks(axes, first, last)
        axes.set_ylim(0, PHQ9.max_total)
        axes.set_yticks(range(0, PHQ9.max_total + 1, 5))
        axes.set_ylabel("Score")
        figure.legend(loc="outside lower center", ncols=2, handlelength=2.4)
        _unclash(figure, names)
        return chartstyle.svg(figure)


def _phases(axes: Any, phases: Sequence[PhaseSpan]) -> list[Any]:
    """Shade each phase's sessions and name it above the plot, clear of the lines: the
    first name starts at its phase's start, the last ends at its end. Returns the names."""
    labels = []
    for index, phase in enumerate(phases):
        axes.axvspan(
            phase.first - 0.5, phase.last + 0.5, color=PHASE_FILLS[index % 2], zorder=0, lw=0
        )
        if index == 0:
            x, ha = phase.first - 0.5, "left"
        elif index == len(phases) - 1:
            x, ha = phase.last + 0.5, "right"
        else:
            x, ha = (phase.first + phase.last) / 2, "center"
        labels.append(
            axes.text(
                x,
                1.02,
                phase.name,
                ha=ha,
                va="bottom",
                color=chartstyle.SECONDARY_TEXT,
                transform=axes.get_xaxis_transform(),
            )
        )
    return labels


def _unclash(figure: Any, names: list[Any]) -> None:
    """A phase name that would touch the one before it (a short phase with a long name,
    such as a one-session pre-group) goes up a row, once the layout has placed them."""
    figure.draw_without_rendering()
    for before, name in pairwise(names):
        if before.get_window_extent().x1 + 6 > name.get_window_extent().x0:
            name.set_y(1.02 if before.get_position()[1] > 1.05 else 1.12)


def describe(phq: Sequence[tuple[int, int]], gad: Sequence[tuple[int, int]]) -> str:
    """Words for the chart's alt text: where each measure started and where it is now."""

    def one(name: str, points: Sequence[tuple[int, int]]) -> str:
        if not points:
            return f"no complete {name} yet"
        (n0, s0), (n1, s1) = points[0], points[-1]
        if len(points) == 1:
            return f"{name} {s0} at session {n0}"
        return f"{name} from {s0} at session {n0} to {s1} at session {n1}"

    return (
        f"Chart of scores by session: {one(PHQ9.name, phq)}; {one(GAD7.name, gad)}. "
        f"Dashed lines mark the caseness cut-offs, {PHQ9.name} {PHQ9.caseness_threshold} "
        f"and {GAD7.name} {GAD7.caseness_threshold}."
    )
