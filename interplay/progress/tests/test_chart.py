"""The ratings chart: SVG, deterministic, drawn from the ratings it is given."""

import base64

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
