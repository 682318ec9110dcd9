"""A page's rows by their keys, from a statement Django compiles once per connection.

A search page is two parts: which rows (the reader's scope and the search's filters,
different for every request) and what each row shows beside itself (its related rows'
values: the same joins and columns every time). Django builds and compiles both on every
request, and the second, with its joins and annotations, costs more than the first. Here
the second is compiled once per database connection around a marker, and each request
puts its own keys' query (compiled as usual, with its own parameters) where the marker
was: one statement, as the queryset ``shown(model.objects.filter(pk__in=keys))`` would
run, with the same columns, the same converters and the same dicts (``.values()``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL

# Stands for the keys' query in the compiled statement: a constant no query of ours
# writes, so it is found exactly once.
_MARK = "SELECT 'interplay:keys'"


@dataclass(frozen=True)
class _Compiled:
    head: str
    tail: str
    compiler: Any
    converters: dict[int, Any]
    names: tuple[str, ...]


class RowsByKeys:
    """``shown`` (a ``.values()`` of ``model``'s rows, the same for every request) of the
    rows whose keys a queryset selects, in key order."""

    def __init__(self, model: type[Model], shown: Callable[[QuerySet[Any]], QuerySet[Any]]):
        self.model = model
        self.shown = shown
        self.attribute = f"_interplay_rows_by_keys_{model._meta.label_lower}"

    def _compile(self, connection: Any) -> _Compiled:
        # The marker is a constant of this module, never a value from a request.
        marker = RawSQL(_MARK, ())  # noqa: S611
        rows = self.shown(self.model._default_manager.filter(pk__in=marker))
        query = rows.order_by("pk").query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        head, mark, tail = sql.partition(_MARK)
        if params or not mark or _MARK in tail:
            raise ValueError(f"Cannot prepare {self.model.__name__} rows by keys: {sql}")
        # As ``.values()`` names a row's values (``ValuesIterable``).
        if query.selected:
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
        return _Compiled(
            head=head,
            tail=tail,
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in compiler.select]),
            names=names,
        )

    def compiled(self, alias: str) -> _Compiled:
        """Compiled for ``alias``'s connection in this thread, and kept on it: each thread
        has its own connection, and the converters belong to it."""
        connection = connections[alias]
        found: _Compiled | None = getattr(connection, self.attribute, None)
        if found is None:
            found = self._compile(connection)
            setattr(connection, self.attribute, found)
        return found

    def __call__(self, keys: QuerySet[Any]) -> list[dict[str, Any]]:
        """The rows whose keys ``keys`` (a ``.values("pk")`` of ``model``, sliced or not)
        selects, as ``shown`` gives them, in key order."""
        alias = keys.db
        compiled = self.compiled(alias)
        connection = connections[alias]
        try:
            keys_sql, keys_params = keys.query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:  # keys that can match nothing (``none()``, ``pk__in=[]``)
            return []
        with connection.cursor() as cursor:
            cursor.execute(f"{compiled.head}{keys_sql}{compiled.tail}", keys_params)
            rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        names = compiled.names
        return [dict(zip(names, row, strict=True)) for row in rows]
