"""The problems' and goals' ratings as a chart: SVG from matplotlib, as a data URI.

Server-side so it needs no JavaScript; an ``<img>`` with a data URI (not inline SVG,
whose ``<style>`` the CSP would block), which WeasyPrint can also draw. Problems and
goals move in opposite directions (a problem's rating falls as things improve, a goal's
rises), so each has its own panel, titled with which way is better. The look is
``lib.chartstyle``'s. Deterministic: a fixed hash salt for the SVG's ids and no date in
its metadata, so the same ratings always give the same bytes.
"""

from collections.abc import Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from interplay.lib import chartstyle
from interplay.progress.models import Problem, ProblemKind, Rater

COLOURS = chartstyle.SERIES
MARKERS = chartstyle.MARKERS
TITLES = {
    ProblemKind.PROBLEM: "Problems: lower is better",
    ProblemKind.GOAL: "Goals: higher is better",
}


def ratings_svg(problems: Sequence[Problem]) -> bytes:
    """A panel per kind (problems, then goals) with a line per problem: the therapist's
    ratings (0-10) against the session number, and the patient's own ratings as unfilled
    markers. ``problems`` have their ratings prefetched, oldest first; the legend names
    them as the table does ("Goal 3")."""
    numbered = list(enumerate(problems, start=1))
    kinds = [k for k in ProblemKind if any(p.kind == k for p in problems)]
    sessions = [r.session.number for p in problems for r in p.ratings.all() if r.session]
    first, last = min(sessions, default=1), max(sessions, default=1)
    with rc_context(chartstyle.rc("interplay-progress")):
        figure = Figure(
            figsize=(chartstyle.WIDTH_IN, 0.6 + 3.0 * max(len(kinds), 1)), layout="constrained"
        )
        for index, kind in enumerate(kinds or [ProblemKind.PROBLEM]):
            axes = figure.add_subplot(len(kinds) or 1, 1, index + 1)
            mine = [(n, p) for n, p in numbered if p.kind == kind]
            _panel(axes, mine, title=TITLES[kind])
            chartstyle.session_ticks(axes, first, last)
        return chartstyle.svg(figure)


def _panel(axes: Any, problems: list[tuple[int, Problem]], *, title: str) -> None:
    patient_rated = False
    for n, problem in problems:
        colour, marker = COLOURS[(n - 1) % len(COLOURS)], MARKERS[(n - 1) % len(MARKERS)]
        ratings = [r for r in problem.ratings.all() if r.session is not None]
        mine = [r for r in ratings if r.rater == Rater.THERAPIST]
        theirs = [r for r in ratings if r.rater == Rater.PATIENT]
        axes.plot(
            [r.session.number for r in mine if r.session],
            [r.score for r in mine],
            color=colour,
            marker=marker,
            label=f"{problem.get_kind_display()} {n}",
        )
        if theirs:
            patient_rated = True
            axes.plot(
                [r.session.number for r in theirs if r.session],
                [r.score for r in theirs],
                linestyle="none",
                marker=marker,
                markerfacecolor="#ffffff",
                markeredgewidth=2,
                color=colour,
            )
    handles, _ = axes.get_legend_handles_labels()
    if patient_rated:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markerfacecolor="#ffffff",
                markeredgewidth=2,
                color=chartstyle.SECONDARY_TEXT,
                label="Patient's own rating",
            )
        )
    axes.set_title(title)
    axes.set_ylim(-0.5, 10.5)
    axes.set_yticks(range(0, 11, 2))
    axes.set_ylabel("Rating, 0 to 10")
    if handles:
        axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=2)


def data_uri(svg: bytes) -> str:
    return chartstyle.data_uri(svg)
