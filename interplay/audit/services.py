"""Writing the audit trail. Every service calls ``record`` inside its own transaction."""

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from interplay.audit import chain
from interplay.audit.context import current
from interplay.audit.models import AuditEvent, ChainHead, public_key
from interplay.lib.prepared import insert_statement


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event for ``action`` by ``actor`` (None or anonymous for the public).

    An actor with an ``audit_label`` (a patient in the portal, the system; see
    ``interplay.audit.actors``) is named by that label.

    The request id and client address come from the request being served, if any. The
    event is numbered and chained under a lock on the chain head, held until the caller's
    transaction ends: on PostgreSQL ``SELECT ... FOR UPDATE``, in the one statement that
    also chains and stores the event (``_chain_in_one_statement``); on SQLite every write
    transaction already holds the database's one write lock (``BEGIN IMMEDIATE``).
    """
    context = current.get()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        actor=actor if is_user else None,
        actor_label=(
            actor.get_username() if is_user else getattr(actor, "audit_label", None) or "public"
        ),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=public_key(obj) if obj is not None else "",
        # As the database will give it back (tuples become lists, keys strings), so the
        # hash computed now is the hash recomputed later.
        detail=json.loads(json.dumps(detail or {})),
        client_address=context.client_address,
        request_id=context.request_id,
    )
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and _chain_in_one_statement(connection, event):
        return event
    # No savepoint: an audit row that cannot be written must undo the caller's change.
    with transaction.atomic(savepoint=False):
        statements = _statements(connection)
        sequence, hash_ = _locked_head_row(connection, statements)
        event.sequence, event.prev_hash, event.at = sequence + 1, hash_, timezone.now()
        event.hash = chain.digest(event.link())
        _insert(connection, statements, event)
    return event


@dataclass(frozen=True)
class _Statements:
    """The SQL ``record`` sends, for one kind of database.

    ``lock`` reads the chain head row and locks it (what ``select_for_update().get()``
    sends); ``insert`` adds the event (what ``save(force_insert=True)`` sends, values in
    the order of ``fields``) and gives back its id; ``move`` moves the head on (what
    ``save(update_fields=...)`` sends). On PostgreSQL, where one statement can change two
    tables (data-modifying ``WITH`` queries), ``insert`` moves the head as well, after the
    event's values, and ``move`` is empty: one round trip to the database fewer.
    """

    lock: str
    insert: str
    move: str
    fields: tuple[models.Field[Any, Any], ...]


# A string no event's own values hold, for cutting its canonical text around the values
# the database fills in (``chain.template``); new to each process, so none can be planted.
_MARK = f"@@{secrets.token_hex(16)}@@"
_CHAINED = ("sequence", "prev_hash", "hash")
_PG_STATEMENT: list[tuple[str, tuple[models.Field[Any, Any], ...]]] = []


def _chain_in_one_statement(connection: Any, event: AuditEvent) -> bool:
    """On PostgreSQL, lock the chain head, number and hash ``event``, store it and move
    the head on, in one statement: one round trip to the database, and in autocommit (an
    audited page view) no transaction of its own to begin and commit.

    The event's canonical text is written here around the two values only the locked
    head can give (``chain.template``), and the database puts them in and hashes it
    (``sha256``), so the hash is the one ``chain.digest`` gives, as ``audit_verify``
    recomputes it. The time is read just before the statement, not once the head is
    held: two requests recording at the same moment may have times a few milliseconds
    out of their chain order (as two servers' clocks may be in any case); the sequence
    is the order. False, with nothing written, when the head row is missing (a test
    database flushed) or the event's own values hold the cutting mark: ``record`` then
    chains the event itself.
    """
    event.at = timezone.now()
    parts = chain.template(event.link(), _MARK)
    if parts is None:
        return False
    if not _PG_STATEMENT:
        _PG_STATEMENT.append(_pg_statement(connection))
    sql, fields = _PG_STATEMENT[0]
    values = [
        field.get_db_prep_save(field.pre_save(event, True), connection)
        for field in fields
        if field.name not in _CHAINED
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [ChainHead.ROW, *parts, ChainHead.ROW, *values])
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk, event.sequence, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias
    return True


def _pg_statement(connection: Any) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    quote = connection.ops.quote_name
    head, events = quote(ChainHead._meta.db_table), quote(AuditEvent._meta.db_table)
    meta = AuditEvent._meta
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    columns = ", ".join(quote(f.column) for f in fields)
    # A parameter is cast to its column's type, except text, which the column's own
    # assignment checks (a cast to varchar(n) would cut an overlong value short).
    values = ", ".join(
        f'"head".{quote(f.column)}'
        if f.name in _CHAINED
        else "%s"
        if f.get_internal_type() == "CharField"
        else f"CAST(%s AS {f.db_type(connection)})"
        for f in fields
    )
    text = '%s::text || "old"."hash" || %s::text || ("old"."sequence" + 1)::text || %s::text'
    # Names from the models, quoted by the database's own rules; values go as parameters.
    sql = (
        f'WITH "old" AS (SELECT "sequence", "hash" FROM {head} WHERE "id" = %s FOR UPDATE),'  # noqa: S608
        f' "head" AS (UPDATE {head} AS "h" SET "sequence" = "old"."sequence" + 1,'
        f" \"hash\" = encode(sha256(convert_to({text}, 'UTF8')), 'hex')"
        f' FROM "old" WHERE "h"."id" = %s'
        f' RETURNING "h"."sequence", "h"."hash", "old"."hash" AS "prev_hash"),'
        f' "event" AS (INSERT INTO {events} ({columns}) SELECT {values} FROM "head"'
        f' RETURNING "id", "sequence", "prev_hash", "hash")'
        f' SELECT "id", "sequence", "prev_hash", "hash" FROM "event"'
    )
    return sql, fields


def _statements(connection: Any) -> _Statements:
    """This connection's statements, written once per kind of database rather than built
    by the ORM on every audited request."""
    statements = _STATEMENTS.get(connection.vendor)
    if statements is None:
        statements = _STATEMENTS[connection.vendor] = _compile(connection)
    return statements


_STATEMENTS: dict[str, _Statements] = {}


def _head_statements(connection: Any) -> tuple[str, str]:
    quote = connection.ops.quote_name
    table, sequence, hash_, id_ = (
        quote(name) for name in (ChainHead._meta.db_table, "sequence", "hash", "id")
    )
    features = connection.features
    lock = f" {connection.ops.for_update_sql()}" if features.has_select_for_update else ""
    # Names from the model, quoted by the database's own rules; values go as parameters.
    select = f"SELECT {sequence}, {hash_} FROM {table} WHERE {id_} = %s{lock}"  # noqa: S608
    update = f"UPDATE {table} SET {sequence} = %s, {hash_} = %s WHERE {id_} = %s"  # noqa: S608
    return select, update


def _stand_in() -> AuditEvent:
    """An event of the right shape for compiling the INSERT; never saved."""
    return AuditEvent(
        sequence=0, at=dt.datetime(1901, 2, 3, tzinfo=dt.UTC), actor_label="", action=""
    )


def _compile(connection: Any) -> _Statements:
    lock, move = _head_statements(connection)
    # The ORM's own INSERT of an event, compiled once (lib/prepared.py).
    insert, fields = insert_statement(AuditEvent, connection, _stand_in())
    if connection.vendor == "postgresql":
        # Each part of a WITH that changes rows runs once, to the end, whatever the outer
        # SELECT reads; the head row is already locked by ``lock``, in this transaction.
        insert = f'WITH "event" AS ({insert}), "head" AS ({move}) SELECT "id" FROM "event"'  # noqa: S608
        move = ""
    return _Statements(lock, insert, move, fields)


def _insert(connection: Any, statements: _Statements, event: AuditEvent) -> None:
    """Store ``event`` and move the chain head to it, each value converted for the database
    by its field exactly as ``save()`` converts it."""
    params = [
        field.get_db_prep_save(field.pre_save(event, True), connection)
        for field in statements.fields
    ]
    move = [event.sequence, event.hash, ChainHead.ROW]
    with connection.cursor() as cursor:
        cursor.execute(statements.insert, params if statements.move else params + move)
        (event.pk,) = cursor.fetchone()
        if statements.move:
            cursor.execute(statements.move, move)
    event._state.adding = False
    event._state.db = connection.alias


def _locked_head_row(connection: Any, statements: _Statements) -> tuple[int, str]:
    """The chain head's sequence and hash, its row locked until the caller's transaction
    ends (as ``locked_head``)."""
    with connection.cursor() as cursor:
        cursor.execute(statements.lock, [ChainHead.ROW])
        row = cursor.fetchone()
    if row is None:
        head = _restored_head()
        return head.sequence, head.hash
    return int(row[0]), str(row[1])


def locked_head() -> ChainHead:
    """The chain head row, locked until the caller's transaction ends."""
    try:
        return ChainHead.objects.select_for_update().get(pk=ChainHead.ROW)
    except ChainHead.DoesNotExist:
        return _restored_head()


def _restored_head() -> ChainHead:
    """Put the head row back at the chain's last event (a test database flush removes it)."""
    tail = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    sequence, hash_ = tail if tail is not None else (0, chain.GENESIS)
    try:
        with transaction.atomic():
            ChainHead.objects.create(pk=ChainHead.ROW, sequence=sequence, hash=hash_)
    except IntegrityError:
        pass  # another writer put it back first; its row is the one to lock
    return ChainHead.objects.select_for_update().get(pk=ChainHead.ROW)


def chain_links(chunk_size: int = 2000) -> tuple[chain.Head | None, Iterator[chain.Link]]:
    """The chain head and every event in sequence order, read as one snapshot.

    The head is read in the same statement as the events (a subquery on every row), so
    an event recorded while the trail is being read cannot look like a forgery.
    """
    head_row = ChainHead.objects.filter(pk=ChainHead.ROW)
    before = head_row.first()
    rows = (
        AuditEvent.objects.in_chain_order()
        .annotate(
            head_sequence=models.Subquery(head_row.values("sequence")),
            head_hash=models.Subquery(head_row.values("hash")),
        )
        .iterator(chunk_size=chunk_size)
    )
    first = next(rows, None)
    if first is None:
        # No events now: a head read before that which names events means they were removed.
        return (before.as_head() if before else None), iter(())
    sequence: int | None = getattr(first, "head_sequence", None)
    hash_: str = getattr(first, "head_hash", None) or ""
    return (chain.Head(sequence, hash_) if sequence is not None else None), _links(first, rows)


def _links(first: AuditEvent, rest: Iterator[AuditEvent]) -> Iterator[chain.Link]:
    yield first.link()
    for event in rest:
        yield event.link()


def verify_trail(anchors: Iterable[chain.Head] = ()) -> tuple[chain.Head | None, chain.Report]:
    """Check the whole stored trail against its head and any ``anchors`` kept outside the
    database; once there are events, a missing head is itself a problem (it is what shows
    events removed from the end)."""
    head, links = chain_links()
    report = chain.verify(links, head, anchors)
    if report.intact and head is None and report.count:
        message = "The chain head is missing, so events removed from the end would not show."
        return head, chain.Report(report.count, chain.Problem(chain.Fault.DELETED, message))
    return head, report


def view_events(
    *,
    actor: Any,
    filters: dict[str, str] | None = None,
    page: int = 0,
    rejected: list[str] | None = None,
) -> None:
    """Audit one look at the audit trail itself: the filters used and the page, or the
    names of the filters that were refused (what was typed there is not kept)."""
    detail: dict[str, Any] = {"view": "events", "filters": filters or {}, "page": page}
    if rejected:
        detail["rejected"] = rejected
    record(actor=actor, action="audit.viewed", detail=detail)


def view_access(*, actor: Any, obj: models.Model, page: int) -> None:
    """Audit one look at the list of who looked at ``obj``'s record."""
    record(actor=actor, action="audit.viewed", obj=obj, detail={"view": "access", "page": page})
