"""The rows' dates and times read as the ``date`` and ``time`` filters write them."""

import datetime as dt

from django.test import SimpleTestCase
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format

from interplay.lib.markup import local_clock, local_day


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
