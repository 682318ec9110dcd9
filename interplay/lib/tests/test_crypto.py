import io
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from interplay.lib import crypto
from interplay.lib.crypto import (
    MAGIC,
    BackupError,
    DecryptionError,
    EncryptedStreamReader,
    decrypt_text,
    encrypt_text,
    encryption_keys_from_environment,
    parse_keys,
    read_key_file,
    write_encrypted_stream,
)
from interplay.lib.encrypted import (
    EncryptedBinaryField,
    EncryptedCharField,
    EncryptedJSONField,
    EncryptedTextField,
)

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
STRANGER_KEY = Fernet.generate_key().decode()


# Keys ---------------------------------------------------------------------------------


def test_a_key_that_is_not_a_fernet_key_is_refused_without_repeating_it() -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        parse_keys([NEW_KEY, "hunter2-is-not-a-key"], "INTERPLAY_ENCRYPTION_KEYS")
    assert "key 2 is not a Fernet key" in str(refused.value)
    assert "hunter2" not in str(refused.value)
    assert "Fernet.generate_key()" in str(refused.value)


def test_the_key_file_lists_keys_newest_first_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"# rotated 2026-11\n{NEW_KEY}\n\n  {OLD_KEY}  \n", encoding="ascii")
    assert read_key_file(str(path)) == [NEW_KEY, OLD_KEY]


def test_a_missing_or_empty_key_file_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        read_key_file(str(tmp_path / "nowhere"))
    (tmp_path / "empty").write_text("# nothing yet\n", encoding="ascii")
    with pytest.raises(ImproperlyConfigured, match="holds no key"):
        read_key_file(str(tmp_path / "empty"))


def test_keys_come_from_the_list_or_the_file_but_not_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keys"
    path.write_text(OLD_KEY, encoding="ascii")
    monkeypatch.setenv("INTERPLAY_ENCRYPTION_KEYS", f" {NEW_KEY} , {OLD_KEY} ")
    monkeypatch.delenv("INTERPLAY_ENCRYPTION_KEY_FILE", raising=False)
    assert encryption_keys_from_environment() == [NEW_KEY, OLD_KEY]
    monkeypatch.setenv("INTERPLAY_ENCRYPTION_KEY_FILE", str(path))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        encryption_keys_from_environment()
    monkeypatch.delenv("INTERPLAY_ENCRYPTION_KEYS")
    assert encryption_keys_from_environment() == [OLD_KEY]


# Text values --------------------------------------------------------------------------


@override_settings(ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY])
def test_text_is_encrypted_with_the_newest_key_and_read_with_any() -> None:
    token = encrypt_text("Sleeping badly since the move")
    assert "Sleeping" not in token
    assert token != encrypt_text("Sleeping badly since the move")  # a fresh IV each time
    assert Fernet(NEW_KEY).decrypt(token.encode()) == b"Sleeping badly since the move"
    older = Fernet(OLD_KEY).encrypt(b"Written last year").decode()
    assert decrypt_text(older) == "Written last year"


