"""A therapist makes an API token in a real browser, uses it, and revokes it."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.test import make_clinician, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_as(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    sign_in(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_a_therapist_makes_a_token_uses_it_and_revokes_it(page: Any, live_server: Any) -> None:
    therapist = make_clinician("therapist", Role.THERAPIST)
    signed_in_as(page, live_server, therapist)

    page.goto(f"{live_server.url}/caseload/")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_role("heading", name="Your API tokens").wait_for()
    assert "You have no tokens" in page.content()
    assert_accessible(page, "the token list, empty")

    page.get_by_role("link", name="Make a token").click()
    page.get_by_role("heading", name="Make an API token").wait_for()
    page.get_by_label("Day").fill("")
    page.get_by_role("button", name="Make the token").click()
    summary = page.get_by_role("alert")
    assert "Enter a name for the token" in summary.inner_text()
    assert "Expiry date must include a day" in summary.inner_text()
    assert page.get_by_label("Month").input_value() != ""
    assert_accessible(page, "the token form with a message")

    page.get_by_label("Name").fill("Outcomes spreadsheet")
    page.get_by_label("Day").fill("1")
    page.get_by_role("button", name="Make the token").click()
    page.get_by_role("heading", name="Your new API token").wait_for()
    assert "This is the only time the key is shown" in page.content()
    assert_accessible(page, "the new token's key")
    key = page.get_by_test_id("token-key").inner_text().strip()
    assert key.startswith("ipl_")

    answer = page.request.get(
        f"{live_server.url}/api/v1/whoami", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status == 200
    assert answer.json()["username"] == "therapist"

    page.get_by_role("link", name="I have copied the key").click()
    rows = page.get_by_test_id("token")
    assert rows.count() == 1
    assert "Outcomes spreadsheet" in rows.first.inner_text()
    assert key not in page.content()
    assert_accessible(page, "the token list")

    rows.first.get_by_role("button", name="Revoke").click()
    page.get_by_text("has stopped working").wait_for()
    assert "Revoked" in page.get_by_test_id("token").first.inner_text()
    refused = page.request.get(
        f"{live_server.url}/api/v1/whoami", headers={"Authorization": f"Bearer {key}"}
    )
    assert refused.status == 401
