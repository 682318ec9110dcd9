"""The demo accounts' shared second-factor secret, fixed by INTERPLAY_DEMO_TOTP_SECRET.

A published secret is only acceptable because demo mode listens on loopback and its data
is invented; `check --deploy` warns whenever demo mode is on.
"""

from base64 import b32decode

from django.conf import settings
from django_otp.oath import totp


def demo_secret() -> str:
    return str(settings.DEMO_TOTP_SECRET).replace(" ", "").upper()


def demo_key() -> bytes:
    raw = demo_secret()
    return b32decode(raw + "=" * (-len(raw) % 8))


def demo_key_hex() -> str:
    return demo_key().hex()


def current_demo_code() -> str:
    return f"{totp(demo_key()):06d}"
