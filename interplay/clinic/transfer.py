"""Whole-service export and import: which tables travel, and how each value is written.

``export.py`` writes a service as one JSON-lines file per table plus ``manifest.json``;
``imports.py`` reads such a directory into an empty instance. Both read this module for
the list of tables (every Interplay app's, the accounts' many-to-many tables, Django's
groups, admin history and the background jobs), the order to insert them in, and the
one way each value is written (docs/export.md). Knows no clinical app: every table is
found through the app registry, so a model added later travels without a change here.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db import models
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"

# Tables of other packages that Interplay's own tables point at or that hold its records.
ALSO_EXPORTED = frozenset(
    {"auth.group", "auth.group_permissions", "admin.logentry", "django_tasks_database.dbtaskresult"}
)

# Left out on purpose, each with the reason the manifest and docs/export.md give.
LEFT_OUT = {
    "accounts.authenticatorapp": (
        "staff authenticator-app keys: written in clear they would let whoever holds the "
        "export pass the second factor; staff set up their app again at first sign-in"
    ),
    "accounts.backupcodes": "staff backup codes go with the authenticator app they back up",
    "accounts.backupcode": "staff backup codes go with the authenticator app they back up",
    "patients.patientauthenticator": (
        "patients' optional authenticator-app keys, for the same reason as staff's"
    ),
    "patients.signinlink": "one-time portal sign-in links, valid for minutes",
    "clinic.ratecount": "rate-limit counters, valid for minutes",
}

# Rows `migrate` writes into a new instance: an import replaces them with the export's.
SEEDED_BY_MIGRATIONS = frozenset({"audit.chainhead", "measures.instrumentdefinition"})


class TransferError(Exception):
    """An export or import that cannot go ahead; the message says why and what to do."""


def label(model: type[models.Model]) -> str:
    return str(model._meta.label_lower)


def file_name(model: type[models.Model]) -> str:
    """``<app_label>.<model>.jsonl``."""
    return f"{label(model)}.jsonl"


def exported_models() -> list[type[models.Model]]:
    """Every table that travels, parents before the tables that point at them."""
    chosen = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and label(model) not in LEFT_OUT
        and (model._meta.app_config.name.startswith("interplay.") or label(model) in ALSO_EXPORTED)
    ]
    return dependency_order(chosen)


def dependency_order(chosen: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """Parents first (alphabetically among equals, so every export lists them alike).

    A cycle would be inserted in alphabetical order: Django creates foreign keys
    deferrable, checked at commit, so the one transaction still succeeds.
    """
    remaining = {label(model): model for model in chosen}
    needs = {
        name: {label(parent) for parent in parents(model)} & remaining.keys() - {name}
        for name, model in remaining.items()
    }
    ordered: list[type[models.Model]] = []
    while remaining:
        ready = sorted(name for name in remaining if not needs[name] & remaining.keys())
        for name in ready or sorted(remaining):
            ordered.append(remaining.pop(name))
    return ordered


def parents(model: type[models.Model]) -> list[type[models.Model]]:
    return [
        field.related_model
        for field in model._meta.concrete_fields
        if field.is_relation and isinstance(field.related_model, type)
    ]


def natural_key_target(field: models.Field[Any, Any]) -> type[models.Model] | None:
    """The model a foreign key names by natural key: one that does not travel (content
    types, permissions), whose keys differ between instances but whose names do not."""
    target = field.related_model if field.is_relation else None
    if not isinstance(target, type) or target in exported_models_set():
        return None
    if not hasattr(target._default_manager, "get_by_natural_key"):
        raise TransferError(f"{field} points at {target._meta.label}, which does not travel.")
    return target


_EXPORTED: set[type[models.Model]] = set()


def exported_models_set() -> set[type[models.Model]]:
    if not _EXPORTED:
        _EXPORTED.update(exported_models())
    return _EXPORTED


# Values -------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """One value as JSON: datetimes in UTC ISO 8601 (``Z``), dates and times ISO 8601,
    decimals and UUIDs as strings; JSON fields as the JSON they hold."""
    if isinstance(value, dt.datetime):
        return utc_iso(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def decode(field: models.Field[Any, Any], value: Any, directory: Path) -> Any:
    """The value the application reads, from what ``encode`` (or a file) wrote."""
    if value is None:
        return None
    if isinstance(field, models.BinaryField):
        return (directory / value).read_bytes()
    if isinstance(field, models.JSONField):
        return value
    if isinstance(field, models.DurationField):
        return dt.timedelta(seconds=value)
    return field.to_python(value)


def binary_path(
    model: type[models.Model], pk: Any, field: models.Field[Any, Any], data: bytes
) -> str:
    """Where a stored file goes, relative to the export: ``files/<table>/<pk>.<field>.pdf``."""
    suffix = "pdf" if data[:5] == b"%PDF-" else "bin"
    return f"{FILES}/{label(model)}/{pk}.{field.attname}.{suffix}"


# The manifest -------------------------------------------------------------------------


def migration_state(using: str) -> dict[str, list[str]]:
    """Every applied migration, by app, sorted."""
    from django.db import connections

    state: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def migration_mismatch(exported: dict[str, list[str]], here: dict[str, list[str]]) -> str:
    """A sentence naming the first app whose migrations differ, or "" when none do."""
    for app in sorted(exported.keys() | here.keys()):
        theirs, ours = set(exported.get(app, [])), set(here.get(app, []))
        if theirs == ours:
            continue
        if theirs - ours:
            return (
                f"The export's app '{app}' has migrations this instance has not applied "
                f"({_some(theirs - ours)}): install the Interplay version that made "
                "the export and run `manage.py migrate`."
            )
        return (
            f"This instance's app '{app}' has migrations the export did not have "
            f"({_some(ours - theirs)}): import into the Interplay version that "
            "made the export, then upgrade."
        )
    return ""


def _some(names: set[str], shown: int = 3) -> str:
    first = sorted(names)[:shown]
    more = len(names) - len(first)
    return ", ".join(first) + (f" and {more} more" if more else "")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TransferError(f"{directory} holds no {MANIFEST}: it is not an export.") from None
    except ValueError as error:
        raise TransferError(f"{directory / MANIFEST} is not valid JSON: {error}.") from None
    if manifest.get("format") != FORMAT:
        raise TransferError(
            f"This export has format {manifest.get('format')!r}; this Interplay reads {FORMAT}."
        )
    return manifest
