"""System checks for settings that would be dangerous in production."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from interplay.lib.crypto import MAKE_A_KEY


def insecure_secret_key() -> bool:
    return not settings.DEBUG and settings.SECRET_KEY in settings.INSECURE_SECRET_KEYS


def insecure_encryption_keys() -> bool:
    """No key for the encrypted fields, or the published demo key in use, with DEBUG off."""
    published = settings.DEMO_ENCRYPTION_KEY in {*settings.ENCRYPTION_KEYS, *settings.BACKUP_KEYS}
    return not settings.DEBUG and (not settings.ENCRYPTION_KEYS or published)


ENCRYPTION_KEY_HINT = (
    "Set INTERPLAY_ENCRYPTION_KEYS (or INTERPLAY_ENCRYPTION_KEY_FILE) to a key made with "
    f"{MAKE_A_KEY}, and keep it outside the database and its backups."
)


def assert_safe_to_serve() -> None:
    """Refuse to serve production traffic with a missing or well-known secret or key."""
    if insecure_secret_key():
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or is the demo key. Set SECRET_KEY to a long random "
            "value (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if insecure_encryption_keys():
        raise ImproperlyConfigured(
            "The encryption key is missing, or the published demo key is among the "
            "encryption or backup keys. " + ENCRYPTION_KEY_HINT
        )


@checks.register(checks.Tags.security)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if insecure_secret_key():
        return [
            checks.Error(
                "SECRET_KEY is missing or is the demo key while DEBUG is off.",
                hint="Set the SECRET_KEY environment variable to a long random value.",
                id="interplay.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if insecure_encryption_keys():
        return [
            checks.Error(
                "The encryption key is missing, or the published demo key is among the "
                "encryption or backup keys, while DEBUG is off.",
                hint=ENCRYPTION_KEY_HINT,
                id="interplay.E002",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_demo_off(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEMO:
        return [
            checks.Warning(
                "INTERPLAY_DEMO is on: demo accounts have a published password.",
                id="interplay.W001",
            )
        ]
    return []
