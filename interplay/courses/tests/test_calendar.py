"""The therapist's week and the iCalendar feed on a secret, revocable address."""

import datetime as dt

import time_machine
from django.urls import reverse
from icalendar import Calendar

from interplay.courses import calendar, services
from interplay.test import BaseTestCase, allocated_to, give_hours, qualify


@time_machine.travel(dt.datetime(2026, 12, 9, 8, tzinfo=dt.UTC), tick=False)
class CalendarTests(BaseTestCase):
    def setUp(self) -> None:
        qualify(self.therapist, "ipt")
        give_hours(self.therapist, (2, "09:00", "17:00"))
        referral = allocated_to(self.therapist, "ipt")
        self.course = services.start_course(
            actor=self.therapist,
            referral=referral,
            protocol_code="ipt16",
            weekday=2,
            at=dt.time(10),
            first_date=dt.date(2026, 12, 2),
            history=True,
        )

    def test_the_week_shows_todays_session_with_the_person(self) -> None:
        self.sign_in(self.therapist)
        page = self.client.get(reverse("calendar"))
        self.assertContains(page, "Today, Wednesday 9 December")
        self.assertContains(page, "Robin Testwell")
        self.assertContains(page, "session 2 of 16")

    def test_the_feed_has_the_sessions_without_names_and_can_be_revoked(self) -> None:
        self.sign_in(self.therapist)
        self.client.post(reverse("calendar_issue"))
        token = self.therapist.calendar_feed.token
        anonymous = self.client_class()
        response = anonymous.get(reverse("calendar_feed", args=[token]))
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        parsed = Calendar.from_ical(response.content)
        events = [c for c in parsed.walk("VEVENT")]
        self.assertEqual(len(events), 16)
        self.assertNotIn(b"Testwell", response.content)
        self.assertIn("Therapy session 1 of 16", str(events[0]["summary"]))
        self.client.post(reverse("calendar_revoke"))
        self.assertEqual(anonymous.get(reverse("calendar_feed", args=[token])).status_code, 404)

    def test_a_new_address_stops_the_old_one(self) -> None:
        old = calendar.new_feed(actor=self.therapist).token
        new = calendar.new_feed(actor=self.therapist).token
        self.assertNotEqual(old, new)
        self.assertEqual(self.client.get(reverse("calendar_feed", args=[old])).status_code, 404)
        self.assertEqual(self.client.get(reverse("calendar_feed", args=[new])).status_code, 200)

    def test_the_calendar_is_for_therapists(self) -> None:
        for user, status in [(self.therapist, 200), (self.triage, 403), (self.manager, 403)]:
            self.sign_in(user)
            self.assertEqual(self.client.get(reverse("calendar")).status_code, status, user)
