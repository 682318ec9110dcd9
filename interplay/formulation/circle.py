"""Where each person sits on the closeness circle: pure arithmetic, no Django.

The patient is in the centre; each placed person sits on the ring of their felt closeness
(1 = inner, closest; DOMAIN.md 1.5), spread evenly round it. Each ring starts at a
different angle so that labels on neighbouring rings do not line up.
"""

import math
from dataclasses import dataclass

# Wider than tall: labels on the outer ring's left and right stay inside the picture.
WIDTH, HEIGHT = 700, 560
CX, CY = WIDTH / 2, HEIGHT / 2
RADII = {1: 80.0, 2: 160.0, 3: 240.0}
START_DEGREES = {1: -90.0, 2: -60.0, 3: -75.0}
LABEL_LIMIT = 18


@dataclass(frozen=True)
class Dot:
    label: str
    ring: int
    x: float
    y: float

    @property
    def label_y(self) -> float:
        """Below a dot in the lower half, above one in the upper half: off the ring lines."""
        return round(self.y + 22 if self.y >= CY else self.y - 16, 1)


def short(label: str) -> str:
    """A label short enough to draw; the table beside the circle has the full name."""
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"


def layout(people: list[tuple[str, int]]) -> list[Dot]:
    """A dot per (label, ring), each exactly on its ring's radius from the centre."""
    dots: list[Dot] = []
    for ring, radius in RADII.items():
        on_ring = [label for label, placed in people if placed == ring]
        for index, label in enumerate(on_ring):
            angle = math.radians(START_DEGREES[ring] + 360.0 * index / len(on_ring))
            x = round(CX + radius * math.cos(angle), 1)
            y = round(CY + radius * math.sin(angle), 1)
            dots.append(Dot(short(label), ring, x, y))
    return dots
