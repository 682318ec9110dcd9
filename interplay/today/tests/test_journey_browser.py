"""A therapist starts the day in a real browser: signs in, lands on their day, acts on an
open risk alert and an unsigned record, and both leave the page; at a desk and a phone."""

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.courses import attendance
from interplay.encounters import services as encounters
from interplay.monitoring import services as monitoring
from interplay.test import PASSWORD, course_for, current_code, make_clinician, make_referral
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
AT_RISK = {n: 1 for n in range(1, 10)}


def screenshots(tmp_path: Path) -> Path:
    """Where the pictures go: $INTERPLAY_SCREENSHOTS if set (to look at), else a temp dir."""
    folder = Path(os.environ.get("INTERPLAY_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def a_course_a_week_in(therapist: Any) -> Any:
    """A course whose first session was a week last Monday: it has happened, was attended,
    raised a risk alert and has a draft record; the second has happened, unrecorded."""
    today = timezone.localdate()
    first_monday = today - dt.timedelta(days=today.weekday() + 7)
    course = course_for(therapist, first_date=first_monday, first_name="Robin")
    first = course.appointments.get(number=1)
    attendance.record_attendance(actor=therapist, appointment=first, status="attended")
    monitoring.submit_response(
        actor=therapist,
        appointment=first,
        instrument_code="phq9",
        answers=AT_RISK,
        source="in_session",
    )
    encounters.save_record(
        actor=therapist, appointment=first, notes="Talked about the loss.", risk_checked=True
    )
    return course


def test_a_therapist_acts_on_their_day_and_it_empties(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    sam = make_clinician("sam", Role.THERAPIST)
    course = a_course_a_week_in(sam)
    first = course.appointments.get(number=1)
    current_code(sam)  # the authenticator app is set up

    page.set_viewport_size(DESK)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(current_code(sam))
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="My day").wait_for()
    assert page.url.endswith("/today/therapist/")
    # A desk screen's width, not the 960 px reading column.
    assert page.locator("main").evaluate("m => m.parentElement.offsetWidth") > 1300
    alerts = page.get_by_test_id("panel-alerts")
    assert "Robin Testwell" in alerts.inner_text()
    records = page.get_by_test_id("panel-records")
    assert "session 1" in records.inner_text() and "draft not yet signed" in records.inner_text()
    assert_accessible(page, "therapist's day at a desk")
    page.screenshot(path=screenshots(tmp_path) / "therapist-day-desk.png", full_page=True)

    alerts.get_by_role("link", name="Robin Testwell").click()
    page.get_by_label("What have you done, or will you do?").fill("Phoned her; safety plan agreed.")
    page.get_by_role("button", name="Acknowledge the alert").click()
    page.get_by_role("link", name="Today").click()
    page.get_by_role("heading", name="My day").wait_for()
    assert "No open risk alerts." in page.get_by_test_id("panel-alerts").inner_text()

    page.get_by_test_id("panel-records").get_by_role(
        "link", name="Robin Testwell, session 1"
    ).click()
    page.get_by_role("button", name="Sign the record").click()
    page.get_by_role("link", name="Today").click()
    page.get_by_role("heading", name="My day").wait_for()
    records_text = page.get_by_test_id("panel-records").inner_text()
    assert "session 1 " not in records_text  # signed: gone
    assert "session 2" in records_text  # still to record whether they attended
    first.refresh_from_db()
    assert first.record.signed

    page.set_viewport_size(PHONE)
    page.reload()
    page.get_by_role("heading", name="My day").wait_for()
    assert_accessible(page, "therapist's day on a phone")
    page.screenshot(path=screenshots(tmp_path) / "therapist-day-phone.png", full_page=True)


def test_the_triage_day_at_a_desk_and_on_a_phone(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    from interplay.test import make_user

    lee = make_user("lee", Role.TRIAGE)
    make_referral(phq9=AT_RISK, last_name="Urgentson")
    make_referral(last_name="Newcome")
    signed_in_as(page, live_server, lee)
    for name, size in (("desk", DESK), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto("/")
        page.get_by_role("heading", name="Triage day").wait_for()
        assert "Urgentson" in page.get_by_test_id("panel-urgent").inner_text()
        assert "Newcome" in page.get_by_test_id("panel-new").inner_text()
        assert_accessible(page, f"triage day ({name})")
        page.screenshot(path=screenshots(tmp_path) / f"triage-day-{name}.png", full_page=True)
