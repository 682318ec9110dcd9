"""Reads built and compiled to SQL once per process, then run with each request's values.

Building a queryset (its filters, joins, ``.only()``, correlated subqueries) and
compiling it to SQL costs more Python than running it and reading its rows, on the pages
that read the same few queries on every request (the therapist's day, the caseload). A
``Prepared`` read builds its queryset once, with stand-in values for what changes from
one request to the next (the signed-in user, the time now), compiles it, and on every
run sends that same SQL with the stand-ins replaced by the request's values. Its rows
come back through Django's own iteration (models and ``select_related``, ``values_list``,
each field's conversion from the database), exactly as the queryset gives them; which
converters each column needs is worked out once per database connection, not per run.

    upcoming = Prepared(Appointment, lambda user, now: Appointment.objects.filter(
        course__therapist=user, starts_at__gte=now), user="id", now="datetime")
    upcoming.run(user=request.user.pk, now=timezone.now())

Each value is one kind: ``"id"`` (a primary key) or ``"text"``, sent as they are;
``"datetime"`` (an aware datetime, sent as the database's backend sends a
``DateTimeField``'s value), ``"date"`` (as a ``DateField``'s) or ``"uuid"`` (as a
``UUIDField``'s: text on SQLite, a uuid on PostgreSQL). A builder must put
every value into the query as a parameter (a lookup's value) and use nothing else that
changes (no ``timezone.now()`` of its own, no list of ids whose length
changes): compiling checks that each stand-in reaches the SQL. What varies in the query's
shape (an ordering chosen on the page) is passed as ``run``'s positional ``shape``
arguments: each shape is compiled once.
"""

import copy
import datetime as dt
import operator
import uuid
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model, QuerySet, UUIDField

KINDS = ("id", "text", "datetime", "date", "uuid")


def _stand_in(kind: str, number: int) -> Any:
    """A value no real row or request carries, different for each value of a query."""
    if kind == "id":
        return -734_211_000 - number
    if kind == "date":
        return dt.date(1901, 2, 3) + dt.timedelta(days=number)
    if kind == "text":
        return f"interplay stand-in {number} \u2020"
    if kind == "uuid":
        return uuid.UUID(int=0x1E7E5_7A4D_0000 + number)
    return dt.datetime(1901, 2, 3, 4, 5, 6, 600_000 + number, tzinfo=dt.UTC)


def _adapt(connection: Any, kind: str, value: Any) -> Any:
    """``value`` as the query's parameter, as the field's lookup would send it."""
    if kind == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    if kind == "date":
        return connection.ops.adapt_datefield_value(value)
    if kind == "uuid":
        return UUIDField().get_db_prep_value(value, connection)
    return value


class _Compiled:
    def __init__(self, queryset: QuerySet[Any], compiler: Any, sql: str, params: list[Any]):
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots: list[tuple[int, str]] = []
        # The compiled columns, and their converters for each connection (a thread's own).
        self.columns = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters: weakref.WeakKeyDictionary[Any, dict[int, Any]] = (
            weakref.WeakKeyDictionary()
        )

    def converters_for(self, compiler: Any) -> Callable[[list[Any]], dict[int, Any]]:
        """``compiler.get_converters``, worked out once per connection for the compiled
        columns (as the row iteration asks for them) instead of on every run."""
        converters = self.converters.get(compiler.connection)
        if converters is None:
            converters = self.converters[compiler.connection] = compiler.get_converters(
                self.columns
            )
        columns, known = self.columns, converters

        def get_converters(expressions: list[Any]) -> dict[int, Any]:
            if len(expressions) == len(columns) and all(map(operator.is_, expressions, columns)):
                return known
            return type(compiler).get_converters(compiler, expressions)

        return get_converters

    def fresh(self, compiler: Any) -> QuerySet[Any]:
        """A queryset as the compiled one, never evaluated (no rows kept, no prefetch
        done), whose query hands out ``compiler``."""
        query = copy.copy(self.queryset.query)
        query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        queryset: Any = object.__new__(type(self.queryset))
        queryset.__dict__ = self.queryset.__dict__.copy()
        # Set beneath the ``query`` property, whose setter would choose the iterable anew.
        queryset._query = query
        queryset._result_cache = None
        queryset._prefetch_done = False
        return queryset


