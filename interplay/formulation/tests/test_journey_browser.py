"""A therapist builds an IPT formulation in a real browser: five people in the inventory,
placed on the closeness circle, a life event on the timeline, a role dispute at impasse
agreed with the patient, and then "agree the focus" ticked in the session record."""

from typing import Any

import pytest

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.formulation.models import Focus, InventoryEntry
from interplay.formulation.tests.factories import course_of
from interplay.lib.tests.svg import drawn_text
from interplay.test import make_clinician
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    ("Sam", "Partner or spouse", "Inner ring (closest)"),
    ("Mum", "Parent", "Inner ring (closest)"),
    ("Priya", "Friend", "Middle ring"),
    ("Joe", "Brother or sister", "Middle ring"),
    ("Dev, her manager", "Colleague or manager", "Outer ring (least close)"),
]


def test_a_therapist_builds_the_formulation_and_agrees_the_focus(
    page: Any, live_server: Any
) -> None:
    ivy = make_clinician("ivy", Role.THERAPIST, caseload_capacity=5)
    course = course_of(ivy, "ipt")
    first = course.appointments.get(number=1)
    signed_in_as(page, live_server, ivy)

    # "Agree the focus" is refused, beside the tasks, before any focus is agreed.
    page.goto(f"/encounters/{first.public_id}/")
    tasks = page.get_by_role("group", name="What this session covered")
    tasks.get_by_label("Agree the focus (problem area)").check()
    page.get_by_label("Session notes").fill("Talked about Sam.")
    page.get_by_role("button", name="Save as a draft").click()
    page.get_by_text("Record the focus and mark it agreed").first.wait_for()
    assert "mark it agreed" in page.locator(".nhsuk-form-group--error").inner_text()
    assert page.get_by_label("Session notes").input_value() == "Talked about Sam."
    assert_accessible(page, "session record refusing the task")

    page.goto(f"/courses/{course.public_id}/")
    page.get_by_role("link", name="Inventory, closeness circle, timeline and focus").click()
    page.get_by_role("heading", name="Formulation", exact=True).wait_for()
    assert_accessible(page, "empty formulation page")

    for index, (name, relationship, _) in enumerate(PEOPLE):
        page.get_by_role("button", name="Add a person").click()
        if index == 0:
            page.get_by_role("button", name="Save").click()
            page.get_by_text("There is a problem").wait_for()
            assert_accessible(page, "inventory form with errors")
        page.get_by_label("Name or label").fill(name)
        page.get_by_role("group", name="Relationship").get_by_label(relationship).check()
        page.get_by_label("What is unsatisfying").fill(f"Synthetic note about {name}.")
        page.get_by_role("group", name="Can the patient confide in them?").get_by_label(
            "Partly"
        ).check()
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Person added to the inventory.").wait_for()
    assert page.get_by_test_id("inventory").locator("tbody tr").count() == 5

    page.get_by_role("link", name="Sam", exact=True).click()
    page.get_by_role("heading", name="Sam").wait_for()
    page.get_by_role("button", name="Change").click()
    page.get_by_label("Feelings when with them").fill("Tense, then guilty.")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The earlier version is kept.").wait_for()
    page.get_by_role("link", name="Sam", exact=True).click()
    assert "Changed 1 time" in page.get_by_test_id("history-summary").inner_text()
    page.get_by_text("Version 1, by").click()
    assert_accessible(page, "a person with an earlier version")
    page.get_by_role("link", name="Back to the formulation").click()

    page.get_by_role("button", name="Place people on the circle").click()
    assert_accessible(page, "placing people on the circle")
    for name, _, ring in PEOPLE:
        page.get_by_role("group", name=name, exact=True).get_by_label(ring).check()
    page.get_by_role("button", name="Save the circle").click()
    page.get_by_text("Closeness circle saved.").wait_for()
    table = page.get_by_test_id("circle-table").inner_text()
    for name, _, ring in PEOPLE:
        assert ring in table
        assert name in table
    assert page.get_by_test_id("circle").locator("circle[data-person]").count() == 5
    # On this 390 px phone every word of the circle shows at 12 px or more.
    drawn = page.get_by_test_id("circle")
    shown = drawn.evaluate("svg => svg.getBoundingClientRect().width")
    for text, px in drawn_text(drawn.evaluate("svg => svg.outerHTML"), column_px=shown):
        assert px >= 12, (text, px)
    assert {e.ring for e in InventoryEntry.objects.all()} == {1, 2, 3}

    page.get_by_role("button", name="Add a life event").click()
    when = page.get_by_role("group", name="When it happened")
    when.get_by_label("Month").fill("3")
    when.get_by_label("Year").fill("2025")
    page.get_by_label("What happened").fill("Sam stopped talking about the money arguments.")
    page.get_by_label("Mood got worse").check()
    page.get_by_role("group", name="People involved (optional)").get_by_label("Sam").check()
    assert_accessible(page, "adding a life event")
    page.get_by_role("button", name="Add to the timeline").click()
    page.get_by_text("Life event added to the timeline.").wait_for()
    assert "March 2025" in page.get_by_test_id("timeline").inner_text()

    page.get_by_role("button", name="Record the focus").click()
    page.get_by_role("group", name="Problem area", exact=True).get_by_label("Role dispute").check()
    page.get_by_role("group", name="Stage of the dispute").get_by_label("Impasse").check()
    page.get_by_label("Rationale").fill("Mood fell as the arguments with Sam went quiet.")
    page.get_by_role("group", name="People involved (optional)").get_by_label("Sam").check()
    page.get_by_label("Interpersonal formulation").fill(
        "Your low mood is tied to the disagreement with Sam that has stopped being talked about."
    )
    agreed = page.get_by_role("group", name="Date agreed with the patient (optional)")
    agreed.get_by_label("Day").fill("21")
    agreed.get_by_label("Month").fill("9")
    agreed.get_by_label("Year").fill("2026")
    assert_accessible(page, "recording the focus")
    page.get_by_role("button", name="Save the focus").click()
    page.get_by_text("Focus saved.").wait_for()
    focus = page.get_by_test_id("focus").inner_text()
    assert "Role dispute" in focus
    assert "Impasse" in focus
    assert "21 September 2026" in focus
    assert "Agreed with the patient." in page.get_by_test_id("focus-state").inner_text()
    assert_accessible(page, "the full formulation page")
    assert Focus.objects.get().agreed

    page.goto(f"/encounters/{first.public_id}/")
    tasks = page.get_by_role("group", name="What this session covered")
    tasks.get_by_label("Agree the focus (problem area)").check()
    page.get_by_role("button", name="Save as a draft").click()
    page.get_by_text("Record saved as a draft").wait_for()
    assert tasks.get_by_label("Agree the focus (problem area)").is_checked()
