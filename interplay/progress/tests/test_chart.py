"""The ratings chart: SVG, deterministic, drawn from the ratings it is given."""

import base64
import xml.etree.ElementTree as ET

from interplay.lib.tests.svg import NS, drawn_text, tick_labels
from interplay.progress import chart, services
from interplay.progress.tests.test_services import ProgressTestCase
from interplay.progress.views import _problems


class ChartTests(ProgressTestCase):
    def test_the_same_ratings_give_the_same_bytes(self) -> None:
        problem = self.problem()
        services.rate_problem(
            actor=self.therapist, problem=problem, score=4, session=self.session(8)
        )
        first = chart.ratings_svg(_problems(self.course))
        second = chart.ratings_svg(_problems(self.course))
        self.assertEqual(first, second)
        self.assertIn(b"<svg", first)
        self.assertNotIn(b"<dc:date>", first)
        uri = chart.data_uri(first)
        self.assertEqual(base64.b64decode(uri.split(",", 1)[1]), first)

    def test_a_new_rating_changes_the_chart(self) -> None:
        problem = self.problem()
        before = chart.ratings_svg(_problems(self.course))
        services.rate_problem(
            actor=self.therapist, problem=problem, score=1, session=self.session(16)
        )
        self.assertNotEqual(before, chart.ratings_svg(_problems(self.course)))


class ChartReadingTests(ProgressTestCase):
    """The chart as a reader sees it, read from the SVG: whole session numbers, problems
    and goals apart with the better direction named, text readable on a phone."""

    def panels(self, svg: bytes) -> dict[str, list[str]]:
        """Each panel's title and the texts drawn in it (its legend included)."""
        found = {}
        for group in ET.fromstring(svg).iter(f"{NS}g"):
            if (group.get("id") or "").startswith("axes_"):
                texts = ["".join(t.itertext()) for t in group.iter(f"{NS}text")]
                title = next(t for t in texts if "better" in t)
                found[title] = texts
        return found

    def test_one_rating_gives_whole_session_numbers(self) -> None:
        self.problem()  # the baseline alone, at session 2: matplotlib would say "1.95"
        labels = tick_labels(chart.ratings_svg(_problems(self.course)), "x")
        self.assertEqual(labels, ["2"])

    def test_problems_and_goals_are_on_their_own_panels(self) -> None:
        problem = self.problem("Arguments with my sister")
        goal = self.problem("Go back to choir", kind="goal", baseline=2)
        services.set_shared(actor=self.therapist, item=goal, shared=True)
        services.rate_problem(
            actor=self.therapist, problem=problem, score=5, session=self.session(8)
        )
        services.rate_problem(actor=self.therapist, problem=goal, score=6, session=self.session(8))
        services.rate_problem(actor=self.patient, problem=goal, score=7)
        svg = chart.ratings_svg(_problems(self.course))
        panels = self.panels(svg)
        self.assertEqual(set(panels), {"Problems: lower is better", "Goals: higher is better"})
        self.assertIn("Problem 1", panels["Problems: lower is better"])
        self.assertNotIn("Goal 2", panels["Problems: lower is better"])
        self.assertIn("Goal 2", panels["Goals: higher is better"])
        self.assertIn("Patient's own rating", panels["Goals: higher is better"])
        self.assertNotIn("Patient's own rating", panels["Problems: lower is better"])
        for text, px in drawn_text(svg):
            self.assertGreaterEqual(px, 12, text)
        for axis in ("x", "y"):
            self.assertTrue(all(label.isdigit() for label in tick_labels(svg, axis)))

    def test_only_problems_means_one_panel(self) -> None:
        self.problem()
        self.assertEqual(
            set(self.panels(chart.ratings_svg(_problems(self.course)))),
            {"Problems: lower is better"},
        )
