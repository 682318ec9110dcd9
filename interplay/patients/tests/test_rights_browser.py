"""A subject access request and an erasure in a real browser, as an administrator."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from interplay.accounts.roles import Role
from interplay.audit.models import AuditEvent
from interplay.browser import assert_accessible
from interplay.referrals.models import Referral
from interplay.test import make_referral, make_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_as(page: Any, live_server: Any, user: Any) -> None:
    """Carry a signed-in, second-factor-verified session into the browser."""
    client = Client()
    sign_in(client, user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_find_a_person_download_their_records_and_erase_a_referral(
    page: Any, live_server: Any
) -> None:
    admin = make_user("admin", Role.ADMINISTRATOR)
    referral = make_referral(email="", nhs_number="9434765919")
    signed_in_as(page, live_server, admin)

    page.goto("/patients/")
    page.get_by_label("Name, NHS number or referral reference").fill("testwell")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("result-count").wait_for()
    assert_accessible(page, "search results")
    page.get_by_test_id("patients").get_by_role("link", name="Robin Testwell").click()
    page.get_by_role("heading", name="Robin Testwell").wait_for()
    assert "943 476 5919" in page.get_by_test_id("patient-summary").inner_text()
    assert_accessible(page, "patient page")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download as a PDF").click()
    download = downloading.value
    assert re.fullmatch(
        r"subject-access-[0-9a-f]{8}-\d{4}-\d\d-\d\d\.pdf", download.suggested_filename
    )
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="patient.exported").count() == 1

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download as JSON").click()
    assert downloading.value.suggested_filename.endswith(".json")

    page.get_by_role("link", name=f"Erase referral {referral.reference}").click()
    page.get_by_role("heading", name=f"Erase referral {referral.reference}").wait_for()
    assert_accessible(page, "erase page")
    box = page.get_by_label("Type the referral's reference to confirm")
    box.fill("IP-XXXX-XXXX")
    page.get_by_role("button", name="Erase this referral").click()
    page.locator("#id_reference-error").wait_for()
    assert_accessible(page, "erase page with an error")

    box.fill(referral.reference)
    page.get_by_role("button", name="Erase this referral").click()
    page.get_by_text(f"Referral {referral.reference} and the person's record erased.").wait_for()
    assert not Referral.objects.exists()
