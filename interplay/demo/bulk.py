"""Inserting synthetic rows fast: keys given in Python, values prepared once per column,
one ``COPY`` (PostgreSQL) or ``executemany`` (SQLite) per table and batch.

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

        self.make: Callable[[dict[str, Any]], Any] = self._maker()

    def _maker(self) -> Callable[[dict[str, Any]], Any]:
        """The function making an object, written out for the model's defaults and
        relations (a loop over them per object cost as much as the rest)."""
        names: dict[str, Any] = {
            "new": self.model.__new__,
            "model": self.model,
            "State": ModelState,
            "constants": self.constants,
        }
        body = ["def make(values):", "    obj = new(model)"]
        made = ["**constants"]
        for index, (attname, factory) in enumerate(self.factories):
            names[f"f{index}"] = factory
            made.append(f"{attname!r}: f{index}()")
        body.append(f"    own = obj.__dict__ = {{{', '.join(made)}, **values}}")
        body.append("    cache = {}")
        for name, column in self.relations.items():
            # Read by Inserter.rows once the related object has its key.
            body += [
                f"    if {name!r} in values:",
                f"        cache[{name!r}] = own.pop({name!r})",
                f"        own[{column!r}] = None",
            ]
        # The relation cache ModelState would otherwise make on first use.
        body += ["    state = obj._state = State()", "    state.fields_cache = cache"]
        body.append("    return obj")
        return _compiled(body, names, f"make {self.model._meta.label}")


def _compiled(body: list[str], names: dict[str, Any], what: str) -> Any:
    """The function ``body`` defines (its first line names it), compiled with ``names``
    as its globals. Only the seeder's own code, from model metadata, is compiled."""
    exec(compile("\n".join(body), f"<{what}>", "exec"), names)  # noqa: S102
    return names[body[0].split()[1].split("(")[0]]


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


# Drawn this many at a time: one draw and one conversion to hex for them all.
_IDS_DRAWN = 1024
_KEEP_ALL = sum((_NOT_VERSION & ((1 << 128) - 1)) << (128 * i) for i in range(_IDS_DRAWN))
_VERSION_ALL = sum(_VERSION_4 << (128 * i) for i in range(_IDS_DRAWN))
_DRAWN: list[str] = []


def seed_ids(seed: str | None) -> None:
    """Draw random UUIDs (public ids) from a generator seeded by ``seed``, so a seeded
    service has the same ids every time; ``None`` goes back to ``uuid4``."""
    _IDS[:] = [] if seed is None else [random.Random(seed)]
    _DRAWN.clear()


def _next_id() -> str:
    """A version-4 UUID as 32 hex digits: the column's own form on SQLite, and what
    PostgreSQL's uuid type reads; cheaper than a ``uuid.UUID`` for each row. Seeded ids
    are drawn as one number of many UUIDs' bits, their version bits set all at once."""
    if _DRAWN:
        return _DRAWN.pop()
    if not _IDS:
        return uuid.uuid4().hex
    bits = (_IDS[0].getrandbits(128 * _IDS_DRAWN) & _KEEP_ALL) | _VERSION_ALL
    digits = f"{bits:0{32 * _IDS_DRAWN}x}"
    _DRAWN[:] = [digits[i : i + 32] for i in range(32 * (_IDS_DRAWN - 1), -1, -32)]
    return _DRAWN.pop()


_BLUEPRINTS: dict[type[models.Model], Blueprint] = {}


def make[M: models.Model](model: type[M], **values: Any) -> M:
    """An unsaved ``model(**values)``, made the fast way: fields and relations only."""
    blueprint = _BLUEPRINTS.get(model)
    if blueprint is None:
        blueprint = _BLUEPRINTS[model] = Blueprint(model)
    obj: M = blueprint.make(values)
    return obj