def test_text_under_a_key_no_longer_configured_fails_loudly() -> None:
    with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
        token = encrypt_text("Arguments with my brother")
    with override_settings(ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(DecryptionError) as failed:
        decrypt_text(token, what="referrals.Referral.hoped_change")
    assert "referrals.Referral.hoped_change cannot be decrypted" in str(failed.value)
    assert "brother" not in str(failed.value)


def test_stored_plaintext_is_not_mistaken_for_a_token() -> None:
    with pytest.raises(DecryptionError):
        decrypt_text("I feel low")
    with pytest.raises(DecryptionError):
        decrypt_text("Ich fühle mich niedergeschlagen")


def test_any_text_or_char_field_can_be_encrypted() -> None:
    field = EncryptedCharField(max_length=20)
    field.set_attributes_from_name("preferred_name")
    token = field.get_db_prep_save("Sam", connection)
    assert token.startswith("gAAAAA") and "Sam" not in token
    assert field.from_db_value(token, None, connection) == "Sam"
    assert field.get_db_prep_save(None, connection) is None
    assert field.db_type(connection) == EncryptedTextField().db_type(connection)


def test_bytes_such_as_a_pdf_can_be_encrypted_as_text() -> None:
    field = EncryptedBinaryField()
    field.set_attributes_from_name("pdf")
    document = b"%PDF-1.7\n\x00\xff binary"
    token = field.get_db_prep_save(memoryview(document), connection)
    assert isinstance(token, str) and token.startswith("gAAAAA") and "PDF" not in token
    assert field.from_db_value(token, None, connection) == document
    assert field.get_db_prep_save(None, connection) is None
    assert field.db_type(connection) == EncryptedTextField().db_type(connection)
    with override_settings(ENCRYPTION_KEYS=[STRANGER_KEY]), pytest.raises(DecryptionError):
        field.from_db_value(token, None, connection)


def test_structured_answers_are_encrypted_as_json_and_read_back_as_such() -> None:
    field = EncryptedJSONField(default=dict)
    field.set_attributes_from_name("answers")
    answers = {"1": 0, "9": 2, "note": "ünïcödé"}
    token = field.get_db_prep_save(answers, connection)
    assert token.startswith("gAAAAA") and '"9"' not in token
    assert field.from_db_value(token, None, connection) == answers
    assert field.from_db_value(field.get_db_prep_save([], connection), None, connection) == []
    assert field.get_db_prep_save(None, connection) is None
    assert field.db_type(connection) == EncryptedTextField().db_type(connection)
    # No key lookups: the database would be asked to parse a token as JSON.
    assert field.get_transform("9") is None
    assert field.get_lookup("contains") is None and field.get_lookup("isnull") is not None
    assert isinstance(field.formfield(), forms.JSONField)
    with override_settings(ENCRYPTION_KEYS=[STRANGER_KEY]), pytest.raises(DecryptionError):
        field.from_db_value(token, None, connection)


def test_an_encrypted_field_cannot_be_unique_or_indexed() -> None:
    for options in ({"unique": True}, {"db_index": True}):
        field = EncryptedTextField(**options)  # type: ignore[arg-type]
        field.set_attributes_from_name("notes")
        assert [e.id for e in field.check()] == ["interplay.E010"]
    plain = EncryptedTextField()
    plain.set_attributes_from_name("notes")
    assert plain.check() == []


# Streams ------------------------------------------------------------------------------

HEADER = {"engine": "sqlite", "format": 1}
DATA = bytes(range(256)) * (5 * crypto.CHUNK_SIZE // 1024)  # 1.25 MiB: two records


def encrypted(data: bytes = DATA, keys: list[str] | None = None) -> bytes:
    out = io.BytesIO()
    write_encrypted_stream(HEADER, [data[:1000], data[1000:]], out, keys or [NEW_KEY])
    return out.getvalue()


def read(blob: bytes, keys: list[str] | None = None) -> tuple[dict[str, object], bytes]:
    reader = EncryptedStreamReader(io.BytesIO(blob), keys or [NEW_KEY])
    return reader.header, b"".join(reader.chunks())


def records(blob: bytes) -> list[bytes]:
    """The length-prefixed records after the magic, each with its prefix."""
    found, at = [], len(MAGIC)
    while at < len(blob):
        size = int.from_bytes(blob[at : at + 4], "big")
        found.append(blob[at : at + 4 + size])
        at += 4 + size
    return found


def test_a_stream_comes_back_whole_with_its_header() -> None:
    blob = encrypted()
    assert blob.startswith(MAGIC)
    assert DATA[:64] not in blob
    assert len(records(blob)) == 5  # header, 1000 bytes, a full record, the rest, the end
    assert read(blob) == (HEADER, DATA)


def test_an_older_backup_key_still_reads_its_backups() -> None:
    assert read(encrypted(keys=[OLD_KEY]), keys=[NEW_KEY, OLD_KEY])[1] == DATA


def test_the_wrong_key_is_named_as_the_likely_cause() -> None:
    with pytest.raises(BackupError, match="cannot be decrypted with the backup key"):
        read(encrypted(), keys=[STRANGER_KEY])


def test_truncation_anywhere_is_detected() -> None:
    blob = encrypted()
    ends = [len(MAGIC) + sum(len(r) for r in records(blob)[:n]) for n in (1, 2, 3, 4)]
    for cut in [*ends, ends[1] - 10, len(blob) - 1]:
        with pytest.raises(BackupError, match="truncated"):
            read(blob[:cut])


def test_reordered_spliced_or_altered_records_are_detected() -> None:
    blob = encrypted()
    header, first, second, third, end = records(blob)
    other = records(encrypted())  # same key, another backup
    tampered = bytearray(blob)
    tampered[len(MAGIC) + len(header) + 100] ^= 1
    for damaged in (
        MAGIC + header + second + first + third + end,
        MAGIC + header + first + third + end,
        MAGIC + header + other[1] + second + third + end,
        MAGIC + header + first + second + third + other[4],
        MAGIC + header + first + second + third + end + b"more",
        bytes(tampered),
    ):
        with pytest.raises(BackupError, match="damaged"):
            read(damaged)


def test_a_file_that_is_not_a_backup_is_named_so() -> None:
    with pytest.raises(BackupError, match="not an Interplay backup"):
        read(b"SQLite format 3\x00" + b"\x00" * 100)
