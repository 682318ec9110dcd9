"""In a real browser: the course page's outcome panel, and an administrator importing a
Questionnaire that then appears in the list."""

import json
from typing import Any

import pytest

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.measures import fhir
from interplay.measures.instruments import BUILT_IN, to_dict
from interplay.measures.models import InstrumentDefinition
from interplay.measures.tests.helpers import course_with_scores
from interplay.measures.tests.test_fhir import SLEEP5
from interplay.test import give_hours, make_clinician, make_user, qualify
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_course_page_shows_scores_flags_and_chart(page: Any, live_server: Any) -> None:
    dara = make_clinician("dara", Role.THERAPIST, caseload_capacity=8)
    qualify(dara, "ipt")
    give_hours(dara, (0, "09:00", "17:00"))
    course = course_with_scores(dara, [18, 15, 11, 9], [12, 10, 8, 6], attended=4)
    signed_in_as(page, live_server, dara)

    page.goto(f"/courses/{course.public_id}/")
    panel = page.get_by_test_id("outcomes")
    panel.get_by_role("heading", name="Scores and outcomes").wait_for()
    assert "first 18, last 9 (change -9)" in panel.get_by_test_id("paired-scores").inner_text()
    flags = panel.get_by_test_id("flags").inner_text()
    assert "Reliable recovery (recovered and reliably improved)\nYes" in flags
    chart = panel.get_by_role("img", name="Chart of scores by session")
    chart.wait_for()
    # The data-URI image really decoded under the page's CSP: it has a drawn width.
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 0
    assert panel.get_by_test_id("scores").locator("tbody tr").count() == 4
    assert_accessible(page, "course page with outcomes")


def test_an_administrator_imports_a_questionnaire(page: Any, live_server: Any) -> None:
    # A transactional test starts from an emptied database: put the built-ins back.
    for built in BUILT_IN.values():
        InstrumentDefinition.objects.get_or_create(
            code=built.code,
            version=built.version,
            defaults={"definition": to_dict(built), "source": "built_in"},
        )
    admin = make_user("alex", Role.ADMINISTRATOR)
    signed_in_as(page, live_server, admin)

    page.goto("/measures/instruments/")
    assert_accessible(page, "questionnaire list")
    page.get_by_role("link", name="Import a FHIR Questionnaire").click()
    page.get_by_role("heading", name="Import a FHIR Questionnaire").wait_for()
    upload = page.get_by_label("FHIR Questionnaire (a .json file)")
    upload.set_input_files(
        {
            "name": "patient.json",
            "mimeType": "application/json",
            "buffer": b'{"resourceType": "Patient"}',
        }
    )
    page.get_by_role("button", name="Import the questionnaire").click()
    page.get_by_text("There is a problem").wait_for()
    assert "not a FHIR Questionnaire" in page.locator("#id_questionnaire-error").inner_text()
    assert_accessible(page, "import with an error")

    content = json.dumps(fhir.to_questionnaire(SLEEP5)).encode()
    page.get_by_label("FHIR Questionnaire (a .json file)").set_input_files(
        {"name": "sleep5.json", "mimeType": "application/json", "buffer": content}
    )
    page.get_by_role("button", name="Import the questionnaire").click()
    page.get_by_text("Imported Sleep-5 (invented), version 2024.1.").wait_for()
    rows = page.get_by_test_id("instruments").locator("tbody tr")
    assert rows.count() == 3
    assert "Sleep-5 (invented)" in rows.nth(2).inner_text()
    assert InstrumentDefinition.objects.get(code="sleep5").imported_by == admin
