"""The paths of pages, reversed once per view: the same paths ``{% url %}`` gives."""

import uuid

from django.template import engines
from django.test import SimpleTestCase
from django.urls import NoReverseMatch, reverse, set_script_prefix

from interplay.lib.paths import path_to


class PathTests(SimpleTestCase):
    def tearDown(self) -> None:
        set_script_prefix("/")

    def test_a_record_page_has_the_path_reverse_gives(self) -> None:
        for public_id in (uuid.uuid4(), uuid.uuid4()):
            for view in ("courses:session", "courses:detail", "encounters:record"):
                self.assertEqual(path_to(view, public_id), reverse(view, args=[public_id]))

    def test_a_page_without_arguments_has_the_path_reverse_gives(self) -> None:
        for view in ("home", "caseload", "triage:queue", "admin:index"):
            self.assertEqual(path_to(view), reverse(view))

    def test_the_script_prefix_of_the_request_is_kept(self) -> None:
        public_id = uuid.uuid4()
        path_to("courses:detail", public_id)
        set_script_prefix("/therapies/")
        self.assertEqual(path_to("courses:detail", public_id), f"/therapies/courses/{public_id}/")

    def test_a_missing_or_wrong_argument_is_refused_as_by_reverse(self) -> None:
        with self.assertRaises(NoReverseMatch):
            path_to("courses:detail", None)
        with self.assertRaises(NoReverseMatch):
            path_to("home", uuid.uuid4())
        with self.assertRaises(NoReverseMatch):
            path_to("courses:detail")

    def test_the_template_tag_gives_the_same_link_as_url(self) -> None:
        public_id = uuid.uuid4()
        template = engines["django"].from_string(
            "{% url 'courses:session' id %}|{% path_to 'courses:session' id %}"
        )
        url, path = template.render({"id": public_id}).split("|")
        self.assertEqual(url, path)
