"""An administrator keeps the service's words, rules, rooms and closure days."""

import datetime as dt
from typing import Any

import time_machine
from django.urls import reverse

from interplay.audit.models import AuditEvent
from interplay.clinic import services
from interplay.clinic.forms import ServiceRulesForm, ServiceWordsForm
from interplay.clinic.models import Closure, Room, ServiceSettings
from interplay.lib.errors import PermissionDenied, RuleViolation
from interplay.test import BaseTestCase

WORDS = reverse("settings:words")
RULES = reverse("settings:rules")
ROOMS = reverse("settings:rooms")
CLOSURES = reverse("settings:closures")
TODAY = dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC)


def form_data(form_class: Any, **changes: Any) -> dict[str, Any]:
    """What the page sends when someone changes only ``changes``."""
    form = form_class(instance=ServiceSettings.load())
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    return data | changes


def date_data(date: dt.date, reason: str) -> dict[str, Any]:
    return {"date_0": date.day, "date_1": date.month, "date_2": date.year, "reason": reason}


class SettingsPermissionTests(BaseTestCase):
    def test_the_permission_ladder(self) -> None:
        response = self.client.get(WORDS)
        self.assertRedirects(response, f"{reverse('accounts:login')}?next={WORDS}")
        for user in (self.therapist, self.supervisor, self.triage, self.manager):
            self.sign_in(user)
            self.assertEqual(self.client.get(WORDS).status_code, 403, user)
            self.assertEqual(self.client.post(WORDS, {"name": "Taken over"}).status_code, 403)
        self.sign_in(self.admin)
        self.assertEqual(self.client.get(WORDS).status_code, 200)
        self.assertEqual(self.client.get(reverse("settings:room", args=[999])).status_code, 404)
        self.assertNotEqual(ServiceSettings.load().name, "Taken over")

    def test_the_settings_link_is_in_the_administrators_navigation(self) -> None:
        self.sign_in(self.admin)
        home = self.client.get(reverse("home"), follow=True)
        self.assertContains(home, f'href="{reverse("settings:index")}"')
        index = self.client.get(reverse("settings:index"))
        for name in ("words", "rules", "rooms", "closures"):
            self.assertContains(index, f'href="{reverse(f"settings:{name}")}"')
        self.assertContains(index, f'href="{reverse("hours:staff")}"')

    def test_services_refuse_anyone_but_an_administrator(self) -> None:
        with self.assertRaises(PermissionDenied):
            services.add_room(actor=self.manager, name="Room 9")
        with self.assertRaises(PermissionDenied):
            services.add_closure(actor=self.therapist, date=dt.date(2026, 12, 24), reason="Party")


