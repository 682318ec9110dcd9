"""The audit viewer and the list of who looked at a referral: administrators only."""

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from interplay.audit.context import RequestContext, current
from interplay.audit.models import AuditEvent
from interplay.audit.services import record
from interplay.test import AUDIT_WRITE, BaseTestCase, make_referral

EVENTS = reverse("audit:events")
LONDON = ZoneInfo("Europe/London")


def access_url(public_id: uuid.UUID) -> str:
    return reverse("audit:referral_access", args=[public_id])


def recorded_on(day: dt.date, **kwargs: object) -> AuditEvent:
    """An event recorded at noon, London time, on ``day``."""
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=LONDON), tick=False):
        return record(**kwargs)  # type: ignore[arg-type]


class PermissionTests(BaseTestCase):
    def test_anonymous_people_are_asked_to_sign_in(self) -> None:
        referral = make_referral(email="")
        for url in (EVENTS, access_url(referral.public_id)):
            self.assertRedirects(
                self.client.get(url),
                f"{reverse('accounts:login')}?next={url}",
                fetch_redirect_response=False,
            )

    def test_clinicians_and_managers_are_refused(self) -> None:
        referral = make_referral(email="")
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            self.sign_in(user)
            for url in (EVENTS, access_url(referral.public_id)):
                self.assertEqual(self.client.get(url).status_code, 403, (user, url))

    def test_administrators_see_both_pages(self) -> None:
        referral = make_referral(email="")
        self.sign_in(self.admin)
        for url in (EVENTS, access_url(referral.public_id)):
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_an_unknown_referral_is_not_found(self) -> None:
        self.sign_in(self.admin)
        self.assertEqual(self.client.get(access_url(uuid.uuid4())).status_code, 404)

    def test_the_trail_is_filtered_by_post_and_the_access_list_only_read(self) -> None:
        self.sign_in(self.admin)
        self.assertEqual(self.client.put(EVENTS).status_code, 405)
        url = access_url(make_referral(email="").public_id)
        self.assertEqual(self.client.post(url).status_code, 405)


