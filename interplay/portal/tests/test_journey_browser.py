"""A patient answers before their session on a phone, and their therapist acts on the alert."""

import base64
import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.courses.models import Appointment
from interplay.courses.reminders import send_reminder
from interplay.lib.tests.svg import drawn_text
from interplay.monitoring.models import RiskAlert
from interplay.test import course_for, make_clinician
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_risk_answer_before_a_session_reaches_the_therapist(
    page: Any, live_server: Any, settings: Any
) -> None:
    settings.BASE_URL = live_server.url
    supervisor = make_clinician("sasha", Role.SUPERVISOR, Role.THERAPIST, hours=400)
    therapist = make_clinician("taylor", Role.THERAPIST, supervisor=supervisor)
    course = course_for(therapist, email="robin@example.org", first_date=dt.date(2027, 1, 4))
    # Session 1 is tomorrow: its questionnaires are open and its reminder is due.
    first = course.appointments.get(number=1)
    tomorrow = timezone.now().replace(microsecond=0) + dt.timedelta(hours=26)
    Appointment.objects.filter(pk=first.pk).update(
        starts_at=tomorrow, ends_at=tomorrow + dt.timedelta(minutes=50)
    )
    send_reminder.call(str(first.public_id))
    reminder = mail.outbox[-1]
    link = re.search(r"https?://\S+/portal/sign-in/\S+/", str(reminder.body))
    assert link, reminder.body

    # On the phone: the reminder's link, then the date of birth.
    page.goto(link.group(0))
    page.get_by_role("heading", name="Confirm your date of birth").wait_for()
    assert_accessible(page, "portal: date of birth")
    born = page.get_by_role("group", name="Your date of birth")
    born.get_by_label("Day").fill("17")
    born.get_by_label("Month").fill("5")
    born.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Hello Robin").wait_for()
    assert_accessible(page, "portal: home")

    page.get_by_role("link", name="Answer the PHQ-9").click()
    page.get_by_role("heading", name="PHQ-9").wait_for()
    assert_accessible(page, "portal: PHQ-9")
    # Sent with a question left out: asked for beside it, and the answers stay.
    for number in range(1, 9):
        page.get_by_role("group", name=re.compile(rf"^{number}\. ")).get_by_label(
            "Several days"
        ).check()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Select an answer to question 9").first.wait_for()
    assert_accessible(page, "portal: PHQ-9 with a question left out")
    assert (
        page.get_by_role("group", name=re.compile(r"^1\. "))
        .get_by_label("Several days")
        .is_checked()
    )
    page.get_by_role("group", name=re.compile(r"^9\. ")).get_by_label("Several days").check()
    page.get_by_role("button", name="Send my answers").click()

    # Help at once, before anything else.
    page.get_by_role("heading", name="Thank you. Please read this now").wait_for()
    assert page.get_by_role("heading", name="Get help now").is_visible()
    assert_accessible(page, "portal: help after a risk answer")
    page.get_by_role("link", name="Answer the GAD-7").click()
    for number in range(1, 8):
        page.get_by_role("group", name=re.compile(rf"^{number}\. ")).get_by_label(
            "Not at all"
        ).check()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you", exact=True).wait_for()
    page.get_by_role("link", name="Back to your page").click()
    assert page.get_by_test_id("due").count() == 0
    assert "9, mild" in page.get_by_test_id("scores").inner_text()
    own = page.get_by_test_id("own-chart").get_attribute("alt") or ""
    assert "PHQ-9 9 at session 1" in own, own
    # On this 390 px phone the chart shrinks to the column; its words stay 12 px or more.
    chart = page.get_by_test_id("own-chart")
    shown = chart.evaluate("img => img.getBoundingClientRect().width")
    assert 300 < shown <= 390, shown
    svg = base64.b64decode((chart.get_attribute("src") or "").split(",", 1)[1])
    for text, px in drawn_text(svg, column_px=shown):
        assert px >= 12, (text, px)
    page.get_by_role("link", name="Add an authenticator app (optional)").click()
    page.get_by_role("heading", name="Add an authenticator app").wait_for()
    assert_accessible(page, "portal: authenticator")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to your page").wait_for()
    assert_accessible(page, "portal: sign in")
    page.get_by_label("Your email address").fill("robin@example.org")
    page.get_by_role("button", name="Email me a link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    assert_accessible(page, "portal: link sent")
    page.goto(link.group(0))
    page.get_by_role("heading", name="This link no longer works").wait_for()
    assert_accessible(page, "portal: used link")

    # The therapist: an alert waits, with an email that says nothing clinical.
    alert = RiskAlert.objects.get()
    assert alert.therapist == therapist
    staff = page.context.browser.new_context(base_url=live_server.url)
    desk = staff.new_page()
    signed_in_as(desk, live_server, therapist)
    desk.goto("/monitoring/alerts/")
    assert "Robin Testwell" in desk.get_by_test_id("open-alerts").inner_text()
    assert_accessible(desk, "alert inbox")
    desk.get_by_role("link", name="Robin Testwell").click()
    assert "Question 9 answered 1 of 3" in desk.get_by_test_id("alert-answers").inner_text()
    desk.get_by_label("What have you done, or will you do?").fill(
        "Phoned Robin the same afternoon; agreed a safety plan."
    )
    desk.get_by_role("button", name="Acknowledge the alert").click()
    desk.get_by_text("Alert acknowledged.").wait_for()
    assert_accessible(desk, "acknowledged alert")
    desk.get_by_role("link", name="The course with").click()
    assert desk.get_by_test_id("course-alerts").count() == 0
    # The course's chart has the new point.
    chart = desk.get_by_test_id("scores-chart").get_attribute("alt") or ""
    assert "PHQ-9 9 at session 1" in chart, chart
    desk.get_by_test_id("sessions").locator("tbody tr").nth(0).get_by_role("link").click()
    answers = desk.get_by_test_id("session-answers").inner_text()
    assert "PHQ-9: 9 (Mild)" in answers or "PHQ-9: 9 (mild)" in answers, answers
    staff.close()
    assert not RiskAlert.objects.get().is_open


def test_a_patient_reads_what_was_shared_and_moves_someone_on_their_circle(
    page: Any, live_server: Any
) -> None:
    from interplay.encounters import services as encounters
    from interplay.formulation import services as formulation
    from interplay.patients import access
    from interplay.progress import services as progress

    therapist = make_clinician("taylor", Role.THERAPIST)
    course = course_for(therapist, email="robin@example.org", first_date=dt.date(2026, 9, 7))
    jo = formulation.add_person(actor=therapist, course=course, name="Jo", relationship="partner")
    formulation.place_person(actor=therapist, entry=jo, ring=3)
    formulation.record_focus(
        actor=therapist,
        course=course,
        problem_area="role_dispute",
        dispute_stage="impasse",
        rationale="Why.",
        formulation="Arguments with Jo began when you both changed jobs.",
        shared_with_patient=True,
    )
    problem = progress.add_problem(
        actor=therapist,
        course=course,
        kind="problem",
        description="Arguing with Jo",
        baseline=8,
        session=course.appointments.get(number=2),
    )
    progress.set_shared(actor=therapist, item=problem, shared=True)
    encounters.save_record(
        actor=therapist,
        appointment=course.appointments.get(number=3),
        between_session_task="Ask Jo for ten minutes to talk on Sunday.",
    )
    task = course.between_session_tasks.get()
    progress.set_shared(actor=therapist, item=task, shared=True)
    token = access.issue_link(course.patient, expires_at=timezone.now() + dt.timedelta(hours=1))

    page.goto(f"/portal/sign-in/{token}/")
    born = page.get_by_role("group", name="Your date of birth")
    born.get_by_label("Day").fill("17")
    born.get_by_label("Month").fill("5")
    born.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="What we are working on").wait_for()
    assert "changed jobs" in page.get_by_test_id("shared-formulation").inner_text()
    assert_accessible(page, "portal: home with shared work")
    page.get_by_test_id("problem").get_by_label("3", exact=True).check()
    page.get_by_role("button", name="Save my rating").click()
    page.get_by_text("Thank you: your rating is saved.").wait_for()
    assert "Last rated 3 out of 10" in page.get_by_test_id("problem").inner_text()
    page.get_by_label("What did you do, and how did it go?").fill("We talked on Sunday.")
    page.get_by_role("button", name="Save my note").click()
    page.get_by_text("Thank you: your note is saved for your therapist.").wait_for()
    page.get_by_role("link", name=re.compile("Your closeness circle")).click()
    page.get_by_role("heading", name="Your closeness circle").wait_for()
    assert_accessible(page, "portal: closeness circle")
    page.get_by_role("group", name="Jo").get_by_label(re.compile("Inner ring")).check()
    page.get_by_role("button", name="Save my circle").click()
    page.get_by_text("Thank you: your circle is saved.").wait_for()
    assert "Inner ring" in page.get_by_test_id("circle-table").inner_text()
    jo.refresh_from_db()
    task.refresh_from_db()
    assert (jo.ring, jo.placed_by_patient) == (1, True)
    assert task.patient_note == "We talked on Sunday."
