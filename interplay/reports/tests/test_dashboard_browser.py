"""A service manager reads the figures in a real browser: a filter, a drill-down, a CSV."""

import base64
import csv
import io
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.lib.tests.svg import drawn_text
from interplay.reports import tables
from interplay.reports.tests.service import build_service
from interplay.test import make_user
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_filters_opens_a_figure_and_downloads_its_list(
    page: Any, live_server: Any
) -> None:
    make_user("triage-lead", Role.TRIAGE)
    people = build_service()
    manager = make_user("morgan", Role.SERVICE_MANAGER)
    signed_in_as(page, live_server, manager)
    page.set_viewport_size({"width": 1280, "height": 900})  # a manager's desk

    page.goto("/")
    page.get_by_role("link", name="Service figures").click()
    page.get_by_role("heading", name="Service figures", exact=True).wait_for()
    assert_accessible(page, "service figures")

    page.get_by_text("Choose the period and filters").click()
    page.get_by_label("Period").select_option("custom")
    for group, (day, month, year) in (("From", ("1", "1", "2026")), ("To", ("30", "6", "2026"))):
        dates = page.get_by_role("group", name=group, exact=True)
        dates.get_by_label("Day").fill(day)
        dates.get_by_label("Month").fill(month)
        dates.get_by_label("Year").fill(year)
    page.get_by_label("Therapy").select_option("ipt")
    page.get_by_role("button", name="Show the figures").click()
    period = page.get_by_test_id("period").inner_text()
    assert "From 1 January 2026 to 30 June 2026, filtered" in period, period
    assert_accessible(page, "service figures, filtered")

    # Two IPT courses finished in the half-year (A and B); the number opens them.
    finished = page.get_by_test_id("table-courses").locator("tr", has_text="Finished courses")
    finished.get_by_role("link", name="2").click()
    page.get_by_role("heading", name="Finished courses").wait_for()
    listed = page.get_by_test_id("list").locator("tbody tr")
    assert listed.count() == 2
    # Oldest referral first: B came in a day before A.
    assert people["Blake"].referral.reference in listed.nth(0).inner_text()
    assert "12 Jan 2026" in listed.nth(1).inner_text()
    assert "Avery" not in page.content()
    assert_accessible(page, "the list behind a figure")

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download the whole list as a CSV file").click()
    download = waiting.value
    assert download.suggested_filename == "finished-20260101-20260630.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert [row[0] for row in rows[1:]] == [
        people["Blake"].referral.reference,
        people["Avery"].referral.reference,
    ]

    # On a 390 px phone the page fits the screen and the charts' words stay readable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Back to the service figures").click()
    page.get_by_role("heading", name="Service figures", exact=True).wait_for()
    assert_accessible(page, "service figures on a phone")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, wide
    chart = page.get_by_test_id("chart-monthly_recovery")
    shown = chart.evaluate("img => img.getBoundingClientRect().width")
    assert 300 < shown <= 390, shown
    svg = base64.b64decode((chart.get_attribute("src") or "").split(",", 1)[1])
    for text, px in drawn_text(svg, column_px=shown):
        assert px >= 12, (text, px)


def test_a_manager_pages_through_the_therapists(page: Any, live_server: Any) -> None:
    make_user("triage-lead", Role.TRIAGE)
    build_service()
    manager = make_user("morgan", Role.SERVICE_MANAGER)
    signed_in_as(page, live_server, manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    # A service with more therapists than a page holds: here, one a page (Kim, then Sam).
    with patch.object(tables, "THERAPISTS_PER_PAGE", 1):
        page.goto(
            "/reports/?period=custom&start_0=1&start_1=1&start_2=2026&end_0=30&end_1=6&end_2=2026"
        )
        outcomes = page.get_by_test_id("table-by_therapist")
        assert "Kim" in outcomes.inner_text() and "Sam" not in outcomes.inner_text()
        assert "Therapists 1 to 1 of 2" in page.get_by_test_id("shown-by_therapist").inner_text()
        assert_accessible(page, "service figures with pages of therapists")
        pages = page.get_by_role("navigation", name="Pages of “Outcomes by therapist”")
        pages.get_by_role("link", name="Next").click()
        page.get_by_test_id("shown-by_therapist").wait_for()
        assert "Therapists 2 to 2 of 2" in page.get_by_test_id("shown-by_therapist").inner_text()
        outcomes = page.get_by_test_id("table-by_therapist")
        assert "Sam" in outcomes.inner_text() and "Kim" not in outcomes.inner_text()
        # The filters stayed as they were, and the page opened at the table.
        assert "From 1 January 2026 to 30 June 2026" in page.get_by_test_id("period").inner_text()
        assert page.url.endswith("#by_therapist")
        page.set_viewport_size({"width": 390, "height": 844})
        assert_accessible(page, "pages of therapists on a phone")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, wide
