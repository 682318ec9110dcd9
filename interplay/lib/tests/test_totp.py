"""Authenticator keys and what an app is given to read them, for staff and patients alike."""

from urllib.parse import parse_qs, urlsplit

from interplay.lib import totp

KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, "1234567890" x 2


def test_a_new_key_is_20_random_bytes_in_hex() -> None:
    first, second = totp.new_key(), totp.new_key()
    assert len(bytes.fromhex(first)) == 20
    assert first != second


def test_the_key_to_type_is_base32_in_groups_of_four() -> None:
    assert totp.base32_secret(KEY) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp.grouped_secret(KEY).split() == ["GEZD", "GNBV", "GY3T", "QOJQ"] * 2


def test_the_app_address_names_the_service_and_the_account() -> None:
    url = totp.otpauth_url(KEY, issuer="Leeds: Talking", account="triage")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/Leeds%20Talking%3Atriage"
    query = parse_qs(parts.query)
    assert query["secret"] == ["GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"]
    assert (query["issuer"], query["digits"], query["period"]) == (["Leeds Talking"], ["6"], ["30"])


def test_the_qr_code_is_inline_svg() -> None:
    svg = totp.qr_svg("otpauth://totp/x?secret=GEZD")
    assert svg.startswith("<svg") and "<script" not in svg
