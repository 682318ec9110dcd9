"""The rows' dates and times read as the ``date`` and ``time`` filters write them, and
their choices' labels as ``get_FOO_display`` gives them."""

import datetime as dt
from typing import Any

from django.test import SimpleTestCase
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format

from interplay.courses.models import Appointment, Course
from interplay.lib.markup import choice_label, escape, local_clock, local_day


class LocalDayTests(SimpleTestCase):
    def test_as_the_filters_write_them_in_the_local_time_zone(self) -> None:
        moments = [
            dt.datetime(2026, 12, 3, 9, 5, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # clocks go forward
            dt.datetime(2026, 10, 25, 0, 59, tzinfo=dt.UTC),  # clocks go back
            dt.datetime(2026, 6, 30, 23, 15, tzinfo=dt.UTC),  # the next day, locally
        ]
        for language in ("en-gb", "cy"):
            with translation.override(language):
                for moment in moments:
                    local = timezone.localtime(moment)
                    self.assertEqual(local_day(moment), date_format(local, "D j M"))
                    self.assertEqual(
                        local_day(moment, with_time=True), date_format(local, "D j M, H:i")
                    )
                    self.assertEqual(local_clock(moment), time_format(local, "H:i"))


class ChoiceLabelTests(SimpleTestCase):
    def test_as_django_displays_each_choice_escaped_in_the_active_language(self) -> None:
        for language in ("en-gb", "cy"):
            with translation.override(language):
                for model, name in ((Appointment, "status"), (Course, "modality")):
                    field: Any = model._meta.get_field(name)
                    for value, _label in field.flatchoices:
                        instance = model(**{name: value})
                        display = getattr(instance, f"get_{name}_display")()
                        with self.subTest(language=language, value=value):
                            self.assertEqual(choice_label(instance, name), escape(display))

    def test_a_value_outside_the_choices_is_shown_as_it_is_escaped(self) -> None:
        self.assertEqual(choice_label(Appointment(status="<gone>"), "status"), "&lt;gone&gt;")
