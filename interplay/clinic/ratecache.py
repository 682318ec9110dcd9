"""A cache of counters, one database row each, for django-ratelimit.

Django's database cache counts its whole table (``SELECT COUNT(*)``) on every write to
decide whether to cull, and increments by a read and a write: a cost that grows with the
table and two statements more than a counter needs. Here each counter is its own keyed
row (``RateCount``): ``add`` is one ``INSERT ... ON CONFLICT``, ``incr`` one ``UPDATE ...
RETURNING``, and ``hit`` both in one ``INSERT ... ON CONFLICT ... RETURNING``, so a
rate-limited request costs one statement on one indexed row.
Counters live in the database, so every app server sees the same counts; ``incr`` is a
single statement, so two servers counting at once never lose a hit.

Expired counters are deleted by the ``add`` that starts a new one (an index range on
``expires``: only the expired rows are touched). Values are whole numbers only.
"""

import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connections, router

from interplay.clinic.models import RateCount

# A counter with no timeout still ends: a year is longer than any rate window.
FOREVER = 365 * 24 * 60 * 60


class CounterCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    # The statements ---------------------------------------------------------------

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        """Start the counter ``key`` at ``value`` unless a live one exists; True if started."""
        key = self.make_and_validate_key(key, version=version)
        now = int(time.time())
        added = self._run(
            "INSERT INTO {table} ({key}, {value}, {expires}) VALUES (%s, %s, %s) "
            "ON CONFLICT ({key}) DO UPDATE SET {value} = excluded.{value}, "
            "{expires} = excluded.{expires} WHERE {table}.{expires} <= %s",
            [key, _whole(value), self._expiry(timeout, now), now],
        )
        if added:
            self._run("DELETE FROM {table} WHERE {expires} <= %s", [now])
        return added

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        """Add ``delta`` to a live counter in one statement; ValueError if there is none."""
        key = self.make_and_validate_key(key, version=version)
        row = self._fetch(
            "UPDATE {table} SET {value} = {value} + %s WHERE {key} = %s AND {expires} > %s "
            "RETURNING {value}",
            [_whole(delta), key, int(time.time())],
        )
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return int(row[0])

    def hit(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> int:
        """Count one on ``key`` in one statement: start it at 1 if there is no live counter
        (with ``timeout``), else add 1 to it; the count now. What ``add(key, 1)`` then,
        when that finds a live counter, ``incr(key)`` give, one round trip fewer
        (``interplay.clinic.ratelimit``)."""
        key = self.make_and_validate_key(key, version=version)
        now = int(time.time())
        row = self._fetch(
            "INSERT INTO {table} ({key}, {value}, {expires}) VALUES (%s, 1, %s) "
            "ON CONFLICT ({key}) DO UPDATE SET "
            "{value} = CASE WHEN {table}.{expires} <= %s THEN 1 ELSE {table}.{value} + 1 END, "
            "{expires} = CASE WHEN {table}.{expires} <= %s THEN excluded.{expires} "
            "ELSE {table}.{expires} END RETURNING {value}",
            [key, self._expiry(timeout, now), now, now],
        )
        count = int(row[0])
        if count == 1:
            self._run("DELETE FROM {table} WHERE {expires} <= %s", [now])
        return count

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = self._fetch(
            "SELECT {value} FROM {table} WHERE {key} = %s AND {expires} > %s",
            [key, int(time.time())],
        )
        return default if row is None else int(row[0])

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._run(
            "INSERT INTO {table} ({key}, {value}, {expires}) VALUES (%s, %s, %s) "
            "ON CONFLICT ({key}) DO UPDATE SET {value} = excluded.{value}, "
            "{expires} = excluded.{expires}",
            [key, _whole(value), self._expiry(timeout, int(time.time()))],
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        now = int(time.time())
        return self._run(
            "UPDATE {table} SET {expires} = %s WHERE {key} = %s AND {expires} > %s",
            [self._expiry(timeout, now), key, now],
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._run("DELETE FROM {table} WHERE {key} = %s", [key])

    def clear(self) -> None:
        self._run("DELETE FROM {table}", [])

    # Plumbing -------------------------------------------------------------------------

    def _expiry(self, timeout: Any, now: int) -> int:
        seconds = self.get_backend_timeout(timeout)
        return now + int(FOREVER if seconds is None else seconds)

    def _sql(self, template: str, alias: str) -> str:
        quote = connections[alias].ops.quote_name
        return template.format(
            table=quote(RateCount._meta.db_table),
            key=quote("key"),
            value=quote("value"),
            expires=quote("expires"),
        )

    def _run(self, template: str, params: list[Any]) -> bool:
        """Run a write; whether it changed a row."""
        alias = router.db_for_write(RateCount)
        with connections[alias].cursor() as cursor:
            cursor.execute(self._sql(template, alias), params)
            return bool(cursor.rowcount > 0)

    def _fetch(self, template: str, params: list[Any]) -> Any:
        alias = router.db_for_write(RateCount)
        with connections[alias].cursor() as cursor:
            cursor.execute(self._sql(template, alias), params)
            return cursor.fetchone()


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("The counter cache holds whole numbers only.")
    return value
