"""A therapist starts a DIT course in a real browser: 16 weekly sessions, a closure skipped."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.clinic.models import Closure, ServiceSettings
from interplay.courses.models import Course
from interplay.formulation import services as formulation
from interplay.test import allocated_to, give_hours, make_clinician, qualify
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_starts_a_dit_course_that_skips_a_closure(page: Any, live_server: Any) -> None:
    dara = make_clinician("dara", Role.THERAPIST, hours=300, caseload_capacity=8)
    qualify(dara, "dit")
    give_hours(dara, (1, "09:00", "17:00"), (2, "09:00", "17:00"))
    referral = allocated_to(dara, "dit")
    # The sessions since September really happened: the referral came in before them,
    # and the service lets them be recorded that far back, with a reason.
    referral.received_at = dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC)
    referral.save(update_fields=["received_at"])
    settings = ServiceSettings.load()
    settings.backdate_window_days = 1000
    settings.save()
    Closure.objects.create(date=dt.date(2026, 9, 22), reason="Service training day")
    signed_in_as(page, live_server, dara)

    page.goto("/caseload/")
    page.get_by_role("link", name="Robin Testwell").click()
    page.get_by_role("heading", name="Start a course with Robin Testwell").wait_for()
    assert_accessible(page, "start a course")
    page.get_by_role("group", name="Day of the week").get_by_label("Tuesday").check()
    page.get_by_label("Time").fill("10:00")
    first = page.get_by_role("group", name="First session on or after")
    # The course began in September: its first sessions are already in the past.
    first.get_by_label("Day").fill("1")
    first.get_by_label("Month").fill("9")
    first.get_by_label("Year").fill("2026")
    page.get_by_label("Reason for booking in the past").fill("Recording sessions held.")
    page.get_by_role("button", name="Propose the sessions").click()

    summary = page.get_by_test_id("plan-summary").inner_text()
    assert "16 weekly sessions of 50 minutes" in summary
    skipped = page.get_by_test_id("skipped").inner_text()
    assert "Service training day" in skipped
    assert_accessible(page, "proposed sessions")
    page.get_by_role("button", name="Book these sessions").click()

    page.get_by_text("Course started: 16 sessions booked.").wait_for()
    rows = page.get_by_test_id("sessions").locator("tbody tr")
    assert rows.count() == 16
    assert "Initial phase" in rows.nth(0).inner_text()
    assert "Middle phase" in rows.nth(6).inner_text()
    assert "Ending phase" in rows.nth(15).inner_text()
    assert_accessible(page, "course page")
    course = Course.objects.get()
    dates = {a.starts_at.date() for a in course.appointments.all()}
    assert dt.date(2026, 9, 22) not in dates
    # Session 3 ticks "agree the focus", which needs the IPAF recorded and agreed first.
    formulation.record_focus(
        actor=dara,
        course=course,
        self_representation="Not good enough.",
        other_representation="Critical.",
        linking_affect="Shame",
        defensive_function="Keeps others at a distance.",
        patient_version="When you expect criticism you pull away.",
        agreed_on=dt.date(2026, 9, 15),
    )

    # Sessions 1-4 (the initial phase) happened and are recorded with the phase's tasks;
    # session 5 was missed; session 16 moves a day later.
    notes = {
        1: ("Assess: history, relationships and symptoms", "Began the inventory."),
        2: ("Formulate the IPAF: self, other and the feeling between", "Drafted the IPAF."),
        3: ("Share the IPAF and agree it as the focus", "Agreed the focus together."),
        4: ("Agree the 16 sessions and the end date", "Agreed the end date."),
    }
    for number, (task, note) in notes.items():
        page.get_by_test_id("sessions").locator("tbody tr").nth(number - 1).get_by_role(
            "link"
        ).click()
        page.get_by_role("heading", name=f"Session {number} of 16, initial phase").wait_for()
        if number == 1:
            assert_accessible(page, "session page")
        page.get_by_role("group", name="What happened?").get_by_label("Attended").check()
        page.get_by_role("button", name="Record attendance").click()
        page.get_by_text("Attendance recorded.").wait_for()
        assert page.get_by_test_id("state").inner_text() == "Attended"
        page.get_by_role("link", name="Session record").click()
        page.get_by_role("group", name="What this session covered").get_by_label(task).check()
        page.get_by_label("Session notes").fill(note)
        page.get_by_label("I checked risk in this session").check()
        page.get_by_role("button", name="Save as a draft").click()
        page.get_by_text("Record saved as a draft").wait_for()
        if number == 1:
            assert_accessible(page, "session record")
        page.get_by_role("button", name="Sign the record").click()
        page.get_by_text("Record signed.").wait_for()
        assert note in page.get_by_test_id("notes").inner_text()
        page.get_by_role("link", name="Back to the session").click()
        page.get_by_role("link", name="Back to the course").click()

    page.get_by_test_id("sessions").locator("tbody tr").nth(4).get_by_role("link").click()
    page.get_by_role("heading", name="Session 5 of 16, middle phase").wait_for()
    page.get_by_role("group", name="What happened?").get_by_label("Did not attend").check()
    page.get_by_role("button", name="Record attendance").click()
    page.get_by_text("task(s) raised").wait_for()
    assert "Check risk after a missed session" in page.get_by_test_id("course-tasks").inner_text()

    page.get_by_role("link", name="Back to the course").click()
    last = page.get_by_test_id("sessions").locator("tbody tr").nth(15)
    old_when = last.inner_text()
    last.get_by_role("link").click()
    moved = course.appointments.get(number=16).starts_at + dt.timedelta(days=1)
    local = moved.astimezone(ZoneInfo("Europe/London"))
    new = page.get_by_role("group", name="New date")
    new.get_by_label("Day").fill(str(local.day))
    new.get_by_label("Month").fill(str(local.month))
    new.get_by_label("Year").fill(str(local.year))
    page.get_by_label("New time").fill("14:00")
    page.get_by_label("Reason for booking in the past").fill("Held on the Wednesday.")
    page.get_by_role("button", name="Move the session").click()
    page.get_by_text("Session 16 moved.").wait_for()
    assert "14:00" in page.get_by_test_id("when").inner_text()
    assert "14:00" not in old_when

    page.get_by_role("link", name="My caseload").first.click()
    row = page.get_by_test_id("caseload").locator("tbody tr").first
    assert " of 16, " in row.inner_text()

    page.get_by_role("link", name="My calendar").first.click()
    page.get_by_role("heading", name="My calendar").wait_for()
    page.get_by_role("button", name="Make a calendar address").click()
    assert page.get_by_test_id("feed-url").inner_text().endswith(".ics")
    assert_accessible(page, "calendar")
