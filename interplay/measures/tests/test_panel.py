"""The outcome panel on the course page: paired scores, flags, chart, and the same in a PDF."""

import base64
import io
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from interplay.clinic.models import ServiceSettings
from interplay.lib.pdf import html_to_pdf
from interplay.measures import charts
from interplay.measures.panel import outcome_panel
from interplay.measures.tests.helpers import course_with_scores
from interplay.test import AUDIT_WRITE, BaseTestCase, give_hours, qualify


class OutcomePanelTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (0, "09:00", "17:00"))

    def page(self, course: object) -> str:
        self.sign_in(self.therapist)
        url = reverse("courses:detail", args=[course.public_id])  # type: ignore[attr-defined]
        return self.client.get(url).content.decode()

    def test_the_course_page_shows_paired_scores_flags_and_a_chart(self) -> None:
        course = course_with_scores(self.therapist, [18, 15, None, 9], [12, 10, 9, 7], attended=4)
        html = self.page(course)
        self.assertIn("first 18, last 9 (change -9)", html)
        self.assertIn("first 12, last 7 (change -5)", html)
        self.assertIn('<img class="interplay-chart" src="data:image/svg+xml;base64,', html)
        self.assertIn("PHQ-9 from 18 at session 1 to 9 at session 4", html)
        panel = outcome_panel(course)
        self.assertEqual(
            [(label.split(" (")[0], value) for label, value in panel.flags],
            [
                ("Recovered", True),
                ("Reliable improvement", True),
                ("Reliable deterioration", False),
                ("Reliable recovery", True),
                ("No reliable change", False),
            ],
        )
        # The incomplete PHQ-9 of session 3 is shown as such and left out of the pairing.
        self.assertEqual(panel.rows[2].session, 3)
        self.assertIn("Incomplete", html)
        self.assertTrue(panel.outcome.finished)

    def test_one_session_of_scores_waits_for_a_pair(self) -> None:
        html = self.page(course_with_scores(self.therapist, [16], [9]))
        self.assertIn("first 16, no second complete score yet", html)
        self.assertIn("The outcome flags need two complete scores", html)
        self.assertIn("fewer than 2, so not yet a finished course", html)

    def test_a_course_without_answers_says_so(self) -> None:
        html = self.page(course_with_scores(self.therapist, [], []))
        self.assertIn("No questionnaires have been answered", html)
        self.assertNotIn("data:image/svg+xml", html)

    def test_the_mixed_case_follows_the_service_setting(self) -> None:
        course = course_with_scores(self.therapist, [18, 10], [4, 8], attended=2)
        self.assertTrue(outcome_panel(course).outcome.reliable_deterioration)
        self.assertIn("counts that as reliable deterioration", self.page(course))
        settings_row = ServiceSettings.load()
        settings_row.mixed_change_rule = "no_change"
        settings_row.save()
        self.assertTrue(outcome_panel(course).outcome.no_reliable_change)
        self.assertIn("counts that as no reliable change", self.page(course))

    def test_the_course_page_query_count_does_not_grow_with_scores(self) -> None:
        short = course_with_scores(self.therapist, [14, 12], [9, 8])
        long = course_with_scores(
            self.therapist, [14, 13, 12, 11, 10, 9, 8, 7, 6, 5], [9] * 10, nhs_number="9434765919"
        )
        self.sign_in(self.therapist)
        self.client.get(reverse("courses:detail", args=[short.public_id]))
        # 11 and the audit event: the ending section's final-score check adds one, the
        # supervision notes one; the attended count and the sessions still to resolve come
        # from the sessions already read.
        with self.assertNumQueries(11 + AUDIT_WRITE):
            self.client.get(reverse("courses:detail", args=[short.public_id]))
        with self.assertNumQueries(11 + AUDIT_WRITE):
            self.client.get(reverse("courses:detail", args=[long.public_id]))

    def test_the_chart_is_the_same_bytes_for_the_same_scores(self) -> None:
        course = course_with_scores(self.therapist, [18, 9], [12, 7])
        first = outcome_panel(course).chart
        svg = base64.b64decode(first.split(",", 1)[1])
        self.assertNotIn(b"<dc:date>", svg)
        phases = [charts.PhaseSpan(p.name, p.first, p.last) for p in course.protocol().phases]
        again = charts.scores_chart(
            [(1, 18), (2, 9)], [(1, 12), (2, 7)], phases=phases, sessions=16
        )
        self.assertEqual(first, again)
        other = charts.scores_chart(
            [(1, 18), (2, 10)], [(1, 12), (2, 7)], phases=phases, sessions=16
        )
        self.assertNotEqual(first, other)

    def test_the_panel_renders_into_a_pdf_with_its_chart(self) -> None:
        course = course_with_scores(self.therapist, [18, 15, 9], [12, 10, 7], attended=3)
        html = render_to_string("measures/_outcome_panel.html", {"outcomes": outcome_panel(course)})
        pdf = html_to_pdf(f"<html><body>{html}</body></html>", base_dir=Path(settings.BASE_DIR))
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        self.assertIn("Scores by session", page.extract_text())
        drawn = page.get_contents()
        assert drawn is not None
        # The PHQ-9 line's NHS blue (#005eb8) is drawn: the chart made it into the PDF.
        self.assertIn(b"0 0.368627 0.721569 RG", drawn.get_data())
