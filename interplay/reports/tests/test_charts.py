"""The monthly trend charts: the same numbers give the same bytes, and words say them."""

import base64
import datetime as dt

from interplay.reports.charts import Trend, chart

MONTHS = [dt.date(2026, m, 1) for m in (1, 2, 3)]


def svg_text(uri: str) -> str:
    return base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")).decode()


def test_the_same_numbers_draw_the_same_chart() -> None:
    trend = Trend("recovery", "Recovery rate", "%", MONTHS, [100.0, None, 0.0], standard=50)
    assert chart(trend).uri == chart(trend).uri
    other = Trend("recovery", "Recovery rate", "%", MONTHS, [90.0, None, 0.0], standard=50)
    assert chart(trend).uri != chart(other).uri


def test_the_alt_text_names_each_month_and_the_standard() -> None:
    trend = Trend(
        "waits",
        "Median wait",
        "Days",
        MONTHS,
        [42, 43, None],
        standard=42,
        standard_label="The 6-week standard (42 days)",
    )
    alt = chart(trend).alt
    assert alt.startswith("Line chart of median wait: January 2026 42 days; February 2026 43")
    assert "March 2026 none yet" in alt
    assert "dashed line marks the 6-week standard (42 days)" in alt


def test_the_chart_keeps_its_labels_as_text() -> None:
    trend = Trend("referrals", "Referrals", "Referrals", MONTHS, [2, 1, 1], bars=True)
    drawn = svg_text(chart(trend).uri)
    assert ">Jan<" in drawn and ">Mar<" in drawn
    assert "January 2026 to March 2026" in drawn


def test_a_long_period_is_summed_up_in_the_alt_text() -> None:
    months = [dt.date(2024 + (m // 12), m % 12 + 1, 1) for m in range(24)]
    trend = Trend("referrals", "Referrals", "Referrals", months, list(range(24)), bars=True)
    assert "24 months, from 0 referrals to 23 referrals" in chart(trend).alt