class Keys:
    """The next primary key of each table, read once. Keys go up by ``step``: each of
    ``step`` processes loading one service takes its own keys, starting from a table's
    first free key plus its part's number (``interplay.demo.seeding.Service._part``)."""

    def __init__(self) -> None:
        self.next: dict[type[models.Model], int] = {}
        self.step = 1

    def read(self, models: Sequence[type[models.Model]]) -> None:
        """Read the first free key of each of ``models`` now."""
        for model in models:
            if model not in self.next:
                highest = model._default_manager.aggregate(top=Max("pk"))["top"]
                self.next[model] = (highest or 0) + 1

    def give(self, objects: Sequence[models.Model]) -> None:
        """Number ``objects``, all of one model, from the table's next free key on."""
        model = type(objects[0])
        self.read([model])
        attname = model._meta.pk.attname
        first, step = self.next[model], self.step
        for obj, number in zip(
            objects, range(first, first + len(objects) * step, step), strict=True
        ):
            obj.__dict__[attname] = number
        self.next[model] = first + len(objects) * step

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
        self.text: Callable[[Sequence[models.Model]], str] | None = None

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

    def copy_text(self, objects: Sequence[models.Model]) -> str:
        """``objects`` as the text ``COPY`` (``self.copy``) reads."""
        if self.text is None:
            self.text = _copy_text(self)
        return self.text(objects)

    def write(self, objects: Sequence[models.Model], batch: int = 2000) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: several times faster than INSERTs for a batch of rows, its text
                # made here by one function written for the table (``_copy_text``):
                # about half the CPU of psycopg's row writer fed with ``rows``'s tuples.
                with cursor.cursor.copy(self.copy) as copy:
                    for first in range(0, len(objects), batch):
                        copy.write(self.copy_text(objects[first : first + batch]))
                return
            for first in range(0, len(objects), batch):
                cursor.executemany(self.sql, self.rows(objects[first : first + batch]))


