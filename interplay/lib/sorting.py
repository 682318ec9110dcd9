"""Sorting a staff table by one of its columns, on the server, with no JavaScript.

The page's address says the order: ``?sort=key`` (ascending) or ``?sort=-key``
(descending), ``key`` one of the table's sortable columns; anything else is refused with
400 rather than quietly ignored, so a mistyped or forged order never passes for the real
one. Each sortable column's header is a link to the other direction (or to ascending,
for a column the rows are not sorted by), and the header the rows are sorted by carries
``aria-sort`` for screen readers. Other parameters of the address (filters) are kept;
the page number is dropped, since a new order starts at the first page.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import BadRequest
from django.http import QueryDict

PARAMETER = "sort"


@dataclass(frozen=True)
class Header:
    """One sortable column's header, as the template draws it (``sorting/header.html``)."""

    label: str
    href: str
    aria_sort: str  # "ascending", "descending", or "" for a column the rows are not sorted by
    next_direction: str  # what following the link does: "ascending" or "descending"

    @property
    def arrow(self) -> str:
        return {"ascending": "▲", "descending": "▼"}.get(self.aria_sort, "")


@dataclass(frozen=True)
class Sort:
    """The order a request asked for: ``key`` empty means the list's own order."""

    key: str
    descending: bool
    headers: Mapping[str, Header]

    @property
    def param(self) -> str:
        """The value of ``?sort=`` that gives this order again (for pagination links)."""
        if not self.key:
            return ""
        return f"-{self.key}" if self.descending else self.key

    def order_by(self, fields: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
        """The ``order_by`` for this sort: ``fields[key]``, each turned round if descending.

        Empty when no sort was asked for (keep the list's own order) or when the column is
        not in ``fields`` (one the caller sorts itself, once its rows are built).
        """
        chosen = fields.get(self.key, ())
        return tuple(_turned(field) if self.descending else field for field in chosen)


def _turned(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def read(params: QueryDict, columns: Mapping[str, str]) -> Sort:
    """The sort ``params`` ask for, among ``columns`` (key: header label).

    Raises BadRequest (400) for a key that is not one of the columns.
    """
    raw = params.get(PARAMETER, "")
    descending = raw.startswith("-")
    key = raw[1:] if descending else raw
    if raw and key not in columns:
        raise BadRequest(f"Cannot sort by {raw!r}: sort by one of {', '.join(columns)}.")
    headers = {
        name: _header(params, name, label, current=name == key, descending=descending)
        for name, label in columns.items()
    }
    return Sort(key=key, descending=descending, headers=headers)


def _header(params: QueryDict, name: str, label: str, *, current: bool, descending: bool) -> Header:
    aria_sort = ("descending" if descending else "ascending") if current else ""
    next_descending = current and not descending
    query = params.copy()
    query.pop("page", None)
    query[PARAMETER] = f"-{name}" if next_descending else name
    return Header(
        label=label,
        href=f"?{query.urlencode()}",
        aria_sort=aria_sort,
        next_direction="descending" if next_descending else "ascending",
    )
