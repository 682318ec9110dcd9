"""The per-process memory of the service's settings and the instruments in use."""

import datetime as dt

from django.test import TestCase, override_settings

from interplay.clinic.models import Closure, ServiceSettings
from interplay.clinic.services import add_closure, remove_closure
from interplay.measures.models import InstrumentDefinition
from interplay.measures.services import instrument


@override_settings(SHORT_CACHE_SECONDS=30)
class ShortCacheTests(TestCase):
    def setUp(self) -> None:
        # Start from nothing kept, as a fresh process would.
        ServiceSettings.objects.get_or_create(pk=1)[0].save()
        InstrumentDefinition.objects.first().save()  # type: ignore[union-attr]

    def test_the_settings_are_read_once_then_kept(self) -> None:
        ServiceSettings.load()
        with self.assertNumQueries(0):
            ServiceSettings.load()

    def test_a_saved_change_is_seen_at_once_by_this_process(self) -> None:
        service = ServiceSettings.load()
        service.name = "Riverside talking therapies"
        service.save()
        self.assertEqual(ServiceSettings.load().name, "Riverside talking therapies")

    def test_each_caller_gets_its_own_copy(self) -> None:
        ServiceSettings.load().name = "Changed but never saved"
        self.assertNotEqual(ServiceSettings.load().name, "Changed but never saved")

    def test_an_instrument_is_read_once_then_kept_until_a_definition_changes(self) -> None:
        instrument("phq9")
        with self.assertNumQueries(0):
            self.assertEqual(instrument("phq9").code, "phq9")
        InstrumentDefinition.objects.of("phq9").first().save()  # type: ignore[union-attr]
        with self.assertNumQueries(1):
            instrument("phq9")

    def test_closures_are_read_once_then_kept_until_one_is_added_or_removed(self) -> None:
        service = ServiceSettings.load()
        since = dt.date(2031, 1, 1)
        day = dt.date(2031, 3, 5)  # a Wednesday, no bank holiday
        self.assertNotIn(day, service.closed_days(since))
        with self.assertNumQueries(0):
            service.closed_days(since)
        add_closure(actor=None, date=day, reason="Training day")
        self.assertIn(day, service.closed_days(since))
        self.assertNotIn(day, service.closed_days(day + dt.timedelta(days=1)))
        remove_closure(actor=None, closure=Closure.objects.get(date=day))
        self.assertNotIn(day, service.closed_days(since))

    @override_settings(SHORT_CACHE_SECONDS=0)
    def test_nothing_is_kept_when_switched_off(self) -> None:
        ServiceSettings.load()
        with self.assertNumQueries(1):
            ServiceSettings.load()
