"""Inserting synthetic rows fast: keys given in Python, values prepared once per column,
one ``executemany`` per table and batch.

``bulk_create`` compiles every value of every row through the insert compiler (about
half of seeding's time went there) and, on SQLite, numbers rows by ``RETURNING``. The
seeder is the only writer while it runs, so it can number rows itself: ``Keys`` reads
each table's highest key once, gives each new object the next one, so foreign keys are
known before anything is written, and sets PostgreSQL's sequences past them at the end.

Encrypted columns still go through their field's own encryption, but a value the
synthetic service repeats ("Synthetic: no thoughts of harm reported.", the same answers
to a questionnaire) is encrypted once per run and its token reused. That shows that two
synthetic rows hold the same text, which is true of invented data and harmless; nothing
but the seeder does it.
"""

import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Max
from django.db.models.base import ModelState

from interplay.lib.encrypted import EncryptedMixin

# Columns whose Python value the database driver takes as it is.
PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


class Blueprint:
    """How to make an unsaved object of one model without ``Model.__init__`` (its
    signals and per-field descriptor calls were a fifth of seeding's time)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = [
            (f.name, f.attname, f.is_relation, *_default(f)) for f in model._meta.concrete_fields
        ]

    def make(self, values: dict[str, Any]) -> Any:
        obj = self.model.__new__(self.model)
        state = obj._state = ModelState()
        own = obj.__dict__
        for name, attname, relation, constant, factory in self.fields:
            if name in values:
                value = values[name]
                if relation:
                    own[attname] = None if value is None else value.pk
                    state.fields_cache[name] = value
                else:
                    own[attname] = value
            elif attname in values:
                own[attname] = values[attname]
            else:
                own[attname] = constant if factory is None else factory()
        return obj


def _default(field: models.Field[Any, Any]) -> tuple[Any, Callable[[], Any] | None]:
    """The field's default as a constant, or the callable that makes it (``uuid4``,
    ``timezone.now``, ``list``): what ``Field.get_default`` gives, worked out once."""
    if field.has_default():
        if callable(field.default):
            return None, field.default
        return field.default, None
    return field.get_default(), None


_BLUEPRINTS: dict[type[models.Model], Blueprint] = {}


def make[M: models.Model](model: type[M], **values: Any) -> M:
    """An unsaved ``model(**values)``, made the fast way: fields and relations only."""
    blueprint = _BLUEPRINTS.get(model)
    if blueprint is None:
        blueprint = _BLUEPRINTS[model] = Blueprint(model)
    obj: M = blueprint.make(values)
    return obj


class Keys:
    """The next primary key of each table, read once."""

    def __init__(self) -> None:
        self.next: dict[type[models.Model], int] = {}

    def give(self, obj: models.Model) -> models.Model:
        model = type(obj)
        if model not in self.next:
            highest = model._default_manager.aggregate(top=Max("pk"))["top"]
            self.next[model] = (highest or 0) + 1
        obj.pk = self.next[model]
        self.next[model] += 1
        return obj

    def reset_sequences(self) -> None:
        """Move PostgreSQL's sequences past the keys given here (SQLite needs nothing)."""
        if connection.vendor != "postgresql" or not self.next:
            return
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def no_style() -> Any:
    from django.core.management.color import no_style as plain

    return plain()


class Inserter:
    """Writes objects of one model: the column list and each column's preparation are
    worked out once."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.attnames = [f.attname for f in fields]
        self.prepare = [_preparer(f) for f in fields]
        self.auto_now = [
            f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        self.relations = [(f.attname, f.name) for f in fields if f.is_relation]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.copy = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        table = quote(model._meta.db_table)
        # Names from the model's own metadata, quoted; the values are parameters.
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    def rows(self, objects: Sequence[models.Model]) -> list[tuple[Any, ...]]:
        pairs = list(zip(self.attnames, self.prepare, strict=True))
        out = []
        for obj in objects:
            for attname, name in self.relations:
                if obj.__dict__[attname] is None and name in obj._state.fields_cache:
                    related = obj._state.fields_cache[name]
                    obj.__dict__[attname] = related.pk if related is not None else None
            for field in self.auto_now:
                # A time the seeder gave (a record's change time in the past) is kept.
                if obj.__dict__[field.attname] is None:
                    field.pre_save(obj, add=True)
            values = obj.__dict__
            out.append(tuple(values[a] if p is None else p(values[a]) for a, p in pairs))
        return out

    def write(self, objects: Sequence[models.Model], batch: int = 2000) -> None:
        with connection.cursor() as cursor:
            for first in range(0, len(objects), batch):
                rows = self.rows(objects[first : first + batch])
                if connection.vendor == "postgresql":
                    # COPY: several times faster than INSERTs for a batch of rows.
                    with cursor.cursor.copy(self.copy) as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    cursor.executemany(self.sql, rows)


_TOKENS: dict[tuple[int, str], Any] = {}
# Unique values (e-mail addresses) would otherwise fill the cache; start again when full.
_TOKENS_KEPT = 100_000


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, EncryptedMixin):
        return lambda value: _encrypted(field, value)
    kind = field.get_internal_type()
    if kind in PLAIN:
        return None
    # What Django's own adapters give, without the layers around them: SQLite keeps
    # datetimes as naive UTC text and UUIDs as hex; PostgreSQL's driver takes both.
    sqlite = connection.vendor == "sqlite"
    if kind == "DateTimeField":
        return _sqlite_datetime if sqlite else None
    if kind == "DateField":
        return _text if sqlite else None
    if kind == "UUIDField":
        return _hex if sqlite else None
    return lambda value: field.get_db_prep_save(value, connection)


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    return None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _encrypted(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    key = (id(field), value if isinstance(value, str) else json.dumps(value, sort_keys=True))
    token = _TOKENS.get(key)
    if token is None:
        if len(_TOKENS) >= _TOKENS_KEPT:
            _TOKENS.clear()
        token = _TOKENS[key] = field.get_db_prep_save(value, connection)
    return token


class Writer:
    """Numbers and inserts objects, model by model; one per seeding run."""

    def __init__(self) -> None:
        self.keys = Keys()
        self.inserters: dict[type[models.Model], Inserter] = {}

    def write(self, objects: Sequence[models.Model]) -> None:
        """Give ``objects`` (all of one model) their keys and insert them."""
        if not objects:
            return
        model = type(objects[0])
        for obj in objects:
            self.keys.give(obj)
        if model not in self.inserters:
            self.inserters[model] = Inserter(model)
        self.inserters[model].write(objects)
