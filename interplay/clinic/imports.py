"""Reading a whole-service export (``export.py``) into an empty instance.

Everything is checked before anything is written: the manifest's format, that this
instance has applied exactly the migrations the exporting one had (naming the first app
that differs), every file's SHA-256, and that the instance is empty. Then every table is
inserted in bulk, parents first, in one transaction, keeping primary keys and public
ids; PostgreSQL's sequences are moved past the highest key. Encrypted fields are handed
to their model fields in clear, so they are encrypted afresh with this instance's key.
The audit trail and its chain head are copied as they were, so ``audit_verify`` passes,
and ``service.imported`` is chained onto its end.
"""

import contextlib
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from tqdm import tqdm

from interplay.audit.actors import SystemActor
from interplay.audit.services import record
from interplay.clinic import transfer
from interplay.clinic.transfer import TransferError

BATCH_SIZE = 500
# Rows carrying stored files (letters' PDFs) go in smaller batches: memory stays small.
FILE_BATCH_SIZE = 20


def import_service(
    directory: Path, *, using: str = DEFAULT_DB_ALIAS, progress: bool = False
) -> dict[str, int]:
    """Read the export in ``directory`` into this empty instance; rows inserted per table.

    Run from the command line before anyone can sign in (there are no accounts until it
    has run), so it acts as the system and records ``service.imported`` with the export's
    time, version and row counts.
    """
    manifest = transfer.read_manifest(directory)
    check_migrations(manifest, using)
    models_ = tables_in(manifest)
    verify_checksums(directory, manifest)
    connection = connections[using]
    with transaction.atomic(using=using):
        refuse_unless_empty(models_, using)
        counts = _insert_all(directory, manifest, models_, using, progress)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models_):
                cursor.execute(statement)
        record(
            actor=SystemActor("import_service"),
            action="service.imported",
            detail={
                "exported_at": manifest["exported_at"],
                "interplay_version": manifest["interplay_version"],
                "rows": sum(counts.values()),
                "tables": counts,
            },
        )
    return counts


def check_migrations(manifest: dict[str, Any], using: str) -> None:
    mismatch = transfer.migration_mismatch(manifest["migrations"], transfer.migration_state(using))
    if mismatch:
        raise TransferError(f"{mismatch} Nothing was imported.")


def tables_in(manifest: dict[str, Any]) -> list[type[models.Model]]:
    """This instance's tables in insertion order, once sure the export has the same ones."""
    ours = transfer.exported_models()
    listed = {table["model"] for table in manifest["tables"]}
    names = {transfer.label(model) for model in ours}
    if listed != names:
        missing, extra = sorted(names - listed), sorted(listed - names)
        raise TransferError(
            "The export's tables are not this instance's "
            f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(extra) or 'none'}). "
            "Nothing was imported."
        )
    return ours


def verify_checksums(directory: Path, manifest: dict[str, Any]) -> None:
    """Every table file and stored file is present and has the SHA-256 the manifest gives."""
    expected = {table["file"]: table["sha256"] for table in manifest["tables"]}
    expected.update(manifest["files"])
    for relative, sha256 in sorted(expected.items()):
        path = directory / relative
        if not path.is_file():
            raise TransferError(f"{relative} is missing from {directory}. Nothing was imported.")
        if transfer.sha256_of(path) != sha256:
            raise TransferError(
                f"{relative} does not match the SHA-256 in the manifest: it was changed or "
                "damaged after the export. Nothing was imported."
            )


def refuse_unless_empty(models_: list[type[models.Model]], using: str) -> None:
    """Only a newly migrated instance: no row beyond what ``migrate`` itself writes."""
    occupied = [
        transfer.label(model)
        for model in models_
        if transfer.label(model) not in transfer.SEEDED_BY_MIGRATIONS
        and model._base_manager.using(using).exists()
    ]
    if occupied:
        raise TransferError(
            f"This instance is not empty: {', '.join(occupied[:5])}"
            f"{' and others' if len(occupied) > 5 else ''} already hold rows. An export is "
            "imported only into a new, migrated database with no accounts (do not run "
            "createsuperuser first). Nothing was imported."
        )


def _insert_all(
    directory: Path,
    manifest: dict[str, Any],
    models_: list[type[models.Model]],
    using: str,
    progress: bool,
) -> dict[str, int]:
    rows_of = {table["model"]: table["rows"] for table in manifest["tables"]}
    counts: dict[str, int] = {}
    with (
        _keeping_stored_times(models_),
        tqdm(total=sum(rows_of.values()), unit=" rows", disable=not progress, leave=False) as bar,
    ):
        for model in models_:
            name = transfer.label(model)
            bar.set_description(name)
            if name in transfer.SEEDED_BY_MIGRATIONS:
                model._base_manager.using(using).all().delete()
            counts[name] = 0
            for batch in _batches(directory, model, using):
                model._base_manager.using(using).bulk_create(batch)
                counts[name] += len(batch)
                bar.update(len(batch))
            if counts[name] != rows_of[name]:
                raise TransferError(
                    f"{transfer.file_name(model)} holds {counts[name]} rows; the manifest "
                    f"says {rows_of[name]}. Nothing was imported."
                )
    return counts


def _batches(
    directory: Path, model: type[models.Model], using: str
) -> Iterator[list[models.Model]]:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    targets = {name: transfer.natural_key_target(field) for name, field in fields.items()}
    has_files = any(isinstance(field, models.BinaryField) for field in fields.values())
    size = FILE_BATCH_SIZE if has_files else BATCH_SIZE
    cache: dict[tuple[Any, ...], Any] = {}
    with (directory / transfer.file_name(model)).open(encoding="utf-8") as lines:
        rows = (
            model(**_values(model, json.loads(line), fields, targets, directory, using, cache))
            for line in lines
        )
        while batch := list(islice(rows, size)):
            yield batch


def _values(
    model: type[models.Model],
    row: dict[str, Any],
    fields: dict[str, Any],
    targets: dict[str, type[models.Model] | None],
    directory: Path,
    using: str,
    cache: dict[tuple[Any, ...], Any],
) -> dict[str, Any]:
    values = {}
    for name, value in row.items():
        if name not in fields:
            raise TransferError(
                f"{transfer.file_name(model)} has a column {name} that this instance's "
                f"{model._meta.label} does not. Nothing was imported."
            )
        target = targets[name]
        if target is not None and value is not None:
            values[name] = _natural_key(target, value, using, cache)
        else:
            values[name] = transfer.decode(fields[name], value, directory)
    return values


def _natural_key(
    target: type[models.Model], key: list[Any], using: str, cache: dict[tuple[Any, ...], Any]
) -> Any:
    """This instance's primary key for a content type or permission named by natural key."""
    found = (target, *key)
    if found not in cache:
        manager: Any = target._default_manager.db_manager(using)
        try:
            cache[found] = manager.get_by_natural_key(*key).pk
        except ObjectDoesNotExist:
            raise TransferError(
                f"The export names {target._meta.verbose_name} {key}, which this instance "
                "does not have. Nothing was imported."
            ) from None
    return cache[found]


@contextlib.contextmanager
def _keeping_stored_times(models_: list[type[models.Model]]) -> Iterator[None]:
    """Insert ``auto_now``/``auto_now_add`` fields as exported, not as the time of import."""
    dated: list[Any] = [
        field
        for model in models_
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    changed = [(field, field.auto_now, field.auto_now_add) for field in dated]
    for field, _, _ in changed:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in changed:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add
