"""Where each person sits on the closeness circle: pure arithmetic, no Django.

The patient is in the centre; each placed person sits on the ring of their felt closeness
(1 = inner, closest; docs/clinical-rules.md 1.5), spread evenly round it. Each ring starts at a
different angle so that labels on neighbouring rings do not line up.
"""

import math
from dataclasses import dataclass

# Wider than tall: labels on the outer ring's left and right stay inside the picture.
WIDTH, HEIGHT = 700, 580
CX, CY = WIDTH / 2, HEIGHT / 2
RADII = {1: 85.0, 2: 165.0, 3: 245.0}
START_DEGREES = {1: -90.0, 2: -60.0, 3: -120.0}
# The picture fills the column and shrinks with it: on a 390 px phone to 358 px wide, so
# a 24-unit font shows at 358 / 700 * 24 = 12.3 px, the least readable size (tested).
FONT_SIZE = 24
LABEL_LIMIT = 16
# Arial's average width per character, as a share of the font size: enough to keep a
# label inside the picture without measuring it.
CHAR_WIDTH = 0.55
MARGIN = 6


@dataclass(frozen=True)
class Dot:
    label: str
    ring: int
    x: float
    y: float
    above: bool = False

    @property
    def label_y(self) -> float:
        """The label's baseline, above or below the dot: off the ring lines."""
        return round(self.y - 16 if self.above else self.y + FONT_SIZE + 8, 1)

    @property
    def label_x(self) -> float:
        """Under or over the dot, moved in from the edge so the whole label shows."""
        half = self.half_width() + MARGIN
        return round(min(max(self.x, half), WIDTH - half), 1)

    def half_width(self) -> float:
        return len(self.label) * CHAR_WIDTH * FONT_SIZE / 2

    def box(self) -> tuple[float, float, float, float]:
        """Roughly where the label is drawn: left, top, right, bottom."""
        x, y, half = self.label_x, self.label_y, self.half_width()
        return (x - half, y - FONT_SIZE, x + half, y + FONT_SIZE * 0.4)


def clash(a: Dot, b: Dot) -> bool:
    (al, at, ar, ab), (bl, bt, br, bb) = a.box(), b.box()
    return al < br and bl < ar and at < bb and bt < ab


def short(label: str) -> str:
    """A label short enough to draw; the table beside the circle has the full name."""
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"


def layout(people: list[tuple[str, int]]) -> list[Dot]:
    """A dot per (label, ring), each exactly on its ring's radius from the centre. A label
    goes above its dot in the upper half and below it in the lower half, unless it would
    run into a label already placed and the other side is clear."""
    dots: list[Dot] = []
    for ring, radius in RADII.items():
        on_ring = [label for label, placed in people if placed == ring]
        for index, label in enumerate(on_ring):
            angle = math.radians(START_DEGREES[ring] + 360.0 * index / len(on_ring))
            x = round(CX + radius * math.cos(angle), 1)
            y = round(CY + radius * math.sin(angle), 1)
            dot = Dot(short(label), ring, x, y, above=y < CY)
            if any(clash(dot, other) for other in dots):
                flipped = Dot(dot.label, ring, x, y, above=not dot.above)
                if not any(clash(flipped, other) for other in dots):
                    dot = flipped
            dots.append(dot)
    return dots
