"""The rate-limit counters: one keyed row each, shared through the database."""

from unittest import skipUnless

from django.db import connection
from django.test import RequestFactory, TestCase, override_settings
from django_ratelimit.core import get_usage, is_ratelimited

from interplay.clinic import ratelimit
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

    def test_a_hit_starts_a_counter_counts_on_and_starts_again_once_expired(self) -> None:
        self.assertEqual([self.cache.hit("k", 60) for _ in range(3)], [1, 2, 3])
        self.assertEqual(self.cache.get("k"), 3)
        RateCount.objects.update(expires=0)
        self.assertEqual(self.cache.hit("k", 60), 1)
        self.assertGreater(RateCount.objects.get().expires, 0)

    def test_a_hit_that_starts_a_counter_deletes_expired_ones(self) -> None:
        self.cache.hit("old", 60)
        self.cache.hit("live", 60)
        RateCount.objects.exclude(key__endswith="live").update(expires=0)
        self.cache.hit("new", 60)
        self.assertEqual(
            sorted(RateCount.objects.values_list("key", flat=True)), [":1:live", ":1:new"]
        )

    def test_counting_a_hit_on_is_one_statement(self) -> None:
        self.cache.hit("k", 60)
        with self.assertNumQueries(1):
            self.assertEqual(self.cache.hit("k", 60), 2)

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

    def test_one_statement_counts_as_django_ratelimit_counts(self) -> None:
        # ratelimit.usage counts on django-ratelimit's own counter: taking turns, the
        # two count one series and agree on what is left of the window.
        request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.9")
        counts = []
        for turn in range(6):
            if turn % 2:
                counted = get_usage(request, group="g", key="ip", rate="4/h", increment=True)
            else:
                # The hit that starts the window also clears expired counters.
                with self.assertNumQueries(2 if turn == 0 else 1):
                    counted = ratelimit.usage(request, group="g", key="ip", rate="4/h")
            assert counted is not None
            counts.append((counted["count"], counted["limit"], counted["should_limit"]))
        self.assertEqual(counts, [(n, 4, n > 4) for n in range(1, 7)])
        self.assertEqual(RateCount.objects.count(), 1)
        self.assertTrue(ratelimit.is_limited(request, group="g", key="ip", rate="4/h"))
        self.assertFalse(ratelimit.is_limited(request, group="other", key="ip", rate="4/h"))

    def test_a_key_function_and_no_rate(self) -> None:
        request = RequestFactory().get("/")
        by_token = ratelimit.usage(request, group="g", key=lambda g, r: "token-1", rate="1/m")
        assert by_token is not None
        self.assertEqual((by_token["count"], by_token["should_limit"]), (1, False))
        self.assertLessEqual(by_token["time_left"], 60)
        self.assertIsNone(ratelimit.usage(request, group="g", key="ip", rate=lambda g, r: None))


@skipUnless(connection.vendor == "postgresql", "unlogged tables are PostgreSQL's")
class UnloggedTests(TestCase):
    def test_counting_a_request_writes_nothing_to_the_write_ahead_log(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relpersistence FROM pg_class WHERE relname = %s",
                [RateCount._meta.db_table],
            )
            self.assertEqual(cursor.fetchone(), ("u",))
            cursor.execute("SELECT pg_current_wal_insert_lsn()")
            (before,) = cursor.fetchone()
            cache = CounterCache("", {})
            cache.add("k", 1, 60)
            self.assertEqual(cache.incr("k"), 2)
            cursor.execute("SELECT pg_current_wal_insert_lsn()")
            self.assertEqual(cursor.fetchone(), (before,))
