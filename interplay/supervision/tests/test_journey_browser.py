"""A supervisor, in a real browser, finds a flagged course on the supervision page, opens
it and records a supervision note; on a desk and on a 390 px phone."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.supervision.tests.stories import answer, attend, sign, start
from interplay.test import make_clinician
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def mondays_ago(weeks: int) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday(), weeks=weeks)


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_a_supervisor_reads_the_flags_and_records_a_note(page: Any, live_server: Any) -> None:
    sam = make_clinician("sam", Role.SUPERVISOR, Role.THERAPIST, hours=400)
    sam.last_name = "Supervisor"
    sam.save()
    tess = make_clinician("tess", Role.THERAPIST, supervisor=sam)
    calm = start(tess, "Calm", hour=9, first_date=mondays_ago(4))
    sign(calm, 1, 2, 3, 4)
    for number in (3, 4):
        answer(calm, number, 9, 6)
    missing = start(tess, "Missing", hour=11, first_date=mondays_ago(4))
    sign(missing, 1, 2)
    attend(missing, 3, 4, status="dna")
    signed_in_as(page, live_server, sam)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Supervision").click()
    page.get_by_role("heading", name="Supervision", exact=True).wait_for()
    rows = page.get_by_test_id("caseload-tess").locator("tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "Robin Missing" in first and "2 missed sessions" in first
    assert "Robin Calm" in rows.nth(1).inner_text()
    assert "None" in rows.nth(1).get_by_test_id("flags").inner_text()
    assert_accessible(page, "supervision page")

    rows.nth(0).get_by_role("link", name="Robin Missing").click()
    page.get_by_role("heading", name="Robin Missing").wait_for()
    assert "No supervision notes yet." in page.content()
    page.get_by_role("link", name="Record a supervision note").click()
    page.get_by_role("heading", name="Record a supervision note").wait_for()
    assert_accessible(page, "supervision note form")
    page.get_by_role("button", name="Record the note").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page, "supervision note refused")
    note = "Two missed sessions: agreed Tess phones Robin and reviews attendance next week."
    page.get_by_label("Supervision note").fill(note)
    page.get_by_role("button", name="Record the note").click()

    page.get_by_text("Supervision note recorded.").wait_for()
    notes = page.get_by_test_id("supervision-notes").inner_text()
    assert note in notes and "Sam Supervisor" in notes
    assert_accessible(page, "course page with a supervision note")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/supervision/")
    page.get_by_role("heading", name="Supervision", exact=True).wait_for()
    no_sideways_scroll(page)
    assert_accessible(page, "supervision page on a phone")