class EventsTests(BaseTestCase):
    def setUp(self) -> None:
        self.sign_in(self.admin)

    def filtered(self, query: dict[str, str], page: str = "") -> Any:
        """Post the filters, then open their results page (``page`` N of them)."""
        posted = self.client.post(EVENTS, query)
        if posted.status_code != 302:
            return posted
        self.assertTrue(posted["Location"].startswith(f"{EVENTS}?search="))
        return self.client.get(posted["Location"] + (f"&page={page}" if page else ""))

    def shown(self, query: dict[str, str]) -> list[AuditEvent]:
        response = self.filtered(query)
        self.assertEqual(response.status_code, 200, response.context["form"].errors)
        return list(response.context["page"].object_list)

    def test_newest_first_with_who_what_and_where(self) -> None:
        token = current.set(RequestContext("req-9", "192.0.2.44"))
        try:
            record(actor=self.triage, action="test.first")
            record(actor=self.triage, action="test.second", detail={"roles": ["triage"]})
        finally:
            current.reset(token)
        response = self.client.get(EVENTS)
        actions = [e.action for e in response.context["page"].object_list]
        self.assertEqual(actions[:2], ["test.second", "test.first"])
        self.assertContains(response, "192.0.2.44")
        self.assertContains(response, "roles: triage")

    def test_it_filters_by_person(self) -> None:
        record(actor=self.triage, action="test.mine")
        record(actor=self.manager, action="test.theirs")
        self.assertEqual({e.actor_label for e in self.shown({"actor": "triage"})}, {"triage"})

    def test_it_filters_by_action_or_a_group_of_actions(self) -> None:
        record(actor=self.triage, action="test.viewed")
        record(actor=self.triage, action="test.changed")
        record(actor=self.triage, action="testing.viewed")
        exact = self.shown({"action": "test.viewed"})
        self.assertEqual([e.action for e in exact], ["test.viewed"])
        group = self.shown({"action": "test"})
        self.assertEqual([e.action for e in group], ["test.changed", "test.viewed"])

    def test_it_filters_by_record_id_or_a_reference_a_list_showed(self) -> None:
        referral = make_referral(email="")
        other = make_referral(email="")
        record(actor=self.triage, action="referral.viewed", obj=referral)
        record(actor=self.triage, action="referral.viewed", obj=other)
        record(
            actor=self.triage,
            action="triage_queue.viewed",
            detail={"referrals": [referral.reference]},
        )
        by_id = self.shown({"record": str(referral.public_id).upper()})
        self.assertEqual([e.action for e in by_id], ["referral.viewed", "referral.submitted"])
        by_reference = self.shown({"record": referral.reference})
        self.assertEqual([e.action for e in by_reference], ["triage_queue.viewed"])

    def test_it_filters_by_dates_inclusive_in_local_time(self) -> None:
        for day in (1, 2, 3, 4):
            recorded_on(dt.date(2026, 6, day), actor=self.triage, action=f"test.day{day}")
        shown = self.shown(
            {
                "action": "test",
                "date_from_0": "2",
                "date_from_1": "6",
                "date_from_2": "2026",
                "date_to_0": "3",
                "date_to_1": "6",
                "date_to_2": "2026",
            }
        )
        self.assertEqual([e.action for e in shown], ["test.day3", "test.day2"])

    def test_the_first_and_last_possible_days_are_allowed(self) -> None:
        record(actor=self.triage, action="test.now")
        dates = {"date_from_0": "1", "date_from_1": "1", "date_from_2": "0001"}
        dates |= {"date_to_0": "31", "date_to_1": "12", "date_to_2": "9999"}
        self.assertEqual([e.action for e in self.shown({"action": "test", **dates})], ["test.now"])

    def test_it_shows_fifty_a_page_and_keeps_the_filters_on_the_next(self) -> None:
        for n in range(55):
            record(actor=self.triage, action="test.many", detail={"n": n})
        response = self.filtered({"action": "test.many"})
        self.assertEqual(len(response.context["page"].object_list), 50)
        search = response.wsgi_request.GET["search"]
        self.assertContains(response, f'href="?search={search}&amp;page=2"')
        second = self.filtered({"action": "test.many"}, page="2")
        self.assertEqual(len(second.context["page"].object_list), 5)

    def test_invalid_filters_are_explained_beside_the_field_and_kept(self) -> None:
        response = self.filtered(
            {"action": "Referral Viewed!", "date_from_0": "31", "date_from_1": "2"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "There is a problem", status_code=400)
        self.assertContains(
            response,
            '<span class="nhsuk-error-message" id="id_action-error">'
            '<span class="nhsuk-u-visually-hidden">Error:</span> '
            "Enter an action like referral.viewed",
            status_code=400,
        )
        self.assertContains(response, "Start date must include a year", status_code=400)
        self.assertContains(response, 'value="Referral Viewed!"', status_code=400)
        self.assertContains(response, 'value="31"', status_code=400)
        self.assertNotIn("page", response.context)

    def test_an_end_before_the_start_is_refused(self) -> None:
        dates = {"date_from_0": "3", "date_from_1": "6", "date_from_2": "2026"}
        dates |= {"date_to_0": "2", "date_to_1": "6", "date_to_2": "2026"}
        response = self.filtered(dates)
        self.assertContains(
            response,
            "The end date must be the same as or after the start date",
            status_code=400,
        )

    def test_looking_is_audited_with_the_filters_used(self) -> None:
        self.filtered({"actor": "triage", "action": "referral"}, page="1")
        event = AuditEvent.objects.by_action("audit.viewed").get()
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(
            event.detail,
            {"view": "events", "filters": {"actor": "triage", "action": "referral"}, "page": 1},
        )

    def test_a_look_with_refused_filters_keeps_their_names_not_what_was_typed(self) -> None:
        self.filtered({"actor": "no spaces allowed"})
        event = AuditEvent.objects.by_action("audit.viewed").get()
        self.assertEqual(
            event.detail, {"view": "events", "filters": {}, "page": 0, "rejected": ["actor"]}
        )

    def test_the_query_count_does_not_grow_with_the_trail(self) -> None:
        self.client.get(EVENTS)  # warm the session and content types
        # session, user with roles and device, count, page, service settings, and
        # the audit event
        with self.assertNumQueries(5 + AUDIT_WRITE):
            self.client.get(EVENTS)
        for n in range(80):
            record(actor=self.triage, action="test.many", detail={"n": n})
        with self.assertNumQueries(5 + AUDIT_WRITE):
            self.client.get(EVENTS, {"page": "2"})

    def test_what_was_typed_is_never_in_the_address(self) -> None:
        record(actor=self.triage, action="referral.viewed")
        posted = self.client.post(EVENTS, {"actor": "triage", "record": "IP-7KMX-3QAD"})
        self.assertNotIn("triage", posted["Location"])
        self.assertNotIn("IP-7KMX", posted["Location"])
        page = self.client.get(posted["Location"])
        self.assertContains(page, 'value="IP-7KMX-3QAD"')
        # A filter put in the address bar filters nothing.
        everything = self.client.get(EVENTS, {"actor": "nobody"})
        self.assertFalse(everything.context["filtered"])


class ReferralAccessTests(BaseTestCase):
    def setUp(self) -> None:
        self.referral = make_referral(email="")
        self.sign_in(self.admin)

    def test_it_lists_who_opened_it_or_saw_it_listed_newest_first(self) -> None:
        other = make_referral(email="")
        token = current.set(RequestContext("req-1", "192.0.2.10"))
        try:
            recorded_on(
                dt.date(2026, 5, 1), actor=self.triage, action="referral.viewed", obj=self.referral
            )
            recorded_on(
                dt.date(2026, 5, 2),
                actor=self.supervisor,
                action="triage_queue.viewed",
                detail={"referrals": [other.reference, self.referral.reference]},
            )
            record(actor=self.triage, action="referral.viewed", obj=other)
            record(
                actor=self.triage,
                action="triage_queue.viewed",
                detail={"referrals": [other.reference]},
            )
        finally:
            current.reset(token)
        response = self.client.get(access_url(self.referral.public_id))
        looks = [(e.actor_label, e.action) for e in response.context["page"].object_list]
        self.assertEqual(
            looks, [("supervisor", "triage_queue.viewed"), ("triage", "referral.viewed")]
        )
        self.assertContains(response, self.referral.reference)
        self.assertContains(response, "Saw it listed on the triage queue")
        self.assertContains(response, "Opened the referral")
        self.assertContains(response, "1 May 2026 12:00:00")
        self.assertContains(response, "Supervisor (supervisor)")
        self.assertContains(response, "192.0.2.10")
        self.assertNotContains(response, self.referral.last_name)

    def test_the_audit_pages_own_looks_are_not_looks_at_the_record(self) -> None:
        self.client.get(access_url(self.referral.public_id))
        response = self.client.get(access_url(self.referral.public_id))
        self.assertEqual(list(response.context["page"].object_list), [])
        self.assertContains(response, "Nobody has looked at this referral yet")

    def test_looking_is_audited_against_the_referral(self) -> None:
        self.client.get(access_url(self.referral.public_id))
        event = AuditEvent.objects.by_action("audit.viewed").get()
        self.assertEqual(event.object_id, str(self.referral.public_id))
        self.assertEqual(event.detail, {"view": "access", "page": 1})

    def test_the_query_count_does_not_grow_with_the_looks(self) -> None:
        url = access_url(self.referral.public_id)
        record(actor=self.triage, action="referral.viewed", obj=self.referral)
        self.client.get(url)
        # session, user with roles and device, referral, count, page, service
        # settings, and the audit event
        with self.assertNumQueries(6 + AUDIT_WRITE):
            self.client.get(url)
        for _ in range(60):
            record(actor=self.triage, action="referral.viewed", obj=self.referral)
        with self.assertNumQueries(6 + AUDIT_WRITE):
            self.client.get(url)


class HeaderLinkTests(BaseTestCase):
    def test_only_administrators_are_shown_the_audit_link(self) -> None:
        link = f'<a href="{EVENTS}">Audit trail</a>'
        self.sign_in(self.admin)
        self.assertContains(self.client.get(reverse("home"), follow=True), link, html=True)
        for user in (self.triage, self.manager):
            self.sign_in(user)
            self.assertNotContains(self.client.get(reverse("home"), follow=True), link, html=True)
