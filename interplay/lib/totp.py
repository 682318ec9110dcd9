"""Authenticator-app keys (TOTP, RFC 6238): one way for staff and patients alike.

A key is 20 random bytes kept as hex in an ``EncryptedTextField`` (interplay.lib.encrypted),
so the database holds only a Fernet token and key rotation re-encrypts it with the notes.
Codes are checked with django-otp's ``TOTP``; this module makes keys and the enrolment
details (the otpauth:// address, its QR code and the key to type). Knows no app.
"""

import secrets
from base64 import b32encode
from urllib.parse import quote, urlencode

import segno

KEY_BYTES = 20


def new_key() -> str:
    """A fresh secret key, hex."""
    return secrets.token_hex(KEY_BYTES)


def base32_secret(key: str) -> str:
    """The key as authenticator apps accept it when typed (base32, no padding)."""
    return b32encode(bytes.fromhex(key)).decode("ascii").rstrip("=")


def grouped_secret(key: str) -> str:
    """The base32 key in groups of four, easier to type."""
    raw = base32_secret(key)
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def otpauth_url(key: str, *, issuer: str, account: str, digits: int = 6, step: int = 30) -> str:
    """The address an authenticator app reads from the QR code (Google's Key URI format)."""
    issuer = issuer.replace(":", "")
    label = quote(f"{issuer}:{account}")
    params = urlencode(
        {"secret": base32_secret(key), "algorithm": "SHA1", "digits": digits, "period": step}
    )
    return f"otpauth://totp/{label}?{params}&issuer={quote(issuer)}"


def qr_svg(url: str) -> str:
    """The QR code as inline SVG: no script, no image request, works under CSP."""
    return str(
        segno.make(url, error="m").svg_inline(
            scale=5, dark="#212b32", light="#ffffff", omitsize=False
        )
    )
