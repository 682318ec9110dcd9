"""The per-process memory of the service's settings and the instruments in use."""

from django.test import TestCase, override_settings

from interplay.clinic.models import ServiceSettings
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

    @override_settings(SHORT_CACHE_SECONDS=0)
    def test_nothing_is_kept_when_switched_off(self) -> None:
        ServiceSettings.load()
        with self.assertNumQueries(1):
            ServiceSettings.load()
