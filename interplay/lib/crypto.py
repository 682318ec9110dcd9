"""Encryption at rest with keys held outside the database: cryptography's Fernet.

Fernet (AES-128-CBC with an HMAC-SHA256 tag, random IV) is the only primitive here; this
module adds key handling and, for backups, a framing of many Fernet tokens so a database
of any size streams through in fixed-size pieces. Keys are listed newest first: the
newest encrypts, every one decrypts (``MultiFernet``), so rotating is "put a new key in
front, re-encrypt, drop the old one". Knows no app; ``interplay.settings`` reads keys here.
"""

import functools
import json
import os
import secrets
import struct
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAKE_A_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class DecryptionError(Exception):
    """Stored ciphertext that no configured key opens: a missing key or damaged data."""


# Keys ---------------------------------------------------------------------------------


def parse_keys(raw: Iterable[str], source: str) -> list[str]:
    """Check each key is a Fernet key; the message never repeats a key (it is a secret)."""
    keys = []
    for number, key in enumerate(raw, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{source}: key {number} is not a Fernet key (32 url-safe base64-encoded "
                f"bytes). Make one with: {MAKE_A_KEY}"
            ) from None
        keys.append(key)
    return keys


def split_keys(raw: str) -> list[str]:
    return [key.strip() for key in raw.split(",") if key.strip()]


def read_key_file(path: str) -> list[str]:
    """One key a line, newest first; blank lines and ``#`` comments are ignored."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(
            f"INTERPLAY_ENCRYPTION_KEY_FILE: cannot read {path}: {error}"
        ) from None
    lines = [line.strip() for line in text.splitlines()]
    keys = parse_keys(
        (line for line in lines if line and not line.startswith("#")),
        "INTERPLAY_ENCRYPTION_KEY_FILE",
    )
    if not keys:
        raise ImproperlyConfigured(f"INTERPLAY_ENCRYPTION_KEY_FILE: {path} holds no key.")
    return keys


def encryption_keys_from_environment() -> list[str]:
    """INTERPLAY_ENCRYPTION_KEYS or INTERPLAY_ENCRYPTION_KEY_FILE, newest first; [] if unset."""
    listed = os.environ.get("INTERPLAY_ENCRYPTION_KEYS", "").strip()
    path = os.environ.get("INTERPLAY_ENCRYPTION_KEY_FILE", "").strip()
    if listed and path:
        raise ImproperlyConfigured(
            "Set INTERPLAY_ENCRYPTION_KEYS or INTERPLAY_ENCRYPTION_KEY_FILE, not both."
        )
    if path:
        return read_key_file(path)
    return parse_keys(split_keys(listed), "INTERPLAY_ENCRYPTION_KEYS")


def backup_keys_from_environment() -> list[str]:
    """INTERPLAY_BACKUP_KEY: comma-separated, newest first (older ones read old backups)."""
    return parse_keys(
        split_keys(os.environ.get("INTERPLAY_BACKUP_KEY", "")), "INTERPLAY_BACKUP_KEY"
    )


@functools.lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet(keys: Sequence[str]) -> MultiFernet:
    """Encrypts with ``keys[0]``, decrypts with any of them."""
    if not keys:
        raise ImproperlyConfigured(
            "No encryption key: set INTERPLAY_ENCRYPTION_KEYS or INTERPLAY_ENCRYPTION_KEY_FILE."
        )
    return _multifernet(tuple(keys))


# Text values (the encrypted model fields) ---------------------------------------------


def encrypt_text(value: str) -> str:
    """A Fernet token (ASCII) for ``value`` under the newest of settings.ENCRYPTION_KEYS."""
    return fernet(settings.ENCRYPTION_KEYS).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str, *, what: str = "a stored value") -> str:
    """The text inside ``token``; DecryptionError (naming ``what``, not the data) if none."""
    try:
        return fernet(settings.ENCRYPTION_KEYS).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError(
            f"{what} cannot be decrypted with any configured key: is the key that wrote it "
            "missing from INTERPLAY_ENCRYPTION_KEYS (or the key file)?"
        ) from None


def encrypt_bytes(value: bytes) -> str:
    """A Fernet token (ASCII) for ``value`` under the newest of settings.ENCRYPTION_KEYS."""
    return fernet(settings.ENCRYPTION_KEYS).encrypt(value).decode("ascii")


def decrypt_bytes(token: str, *, what: str = "a stored value") -> bytes:
    """The bytes inside ``token``; DecryptionError (naming ``what``, not the data) if none."""
    try:
        return fernet(settings.ENCRYPTION_KEYS).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        raise DecryptionError(
            f"{what} cannot be decrypted with any configured key: is the key that wrote it "
            "missing from INTERPLAY_ENCRYPTION_KEYS (or the key file)?"
        ) from None


# Streams (backups) --------------------------------------------------------------------
#
# A backup file is MAGIC, then records: a 4-byte big-endian length and a Fernet token.
# Each token's plaintext starts with the file's random id, the record's number and a
# last-record flag, so Fernet's tag also proves the records belong to this file, are in
# order and that none is missing at the end. Record 0 carries a JSON header.

MAGIC = b"INTERPLAY-BACKUP/1\n"
CHUNK_SIZE = 1 << 20
_PREFIX = struct.Struct(">16sQ?")
_LENGTH = struct.Struct(">I")
# A CHUNK_SIZE record's token is ~1.4 MB; anything far larger is damage, not data.
_MAX_TOKEN = 2 * CHUNK_SIZE + 4096


class BackupError(Exception):
    """A backup file that cannot be read: wrong key, damaged, or not a backup at all."""


def write_encrypted_stream(
    header: dict[str, Any], chunks: Iterable[bytes], out: BinaryIO, keys: Sequence[str]
) -> None:
    """Write ``header`` and ``chunks`` to ``out``, encrypted under ``keys[0]``."""
    box = fernet(keys)
    file_id = secrets.token_bytes(16)
    out.write(MAGIC)

    def put(number: int, last: bool, payload: bytes) -> None:
        token = box.encrypt(_PREFIX.pack(file_id, number, last) + payload)
        out.write(_LENGTH.pack(len(token)) + token)

    put(0, False, json.dumps(header, sort_keys=True).encode("utf-8"))
    number = 0
    for chunk in chunks:
        for start in range(0, len(chunk), CHUNK_SIZE):
            number += 1
            put(number, False, chunk[start : start + CHUNK_SIZE])
    put(number + 1, True, b"")


class EncryptedStreamReader:
    """Read what write_encrypted_stream wrote: ``header`` now, ``chunks()`` once.

    Every check fails with BackupError; a wrong key fails here, before any data is used.
    """

    def __init__(self, source: BinaryIO, keys: Sequence[str]) -> None:
        self._source = source
        self._box = fernet(keys)
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupError("This is not an Interplay backup file.")
        token = self._token()
        try:
            plain = self._box.decrypt(token)
        except InvalidToken:
            raise BackupError(
                "The backup cannot be decrypted with the backup key: it was made with "
                "another key (set INTERPLAY_BACKUP_KEY to the key it was made with), or "
                "the file is damaged."
            ) from None
        self._file_id, number, last = _PREFIX.unpack_from(plain)
        if number != 0 or last:
            raise BackupError("The backup file is damaged (its header is out of place).")
        self.header: dict[str, Any] = json.loads(plain[_PREFIX.size :])

    def _token(self) -> bytes:
        length = self._source.read(_LENGTH.size)
        if len(length) != _LENGTH.size:
            raise BackupError("The backup file is truncated: it ends before its last record.")
        (size,) = _LENGTH.unpack(length)
        if size > _MAX_TOKEN:
            raise BackupError("The backup file is damaged (a record is impossibly long).")
        token = self._source.read(size)
        if len(token) != size:
            raise BackupError("The backup file is truncated: it ends inside a record.")
        return token

    def chunks(self) -> Iterator[bytes]:
        expected = 1
        while True:
            try:
                plain = self._box.decrypt(self._token())
            except InvalidToken:
                raise BackupError(f"The backup file is damaged (record {expected}).") from None
            file_id, number, last = _PREFIX.unpack_from(plain)
            if file_id != self._file_id or number != expected:
                raise BackupError("The backup file is damaged (records out of place).")
            if last:
                if self._source.read(1):
                    raise BackupError("The backup file is damaged (data after the end).")
                return
            yield plain[_PREFIX.size :]
            expected += 1
