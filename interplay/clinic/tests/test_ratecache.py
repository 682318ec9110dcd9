"""The rate-limit counters: one keyed row each, shared through the database."""

from django.test import RequestFactory, TestCase, override_settings
from django_ratelimit.core import is_ratelimited

from interplay.clinic.models import RateCount
from interplay.clinic.ratecache import CounterCache

COUNTERS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "interplay.clinic.ratecache.CounterCache"},
}


class CounterCacheTests(TestCase):
    def setUp(self) -> None:
        self.cache = CounterCache("", {})

    def test_add_starts_a_counter_once_and_incr_counts_on(self) -> None:
        self.assertTrue(self.cache.add("k", 1, 60))
        self.assertFalse(self.cache.add("k", 1, 60))
        self.assertEqual(self.cache.incr("k"), 2)
        self.assertEqual(self.cache.incr("k", 3), 5)
        self.assertEqual(self.cache.get("k"), 5)

    def test_an_expired_counter_starts_again_and_cannot_be_counted_on(self) -> None:
        self.cache.add("k", 1, 60)
        self.cache.incr("k")
        RateCount.objects.update(expires=0)
        self.assertIsNone(self.cache.get("k"))
        with self.assertRaises(ValueError):
            self.cache.incr("k")
        self.assertTrue(self.cache.add("k", 1, 60))
        self.assertEqual(self.cache.get("k"), 1)

    def test_starting_a_counter_deletes_expired_ones(self) -> None:
        for n in range(5):
            self.cache.add(f"old-{n}", 1, 60)
        self.cache.add("live", 1, 60)
        RateCount.objects.exclude(key__endswith="live").update(expires=0)
        self.cache.add("new", 1, 60)
        self.assertEqual(
            sorted(RateCount.objects.values_list("key", flat=True)), [":1:live", ":1:new"]
        )

    def test_counting_on_is_one_statement_however_many_counters_exist(self) -> None:
        RateCount.objects.bulk_create(
            RateCount(key=f"other-{n}", value=1, expires=2**40) for n in range(500)
        )
        self.cache.add("k", 1, 60)
        with self.assertNumQueries(1):
            self.cache.incr("k")
        with self.assertNumQueries(1):
            self.assertFalse(self.cache.add("k", 1, 60))

    def test_set_touch_delete_and_clear(self) -> None:
        self.cache.set("k", 7, 60)
        self.assertEqual(self.cache.get("k"), 7)
        self.assertTrue(self.cache.touch("k", 120))
        self.assertTrue(self.cache.delete("k"))
        self.assertEqual(self.cache.get("k", "gone"), "gone")
        self.cache.set("a", 1)
        self.cache.clear()
        self.assertFalse(RateCount.objects.exists())

    def test_only_whole_numbers_are_held(self) -> None:
        with self.assertRaises(TypeError):
            self.cache.add("k", "one", 60)


@override_settings(CACHES=COUNTERS, RATELIMIT_USE_CACHE="ratelimit")
class RateLimitTests(TestCase):
    def test_the_eleventh_request_in_the_hour_is_limited(self) -> None:
        request = RequestFactory().post("/refer/details/", REMOTE_ADDR="192.0.2.7")
        results = [
            is_ratelimited(request, group="g", key="ip", rate="10/h", increment=True)
            for _ in range(11)
        ]
        self.assertEqual(results, [False] * 10 + [True])

    def test_each_address_has_its_own_count(self) -> None:
        for address in ("192.0.2.7", "192.0.2.8"):
            request = RequestFactory().post("/", REMOTE_ADDR=address)
            limited = [
                is_ratelimited(request, group="g", key="ip", rate="2/h", increment=True)
                for _ in range(3)
            ]
            self.assertEqual(limited, [False, False, True])
