"""The service figures read from a read replica, when there is one.

With ``DATABASE_REPLICA_URL`` set, Django has a second database alias, ``replica``: a
PostgreSQL streaming replica of the primary (README, *Running in production*). The
report views run inside ``replica_reads()`` (the ``reads_from_replica`` decorator), and
only there do reads go to the replica; everything else, every write (the audit event a
report view records included) and every migration stays on the primary. A router that
chose by model could not tell a report's read of a course from a therapist's, so the
views say so.

Even inside a report view a read stays on the primary when it is about the request
itself (the session, sign-in lockouts, the cache table, the audit chain) or when the
primary is inside a transaction: a read made while writing must see that write.
Without a replica the router answers nothing and Django uses the primary, as before.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# Read on the primary always: what the request itself reads or writes.
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "axes", "audit", "django_otp", "django_cache", "django_tasks_database"}
)

_reading_reports: ContextVar[bool] = ContextVar("interplay_reading_reports", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads go to the replica (if there is one)."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reads_from_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` inside ``replica_reads()``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reports' reads to ``replica``; everything else to the primary (``default``)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not _reading_reports.get() or not replica_configured():
            return None
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
