"""Model fields whose values the database only ever sees as Fernet tokens.

``EncryptedTextField`` and ``EncryptedCharField`` behave as their plain counterparts in
Python, forms and templates, ``EncryptedBinaryField`` as a BinaryField (bytes, for stored
documents such as letters' PDFs), ``EncryptedJSONField`` as a JSONField (for structured
clinical answers such as questionnaire items); the column holds a token made with the newest of
settings.ENCRYPTION_KEYS (see interplay.lib.crypto). The database cannot compare what it
cannot read, so no lookup but ``isnull`` is allowed (a filter would silently match
nothing) and a JSON field has no key transforms (``answers__9`` is refused, not wrong);
ordering by one of these fields orders by ciphertext. Knows no app.
"""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core import checks
from django.db import models, transaction
from django.db.models import Lookup, Transform

from interplay.lib.crypto import decrypt_bytes, decrypt_text, encrypt_bytes, encrypt_text

if TYPE_CHECKING:  # the stubs' fields are generic; Django's own are not subscriptable
    _Field = models.Field[Any, Any]
    _TextField = models.TextField[Any, Any]
    _CharField = models.CharField[Any, Any]
    _BinaryField = models.BinaryField[Any, Any]
    _JSONField = models.JSONField[Any, Any]
else:
    _Field, _TextField, _CharField = models.Field, models.TextField, models.CharField
    _BinaryField, _JSONField = models.BinaryField, models.JSONField


class EncryptedMixin(_Field):
    def get_internal_type(self) -> str:
        # A token is ~1.4x longer than its text and more for short values: always text.
        return "TextField"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        return None if value is None else encrypt_text(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else decrypt_text(value, what=self.label())

    def label(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model else str(self.name)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        return None

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.primary_key or self.unique or getattr(self, "db_index", False):
            errors.append(
                checks.Error(
                    "An encrypted field cannot be a key, unique or indexed: every save "
                    "makes different ciphertext.",
                    obj=self,
                    id="interplay.E010",
                )
            )
        return errors


class EncryptedTextField(EncryptedMixin, _TextField):
    """A TextField stored encrypted."""


class EncryptedCharField(EncryptedMixin, _CharField):
    """A CharField stored encrypted; max_length limits the text, not the stored token."""


class EncryptedBinaryField(EncryptedMixin, _BinaryField):
    """A BinaryField stored encrypted: the column holds the token as text, not a blob."""

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        # Not BinaryField's own: that wraps the bytes for the driver as a database blob.
        return None if value is None else encrypt_bytes(bytes(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else decrypt_bytes(value, what=self.label())


class EncryptedJSONField(EncryptedMixin, _JSONField):  # type: ignore[misc]  # stubs: never None
    """A JSONField stored encrypted: the column holds a token of the JSON text, not JSON.

    Python, forms and defaults are JSONField's; the database sees text it cannot parse, so
    there are no key lookups (``answers__9``), ``contains`` or ``has_key``: read the value
    and look in Python. SQL NULL stays NULL (``isnull`` works); JSON ``null`` is stored
    encrypted like any other value.
    """

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        # Not JSONField's own: that hands the value to the driver as JSON (jsonb on
        # PostgreSQL); this column is text holding a token.
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        return encrypt_text(json.dumps(value, cls=self.encoder))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(decrypt_text(value, what=self.label()), cls=self.decoder)


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted fields, and those fields' names."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if names:
            yield model, names


def reencrypt_all(batch_size: int = 500) -> dict[str, int]:
    """Rewrite every encrypted value under the newest key; rows rewritten per model.

    Each batch reads (decrypting with any configured key) and writes back (encrypting with
    the newest) in one transaction, so a concurrent edit is never overwritten by a stale
    value and a failure leaves every row readable by the configured keys.
    """
    counts = {}
    for model, names in encrypted_fields():
        rewritten = 0
        last_pk: Any = None
        while True:
            with transaction.atomic():
                rows = model._default_manager.select_for_update().order_by("pk").only(*names)
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows[:batch_size])
                if not batch:
                    break
                model._default_manager.bulk_update(batch, names)
            rewritten += len(batch)
            last_pk = batch[-1].pk
        counts[model._meta.label] = rewritten
    return counts


# Data migrations: a column that held plain values, encrypted in place -------------------


def encrypt_column_in_place(schema_editor: Any, table: str, column: str) -> int:
    """Encrypt every plain JSON value of ``table.column``; rows rewritten.

    For the data migration that follows turning a JSONField into an EncryptedJSONField
    (the column now text, still holding plain JSON). Reads and writes with a raw cursor,
    as the field would refuse to decrypt what is not yet a token. A value that is not JSON
    is a token already (a token never parses as JSON) and is left: running it twice is
    harmless.
    """
    return _rewrite_column(schema_editor, table, column, _encrypt_if_plain)


def decrypt_column_in_place(schema_editor: Any, table: str, column: str) -> int:
    """The reverse: every token of ``table.column`` back to its plain JSON text."""
    return _rewrite_column(schema_editor, table, column, _decrypt_if_token)


def _encrypt_if_plain(value: str) -> str | None:
    try:
        json.loads(value)
    except ValueError:
        return None
    return encrypt_text(value)


def _decrypt_if_token(value: str) -> str | None:
    try:
        json.loads(value)
    except ValueError:
        return decrypt_text(value, what="a stored value")
    return None


def _rewrite_column(schema_editor: Any, table: str, column: str, change: Any) -> int:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    pk, col, tab = quote("id"), quote(column), quote(table)
    # Quoted names the migration gives, never input; the values travel as parameters.
    select = f"SELECT {pk}, {col} FROM {tab} WHERE {col} IS NOT NULL"  # noqa: S608
    update = f"UPDATE {tab} SET {col} = %s WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select)
        rows = cursor.fetchall()
    changed = []
    for pk, value in rows:
        # A driver may hand back JSON it has parsed, if the column type was not changed.
        text = value if isinstance(value, str) else json.dumps(value)
        new = change(text)
        if new is not None:
            changed.append((new, pk))
    if changed:
        with connection.cursor() as cursor:
            cursor.executemany(update, changed)
    return len(changed)
