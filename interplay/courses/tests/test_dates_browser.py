"""In a real browser: a session cannot move past the next one (the message beside the
field, what was typed kept), and a course cannot end as completed while past sessions
are unresolved (the page lists them to resolve first)."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.courses import services
from interplay.courses.models import Appointment, AppointmentStatus
from interplay.test import allocated_to, give_hours, make_clinician, qualify
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def test_a_refused_move_and_an_ending_with_unresolved_sessions(page: Any, live_server: Any) -> None:
    ivy = make_clinician("ivy", Role.THERAPIST, caseload_capacity=8)
    qualify(ivy, "ipt")
    give_hours(ivy, *[(day, "09:00", "17:00") for day in range(5)])
    # A course begun three weeks ago (booked as history): its first sessions have passed
    # and nobody recorded what happened at them.
    course = services.start_course(
        actor=ivy,
        referral=allocated_to(ivy, "ipt"),
        protocol_code="ipt16",
        weekday=0,
        at=dt.time(10),
        first_date=timezone.localdate() - dt.timedelta(weeks=3),
        history=True,
    )
    now = timezone.now()
    past = list(course.appointments.filter(starts_at__lt=now).order_by("number"))
    coming = list(course.appointments.filter(starts_at__gte=now).order_by("number")[:2])
    this, following = coming
    signed_in_as(page, live_server, ivy)

    # Moving the next session to the day after the one that follows it is refused.
    page.goto(f"/courses/sessions/{this.public_id}/")
    assert (
        "Your working hours: Monday 09:00 to 17:00"
        in page.get_by_test_id("working-hours").inner_text()
    )
    too_late = following.starts_at.astimezone(LONDON).date() + dt.timedelta(days=1)
    new = page.get_by_role("group", name="New date")
    new.get_by_label("Day").fill(str(too_late.day))
    new.get_by_label("Month").fill(str(too_late.month))
    new.get_by_label("Year").fill(str(too_late.year))
    page.get_by_label("New time").fill("11:00")
    page.get_by_role("button", name="Move the session").click()
    beside = page.locator("#id_move-date-error")
    beside.wait_for()
    assert f"so session {this.number} must end before it starts" in beside.inner_text()
    assert f"Session {following.number} is on" in beside.inner_text()
    assert page.get_by_role("group", name="New date").get_by_label("Day").input_value() == str(
        too_late.day
    )
    assert page.get_by_label("New time").input_value() == "11:00"
    assert page.title().startswith("Error: ")
    assert_accessible(page, "refused move")
    this.refresh_from_db()
    assert this.status == AppointmentStatus.BOOKED

    # Ending as completed is refused while past sessions are unresolved; they are listed.
    page.goto(f"/courses/{course.public_id}/")
    page.get_by_text("End this course").click()
    listed = page.get_by_test_id("unresolved")
    for appointment in past:
        assert f"Session {appointment.number}," in listed.inner_text()
    page.get_by_role("group", name="How did the course end?").get_by_label("Completed").check()
    page.get_by_label("Why, in a sentence or two").fill("Recovered and agreed to finish early.")
    page.get_by_role("button", name="End the course").click()
    refusal = page.locator("#id_end-outcome-error")
    refusal.wait_for()
    assert "before ending the course as completed" in refusal.inner_text()
    assert page.get_by_label("Why, in a sentence or two").input_value() == (
        "Recovered and agreed to finish early."
    )
    assert_accessible(page, "refused ending")

    # Resolve each from the list, then end the course.
    for appointment in past:
        page.goto(f"/courses/{course.public_id}/")
        page.get_by_text("End this course").click()
        page.get_by_test_id("unresolved").get_by_role(
            "link", name=f"Session {appointment.number},"
        ).click()
        page.get_by_role("group", name="What happened?").get_by_label("Attended").check()
        page.get_by_role("button", name="Record attendance").click()
        page.get_by_text("Attendance recorded.").wait_for()
    page.goto(f"/courses/{course.public_id}/")
    page.get_by_text("End this course").click()
    assert page.get_by_test_id("unresolved").count() == 0
    page.get_by_role("group", name="How did the course end?").get_by_label("Completed").check()
    page.get_by_label("Why, in a sentence or two").fill("Recovered and agreed to finish early.")
    page.get_by_role("button", name="End the course").click()
    page.get_by_text("Course ended.").wait_for()
    assert page.get_by_test_id("status").inner_text().startswith("Completed on ")
    assert f"{len(past)} attended of 16 planned" in page.get_by_test_id("attended").inner_text()
    assert_accessible(page, "ended course")
    later = Appointment.objects.filter(course=course, starts_at__gte=now)
    assert set(later.values_list("status", flat=True)) == {AppointmentStatus.NOT_NEEDED}
