"""Sums over one set of rows, grouped several ways in one statement.

The dashboard adds up the courses that ended in the period five ways (in all; by
therapy, by therapist and by month; the waits by month and the gaps between the first
two sessions). Read as five grouped queries, a large service's year of courses is read
five times; read as one grid grouped by every key at once, the grid has about one row
per course, and adding it up in Python costs more than the reading. Here the rows are
read once: PostgreSQL groups them by ``GROUPING SETS``, and SQLite, which has no
grouping sets, reads a materialised common table expression once and groups it by
each set in turn (``UNION ALL``).

Django's ORM cannot write either, so the rows and each row's values are compiled by the
ORM (every condition stays a Django ``Q``, defined once in ``figures``) and only the
outer grouping is written here, over the compiled query's column names.
"""

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet

KeySet = tuple[str, ...]


def grouped(
    rows: QuerySet[Any],
    keys: Mapping[str, Any],
    values: Mapping[str, Any],
    sets: Sequence[KeySet],
) -> dict[KeySet, list[dict[str, Any]]]:
    """The sum of each of ``values`` (name -> expression, one value per row) over
    ``rows`` grouped by each of ``sets`` (tuples of names of ``keys``, name ->
    expression; ``()`` for all the rows together), in one query.

    Each set gives a list of dicts holding its keys and every value's sum (0 where no
    row had one). The set ``()`` always gives one row, even over no rows."""
    names, wanted = list(keys), list(values)
    # Only names go into the statement's text, quoted; every value is a parameter.
    if not all(name.isidentifier() for name in [*names, *wanted]):
        raise ValueError("key and value names must be identifiers")
    for chosen in sets:
        unknown = set(chosen) - set(names)
        if unknown:
            raise ValueError(f"{sorted(unknown)} are not among the keys {names}")
    # A key no set groups by is neither read nor selected.
    names = [n for n in names if any(n in chosen for chosen in sets)]
    inner = (
        rows.order_by()
        .annotate(**{f"k_{n}": keys[n] for n in names})
        .annotate(**{f"v_{n}": e for n, e in values.items()})
        .values(*(f"k_{n}" for n in names), *(f"v_{n}" for n in wanted))
    )
    connection = connections[inner.db]
    sql, params = inner.query.sql_with_params()
    quote = connection.ops.quote_name
    sums = ", ".join(f"COALESCE(SUM({quote('v_' + n)}), 0)" for n in wanted)

    def columns(chosen: KeySet) -> str:
        return ", ".join(quote(f"k_{n}") if n in chosen else "NULL" for n in names)

    if connection.vendor == "postgresql":
        everything = ", ".join(quote(f"k_{n}") for n in names)
        grouping_sets = ", ".join(
            "(" + ", ".join(quote(f"k_{n}") for n in chosen) + ")" for chosen in sets
        )
        grouping = f"GROUPING({everything})" if names else "0"
        statement = (
            f"SELECT {grouping}, {everything}{', ' if names else ''}{sums} "  # noqa: S608
            f"FROM ({sql}) AS grouped_rows GROUP BY GROUPING SETS ({grouping_sets})"
        )
        # GROUPING() sets a key's bit (the first key the highest) where a row is not
        # grouped by that key.
        by_mask = {
            sum(1 << (len(names) - 1 - i) for i, n in enumerate(names) if n not in chosen): chosen
            for chosen in sets
        }
    else:
        statement = f"WITH grouped_rows AS MATERIALIZED ({sql}) " + " UNION ALL ".join(
            f"SELECT {index}, {columns(chosen)}{', ' if names else ''}{sums} "  # noqa: S608
            "FROM grouped_rows"
            + (" GROUP BY " + ", ".join(quote(f"k_{n}") for n in chosen) if chosen else "")
            for index, chosen in enumerate(sets)
        )
        by_mask = dict(enumerate(sets))
    converters = _converters(inner, names)
    found: dict[KeySet, list[dict[str, Any]]] = {chosen: [] for chosen in sets}
    postgresql = connection.vendor == "postgresql"
    scope = transaction.atomic(using=inner.db) if postgresql else nullcontext()
    with scope, connection.cursor() as cursor:
        if postgresql:
            # Room to hash every set at once, for this transaction only: with the default
            # 4 MB, PostgreSQL sorts the larger sets on disk instead, and a year of a
            # large service's courses takes twice as long.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(statement, params)
        results = cursor.fetchall()
    for mask, *rest in results:
        chosen = by_mask[mask]
        row: dict[str, Any] = {}
        for name, value in zip(names, rest, strict=False):
            if name in chosen:
                for convert, expression in converters[name]:
                    value = convert(value, expression, connection)
                row[name] = value
        row |= {name: int(total) for name, total in zip(wanted, rest[len(names) :], strict=True)}
        found[chosen].append(row)
    return found


def _converters(inner: QuerySet[Any], names: list[str]) -> dict[str, list[tuple[Any, Any]]]:
    """Each key's converters from what the database gives to Python's value (SQLite
    gives a date as text), as the ORM would apply them."""
    compiler = inner.query.get_compiler(using=inner.db)
    found: dict[str, list[tuple[Any, Any]]] = {}
    for name in names:
        expression = inner.query.annotations[f"k_{name}"]
        found[name] = [
            (convert, expression)
            for _, (converters, _) in compiler.get_converters([expression]).items()
            for convert in converters
        ]
    return found