class ServiceWordsTests(BaseTestCase):
    def setUp(self) -> None:
        self.sign_in(self.admin)

    def test_a_changed_name_shows_at_once_and_is_audited(self) -> None:
        data = form_data(ServiceWordsForm, name="Leeds Talking Therapies")
        response = self.client.post(WORDS, data, follow=True)
        self.assertRedirects(response, reverse("settings:index"))
        self.assertContains(response, "Service words saved.")
        self.assertContains(response, "Leeds Talking Therapies")
        event = AuditEvent.objects.by_action("service_settings.changed").get()
        self.assertEqual((event.actor, event.detail), (self.admin, {"fields": ["name"]}))

    def test_an_empty_crisis_text_is_named_and_the_rest_is_kept(self) -> None:
        data = form_data(ServiceWordsForm, crisis_text="", name="Typed but not saved")
        response = self.client.post(WORDS, data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Enter the crisis signposting", status_code=400)
        self.assertContains(response, 'id="id_crisis_text-error"', status_code=400)
        self.assertContains(response, 'value="Typed but not saved"', status_code=400)
        self.assertNotEqual(ServiceSettings.load().name, "Typed but not saved")


class ServiceRulesTests(BaseTestCase):
    def setUp(self) -> None:
        self.sign_in(self.admin)

    def test_an_administrator_changes_the_minimum_age(self) -> None:
        data = form_data(ServiceRulesForm, minimum_referral_age="16")
        self.assertRedirects(self.client.post(RULES, data), reverse("settings:index"))
        self.assertEqual(ServiceSettings.load().minimum_referral_age, 16)

    def test_a_retention_of_zero_years_is_refused_beside_the_field(self) -> None:
        data = form_data(ServiceRulesForm, retention_years="0", breach_warning_days="ten")
        response = self.client.post(RULES, data)
        self.assertContains(
            response, "Enter the years records are kept of 1 or more", status_code=400
        )
        self.assertContains(
            response, "Enter the days of warning as a whole number, like 7", status_code=400
        )
        self.assertContains(response, 'value="ten"', status_code=400)
        self.assertEqual(ServiceSettings.load().retention_years, 8)

    def test_the_admin_saves_through_the_same_service(self) -> None:
        settings = ServiceSettings.load()
        url = reverse("admin:clinic_servicesettings_change", args=[settings.pk])
        data = form_data(ServiceWordsForm) | form_data(ServiceRulesForm, retention_years="10")
        data.update({"ipaf_defensive_function": "on", "wait_boundary_inclusive": "on"})
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        event = AuditEvent.objects.by_action("service_settings.changed").get()
        self.assertEqual((event.actor, event.detail), (self.admin, {"fields": ["retention_years"]}))


class RoomTests(BaseTestCase):
    def setUp(self) -> None:
        self.sign_in(self.admin)

    def test_a_room_added_twice_is_one_room(self) -> None:
        for _ in range(2):
            response = self.client.post(ROOMS, {"name": "Room 3"}, follow=True)
            self.assertContains(response, "Room Room 3 added.")
        self.assertEqual(Room.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.by_action("room.added").count(), 1)

    def test_a_room_is_renamed_and_taken_out_of_use(self) -> None:
        room = Room.objects.create(name="Room 3")
        url = reverse("settings:room", args=[room.pk])
        self.assertContains(self.client.get(url), 'value="Room 3"')
        self.assertRedirects(self.client.post(url, {"name": "Garden room"}), ROOMS)
        room.refresh_from_db()
        self.assertEqual((room.name, room.active), ("Garden room", False))
        event = AuditEvent.objects.by_action("room.changed").get()
        self.assertEqual(event.detail, {"name": "Garden room", "active": False})

    def test_a_name_already_taken_is_refused_beside_the_field(self) -> None:
        Room.objects.create(name="Room 1")
        room = Room.objects.create(name="Room 2")
        response = self.client.post(
            reverse("settings:room", args=[room.pk]), {"name": "room 1", "active": "on"}
        )
        self.assertContains(response, "There is already a room called room 1.", status_code=400)
        self.assertContains(response, 'id="id_name-error"', status_code=400)

    def test_a_room_out_of_use_is_brought_back_not_added_again(self) -> None:
        Room.objects.create(name="Room 1", active=False)
        with self.assertRaisesMessage(RuleViolation, "Bring it back into use instead"):
            services.add_room(actor=self.admin, name="Room 1")


@time_machine.travel(TODAY, tick=False)
class ClosureTests(BaseTestCase):
    def setUp(self) -> None:
        self.sign_in(self.admin)

    def test_an_administrator_closes_and_reopens_a_day(self) -> None:
        data = date_data(dt.date(2026, 12, 24), "Training day")
        response = self.client.post(CLOSURES, data, follow=True)
        self.assertContains(response, "Closed on Thursday 24 December 2026: Training day.")
        self.assertContains(response, 'data-testid="message-success"')
        closure = Closure.objects.get()
        added = AuditEvent.objects.by_action("closure.added").get()
        self.assertEqual(added.detail, {"date": "2026-12-24", "reason": "Training day"})
        remove = reverse("settings:remove_closure", args=[closure.pk])
        response = self.client.post(remove, follow=True)
        self.assertContains(response, "The service is open again on Thursday 24 December 2026.")
        self.assertFalse(Closure.objects.exists())
        self.assertTrue(AuditEvent.objects.by_action("closure.removed").exists())

    def test_a_day_in_the_past_is_refused_and_what_was_typed_stays(self) -> None:
        response = self.client.post(CLOSURES, date_data(dt.date(2026, 6, 30), "Too late"))
        self.assertContains(response, "Date must be today or in the future", status_code=400)
        self.assertContains(response, 'value="Too late"', status_code=400)
        self.assertFalse(Closure.objects.exists())

    def test_a_day_already_closed_for_another_reason_is_refused(self) -> None:
        Closure.objects.create(date=dt.date(2026, 12, 24), reason="Office move")
        response = self.client.post(CLOSURES, date_data(dt.date(2026, 12, 24), "Training day"))
        self.assertContains(
            response,
            "The service is already closed on 24 December 2026: Office move.",
            status_code=400,
        )
        self.assertContains(response, 'id="id_date-error"', status_code=400)

    def test_only_closures_from_today_are_listed(self) -> None:
        Closure.objects.create(date=dt.date(2026, 6, 1), reason="Long gone")
        Closure.objects.create(date=dt.date(2026, 7, 1), reason="Today")
        response = self.client.get(CLOSURES)
        self.assertContains(response, "Today")
        self.assertNotContains(response, "Long gone")


@time_machine.travel(TODAY, tick=False)
class ListCostTests(BaseTestCase):
    def test_rooms_and_closures_cost_the_same_however_many(self) -> None:
        self.sign_in(self.admin)
        self.client.get(ROOMS)  # warm the session
        for n in range(2):
            Room.objects.create(name=f"Room {n}")
            Closure.objects.create(date=dt.date(2026, 8, 1 + n), reason="Office move")
        # session, user with roles and device, the rows, service settings
        with self.assertNumQueries(4):
            self.client.get(ROOMS)
        with self.assertNumQueries(4):
            self.client.get(CLOSURES)
        for n in range(2, 12):
            Room.objects.create(name=f"Room {n}")
            Closure.objects.create(date=dt.date(2026, 8, 1 + n), reason="Office move")
        with self.assertNumQueries(4):
            self.assertContains(self.client.get(ROOMS), "Room 11")
        with self.assertNumQueries(4):
            self.assertContains(self.client.get(CLOSURES), "Office move", count=12)


class MessageLevelTests(BaseTestCase):
    def test_a_refusal_is_shown_as_an_error_not_as_information(self) -> None:
        self.sign_in(self.admin)
        # The questionnaire page refuses a change that says neither in use nor retired.
        response = self.client.post(reverse("measures:active", args=["phq9", "1"]), {}, follow=True)
        self.assertContains(response, 'data-testid="message-error"')
        self.assertContains(response, "nhsuk-error-summary")
        self.assertContains(response, "Choose whether the version is in use.")
        self.assertNotContains(response, 'data-testid="message-info"')
