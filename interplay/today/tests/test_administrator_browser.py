"""An administrator starts the day, retries an email that failed, and it leaves the page."""

from typing import Any

import pytest
from django.core import mail

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.clinic.models import JobRetry
from interplay.test import make_user
from interplay.today.tests.test_administrator import LETTER_TASK, failed_job, unsent_letter
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_retries_a_failed_email_and_it_leaves_the_list(
    page: Any, live_server: Any
) -> None:
    admin = make_user("avery", Role.ADMINISTRATOR)
    letter = unsent_letter()
    failed_job(LETTER_TASK, str(letter.public_id))
    signed_in_as(page, live_server, admin)
    page.set_viewport_size({"width": 1440, "height": 900})

    page.goto("/today/administrator/")
    jobs = page.get_by_test_id("failed-jobs")
    assert "Email a letter" in jobs.inner_text()
    assert "SMTPRecipientsRefused" in jobs.inner_text()
    assert "jo.bloggs" not in page.content()
    assert "Overdue" in page.get_by_test_id("runs").inner_text()
    assert_accessible(page, "the administrator's day")

    jobs.get_by_role("button", name="Retry").click()
    page.get_by_text("Email a letter: sent again.").wait_for()
    assert page.get_by_test_id("failed-jobs").count() == 0
    page.get_by_test_id("no-failed-jobs").wait_for()
    assert [m.to for m in mail.outbox] == [["jo.bloggs@example.org"]]
    assert JobRetry.objects.count() == 1
    assert_accessible(page, "the administrator's day after the retry")

    page.set_viewport_size({"width": 390, "height": 844})
    failed_job(LETTER_TASK, str(letter.public_id))
    page.goto("/today/administrator/")
    assert_accessible(page, "the administrator's day on a phone")
