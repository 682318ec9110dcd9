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
but the seeder does it. Random public ids (``uuid4`` defaults) come from a generator the
seeder seeds (``seed_ids``), so a seed gives the same ids.
"""

import datetime as dt
import json
import operator
import random
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
    signals and per-field descriptor calls were a fifth of seeding's time): the
    constant defaults copied in one go, the callable ones called, then the values given.
    A related object given by name is kept in the object's relation cache and its key
    is read when the row is written (``Inserter.rows``): it may not have one yet."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.constants: dict[str, Any] = {}
        self.factories: list[tuple[str, Callable[[], Any]]] = []
        self.relations: dict[str, str] = {}
        for f in model._meta.concrete_fields:
            constant, factory = _default(f)
            if factory is None:
                self.constants[f.attname] = constant
            else:
                self.factories.append((f.attname, factory))
            if f.is_relation:
                self.relations[f.name] = f.attname

    def make(self, values: dict[str, Any]) -> Any:
        obj = self.model.__new__(self.model)
        own = obj.__dict__
        own.update(self.constants)
        for attname, factory in self.factories:
            own[attname] = factory()
        own.update(values)
        state = obj._state = ModelState()
        cache = state.fields_cache
        for name, column in self.relations.items():
            if name in own:
                cache[name] = own.pop(name)
                own[column] = None  # read by Inserter.rows once the object has its key
        return obj


def _default(field: models.Field[Any, Any]) -> tuple[Any, Callable[[], Any] | None]:
    """The field's default as a constant, or the callable that makes it (``uuid4``,
    ``timezone.now``, ``list``): what ``Field.get_default`` gives, worked out once. A
    random UUID comes from the seeded ids (``seed_ids``)."""
    if field.has_default():
        if field.default is uuid.uuid4:
            return None, _next_id
        if callable(field.default):
            return None, field.default
        return field.default, None
    return field.get_default(), None


_IDS: list[random.Random] = []
_VERSION_4 = (0x4 << 76) | (0x2 << 62)
_NOT_VERSION = ~((0xF << 76) | (0x3 << 62))


def seed_ids(seed: str | None) -> None:
    """Draw random UUIDs (public ids) from a generator seeded by ``seed``, so a seeded
    service has the same ids every time; ``None`` goes back to ``uuid4``."""
    _IDS[:] = [] if seed is None else [random.Random(seed)]


def _next_id() -> str:
    """A version-4 UUID as 32 hex digits: the column's own form on SQLite, and what
    PostgreSQL's uuid type reads; cheaper than a ``uuid.UUID`` for each row."""
    if not _IDS:
        return uuid.uuid4().hex
    return f"{(_IDS[0].getrandbits(128) & _NOT_VERSION) | _VERSION_4:032x}"


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

    def give(self, objects: Sequence[models.Model]) -> None:
        """Number ``objects``, all of one model, from the table's next free key on."""
        model = type(objects[0])
        if model not in self.next:
            highest = model._default_manager.aggregate(top=Max("pk"))["top"]
            self.next[model] = (highest or 0) + 1
        attname = model._meta.pk.attname
        for number, obj in enumerate(objects, start=self.next[model]):
            obj.__dict__[attname] = number
        self.next[model] += len(objects)

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
        # (column, relation, the related model's key column) for each foreign key.
        self.relations = [
            (f.attname, f.name, f.related_model._meta.pk.attname)  # type: ignore[union-attr]
            for f in fields
            if f.is_relation
        ]
        self.prepared = [(i, p) for i, p in enumerate(self.prepare) if p is not None]
        self.take = operator.itemgetter(*self.attnames)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.copy = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        table = quote(model._meta.db_table)
        # Names from the model's own metadata, quoted; the values are parameters.
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    def rows(self, objects: Sequence[models.Model]) -> list[tuple[Any, ...]]:
        relations = self.relations
        auto_now = self.auto_now
        prepared = self.prepared
        take = self.take
        out = []
        for obj in objects:
            values = obj.__dict__
            cache = obj._state.fields_cache
            for attname, name, key in relations:
                if values[attname] is None:
                    related = cache.get(name)
                    if related is not None:
                        values[attname] = related.__dict__[key]
            for field in auto_now:
                # A time the seeder gave (a record's change time in the past) is kept.
                if values[field.attname] is None:
                    field.pre_save(obj, add=True)
            row = take(values)
            if prepared:
                row = list(row)
                for index, prepare in prepared:
                    row[index] = prepare(row[index])
                row = tuple(row)
            out.append(row)
        return out

    def write(self, objects: Sequence[models.Model], batch: int = 2000) -> None:
        with connection.cursor() as cursor:
            for first in range(0, len(objects), batch):
                rows = self.rows(objects[first : first + batch])
                if connection.vendor == "postgresql":
                    # COPY: several times faster than INSERTs for a batch of rows. Its
                    # row writer (psycopg's, in C) beat rows built here as COPY's text
                    # (1.05 s against 1.40 s of this process's CPU for 164,000 rows).
                    with cursor.cursor.copy(self.copy) as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    cursor.executemany(self.sql, rows)


