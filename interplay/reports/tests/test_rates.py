"""The published rate arithmetic (docs/clinical-rules.md 5.5) and the waiting standard's
boundary (5.6)."""

from django.test import SimpleTestCase

from interplay.reports import rates


class PublishedRatesTests(SimpleTestCase):
    def test_the_recovery_rate_of_december_2020(self) -> None:
        rate = rates.recovery_rate(recovered=23291, finished=48111, finished_not_at_caseness=2957)
        self.assertEqual(round(rate or 0, 1), 51.6)

    def test_the_reliable_improvement_rate_of_june_2020(self) -> None:
        rate = rates.reliable_improvement_rate(improved=39417, finished=57060)
        self.assertEqual(round(rate or 0, 1), 69.1)

    def test_the_reliable_recovery_rate_of_april_2025(self) -> None:
        rate = rates.reliable_recovery_rate(reliably_recovered=26457, finished_at_caseness=54672)
        self.assertEqual(round(rate or 0, 1), 48.4)

    def test_no_rate_without_anyone_to_count(self) -> None:
        self.assertIsNone(rates.recovery_rate(0, finished=5, finished_not_at_caseness=5))
        self.assertIsNone(rates.reliable_improvement_rate(0, finished=0))
        self.assertIsNone(rates.median([]))


class WaitingStandardTests(SimpleTestCase):
    def test_exactly_six_weeks_is_within_by_default(self) -> None:
        self.assertTrue(rates.within(41, 6))
        self.assertTrue(rates.within(42, 6))
        self.assertFalse(rates.within(43, 6))

    def test_exactly_six_weeks_is_outside_when_the_service_says_so(self) -> None:
        self.assertTrue(rates.within(41, 6, inclusive=False))
        self.assertFalse(rates.within(42, 6, inclusive=False))
        self.assertTrue(rates.within(125, 18, inclusive=False))
        self.assertFalse(rates.within(126, 18, inclusive=False))
