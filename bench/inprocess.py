"""Database work per request, measured in this process with Django's test client.

Counts statements with CaptureQueriesContext and commits by watching the connection:
an explicit COMMIT (the end of an outermost ``atomic``) or a write statement run in
autocommit mode (SQLite commits each one on its own) each count as one commit.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.client import query_value

HOST = "127.0.0.1"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


@dataclass
class Work:
    """The database statements and commits of one request."""

    status: int = 0
    location: str = ""
    statements: list[str] = field(default_factory=list)
    explicit_commits: int = 0
    autocommit_writes: int = 0

    @property
    def commits(self) -> int:
        return self.explicit_commits + self.autocommit_writes

    @property
    def queries(self) -> int:
        """Statements that read or write data (transaction control left out)."""
        return sum(1 for s in self.statements if not _verb(s).startswith(TRANSACTION_CONTROL))

    @property
    def writes(self) -> int:
        return sum(1 for s in self.statements if _verb(s).startswith(WRITES))


def _verb(sql: str) -> str:
    return sql.lstrip().upper()


@contextmanager
def watch() -> Iterator[Work]:
    connection = connections["default"]
    work = Work()
    original_commit = getattr(connection, "_commit")  # noqa: B009 - private, untyped

    def counting_commit(*args: Any, **kwargs: Any) -> Any:
        work.explicit_commits += 1
        return original_commit(*args, **kwargs)

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not context["connection"].in_atomic_block and _verb(sql).startswith(WRITES):
            work.autocommit_writes += 1
        return execute(sql, params, many, context)

    setattr(connection, "_commit", counting_commit)  # noqa: B010 - an instance override
    try:
        with connection.execute_wrapper(wrapper), CaptureQueriesContext(connection) as captured:
            yield work
    finally:
        connection.__dict__.pop("_commit", None)
    work.statements = [q["sql"] for q in captured.captured_queries]


def anonymous() -> Client:
    return Client(HTTP_HOST=HOST)


def signed_in(user: Any, device: Any | None) -> Client:
    """Signed in, and past the second factor when there is one (as after the code page)."""
    from bench.seed import verified_session_key

    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    if device is not None:
        session = client.session
        session[verified_session_key()] = device.persistent_id
        session.save()
    return client


def get(client: Client, path: str) -> Work:
    with watch() as work:
        response = client.get(path)
    work.status, work.location = response.status_code, response.get("Location", "")
    return work


def post(client: Client, path: str, body: str) -> Work:
    with watch() as work:
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
    work.status, work.location = response.status_code, response.get("Location", "")
    return work


def gate(client: Client) -> str:
    """Pass the eligibility step as a person would; the signed gate it hands back."""
    client.get("/refer/eligibility/")
    response = client.post(
        "/refer/eligibility/", {"old_enough": "yes", "under_secondary_care": "no"}
    )
    return query_value(response.get("Location", ""), "gate")


def milliseconds_per_request(client: Client, path: str, count: int = 30) -> float:
    """Median wall time of ``count`` GETs, in this process (no HTTP, no gunicorn)."""
    client.get(path)
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        client.get(path)
        timings.append(time.perf_counter() - start)
    timings.sort()
    return timings[len(timings) // 2] * 1000