_TOKENS: dict[tuple[int, str], Any] = {}
# The same structured value (a questionnaire's answers, from one cache) by identity: its
# JSON text need not be made again. The value is kept with its token, so its id cannot
# be taken by another object while the entry lives.
_BY_OBJECT: dict[tuple[int, int], tuple[Any, Any]] = {}
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
    if kind == "JSONField" and field.encoder is None:  # type: ignore[attr-defined]
        # The JSON text, which both databases read (PostgreSQL's COPY parses it into jsonb).
        return lambda value: _json(field, value)
    return lambda value: field.get_db_prep_save(value, connection)


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    return None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _hex(value: uuid.UUID | str | None) -> str | None:
    return value if value is None or isinstance(value, str) else value.hex


def _json(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return field.get_db_prep_save(value, connection)
    seen = _BY_OBJECT.get((id(field), id(value)))
    if seen is not None and seen[0] is value:
        return seen[1]
    text = json.dumps(value)
    if len(_BY_OBJECT) >= _TOKENS_KEPT:
        _TOKENS.clear()
        _BY_OBJECT.clear()
    _BY_OBJECT[(id(field), id(value))] = (value, text)
    return text


def _encrypted(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        key = (id(field), value)
    else:
        seen = _BY_OBJECT.get((id(field), id(value)))
        if seen is not None and seen[0] is value:
            return seen[1]
        key = (id(field), json.dumps(value, sort_keys=True))
    token = _TOKENS.get(key)
    if token is None:
        if len(_TOKENS) >= _TOKENS_KEPT or len(_BY_OBJECT) >= _TOKENS_KEPT:
            _TOKENS.clear()
            _BY_OBJECT.clear()
        token = _TOKENS[key] = field.get_db_prep_save(value, connection)
    if not isinstance(value, str):
        _BY_OBJECT[(id(field), id(value))] = (value, token)
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
        self.keys.give(objects)
        if model not in self.inserters:
            self.inserters[model] = Inserter(model)
        self.inserters[model].write(objects)


class Unindexed:
    """PostgreSQL: the non-unique indexes and the foreign keys of some tables, dropped
    for a large load and made again after it, inside the caller's transaction.

    Each row COPY writes otherwise updates every index of its table and queues a check
    of each of its foreign keys (a lookup and a row lock in the table it points to):
    most of the server's work in seeding. Building an index once over the loaded rows
    and checking a foreign key by one join are far cheaper. The definitions are read
    from the catalogue (``pg_get_indexdef``, ``pg_get_constraintdef``) and run again as
    they were, so the schema ends as it began (same names, same deferral); unique
    indexes and primary keys stay, so a duplicate still fails at once. Inside one
    transaction, a failure before the end rolls the drops back with the rows; the
    tables are locked against other connections until it ends."""

    def __init__(self, models: Sequence[type[models.Model]]) -> None:
        self.tables = [m._meta.db_table for m in models]
        self.indexes: list[tuple[str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            self.indexes, self.foreign_keys = definitions(cursor, self.tables)
            quote = connection.ops.quote_name
            for table, name, _definition in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")

    def restore(self) -> None:
        """Build the indexes and add the foreign keys again, each checked over every row."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # For this transaction only: sorting for an index build in memory.
            cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for table, name, definition in self.foreign_keys:
                add = f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                cursor.execute(add)


def definitions(
    cursor: Any, tables: Sequence[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The non-unique indexes (name, ``CREATE INDEX`` statement) that back no
    constraint and are not partial (a partial index holds few of the rows, and its
    condition would read back in another, equivalent, spelling), and the foreign keys
    (table, name, definition) of ``tables``, in the current schema, in a stable order."""
    cursor.execute(
        """
        SELECT ic.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
          AND NOT i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL
          AND NOT EXISTS (
            SELECT FROM pg_constraint c
            WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')
          )
        ORDER BY t.relname, ic.relname
        """,
        [list(tables)],
    )
    indexes = [(name, definition) for name, definition in cursor.fetchall()]
    cursor.execute(
        """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND t.relname = ANY(%s)
          AND t.relnamespace = current_schema()::regnamespace
        ORDER BY t.relname, c.conname
        """,
        [list(tables)],
    )
    foreign_keys = [(table, name, definition) for table, name, definition in cursor.fetchall()]
    return indexes, foreign_keys
