"""Triage in a real browser: an urgent referral to DIT, onto the waiting list, allocated."""

from typing import Any

import pytest
from django.test import Client

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.letters.models import Letter
from interplay.referrals.models import Referral
from interplay.test import give_hours, make_clinician, make_referral, make_user, qualify, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RISK = {n: (1 if n == 9 else 2) for n in range(1, 10)}


def signed_in_as(page: Any, live_server: Any, user: Any) -> None:
    """Carry a signed-in, second-factor-verified session into the browser."""
    client = Client()
    sign_in(client, user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_triage_an_urgent_referral_to_dit_and_allocate_it(page: Any, live_server: Any) -> None:
    triage = make_user("triage", Role.TRIAGE)
    ipt_only = make_clinician("ivy", Role.THERAPIST, caseload_capacity=5)
    qualify(ipt_only, "ipt")
    give_hours(ipt_only, (0, "09:00", "17:00"))
    dit = make_clinician("dara", Role.THERAPIST, hours=400, caseload_capacity=5)
    qualify(dit, "ipt", "dit")
    give_hours(dit, (2, "09:00", "13:00"))
    referral = make_referral(phq9=RISK, available_times=["weekday_morning"])
    signed_in_as(page, live_server, triage)
    page.set_viewport_size({"width": 1280, "height": 900})  # a triage clinician's desk

    page.goto("/triage/")
    first_row = page.get_by_test_id("triage-queue").locator("tbody tr").first
    assert "Urgent" in first_row.inner_text()
    first_row.get_by_role("link", name="Robin Testwell").click()
    page.get_by_role("heading", name="Robin Testwell").wait_for()
    assert (
        "Urgent, waiting less than an hour"
        in page.get_by_test_id("status").locator("xpath=../..").inner_text()
    )
    assert_accessible(page, "triage page")

    # It arrived urgent, so the assessment starts urgent; their answers are beside it.
    urgency = page.get_by_role("group", name="How urgent is this?")
    assert urgency.get_by_label("Urgent", exact=True).is_checked()
    told = page.get_by_test_id("told-us")
    assert "I have felt low since my father died." in told.inner_text()
    assert "Question 9: Several days" in told.inner_text()
    told_box = told.bounding_box()
    form_box = page.get_by_label("Risk to self").bounding_box()
    assert told_box and form_box and told_box["x"] + told_box["width"] <= form_box["x"]
    page.get_by_label("Risk to self").fill("Passive thoughts, no plan; sister nearby.")
    suits = page.get_by_role("group", name="Which therapies would suit this person?")
    suits.get_by_label("Dynamic Interpersonal Therapy (DIT)").check()
    page.get_by_role("button", name="Save the assessment").click()
    # DIT needs the relational focus confirmed: the message is beside that box.
    page.get_by_text("DIT suits difficulties linked to relationships").first.wait_for()
    assert page.get_by_label("Risk to self").input_value().startswith("Passive thoughts")
    assert_accessible(page, "assessment with an error")
    page.get_by_label("For DIT: their difficulties are linked to relationships").check()
    page.get_by_role("button", name="Save the assessment").click()
    page.get_by_text("Assessment saved.").wait_for()

    page.get_by_role("group", name="Decision").get_by_label("Offer DIT").check()
    page.get_by_role("button", name="Record the decision and send letters").click()
    page.get_by_text("Decision recorded: Offer DIT").wait_for()
    letters = page.get_by_test_id("letters").inner_text()
    assert "An offer of talking therapy" in letters and "(GP)" in letters
    assert Letter.objects.filter(referral=referral).count() == 2

    page.get_by_role("link", name="Waiting lists").first.click()
    page.get_by_role("link", name="Dynamic Interpersonal Therapy (DIT)").click()
    row = page.get_by_test_id("waiting-list").locator("tbody tr").first
    assert "Robin Testwell" in row.inner_text() and "Urgent" in row.inner_text()
    assert "42 days left" in row.inner_text()
    assert_accessible(page, "DIT waiting list")

    row.get_by_role("link", name="Robin Testwell").click()
    page.get_by_role("link", name="Allocate a therapist").click()
    suggestions = page.get_by_test_id("suggestions").inner_text()
    assert "Dara" in suggestions and "Ivy" not in suggestions
    assert_accessible(page, "allocation page")
    page.get_by_role("button", name="Allocate to Dara").click()
    page.get_by_text("They have been told").wait_for()
    assert page.get_by_test_id("status").inner_text() == "Allocated"
    referral.refresh_from_db()
    assert (
        referral.status == "allocated" and Referral.objects.get().allocations.get().therapist == dit
    )
