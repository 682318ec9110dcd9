"""An administrator filters the audit trail in a real browser, then finds who saw a referral."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from interplay.accounts.roles import Role
from interplay.audit.services import record
from interplay.browser import assert_accessible
from interplay.test import make_referral, make_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_as(page: Any, live_server: Any, user: Any) -> None:
    """Carry a signed-in session (password and second factor) into the browser."""
    client = Client()
    sign_in(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_an_administrator_filters_the_trail_and_sees_who_looked(
    page: Any, live_server: Any
) -> None:
    admin = make_user("admin", Role.ADMINISTRATOR)
    triage = make_user("triage", Role.TRIAGE)
    referral = make_referral(first_name="Wren", email="")
    record(actor=triage, action="referral.viewed", obj=referral)
    record(actor=triage, action="triage_queue.viewed", detail={"referrals": [referral.reference]})
    signed_in_as(page, live_server, admin)

    page.goto("/")
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_role("heading", name="Audit trail").wait_for()
    assert_accessible(page, "audit trail")

    page.get_by_label("Person").fill("triage")
    page.get_by_label("Action").fill("Viewed referrals!")
    page.get_by_role("button", name="Filter events").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert "Enter an action like referral.viewed" in summary.inner_text()
    assert page.get_by_label("Action").input_value() == "Viewed referrals!"
    assert page.get_by_label("Person").input_value() == "triage"
    assert_accessible(page, "audit trail with a wrong filter")

    page.get_by_label("Action").fill("referral.viewed")
    page.get_by_role("button", name="Filter events").click()
    rows = page.get_by_test_id("audit-events").locator("tbody tr")
    assert rows.count() == 1
    assert "referral.viewed" in rows.first.inner_text()
    assert "triage" in rows.first.inner_text()
    assert_accessible(page, "filtered audit trail")

    rows.first.get_by_role("link").click()
    page.get_by_role("heading", name="Who looked at this referral").wait_for()
    looks = page.get_by_test_id("record-access").locator("tbody tr")
    assert looks.count() == 2
    assert "Saw it listed on the triage queue" in looks.nth(0).inner_text()
    assert "Opened the referral" in looks.nth(1).inner_text()
    assert "Wren" not in page.content()
    assert_accessible(page, "who looked at a referral")
