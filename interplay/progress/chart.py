"""The problems' ratings as a small chart: SVG from matplotlib, as a data URI.

Server-side so it needs no JavaScript; an ``<img>`` with a data URI (not inline SVG,
whose ``<style>`` the CSP would block), which WeasyPrint can also draw. Deterministic:
a fixed hash salt for the SVG's ids and no date in its metadata, so the same ratings
always give the same bytes.
"""

import base64
import io
from collections.abc import Sequence

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from interplay.progress.models import Problem, Rater

# Colour-blind-safe (Okabe-Ito); markers differ too, so colour is never the only cue.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def ratings_svg(problems: Sequence[Problem]) -> bytes:
    """A line per problem: the therapist's ratings (0-10) against the session number,
    and the patient's own ratings as unfilled markers. ``problems`` have their ratings
    prefetched, oldest first; the legend names them as the table does ("Goal 3")."""
    with rc_context({"svg.hashsalt": "interplay-progress", "svg.fonttype": "path"}):
        figure = Figure(figsize=(6.4, 3.2), dpi=100)
        axes = figure.add_subplot()
        for index, problem in enumerate(problems):
            colour, marker = COLOURS[index % len(COLOURS)], MARKERS[index % len(MARKERS)]
            ratings = [r for r in problem.ratings.all() if r.session is not None]
            mine = [r for r in ratings if r.rater == Rater.THERAPIST]
            theirs = [r for r in ratings if r.rater == Rater.PATIENT]
            axes.plot(
                [r.session.number for r in mine if r.session],
                [r.score for r in mine],
                color=colour,
                marker=marker,
                label=f"{problem.get_kind_display()} {index + 1}",
            )
            if theirs:
                axes.plot(
                    [r.session.number for r in theirs if r.session],
                    [r.score for r in theirs],
                    linestyle="none",
                    marker=marker,
                    markerfacecolor="none",
                    color=colour,
                )
        axes.set_ylim(-0.5, 10.5)
        axes.set_yticks(range(0, 11, 2))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("Session")
        axes.set_ylabel("Rating, 0 to 10")
        axes.grid(axis="y", alpha=0.3)
        if problems:
            axes.legend(loc="upper right", fontsize="small")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
