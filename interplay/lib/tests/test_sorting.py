"""Sorting a table by a column: only the columns offered, links that turn the order round."""

from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.test import SimpleTestCase

from interplay.lib import sorting

COLUMNS = {"person": "Person", "referred": "Referred"}
FIELDS = {"person": ("last_name", "id"), "referred": ("-received_at",)}


class SortTests(SimpleTestCase):
    def test_no_sort_keeps_the_lists_own_order_and_marks_no_column(self) -> None:
        sort = sorting.read(QueryDict(""), COLUMNS)
        self.assertEqual(sort.order_by(FIELDS), ())
        self.assertEqual([h.aria_sort for h in sort.headers.values()], ["", ""])
        self.assertEqual(sort.headers["person"].href, "?sort=person")

    def test_a_column_ascending_then_descending(self) -> None:
        ascending = sorting.read(QueryDict("sort=person"), COLUMNS)
        self.assertEqual(ascending.order_by(FIELDS), ("last_name", "id"))
        self.assertEqual(ascending.headers["person"].aria_sort, "ascending")
        self.assertEqual(ascending.headers["person"].href, "?sort=-person")
        self.assertEqual(ascending.headers["referred"].aria_sort, "")
        descending = sorting.read(QueryDict("sort=-referred"), COLUMNS)
        self.assertEqual(descending.order_by(FIELDS), ("received_at",))
        self.assertEqual(descending.headers["referred"].aria_sort, "descending")
        self.assertEqual(descending.headers["referred"].href, "?sort=referred")
        self.assertEqual(descending.param, "-referred")

    def test_filters_are_kept_and_the_page_starts_again(self) -> None:
        sort = sorting.read(QueryDict("actor=sam&page=3&sort=person"), COLUMNS)
        self.assertEqual(sort.headers["referred"].href, "?actor=sam&sort=referred")

    def test_an_unknown_column_is_refused(self) -> None:
        for forged in ("password", "-password", "person__password", "--person", "-"):
            with self.assertRaises(BadRequest, msg=forged):
                sorting.read(QueryDict(f"sort={forged}"), COLUMNS)
