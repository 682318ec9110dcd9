"""A DIT therapist lists three problems, re-rates them at sessions 8 and 16, writes the
ending review and produces the goodbye letter, in a real browser, each page scanned."""

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.audit.actors import PatientActor
from interplay.browser import assert_accessible
from interplay.courses import services as courses
from interplay.encounters import services as encounters
from interplay.progress import services
from interplay.progress.models import BetweenSessionTask, CourseLetter, Problem
from interplay.progress.tests.factories import attend
from interplay.test import allocated_to, give_hours, make_clinician, qualify
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROBLEMS = [
    ("Problem", "Feeling invisible at work", "9", "6", "3"),
    ("Problem", "Rows with my partner about chores", "7", "5", "4"),
    ("Goal", "Say no without feeling guilty", "2", "5", "8"),
]


def test_problems_ratings_ending_review_and_goodbye_letter(page: Any, live_server: Any) -> None:
    dara = make_clinician("dara", Role.THERAPIST, hours=300, caseload_capacity=8)
    qualify(dara, "dit")
    give_hours(dara, (1, "09:00", "17:00"))
    # Started long enough ago that all 16 sessions have happened.
    course = courses.start_course(
        actor=dara,
        referral=allocated_to(dara, "dit"),
        protocol_code="dit16",
        weekday=1,
        at=dt.time(10),
        first_date=timezone.localdate() - dt.timedelta(weeks=20),
        history=True,
    )
    attend(course, *range(1, 17))  # and all 16 were recorded as attended
    signed_in_as(page, live_server, dara)

    page.goto(f"/courses/{course.public_id}/")
    page.get_by_role("link", name="Problems and goals").click()
    page.get_by_role("heading", name="Problems and goals", exact=True).wait_for()
    assert_accessible(page, "problems page, empty")
    for kind, words, first, _, _ in PROBLEMS:
        page.get_by_role("group", name="Is this a problem or a goal?").get_by_label(kind).check()
        page.get_by_label("In the patient's words").fill(words)
        page.get_by_label("First rating").fill(first)
        page.get_by_label("Identified at").select_option("1")
        page.get_by_role("button", name="Add it").click()
        page.get_by_text(f"{kind} added.").wait_for()

    for column, session in ((3, "8"), (4, "16")):
        page.get_by_label("Re-rating at").select_option(session)
        for index, row in enumerate(PROBLEMS, start=1):
            page.get_by_label(re.compile(f"^{row[0]} {index}: ")).fill(row[column])
        page.get_by_role("button", name="Save the ratings").click()
        page.get_by_text(f"Ratings at session {session} saved.").wait_for()

    rows = page.get_by_test_id("ratings").locator("tbody tr")
    assert rows.count() == 3
    assert re.sub(r"\s+", " ", rows.nth(0).inner_text()).startswith(
        "Problem 1: Feeling invisible at work Lower 9 (session 1) 6 3"
    )
    assert "Goal 3: Say no without feeling guilty\tHigher" in rows.nth(2).inner_text()
    chart = page.get_by_test_id("chart")
    assert "Chart of the ratings of 3 problems and goals" in (chart.get_attribute("alt") or "")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    # Show the first two to the patient; the third stays with the therapist.
    for index in (0, 1):
        page.get_by_test_id("ratings").locator("tbody tr").nth(index).get_by_role(
            "button", name=re.compile("^Show to the patient")
        ).click()
        page.get_by_text("Now shown to the patient.").wait_for()
    assert_accessible(page, "problems page with ratings")

    page.get_by_role("link", name="Back to the course").click()
    page.get_by_role("link", name="Ending review").click()
    page.get_by_role("heading", name="Ending review").wait_for()
    table = page.get_by_test_id("first-and-latest").inner_text()
    assert "Feeling invisible at work" in table and "9\t3" in table
    page.get_by_label("The patient's reflections").fill("I speak up sooner now.")
    page.get_by_label("Your reflections").fill("You noticed the pattern as it happened.")
    page.get_by_label("Warning signs").fill("Staying late and skipping meals.")
    page.get_by_label("What to do if they return").fill("Tell a friend; book a GP appointment.")
    page.get_by_role("button", name="Save the ending review").click()
    page.get_by_text("Ending review saved.").wait_for()
    assert_accessible(page, "ending review")

    page.get_by_role("link", name="Ending letters").click()
    page.get_by_role("heading", name="Ending letters").wait_for()
    goodbye = page.get_by_test_id("letter-goodbye")
    box = goodbye.get_by_label("The letter")
    drafted = box.input_value()
    assert "Feeling invisible at work" in drafted
    assert "Say no without feeling guilty" not in drafted  # not shared
    assert "Tell a friend; book a GP appointment." in drafted
    assert_accessible(page, "ending letters")
    box.fill(drafted + "\n\nIt was good to work with you. Take care.")
    goodbye.get_by_role("button", name="Produce the goodbye letter").click()
    page.get_by_text("Goodbye letter produced.").wait_for()
    link = page.get_by_role("link", name="Download the goodbye letter (PDF)")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("letter-goodbye-")
    assert_accessible(page, "ending letters, produced")

    # A task set at session 3, noted by the patient, shows on session 4's page.
    third, fourth = (course.appointments.get(number=n) for n in (3, 4))
    encounters.save_record(actor=dara, appointment=third, between_session_task="Say no once.")
    page.goto(f"/courses/sessions/{third.public_id}/")
    page.get_by_role("button", name="Show the task to the patient").click()
    page.get_by_text("Now shown to the patient.").wait_for()
    assert page.get_by_test_id("task-shared").inner_text() == "Shown to the patient."
    task = BetweenSessionTask.objects.get(set_at=third)
    services.note_task(actor=PatientActor(course.patient), task=task, note="I said no to Sam.")
    page.goto(f"/courses/sessions/{fourth.public_id}/")
    assert page.get_by_test_id("patient-note").inner_text() == "I said no to Sam."
    assert_accessible(page, "session page with the previous task")

    kept = CourseLetter.objects.get(course=course, kind="goodbye")
    assert kept.letter is not None and bytes(kept.letter.pdf).startswith(b"%PDF")
    assert Problem.objects.filter(course=course, shared=True).count() == 2
