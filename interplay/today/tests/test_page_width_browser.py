"""Staff lists use a desk screen's width; the public and portal pages keep the reading
column; on a phone nothing scrolls sideways except a table in its own region."""

import datetime as dt
from typing import Any

import pytest

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.test import make_user
from interplay.today.tests.test_administrator import LETTER_TASK, failed_job
from interplay.triage.tests.test_journey_browser import signed_in_as
from interplay.triage.tests.test_views import offered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READING_COLUMN = 960  # the design system's width container


def main_width(page: Any) -> float:
    return float(
        page.locator("main").evaluate("m => m.parentElement.getBoundingClientRect().width")
    )


def scrolls_sideways(page: Any) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
    )


def test_at_a_desk_staff_lists_are_wide_and_public_pages_are_not(
    page: Any, live_server: Any
) -> None:
    triage = make_user("triage", Role.TRIAGE)
    for n in range(3):
        offered(triage, days_ago=10 * n, date_of_birth=dt.date(1970 + n, 1, 1))
    page.set_viewport_size({"width": 1440, "height": 900})
    for public in ("/", "/refer/", "/portal/"):
        page.goto(public)
        assert main_width(page) == READING_COLUMN, public
    signed_in_as(page, live_server, triage)
    page.goto("/waiting-list/ipt/?sort=-waited")
    assert main_width(page) > 1300
    header = page.get_by_role("columnheader", name="Days waited")
    assert header.get_attribute("aria-sort") == "descending"
    position = header.evaluate("th => getComputedStyle(th).position")
    assert position == "sticky"
    # Its paragraphs keep a readable line length inside the wide page.
    paragraph = page.locator("main > p").first.evaluate("p => p.getBoundingClientRect().width")
    assert float(paragraph) <= READING_COLUMN
    assert_accessible(page, "waiting list at a desk")
    header.get_by_role("link").click()
    page.wait_for_url("**/?sort=waited")
    ascending = page.get_by_role("columnheader", name="Days waited")
    assert ascending.get_attribute("aria-sort") == "ascending"
    # The first screen of the day is a desk screen's list too.
    page.goto("/today/triage/")
    assert main_width(page) > 1300


def test_on_a_phone_only_tables_scroll_sideways_in_their_own_region(
    page: Any, live_server: Any
) -> None:
    admin = make_user("avery", Role.ADMINISTRATOR)
    failed_job(LETTER_TASK, "a-letter-that-is-long-gone")
    page.set_viewport_size({"width": 390, "height": 844})
    for public in ("/", "/refer/", "/portal/"):
        page.goto(public)
        assert not scrolls_sideways(page), public
    signed_in_as(page, live_server, admin)
    page.goto("/today/administrator/")
    assert not scrolls_sideways(page)
    region = page.get_by_role("region", name="Background jobs that failed")
    assert region.evaluate("r => getComputedStyle(r).overflowX") == "auto"
    assert_accessible(page, "the administrator's day on a phone")
    page.goto("/audit/")
    assert not scrolls_sideways(page)
    assert_accessible(page, "the audit trail on a phone")
