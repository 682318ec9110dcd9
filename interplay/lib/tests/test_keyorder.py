"""Rows in key order come out the same whichever way the database is asked to find them,
and the count that chooses the way stops at the few."""

from unittest import mock

from django.test import TestCase

from interplay.accounts.models import User
from interplay.lib import keyorder
from interplay.lib.keyorder import in_key_order


class KeyOrderTests(TestCase):
    def setUp(self) -> None:
        # Made out of key order by name, so an ordering by anything else would show.
        self.users = [User.objects.create(username=name) for name in ("zoe", "ann", "kit", "bo")]
        self.rows = User.objects.exclude(username="kit").order_by("username")

    def keys(self, rows: object) -> list[int]:
        return list(rows.values_list("pk", flat=True))  # type: ignore[attr-defined]

    def test_few_and_many_give_the_same_rows_in_key_order(self) -> None:
        expected = sorted(u.pk for u in self.users if u.username != "kit")
        self.assertEqual(self.keys(in_key_order(self.rows)), expected)
        with mock.patch.object(keyorder, "FEW", 1):
            self.assertEqual(self.keys(in_key_order(self.rows)), expected)

    def test_a_page_after_a_key_is_the_same_either_way(self) -> None:
        first = sorted(u.pk for u in self.users)[0]
        after = self.rows.filter(pk__gt=first)
        few = self.keys(in_key_order(after)[:2])
        with mock.patch.object(keyorder, "FEW", 0):
            many = self.keys(in_key_order(after)[:2])
        self.assertEqual(few, many)
        self.assertEqual(len(few), 2)
        self.assertTrue(all(key > first for key in few))

    def test_a_count_already_taken_is_not_taken_again(self) -> None:
        with self.assertNumQueries(1):
            list(in_key_order(self.rows, matches=3)[:2])
        with self.assertNumQueries(2):
            list(in_key_order(self.rows)[:2])

    def test_the_count_stops_after_the_few(self) -> None:
        with mock.patch.object(keyorder, "FEW", 1), self.assertNumQueries(2) as queries:
            list(in_key_order(self.rows)[:2])
        counted = queries.captured_queries[0]["sql"]
        self.assertIn("COUNT(*)", counted)
        self.assertIn("LIMIT 2", counted)
