"""Reading a drawn SVG as a reader would see it, for the charts' tests: the size each text
shows at in a column of a given width, and an axis's tick labels."""

import re
import xml.etree.ElementTree as ET

from interplay.lib.chartstyle import PHONE_CONTENT_PX

NS = "{http://www.w3.org/2000/svg}"
CSS_PX = {"px": 1.0, "pt": 4 / 3, "": 1.0}


def _root(svg: bytes | str) -> ET.Element:
    return ET.fromstring(svg.encode() if isinstance(svg, str) else svg)


def shown_width(svg: bytes | str, column_px: float = PHONE_CONTENT_PX) -> float:
    """The width the SVG shows at in a column ``column_px`` wide: its own width (e.g.
    matplotlib's "345.6pt") unless the column is narrower, or the column's for "100%"."""
    width = _root(svg).get("width", "100%")
    if width.endswith("%"):
        return column_px * float(width[:-1]) / 100
    number, unit = re.fullmatch(r"([\d.]+)([a-z]*)", width).groups()  # type: ignore[union-attr]
    return min(column_px, float(number) * CSS_PX[unit])


def drawn_text(svg: bytes | str, column_px: float = PHONE_CONTENT_PX) -> list[tuple[str, float]]:
    """Each ``<text>`` of the SVG and its font size in CSS pixels as shown in a column
    ``column_px`` wide: its size in the viewBox's units times the viewBox's scale."""
    root = _root(svg)
    view_width = float((root.get("viewBox") or "").split()[2])
    scale = shown_width(svg, column_px) / view_width
    found = []
    for text in root.iter(f"{NS}text"):
        size = text.get("font-size") or re.search(r"font-size:\s*([\d.]+)", text.get("style", ""))
        units = float(size if isinstance(size, str) else size.group(1))  # type: ignore[union-attr]
        found.append(("".join(text.itertext()), units * scale))
    return found


def tick_labels(svg: bytes | str, axis: str = "x") -> list[str]:
    """The labels matplotlib drew on an axis's ticks (its ``<g id="xtick_N">`` groups)."""
    return [
        "".join(text.itertext())
        for group in _root(svg).iter(f"{NS}g")
        if (group.get("id") or "").startswith(f"{axis}tick_")
        for text in group.iter(f"{NS}text")
    ]
