"""In a real browser: an administrator goes through every settings page, and a therapist
keeps their own working hours and leave. Each page is scanned with axe-core."""

import datetime as dt
from typing import Any

import pytest

from interplay.accounts.models import Leave, WorkingHours
from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.clinic.models import Closure, Room, ServiceSettings
from interplay.test import give_hours, make_clinician, make_user
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page: Any, name: str, date: dt.date) -> None:
    for part, value in zip(("0", "1", "2"), (date.day, date.month, date.year), strict=True):
        page.locator(f"#id_{name}_{part}").fill(str(value))


def test_an_administrator_keeps_the_services_settings(page: Any, live_server: Any) -> None:
    admin = make_user("alex", Role.ADMINISTRATOR)
    dara = make_clinician("dara", Role.THERAPIST)
    signed_in_as(page, live_server, admin)

    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Settings").wait_for()
    assert_accessible(page, "settings")

    page.get_by_role("link", name="Service words").click()
    page.get_by_label("Service name").fill("Leeds Talking Therapies")
    page.get_by_label("Crisis signposting").fill("")
    page.get_by_role("button", name="Save the service words").click()
    summary = page.get_by_role("alert")
    assert "Enter the crisis signposting" in summary.inner_text()
    assert page.get_by_label("Service name").input_value() == "Leeds Talking Therapies"
    assert_accessible(page, "service words with a mistake")
    page.get_by_label("Crisis signposting").fill("Call 999 in an emergency.")
    page.get_by_role("button", name="Save the service words").click()
    page.get_by_test_id("message-success").get_by_text("Service words saved.").wait_for()
    assert "Leeds Talking Therapies" in page.locator("header").inner_text()
    assert_accessible(page, "settings after saving")

    page.get_by_role("link", name="Service rules").click()
    page.get_by_label("Minimum age to refer yourself, in years").fill("16")
    page.get_by_label("Scotland").check()
    page.get_by_role("button", name="Save the service rules").click()
    page.get_by_text("Service rules saved.").wait_for()
    settings = ServiceSettings.load()
    assert (settings.minimum_referral_age, settings.nation) == (16, "SCT")

    page.get_by_role("link", name="Rooms").click()
    page.get_by_label("Room name").fill("Garden room")
    page.get_by_role("button", name="Add the room").click()
    rooms = page.get_by_test_id("rooms")
    rooms.get_by_role("cell", name="Garden room", exact=True).wait_for()
    assert_accessible(page, "rooms")
    assert Room.objects.get().name == "Garden room"

    page.get_by_role("link", name="Back to settings").click()
    page.get_by_role("link", name="Closure days").click()
    training = dt.date.today() + dt.timedelta(days=30)
    fill_date(page, "date", training)
    page.get_by_label("Reason").fill("Training day")
    page.get_by_role("button", name="Add the closure day").click()
    page.get_by_test_id("closures").get_by_text("Training day").wait_for()
    assert_accessible(page, "closure days")
    assert Closure.objects.get().date == training

    page.get_by_role("link", name="Back to settings").click()
    page.get_by_role("link", name="Working hours and leave").click()
    page.get_by_role("heading", name="Working hours and leave").wait_for()
    assert_accessible(page, "everyone's working hours")
    page.get_by_role("link", name="Change the working hours of Dara").click()
    page.locator("#id_hours-0-weekday").select_option("2")
    page.locator("#id_hours-0-start").fill("09:00")
    page.locator("#id_hours-0-end").fill("17:00")
    page.get_by_role("button", name="Save the working hours").click()
    page.get_by_text("Working hours of Dara saved.").wait_for()
    assert [str(s) for s in WorkingHours.objects.filter(profile__user=dara)] == [
        "Wednesday 09:00-17:00"
    ]


def test_a_therapist_keeps_their_own_hours_and_leave(page: Any, live_server: Any) -> None:
    dara = make_clinician("dara", Role.THERAPIST)
    give_hours(dara, (0, "09:00", "17:00"))
    signed_in_as(page, live_server, dara)

    page.goto("/")
    nav = page.get_by_role("navigation", name="Account")
    nav.get_by_role("link", name="My hours and leave").click()
    page.get_by_role("heading", name="Your working hours").wait_for()
    assert page.locator("#id_hours-0-start").input_value() == "09:00"
    assert_accessible(page, "your working hours")

    page.locator("#id_hours-1-weekday").select_option("0")
    page.locator("#id_hours-1-start").fill("16:00")
    page.locator("#id_hours-1-end").fill("19:00")
    page.get_by_role("button", name="Save the working hours").click()
    summary = page.get_by_role("alert").first
    assert "Monday: two sets of hours overlap" in summary.inner_text()
    assert page.locator("#id_hours-1-end").input_value() == "19:00"
    assert_accessible(page, "your working hours with an overlap")

    page.locator("#id_hours-1-weekday").select_option("1")
    page.get_by_role("button", name="Save the working hours").click()
    page.get_by_text("Working hours of Dara saved.").wait_for()
    assert WorkingHours.objects.filter(profile__user=dara).count() == 2

    page.get_by_role("link", name="Your leave").click()
    first = dt.date.today() + dt.timedelta(days=14)
    fill_date(page, "starts_on", first)
    fill_date(page, "ends_on", first - dt.timedelta(days=1))
    page.get_by_role("button", name="Add the leave").click()
    assert "must be the same as or after the first" in page.get_by_role("alert").inner_text()
    assert_accessible(page, "your leave with a mistake")
    fill_date(page, "ends_on", first + dt.timedelta(days=4))
    page.get_by_role("button", name="Add the leave").click()
    page.get_by_test_id("leave").wait_for()
    assert_accessible(page, "your leave")
    assert Leave.objects.get(profile__user=dara).ends_on == first + dt.timedelta(days=4)

    page.get_by_role("button", name="Cancel this leave").click()
    page.get_by_text("No leave from today on.").wait_for()
    assert not Leave.objects.exists()
