"""The SQLite database and its WAL are readable by their owner only."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def sqlite(path: Path, options: dict[str, Any] | None = None) -> DatabaseWrapper:
    settings = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": options or {},
        **{key: "" for key in ("USER", "PASSWORD", "HOST", "PORT")},
        "TIME_ZONE": None,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TEST": {},
    }
    return DatabaseWrapper(settings, alias=f"file-mode-{path.name}")


@pytest.fixture
def usual_umask(django_db_blocker: Any) -> Iterator[None]:
    old = os.umask(0o022)  # a usual umask: new files readable by every local user
    with django_db_blocker.unblock():
        yield
    os.umask(old)


@pytest.mark.usefixtures("usual_umask")
def test_a_new_sqlite_database_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "service.sqlite3"
    database = sqlite(path, {"init_command": "PRAGMA journal_mode=WAL;"})
    try:
        with database.cursor() as cursor:
            cursor.execute("CREATE TABLE note (body TEXT)")
            cursor.execute("INSERT INTO note VALUES ('synthetic')")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        database.close()


@pytest.mark.usefixtures("usual_umask")
def test_an_existing_database_left_readable_is_closed_on_connection(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    path.touch()
    os.chmod(path, 0o644)
    database = sqlite(path)
    try:
        database.ensure_connection()
        assert mode(path) == 0o600
    finally:
        database.close()
