"""Score charts as SVG data URIs, drawn on the server with matplotlib. No Django, no ORM.

Why a data-URI ``<img>``: the pages' Content Security Policy forbids inline ``<style>``,
which matplotlib's SVG carries, so inline SVG would render unstyled; an image is styled
by its own document, works without JavaScript, and WeasyPrint draws it in a PDF too.
The output is deterministic (a fixed ``svg.hashsalt``, no date in the metadata, glyphs
as paths so no font is needed), so the same scores give the same bytes.
"""

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

from interplay.measures.instruments import GAD7, PHQ9

PHQ_COLOUR = "#005eb8"  # NHS blue
GAD_COLOUR = "#7c2855"  # NHS plum: distinct from blue for most colour vision
PHASE_FILLS = ("#f0f4f5", "#d8dde0")


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
    point). Dashed lines mark the caseness cut-offs (PHQ-9 10, GAD-7 8; DOMAIN.md 5.1).
    The portal reuses this for a patient's own chart.
    """
    return (
        "data:image/svg+xml;base64," + base64.b64encode(_svg(phq, gad, phases, sessions)).decode()
    )


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
    with matplotlib.rc_context(
        {"svg.hashsalt": "interplay", "svg.fonttype": "path", "font.size": 10}
    ):
        figure = Figure(figsize=(7.2, 3.6), dpi=100, layout="constrained")
        axes = figure.add_subplot()
        for index, phase in enumerate(phases):
            axes.axvspan(
                phase.first - 0.5,
                phase.last + 0.5,
                color=PHASE_FILLS[index % 2],
                zorder=0,
                lw=0,
            )
            axes.text(
                (phase.first + phase.last) / 2,
                PHQ9.max_total - 0.5,
                phase.name,
                ha="center",
                va="top",
                fontsize=8,
                color="#425563",
            )
        for instrument, points, colour, marker in (
            (PHQ9, phq, PHQ_COLOUR, "o"),
            (GAD7, gad, GAD_COLOUR, "s"),
        ):
            axes.axhline(
                instrument.caseness_threshold,
                color=colour,
                ls="--",
                lw=1,
                alpha=0.8,
                zorder=1,
                label=f"{instrument.name} caseness ({instrument.caseness_threshold})",
            )
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(
                    xs, ys, color=colour, marker=marker, lw=2, zorder=3, label=instrument.name
                )
        axes.set_xlim(first - 0.5, last + 0.5)
        axes.set_ylim(0, PHQ9.max_total)
        axes.set_xticks(range(first, last + 1, 1 if last - first <= 16 else 2))
        axes.set_xlabel("Session")
        axes.set_ylabel("Score")
        axes.legend(loc="upper right", bbox_to_anchor=(1, 0.92), fontsize=8, framealpha=0.9)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


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
