"""Writing a whole service out: every table as JSON lines, stored files, a manifest.

Values are written as the application reads them, encrypted fields in clear, so anyone
leaving Interplay can read the export without Interplay or its keys. That makes the
export as sensitive as the records: the directory is created 0700 and every file 0600.
Each table is read with ``.iterator()`` in chunks and written line by line, so memory
stays the same however large the service. The layout is documented in docs/export.md.
"""

import contextlib
import getpass
import hashlib
import importlib.metadata
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone
from tqdm import tqdm

from interplay.accounts.permissions import Action, can
from interplay.audit.actors import SystemActor
from interplay.audit.services import record
from interplay.clinic import transfer
from interplay.clinic.transfer import TransferError

CHUNK_SIZE = 1000
PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600

# Per table that does not travel: its keys' natural keys.
NaturalKeys = dict[type[models.Model] | None, dict[Any, list[Any]]]


def export_service(
    directory: Path,
    *,
    actor: Any,
    using: str = DEFAULT_DB_ALIAS,
    progress: bool = False,
) -> dict[str, Any]:
    """Write every record of the service into ``directory`` (new, or empty); the manifest.

    The operator at the command line (a ``SystemActor``) or an administrator may export.
    ``service.export_started`` is recorded first, so the export holds the record of its
    own making; ``service.exported`` (the operator's login, row counts) once it is whole.
    """
    if not (isinstance(actor, SystemActor) or can(actor, Action.MANAGE_RECORDS)):
        raise TransferError("Only an administrator may export the whole service.")
    operator = _operator()
    _private_directory(directory)
    record(actor=actor, action="service.export_started", detail={"operator": operator})
    manifest = write_export(directory, using=using, progress=progress)
    record(
        actor=actor,
        action="service.exported",
        detail={
            "operator": operator,
            "rows": sum(table["rows"] for table in manifest["tables"]),
            "tables": {table["model"]: table["rows"] for table in manifest["tables"]},
            "files": len(manifest["files"]),
        },
    )
    return manifest


def write_export(
    directory: Path, *, using: str = DEFAULT_DB_ALIAS, progress: bool = False
) -> dict[str, Any]:
    """The export itself, unaudited: tables, files and ``manifest.json``."""
    models_ = transfer.exported_models()
    natural_keys = _natural_keys(models_, using)
    with _snapshot(using):
        exported_at = timezone.now()
        total = sum(model._base_manager.using(using).count() for model in models_)
        files: dict[str, str] = {}
        tables = []
        with tqdm(total=total, unit=" rows", disable=not progress, leave=False) as bar:
            for model in models_:
                bar.set_description(transfer.label(model))
                tables.append(
                    _write_table(directory, model, using, natural_keys, files, bar.update)
                )
        head = _chain_head(directory)
        migrations = transfer.migration_state(using)
    manifest = {
        "format": transfer.FORMAT,
        "interplay_version": _version(),
        "exported_at": transfer.utc_iso(exported_at),
        "database": connections[using].vendor,
        "migrations": migrations,
        "tables": tables,
        "files": files,
        "audit_chain_head": head,
        "left_out": transfer.LEFT_OUT,
    }
    with _private_file(directory / transfer.MANIFEST, "w") as out:
        json.dump(manifest, out, indent=2, ensure_ascii=False)
        out.write("\n")
    return manifest


def _write_table(
    directory: Path,
    model: type[models.Model],
    using: str,
    natural_keys: NaturalKeys,
    files: dict[str, str],
    advance: Callable[[int], Any],
) -> dict[str, Any]:
    fields = [(field, transfer.natural_key_target(field)) for field in model._meta.concrete_fields]
    name = transfer.file_name(model)
    digest, rows = hashlib.sha256(), 0
    rows_of = model._base_manager.using(using).order_by("pk").iterator(chunk_size=CHUNK_SIZE)
    with _private_file(directory / name, "wb") as out:
        for obj in rows_of:
            row = {
                field.attname: _value(directory, obj, field, natural_keys.get(target), files)
                for field, target in fields
            }
            line = (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            out.write(line)
            digest.update(line)
            rows += 1
            advance(1)
    return {
        "model": transfer.label(model),
        "file": name,
        "rows": rows,
        "sha256": digest.hexdigest(),
        "columns": [field.attname for field, _ in fields],
    }


def _value(
    directory: Path,
    obj: models.Model,
    field: Any,
    natural_keys: dict[Any, list[Any]] | None,
    files: dict[str, str],
) -> Any:
    value = getattr(obj, field.attname)
    if value is None:
        return None
    if natural_keys is not None:
        return natural_keys[value]
    if isinstance(field, models.BinaryField):
        data = bytes(value)
        relative = transfer.binary_path(type(obj), obj.pk, field, data)
        path = directory / relative
        for folder in (path.parent.parent, path.parent):  # files/, files/<table>/
            folder.mkdir(mode=PRIVATE_DIRECTORY, exist_ok=True)
        with _private_file(path, "wb") as out:
            out.write(data)
        files[relative] = hashlib.sha256(data).hexdigest()
        return relative
    return transfer.encode(value)


def _natural_keys(models_: list[type[models.Model]], using: str) -> NaturalKeys:
    """For foreign keys to tables that do not travel (content types, permissions): each
    key's natural key, read once (they are small), not once a row."""
    found: NaturalKeys = {}
    for model in models_:
        for field in model._meta.concrete_fields:
            target = transfer.natural_key_target(field)
            if target is not None and target not in found:
                found[target] = {
                    row.pk: list(row.natural_key())  # type: ignore[attr-defined]
                    for row in target._base_manager.using(using).iterator()
                }
    return found


def _chain_head(directory: Path) -> dict[str, Any] | None:
    """The audit chain's head as exported (read back from its file: the same snapshot)."""
    path = directory / "audit.chainhead.jsonl"
    with path.open(encoding="utf-8") as rows:
        for line in rows:
            head = json.loads(line)
            return {"sequence": head["sequence"], "hash": head["hash"]}
    return None


@contextlib.contextmanager
def _snapshot(using: str) -> Iterator[None]:
    """Read every table at one moment, while the service carries on writing.

    PostgreSQL: one REPEATABLE READ, READ ONLY transaction. SQLite: one deferred read
    transaction, which in WAL mode sees one snapshot and blocks no writer (Django's own
    transactions here are IMMEDIATE: they would take the write lock for the whole
    export). Inside a caller's transaction (tests), that transaction is the snapshot.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            cursor.execute("COMMIT")


def _private_directory(directory: Path) -> None:
    """``directory``, new or empty, readable by its owner only (0700)."""
    if directory.exists():
        if not directory.is_dir() or any(directory.iterdir()):
            raise TransferError(
                f"{directory} already exists and is not an empty directory. Nothing was "
                "written: choose a new directory."
            )
    else:
        directory.mkdir(mode=PRIVATE_DIRECTORY, parents=True)
    os.chmod(directory, PRIVATE_DIRECTORY)  # mkdir's mode is narrowed by the umask only


@contextlib.contextmanager
def _private_file(path: Path, mode: str) -> Iterator[IO[Any]]:
    """A new file only its owner can read (0600), whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as out:
        yield out


def _version() -> str:
    try:
        return importlib.metadata.version("interplay")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _operator() -> str:
    """The operating-system account running the command, for the audit trail."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