def _copy_escape(value: str) -> str:
    """A text value as COPY's text format reads it: backslash, tab, newline and carriage
    return escaped."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _copy_text(inserter: "Inserter") -> Callable[[Sequence[models.Model]], str]:
    """A function turning objects of the inserter's model into COPY's text: the same
    values ``Inserter.rows`` gives (foreign keys from the related objects, ``auto_now``
    times filled in, encrypted and JSON fields through their preparation), each written
    as PostgreSQL reads it. Written out for the model's columns, without a loop over
    them, as one line of source per column."""
    model = inserter.model
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    names: dict[str, Any] = {"_esc": _copy_escape, "iso": _ISO, "_iso": _iso}
    body = ["def text(objects):", "    out = []", "    for obj in objects:"]
    body.append("        v = obj.__dict__")
    relations = {attname: (name, key) for attname, name, key in inserter.relations}
    if relations:
        body.append("        cache = obj._state.fields_cache")
    parts = []
    for index, field in enumerate(fields):
        x = f"x{index}"
        attname = field.attname
        body.append(f"        {x} = v[{attname!r}]")
        if attname in relations:
            name, key = relations[attname]
            body += [
                f"        if {x} is None:",
                f"            related = cache.get({name!r})",
                "            if related is not None:",
                f"                {x} = v[{attname!r}] = related.__dict__[{key!r}]",
            ]
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            # A time the seeder gave (a record's change time in the past) is kept.
            names[f"f{index}"] = field
            body += [f"        if {x} is None:", f"            {x} = f{index}.pre_save(obj, True)"]
        kind = field.get_internal_type()
        prepare = inserter.prepare[index]
        if prepare is not None and (isinstance(field, EncryptedMixin) or kind not in _AS_TEXT):
            names[f"p{index}"] = prepare
            body.append(f"        {x} = p{index}({x})")
            kind = "TextField"
        how = _AS_TEXT.get(kind)
        if how is None and kind not in ("CharField", "SlugField", "TextField"):
            raise NotImplementedError(f"No COPY text for {field} ({kind})")
        if how == "iso":
            # Times and dates repeat (sessions on the hour): each is written out once.
            body += [
                f"        if {x} is None:",
                f"            {x} = '\\\\N'",
                "        else:",
                f"            {x} = iso.get({x}) or _iso({x})",
            ]
        else:
            if how == "bool":
                made = f"('t' if {x} else 'f')"
            elif how == "str":
                made = f"str({x})"
            else:  # text: escaped unless plainly safe
                made = (
                    f"({x} if {x}.__class__ is str and {x}.isprintable() "
                    f"and '\\\\' not in {x} else _esc(str({x})))"
                )
            body.append(f"        {x} = '\\\\N' if {x} is None else {made}")
        parts.append(x)
    body.append(f"        out.append('\\t'.join(({', '.join(parts)},)))")
    body.append("    out.append('')")
    body.append("    return '\\n'.join(out)")
    text: Callable[[Sequence[models.Model]], str] = _compiled(
        body, names, f"copy text of {model._meta.label}"
    )
    return text


_ISO: dict[Any, str] = {}


def _iso(value: Any) -> str:
    """``value.isoformat()``, kept for the next time the same time or date comes."""
    if len(_ISO) >= _TOKENS_KEPT:
        _ISO.clear()
    text = _ISO[value] = value.isoformat()
    return text


# How a column's value becomes COPY text: ``str`` of it, its ``isoformat``, ``t`` or
# ``f``; text (escaped) for text columns and, after their preparation, encrypted and
# JSON ones.
_AS_TEXT = {
    "AutoField": "str",
    "BigAutoField": "str",
    "BigIntegerField": "str",
    "IntegerField": "str",
    "PositiveIntegerField": "str",
    "PositiveSmallIntegerField": "str",
    "SmallIntegerField": "str",
    "ForeignKey": "str",
    "OneToOneField": "str",
    "FloatField": "str",
    "UUIDField": "str",
    "DateTimeField": "iso",
    "DateField": "iso",
    "TimeField": "iso",
    "BooleanField": "bool",
}


_TOKENS: dict[tuple[int, str], Any] = {}
# The same structured value (a questionnaire's answers, from one cache) by identity: its
# JSON text need not be made again. The value is kept with its token, so its id cannot
# be taken by another object while the entry lives.
_BY_OBJECT: dict[tuple[int, int], tuple[Any, Any]] = {}
# Unique values (e-mail addresses) would otherwise fill the cache; start again when full.
_TOKENS_KEPT = 100_000


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, EncryptedMixin):
        return _encrypter(field)
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
    if not value and value.__class__ in (list, dict):
        return "[]" if value.__class__ is list else "{}"  # a default, new for each row
    seen = _BY_OBJECT.get((id(field), id(value)))
    if seen is not None and seen[0] is value:
        return seen[1]
    text = json.dumps(value)
    if len(_BY_OBJECT) >= _TOKENS_KEPT:
        _TOKENS.clear()
        _BY_OBJECT.clear()
    _BY_OBJECT[(id(field), id(value))] = (value, text)
    return text


def _encrypter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """The field's preparation: a text's token from the field's own cache of them (one
    dictionary look-up for a repeated text), anything else through ``_encrypted``."""
    tokens: dict[str, Any] = {}

    def prepare(value: Any) -> Any:
        if value.__class__ is not str:
            return _encrypted(field, value)
        token = tokens.get(value)
        if token is None:
            if len(tokens) >= _TOKENS_KEPT // 5:
                tokens.clear()
            token = tokens[value] = field.get_db_prep_save(value, connection)
        return token

    return prepare


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
        self._inserter(model).write(objects)

    def copy_text(self, objects: Sequence[models.Model]) -> tuple[str, str]:
        """Give ``objects`` (all of one model) their keys, and return the ``COPY``
        statement and its text that write them (PostgreSQL): for a load made in one
        process and written by another."""
        self.keys.give(objects)
        inserter = self._inserter(type(objects[0]))
        return inserter.copy, inserter.copy_text(objects)

    def _inserter(self, model: type[models.Model]) -> "Inserter":
        inserter = self.inserters.get(model)
        if inserter is None:
            inserter = self.inserters[model] = Inserter(model)
        return inserter


class Unindexed:
    """PostgreSQL: the indexes, unique constraints and foreign keys of some tables, all
    but their primary keys, dropped for a large load and made again after it, inside
    the caller's transaction.

    Each row COPY writes otherwise updates every index of its table and queues a check
    of each of its foreign keys (a lookup and a row lock in the table it points to):
    most of the server's work in seeding. The unique indexes on random public ids cost
    most as they grow, each row's key landing on a page of its own: at a million
    referrals they outgrow the server's buffers many times over. Building an index
    once over the loaded rows (a sort) and checking a foreign key by one join are far
    cheaper. The definitions are read from the catalogue (``pg_get_indexdef``,
    ``pg_get_constraintdef``) and run again as they were, so the schema ends as it
    began (same names, same conditions, same deferral). Primary keys stay: their keys
    come in order, so each row adds to the last page. A duplicate the seeder made
    would fail when its unique index is built again, at the end; inside one
    transaction, a failure before the end rolls the drops back with the rows. The
    tables are locked against other connections until it ends."""

    def __init__(self, models: Sequence[type[models.Model]]) -> None:
        self.models = models
        self.tables = [m._meta.db_table for m in models]
        self.indexes: list[tuple[str, str]] = []
        self.constraints: list[tuple[str, str, str]] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            self.indexes, self.constraints = definitions(
                cursor, self.tables, partial=partial_indexes(self.models)
            )
            quote = connection.ops.quote_name
            # Foreign keys come first in the list: one may lean on a unique constraint.
            for table, name, _definition in self.constraints:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")

    def restore(self) -> None:
        """Build the indexes and add the constraints again, each checked over every row:
        unique constraints before the foreign keys that may lean on them."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # For this transaction only: sorting for an index build in memory.
            cursor.execute("SET LOCAL maintenance_work_mem TO '1GB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for table, name, definition in reversed(self.constraints):
                add = f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                cursor.execute(add)


def partial_indexes(models: Sequence[type[models.Model]]) -> dict[str, str]:
    """The ``CREATE INDEX`` statement of each partial index (an index or a unique
    constraint with a condition) the models declare, by name, as their migration made
    it. The catalogue's own spelling of a condition (``pg_get_indexdef``) is equivalent
    but, run again, is stored, and printed, in another form."""
    editor = connection.schema_editor(collect_sql=True)
    found = {}
    for model in models:
        for declared in [*model._meta.indexes, *model._meta.constraints]:
            if getattr(declared, "condition", None) is not None and declared.name:
                statement = declared.create_sql(model, editor)
                if statement is not None:
                    found[declared.name] = str(statement)
    return found


def definitions(
    cursor: Any, tables: Sequence[str], *, partial: dict[str, str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The indexes (name, ``CREATE INDEX`` statement) of ``tables`` that back no
    constraint, but partial ones only where ``partial`` has their statement, then their
    foreign keys and unique constraints (table, name, definition), foreign keys first,
    in the current schema, in a stable order."""
    cursor.execute(
        """
        SELECT ic.relname, pg_get_indexdef(i.indexrelid), i.indpred IS NOT NULL
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
          AND NOT i.indisprimary
          AND NOT EXISTS (
            SELECT FROM pg_constraint c
            WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')
          )
        ORDER BY t.relname, ic.relname
        """,
        [list(tables)],
    )
    indexes = [
        (name, partial[name] if conditional else definition)
        for name, definition, conditional in cursor.fetchall()
        if name in partial or not conditional
    ]
    cursor.execute(
        """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype IN ('f', 'u') AND t.relname = ANY(%s)
          AND t.relnamespace = current_schema()::regnamespace
        ORDER BY c.contype, t.relname, c.conname
        """,
        [list(tables)],
    )
    constraints = [(table, name, definition) for table, name, definition in cursor.fetchall()]
    return indexes, constraints
