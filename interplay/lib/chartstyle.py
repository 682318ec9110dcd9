"""The design system's look for the charts drawn on the server with matplotlib.

Every chart takes the NHS.UK frontend's colours and Interplay's font stack (Arial, as in
``static/interplay/scss``), not matplotlib's defaults, and is sized for a phone first:
``WIDTH_IN`` inches wide, drawn in points, so its SVG is ``WIDTH_IN * 72`` user units
wide and shows at ``WIDTH_IN * 96`` CSS pixels where there is room (``.interplay-chart``
lets it shrink, never grow). On a 390 px screen it shrinks to ``PHONE_CONTENT_PX``, which
keeps ``FONT_PT`` text at 12 px or more (tested from the SVG).

Text stays text (``svg.fonttype: none``): the browser draws it in the page's own font,
WeasyPrint in its, and tests can read the labels. The SVG is deterministic: a fixed hash
salt per chart and no date in its metadata. Knows no app.
"""

import base64
import io
from typing import Any

# The NHS.UK frontend palette (nhsuk-frontend core/settings/_colours-palette.scss).
TEXT = "#212b32"  # $nhsuk-text-colour
SECONDARY_TEXT = "#4c6272"  # grey-1
BORDER = "#d8dde0"  # grey-4
PALE = "#f0f4f5"  # grey-5
BLUE = "#005eb8"
DARK_PINK = "#7c2855"
GREEN = "#007f3b"
PURPLE = "#330072"
DARK_BLUE = "#003087"
RED = "#d5281b"
# Lines of one chart, in order: each keeps 3:1 contrast with white (WCAG 1.4.11), and the
# first two differ for most colour vision; markers differ too, so colour is never the
# only cue.
SERIES = (BLUE, DARK_PINK, GREEN, PURPLE, SECONDARY_TEXT, RED, DARK_BLUE)
MARKERS = ("o", "s", "^", "D", "v", "P", "X")

FONT = ["Arial", "Liberation Sans", "Helvetica", "DejaVu Sans"]
FONT_PT = 12
WIDTH_IN = 4.8
# Past this many sessions every other session is numbered, so the numbers stay apart on
# a phone; every session keeps its tick.
EVERY_SESSION_UP_TO = 12
# A 390 px phone less the design system's 16 px gutters on each side.
PHONE_CONTENT_PX = 390 - 2 * 16


def rc(salt: str) -> dict[Any, Any]:
    """matplotlib settings for one chart: pass to ``matplotlib.rc_context`` around both
    drawing and saving. ``salt`` fixes the SVG's ids (a chart's own, so ids differ)."""
    from cycler import cycler

    return {
        "svg.hashsalt": salt,
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.sans-serif": FONT,
        "font.size": FONT_PT,
        "axes.titlesize": FONT_PT,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": FONT_PT,
        "xtick.labelsize": FONT_PT,
        "ytick.labelsize": FONT_PT,
        "legend.fontsize": FONT_PT,
        "legend.frameon": False,
        "text.color": TEXT,
        "axes.labelcolor": TEXT,
        "axes.titlecolor": TEXT,
        "xtick.color": SECONDARY_TEXT,
        "ytick.color": SECONDARY_TEXT,
        "xtick.labelcolor": TEXT,
        "ytick.labelcolor": TEXT,
        "axes.edgecolor": SECONDARY_TEXT,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": BORDER,
        "grid.linewidth": 1,
        "axes.axisbelow": True,
        "axes.prop_cycle": cycler(color=SERIES),
        "lines.linewidth": 2.5,
        "lines.markersize": 7,
        "figure.facecolor": "#ffffff",
        "axes.facecolor": "#ffffff",
        "savefig.facecolor": "#ffffff",
    }


def session_ticks(axes: Any, first: int, last: int) -> None:
    """Whole session numbers on the x axis, ``first`` to ``last``: never "1.925", which
    matplotlib's own tick choice gives for a single session."""
    axes.set_xlim(first - 0.5, last + 0.5)
    axes.set_xticks(range(first, last + 1), minor=True)
    step = 1 if last - first < EVERY_SESSION_UP_TO else 2
    axes.set_xticks(range(first, last + 1, step))
    axes.set_xlabel("Session")


def svg(figure: Any) -> bytes:
    """The figure as SVG bytes, with no date in the metadata."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def data_uri(svg: bytes) -> str:
    """``data:image/svg+xml;base64,...``: the CSP forbids the inline ``<style>`` that an
    inline matplotlib SVG carries, so charts are images."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
