"""The self-referral journey in a real browser, then the triage clinician finding it."""

import base64
import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import totp

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.referrals.models import Referral
from interplay.test import PASSWORD, make_referral, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHQ9_ANSWERS = ["Several days"] * 8 + ["Several days"]  # item 9 above 0: risk disclosed
GAD7_ANSWERS = ["More than half the days"] * 7


def answer(page: Any, question: str, option: str) -> None:
    page.get_by_role("group", name=question, exact=True).get_by_label(option, exact=True).check()


def code_from_app(secret: str) -> str:
    """What an authenticator app shows for the typed-in secret (RFC 6238)."""
    raw = secret.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    return f"{totp(key):06d}"


def fill_referral(page: Any) -> None:
    page.get_by_label("First name").fill("Morgan")
    page.get_by_label("Last name").fill("Browserfield")
    dob = page.get_by_role("group", name="Date of birth")
    dob.get_by_label("Day").fill("3")
    dob.get_by_label("Month").fill("11")
    dob.get_by_label("Year").fill("1987")
    page.get_by_label("NHS number (optional)").fill("943 476 5919")
    page.get_by_label("Address line 1").fill("22 Sample Road")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode", exact=True).fill("LS7 3QR")
    page.get_by_label("Phone number").fill("07700 900456")
    page.get_by_label("Email address").fill("morgan@example.org")
    answer(page, "How would you like us to contact you?", "Phone call")
    answer(
        page,
        "Can we leave a message that says we are from the talking therapies service?",
        "Yes",
    )
    answer(page, "When could you come to appointments?", "Weekday evenings (after 5pm)")
    answer(page, "Do you need an interpreter?", "No")
    page.get_by_label("GP practice name").fill("Riverside Medical Centre")
    page.get_by_label("What is troubling you at the moment?").fill(
        "Since my partner left I have stopped seeing anyone and feel hopeless."
    )
    answer(page, "How long have you been feeling like this?", "3 to 12 months")
    answer(page, "Which of these apply to you?", "Low mood")
    answer(page, "Which of these apply to you?", "Loneliness or feeling cut off from people")
    answer(page, "Do you drink alcohol or use drugs?", "No")


def fill_questionnaires(page: Any) -> None:
    from interplay.measures.instruments import GAD7, PHQ9

    for item, option in zip(PHQ9.items, PHQ9_ANSWERS, strict=True):
        answer(page, item.text, option)
    for item, option in zip(GAD7.items, GAD7_ANSWERS, strict=True):
        answer(page, item.text, option)
    page.get_by_label("I agree to this referral").check()
    page.get_by_label("I agree that the service may contact my GP").check()


def test_a_person_refers_themselves_and_triage_finds_them_first(page: Any) -> None:
    make_referral(first_name="Waiting", received_at=timezone.now() - dt.timedelta(days=20))
    make_user("triage", Role.TRIAGE)

    page.goto("/")
    page.get_by_role("link", name="Refer yourself").click()
    assert_accessible(page, "safety question")
    answer(
        page,
        "Do you need help urgently because you feel you might harm yourself or someone "
        "else, or you do not feel safe right now?",
        "No",
    )
    page.get_by_role("button", name="Continue").click()
    answer(page, "Are you aged 18 or over?", "Yes")
    answer(
        page,
        "Are you currently under the care of a community mental health team, a crisis team "
        "or another specialist mental health service?",
        "No",
    )
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Your referral").wait_for()
    assert_accessible(page, "referral form")

    fill_referral(page)
    page.get_by_role("button", name="Send my referral").click()
    # Questionnaires not answered yet: the error summary and messages beside the fields.
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert "PHQ-9 question 1" in summary.inner_text()
    assert_accessible(page, "referral form with errors")
    assert page.get_by_label("First name").input_value() == "Morgan"
    assert (
        page.get_by_label("What is troubling you at the moment?")
        .input_value()
        .startswith("Since my partner left")
    )
    summary.get_by_role("link").first.click()

    fill_questionnaires(page)
    page.get_by_role("button", name="Send my referral").click()

    page.get_by_role("heading", name="Referral sent").wait_for()
    reference = page.get_by_test_id("reference").inner_text()
    assert reference.startswith("IP-")
    assert "116 123" in page.content()  # risk disclosed: signposting shown again
    assert_accessible(page, "confirmation page")
    referral = Referral.objects.get(reference=reference)
    assert referral.urgent and referral.last_name == "Browserfield"

    page.goto("/accounts/login/?next=/triage/")
    page.get_by_label("Username").fill("triage")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # First sign-in: set up the authenticator app, as a new member of staff would.
    page.get_by_role("heading", name="Set up your authenticator app").wait_for()
    assert_accessible(page, "authenticator set-up")
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Security code").fill(code_from_app(secret))
    page.get_by_role("button", name="Confirm and continue").click()
    assert len(page.get_by_test_id("backup-codes").locator("li").all()) == 10
    page.get_by_role("link", name="I have kept my codes, continue").click()
    page.get_by_role("heading", name="Triage queue").wait_for()
    first_row = page.get_by_test_id("triage-queue").locator("tbody tr").first
    assert reference in first_row.inner_text()
    assert "Urgent" in first_row.inner_text()
    assert_accessible(page, "triage queue")
