"""System checks for settings that would be dangerous in production."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def insecure_secret_key() -> bool:
    return not settings.DEBUG and settings.SECRET_KEY in settings.INSECURE_SECRET_KEYS


def assert_safe_to_serve() -> None:
    """Refuse to serve production traffic with a missing or well-known secret key."""
    if insecure_secret_key():
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or is the demo key. Set SECRET_KEY to a long random "
            "value (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
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