class Prepared:
    """A read of ``model`` whose queryset ``build(*shape, **values)`` makes, compiled once
    for each shape and database; ``kinds`` names each value's kind (``KINDS``)."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet[Any]], **kinds: str):
        unknown = set(kinds.values()) - set(KINDS)
        if unknown:
            raise ImproperlyConfigured(f"Unknown kinds of value: {', '.join(sorted(unknown))}")
        self.model = model
        self.build = build
        self.kinds = kinds
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}

    def run(self, *shape: Hashable, **values: Any) -> list[Any]:
        """The rows (models, tuples or values) of the query with these values."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"Prepared.run() takes the values {', '.join(self.kinds)}")
        alias = router.db_for_read(self.model) or DEFAULT_DB_ALIAS
        connection = connections[alias]
        compiled = self._compiled.get((shape, alias, connection.vendor))
        if compiled is None:
            compiled = self._compiled[(shape, alias, connection.vendor)] = self._compile(
                shape, alias, connection
            )
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = _adapt(connection, self.kinds[name], values[name])
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        sql, sent = compiled.sql, tuple(params)
        compiler.as_sql = lambda *args, **kwargs: (sql, sent)
        compiler.get_converters = compiled.converters_for(compiler)
        # The queryset's own iteration (its models, related rows, prefetches and
        # conversions), over the compiler that already holds the SQL: a fresh queryset
        # over a shallow copy of the compiled query (nothing in either is changed by
        # iterating; cloning the query's whole tree each time is what ``_chain()`` costs).
        return list(compiled.fresh(compiler))

    def _compile(self, shape: tuple[Any, ...], alias: str, connection: Any) -> _Compiled:
        stand_ins = {
            name: _stand_in(kind, number) for number, (name, kind) in enumerate(self.kinds.items())
        }
        queryset = self.build(*shape, **stand_ins).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        compiled = _Compiled(queryset, compiler, sql, list(params))
        sent = {name: _adapt(connection, self.kinds[name], v) for name, v in stand_ins.items()}
        for position, param in enumerate(compiled.params):
            for name, value in sent.items():
                if type(param) is type(value) and param == value:
                    compiled.slots.append((position, name))
        missing = set(self.kinds) - {name for _, name in compiled.slots}
        if missing:
            raise ImproperlyConfigured(
                f"{', '.join(sorted(missing))} never reach the SQL as parameters of the query"
            )
        return compiled


class PreparedInsert:
    """``model.objects.create(**values)`` with its INSERT compiled once per database.

    Compiling an INSERT (a placeholder and a conversion looked up for every column) costs
    more Python than sending it, for a model of many columns written on every request
    (a referral: 40). This sends the statement ``save()`` would send for a new row, each
    value converted by its field exactly as ``save()`` converts it (``pre_save`` fills
    ``auto_now`` times), and reads the new id back. It skips what ``save()`` does besides
    the INSERT, so it refuses, when compiling, a model with a ``save()`` of its own or
    with receivers of its save signals."""

    def __init__(self, model: type[Model]):
        self.model = model
        self._compiled: dict[tuple[str, str], tuple[str, tuple[Any, ...]]] = {}

    def create(self, **values: Any) -> Any:
        return self.insert(self.model(**values))

    def insert(self, obj: Any) -> Any:
        """Store ``obj``, a new row of the model (``save(force_insert=True)``)."""
        alias = router.db_for_write(self.model) or DEFAULT_DB_ALIAS
        connection = connections[alias]
        compiled = self._compiled.get((alias, connection.vendor))
        if compiled is None:
            compiled = self._compiled[(alias, connection.vendor)] = self._compile(connection)
        sql, fields = compiled
        params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            (obj.pk,) = cursor.fetchone()
        obj._state.adding = False
        obj._state.db = alias
        return obj

    def _compile(self, connection: Any) -> tuple[str, tuple[Any, ...]]:
        from django.db.models import signals

        model = self.model
        if model.save is not Model.save or any(
            signal.has_listeners(model) for signal in (signals.pre_save, signals.post_save)
        ):
            raise ImproperlyConfigured(f"{model._meta.label} saves with more than its INSERT")
        return insert_statement(model, connection)


def insert_statement(
    model: type[Model], connection: Any, stand_in: Model | None = None
) -> tuple[str, tuple[Any, ...]]:
    """The ORM's own INSERT of one new row of ``model`` that gives back its id, compiled
    for ``connection``: the statement ``save()`` sends, with one parameter for each field
    returned, in that order. ``stand_in`` is the object it is compiled with (an unsaved
    ``model()`` if none); its values are not kept."""
    from django.db.models.sql import InsertQuery

    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    query = InsertQuery(model)
    query.insert_values(fields, [stand_in if stand_in is not None else model()])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    ((sql, params),) = compiler.as_sql()
    if not connection.features.can_return_columns_from_insert or len(params) != len(fields):
        # A database that cannot give the id back, or a field sent as other than one
        # parameter (a database default, a generated column): not for this.
        raise ImproperlyConfigured(f"{meta.label} cannot be inserted on {connection.vendor}")
    return sql, fields
