"""A facilitator runs a group IPT cohort in a real browser: forms a group of six from the
waiting list, starts it, records the pre-group sessions, records attendance at all
eight group sessions while one member leaves, and reads the group's summary."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from interplay.accounts.roles import Role
from interplay.browser import assert_accessible
from interplay.groups.models import Group, GroupMember
from interplay.groups.tests.helpers import (
    NAMES,
    accept,
    course_of,
    ready_to_facilitate,
    waiting_for_group,
)
from interplay.test import make_clinician
from interplay.triage.tests.test_journey_browser import signed_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _after(moment: dt.datetime) -> time_machine.travel:
    # Forward only: the browser keeps its own clock, and a cookie set "in the past" by a
    # server travelling backwards would be dropped at once.
    return time_machine.travel(moment + dt.timedelta(hours=2), tick=True)


def test_a_facilitator_runs_a_group_of_six_to_its_summary(page: Any, live_server: Any) -> None:
    fran = make_clinician("fran", Role.THERAPIST)
    ready_to_facilitate(fran)
    waiting = [waiting_for_group(name) for name in NAMES[:7]]
    first = timezone.localdate() + dt.timedelta(days=21)
    page.set_viewport_size({"width": 1280, "height": 900})
    signed_in_as(page, live_server, fran)

    page.goto(f"{live_server.url}/groups/")
    assert_accessible(page, "groups list")
    page.get_by_role("link", name="Form a group from the waiting list").click()
    page.get_by_label("Name of the group").fill("Wednesday group")
    page.get_by_role("group", name="Day of the week").get_by_label("Wednesday").check()
    page.get_by_label("Time").fill("10:00")
    when = page.get_by_role("group", name="First session on or after")
    when.get_by_label("Day").fill(str(first.day))
    when.get_by_label("Month").fill(str(first.month))
    when.get_by_label("Year").fill(str(first.year))
    page.get_by_label("Video link (optional)").fill("https://meet.example.org/wednesday")
    invited = page.get_by_role("group", name="Invite from the group IPT waiting list")
    for referral in waiting[:6]:
        invited.get_by_label(f"{referral.full_name} ({referral.reference})").check()
    assert_accessible(page, "form a group")
    page.get_by_role("button", name="Form the group").click()
    page.get_by_text("Wednesday group formed.").wait_for()
    assert_accessible(page, "a forming group")

    group = Group.objects.get()
    members = list(GroupMember.objects.filter(group=group).order_by("invited_at", "id"))
    assert len(members) == 6
    for member in members:  # each answers "yes" in their portal
        accept(member)
    page.reload()
    page.get_by_role("button", name="Start the group").click()
    page.get_by_text("The group has started: its sessions are booked.").wait_for()

    # The pre-group sessions: each member meets Fran on their own before session 1.
    pre_group = [
        course_of(m).appointments.get(number=0) for m in GroupMember.objects.filter(group=group)
    ]
    with _after(max(a.starts_at for a in pre_group)):
        signed_in_as(page, live_server, fran)
        for member in members:  # from the group page, each member's pre-group session
            page.goto(f"{live_server.url}/groups/{group.public_id}/")
            name = member.referral.full_name
            page.get_by_role("link", name=f"Booked (pre-group session of {name})").click()
            page.get_by_label("Attended", exact=True).check()
            page.get_by_role("button", name="Record attendance").click()
            page.get_by_text("Attendance recorded.").wait_for()

    sessions = list(group.sessions.order_by("number"))
    leaver = members[2]
    for session in sessions:
        with _after(session.starts_at):
            signed_in_as(page, live_server, fran)
            page.goto(f"{live_server.url}/groups/sessions/{session.public_id}/")
            form = page.get_by_test_id("attendance-form")
            for member in members:
                if session.number > 3 and member.pk == leaver.pk:
                    continue
                answer = "Did not attend" if (member.pk == leaver.pk) else "Attended"
                form.get_by_role("group", name=member.referral.full_name).get_by_label(
                    answer, exact=True
                ).check()
            if session.number == 1:
                assert_accessible(page, "a group session")
            page.get_by_role("button", name="Record attendance").click()
            page.get_by_text("Attendance recorded.").wait_for()
            if session.number == 3:
                page.goto(f"{live_server.url}/groups/{group.public_id}/")
                page.get_by_text("A member leaves the group").click()
                name = leaver.referral.full_name
                page.get_by_label(f"Why is {name} leaving?").fill("Has moved away.")
                page.get_by_role("button", name=f"{name} leaves").click()
                page.get_by_text("The member has left; the group goes on.").wait_for()
        if session.number == 8:
            with _after(session.starts_at):
                signed_in_as(page, live_server, fran)
                page.goto(f"{live_server.url}/groups/{group.public_id}/")
                page.get_by_role("button", name="End the group").click()
                page.get_by_text("The group has ended").wait_for()
                counts = page.get_by_test_id("member-counts").inner_text()
                assert "5 finished, 1 left" in counts, counts
                rows = page.get_by_test_id("attendance").locator("tbody tr")
                assert rows.count() == 8
                assert "5 of 6" in rows.nth(0).inner_text()  # session 1: one did not attend
                assert "5 of 5" in rows.nth(7).inner_text()
                outcomes = page.get_by_test_id("outcomes").inner_text()
                assert "Members finished" in outcomes
                assert_accessible(page, "the group's summary")
                # On a phone the page keeps still; only its tables scroll, each in its
                # own region.
                page.set_viewport_size({"width": 390, "height": 844})
                assert page.evaluate(
                    "() => document.documentElement.scrollWidth"
                    " <= document.documentElement.clientWidth"
                )
                members = page.get_by_role("region", name="Members")
                assert members.evaluate("r => getComputedStyle(r).overflowX") == "auto"
                assert_accessible(page, "the group's summary on a phone")
