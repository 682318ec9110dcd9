"""Encrypted backups of the whole database, and restoring them (``manage.py backup``/``restore``).

SQLite: Python's online backup API copies a consistent snapshot while the service runs.
PostgreSQL: ``pg_dump --format=custom``, restored with ``pg_restore`` in one transaction.
Either way the file is interplay.lib.crypto's stream of Fernet records under the first of
settings.BACKUP_KEYS; plaintext touches the disk only in a private temporary directory
that is removed at once. The connection settings come from DATABASES; a PostgreSQL
password reaches pg_dump and pg_restore through PGPASSWORD, never their command line.
"""

import contextlib
import os
import secrets
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from interplay.audit.actors import SystemActor
from interplay.audit.services import record
from interplay.lib.crypto import (
    CHUNK_SIZE,
    BackupError,
    EncryptedStreamReader,
    write_encrypted_stream,
)

FORMAT = 1
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# libpq reads these OPTIONS from the environment too (PGSSLMODE and so on).
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "passfile", "service")


def engine_of(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ENGINES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return str(connection.vendor)


def describe(connection: BaseDatabaseWrapper) -> str:
    return f"{ENGINES[engine_of(connection)]} database {connection.settings_dict['NAME']}"


# Backing up ---------------------------------------------------------------------------


def take_backup(output: Path, *, using: str = "default", force: bool = False) -> dict[str, Any]:
    """``manage.py backup`` and the nightly scheduled backup: audit, then back up.

    ``backup.started`` is recorded before the copy is taken, so the backup holds the record
    of its making; an attempt that then fails stays in the trail as an attempt.
    ``backup.made`` is recorded once the file is whole: the administrator's day reads the
    newest one for the age of the last backup.
    """
    record(actor=SystemActor("backup"), action="backup.started")
    header = back_up(output, using=using, force=force)
    size = output.stat().st_size
    record(actor=SystemActor("backup"), action="backup.made", detail={"bytes": size})
    return header


def back_up(output: Path, *, using: str = "default", force: bool = False) -> dict[str, Any]:
    """Write an encrypted backup of database ``using`` to ``output``; return its header."""
    connection = connections[using]
    engine = engine_of(connection)
    if output.exists() and not force:
        raise BackupError(f"{output} already exists. Nothing was written; --force replaces it.")
    if not connection.introspection.table_names():
        raise BackupError(f"The {describe(connection)} has no tables. Nothing was written.")
    header = {"format": FORMAT, "engine": engine, "made_at": timezone.now().isoformat()}
    with _private_file(output) as out:
        if engine == "sqlite":
            _dump_sqlite(connection.settings_dict["NAME"], header, out)
        else:
            _dump_postgresql(connection.settings_dict, header, out)
    return header


@contextlib.contextmanager
def _private_file(path: Path) -> Iterator[BinaryIO]:
    """A file only its owner can read, appearing at ``path`` only once complete."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _dump_sqlite(name: str, header: dict[str, Any], out: BinaryIO) -> None:
    with tempfile.TemporaryDirectory(prefix="interplay-backup-") as private:
        snapshot = Path(private) / "snapshot.sqlite3"
        _sqlite_copy(sqlite3.connect(name), sqlite3.connect(snapshot))
        with contextlib.closing(sqlite3.connect(snapshot)) as copy:
            # One self-contained file: no write-ahead log beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        with snapshot.open("rb") as data:
            write_encrypted_stream(header, _chunks(data), out, settings.BACKUP_KEYS)


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    try:
        source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not copy the database: {error}") from None
    finally:
        source.close()
        target.close()


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    return iter(lambda: stream.read(CHUNK_SIZE), b"")


def _dump_postgresql(config: dict[str, Any], header: dict[str, Any], out: BinaryIO) -> None:
    with tempfile.TemporaryFile() as errors:
        process = _run(
            ["pg_dump", "--format=custom", "--no-password"],
            config,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert process.stdout is not None
        try:
            write_encrypted_stream(header, _chunks(process.stdout), out, settings.BACKUP_KEYS)
        except BaseException:
            process.kill()
            raise
        finally:
            process.stdout.close()
            code = process.wait()
        _check("pg_dump", code, errors)


# Restoring ----------------------------------------------------------------------------


def open_backup(source: BinaryIO) -> EncryptedStreamReader:
    """The backup's header, decrypted with settings.BACKUP_KEYS (BackupError if not)."""
    reader = EncryptedStreamReader(source, settings.BACKUP_KEYS)
    if reader.header.get("format") != FORMAT or reader.header.get("engine") not in ENGINES:
        raise BackupError("This backup was made by another version of Interplay.")
    return reader


def restore(
    reader: EncryptedStreamReader, *, using: str = "default", force: bool = False
) -> list[str]:
    """Replace database ``using`` with the backup; returns the tables that held rows before.

    Refuses (changing nothing) a backup of another engine, and a database holding any
    row unless ``force``. The whole backup is decrypted and checked before the database
    is touched; the replacement itself is one transaction.
    """
    connection = connections[using]
    engine = engine_of(connection)
    if reader.header["engine"] != engine:
        raise BackupError(
            f"This is a backup of a {ENGINES[reader.header['engine']]} database; "
            f"the {describe(connection)} cannot take it. Nothing was changed."
        )
    occupied = tables_with_rows(connection)
    if occupied and not force:
        raise BackupError(
            f"The {describe(connection)} is not empty ({len(occupied)} tables hold rows, among "
            f"them {', '.join(occupied[:3])}). Nothing was changed. Run again with --force "
            "to replace everything in it with the backup."
        )
    with tempfile.TemporaryDirectory(prefix="interplay-restore-") as private:
        plain = Path(private) / "restore"
        with plain.open("wb") as data:
            for chunk in reader.chunks():
                data.write(chunk)
        connection.close()
        if engine == "sqlite":
            _restore_sqlite(plain, connection.settings_dict)
        else:
            _restore_postgresql(plain, connection.settings_dict)
    return occupied


def tables_with_rows(connection: BaseDatabaseWrapper) -> list[str]:
    quote = connection.ops.quote_name
    occupied = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 (a table name)
            if cursor.fetchone() is not None:
                occupied.append(table)
    return occupied


def _restore_sqlite(plain: Path, config: dict[str, Any]) -> None:
    with contextlib.closing(sqlite3.connect(plain)) as check:
        try:
            verdict = check.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.DatabaseError as error:
            verdict = (str(error),)
    if verdict != ("ok",):
        raise BackupError(
            f"The backup's database fails SQLite's integrity check ({verdict[0]}). "
            "Nothing was changed."
        )
    # The backup API writes the target in one transaction, under its write lock, so
    # other connections see the old database or the restored one, never a mixture.
    timeout = float((config.get("OPTIONS") or {}).get("timeout", 20))
    _sqlite_copy(sqlite3.connect(plain), sqlite3.connect(config["NAME"], timeout=timeout))


def _restore_postgresql(plain: Path, config: dict[str, Any]) -> None:
    with tempfile.TemporaryFile() as errors:
        process = _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                f"--dbname={config['NAME']}",
                str(plain),
            ],
            config,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        _check("pg_restore", process.wait(), errors, changed="Nothing was changed.")


# PostgreSQL client programs -----------------------------------------------------------


def libpq_environment(config: dict[str, Any]) -> dict[str, str]:
    """The process environment plus DATABASES' connection settings as libpq variables."""
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if config.get(key):
            env[variable] = str(config[key])
    options = config.get("OPTIONS") or {}
    for option in LIBPQ_OPTIONS:
        if options.get(option):
            env[f"PG{option.upper()}"] = str(options[option])
    return env


def _run(args: list[str], config: dict[str, Any], **kwargs: Any) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(args, env=libpq_environment(config), **kwargs)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            f"{args[0]} is not installed: install the PostgreSQL client programs "
            "(Debian: apt-get install postgresql-client), the same major version as the server."
        ) from None


def _check(program: str, code: int, errors: IO[bytes], changed: str = "") -> None:
    if code != 0:
        errors.seek(0)
        said = errors.read().decode("utf-8", errors="replace").strip()
        raise BackupError(f"{program} failed (exit status {code}): {said} {changed}".strip())
