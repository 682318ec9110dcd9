"""The score chart as a reader sees it: whole session numbers, text readable on a phone,
the design system's colours and type. Read from the SVG itself."""

import base64
import re
import xml.etree.ElementTree as ET
from unittest import TestCase

from interplay.courses import protocols
from interplay.lib import chartstyle
from interplay.lib.tests.svg import NS, drawn_text, shown_width, tick_labels
from interplay.measures import charts


def svg_of(uri: str) -> bytes:
    return base64.b64decode(uri.split(",", 1)[1])


def group_phases(sessions: int = 8) -> list[charts.PhaseSpan]:
    spans = protocols.phases_for(protocols.WHO_GROUP_IPT, sessions)
    return [charts.PhaseSpan(p.name, p.first, p.last) for p in spans]


class ScoreChartTests(TestCase):
    def test_sessions_are_whole_numbers_however_few_the_points(self) -> None:
        for phq, sessions in (([(1, 14)], None), ([(2, 14)], None), ([(1, 14), (2, 12)], 16)):
            with self.subTest(phq=phq, sessions=sessions):
                svg = svg_of(charts.scores_chart(phq, [], sessions=sessions))
                labels = tick_labels(svg, "x")
                self.assertTrue(labels)
                self.assertTrue(all(label.isdigit() for label in labels), labels)
                self.assertTrue(all(label.isdigit() for label in tick_labels(svg, "y")))

    def test_every_text_is_at_least_12px_on_a_390px_phone(self) -> None:
        svg = svg_of(charts.scores_chart([(1, 18), (2, 15)], [(1, 12)], sessions=16))
        self.assertLess(shown_width(svg), 390)  # it shrinks to the column: the scale counts
        texts = drawn_text(svg)
        self.assertIn("PHQ-9 cut-off (10)", [t for t, _ in texts])
        for text, px in texts:
            self.assertGreaterEqual(px, 12, text)
        # On a wide screen it keeps its own size: no giant text.
        for text, px in drawn_text(svg, column_px=960):
            self.assertLessEqual(px, 16.5, text)

    def test_it_uses_the_design_systems_colours_and_type(self) -> None:
        svg = svg_of(charts.scores_chart([(1, 18), (2, 15)], [(1, 12)], sessions=16)).decode()
        families = set(re.findall(r"font-family: ([^;]*)", svg))
        self.assertEqual(len(families), 1)
        self.assertTrue(families.pop().startswith("'Arial'"))  # the page's font first
        self.assertIn(f"fill: {chartstyle.TEXT}", svg)  # text in the design system's black
        self.assertIn(f"stroke: {chartstyle.BLUE}", svg)  # PHQ-9
        self.assertIn(f"stroke: {chartstyle.DARK_PINK}", svg)  # GAD-7
        for default in ("#1f77b4", "#ff7f0e", "#000000", "#b0b0b0"):  # matplotlib's own
            self.assertNotIn(default, svg)

    def test_phase_names_show_above_the_plot_and_do_not_overlap(self) -> None:
        phases = group_phases()
        svg = svg_of(charts.scores_chart([(1, 18)], [], phases=phases, sessions=8))
        names = [t for t, _ in drawn_text(svg) if t in {p.name for p in phases}]
        self.assertEqual(names, [p.name for p in phases])
        # The one-session pre-group's long name would run into "Initial": a row up it goes.
        rows = {
            "".join(t.itertext()): float(t.get("y", "0"))
            for t in ET.fromstring(svg).iter(f"{NS}text")
        }
        self.assertLess(rows["Initial"], rows["Pre-group"] - 10)
        self.assertEqual(rows["Middle"], rows["Pre-group"])

    def test_the_same_scores_are_drawn_once_and_new_scores_drawn_again(self) -> None:
        phq, gad = [(1, 19), (2, 17), (3, 12)], [(1, 14), (2, 11)]
        first = charts.scores_chart(phq, gad, phases=group_phases(), sessions=8)
        drawn = charts._drawn.cache_info().misses
        again = charts.scores_chart(list(phq), list(gad), phases=group_phases(), sessions=8)
        self.assertEqual(again, first)
        self.assertEqual(charts._drawn.cache_info().misses, drawn)
        # A new score is a new chart, not the one kept.
        moved = charts.scores_chart([*phq, (4, 9)], gad, phases=group_phases(), sessions=8)
        self.assertEqual(charts._drawn.cache_info().misses, drawn + 1)
        self.assertNotEqual(moved, first)
