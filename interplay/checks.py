"""System checks for settings that would be dangerous in production."""

from typing import Any
from urllib.parse import urlsplit

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


@checks.register(checks.Tags.security, deploy=True)
def check_allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if "*" in settings.ALLOWED_HOSTS:
        return [
            checks.Error(
                "ALLOWED_HOSTS contains '*': any Host header is accepted.",
                hint="Set ALLOWED_HOSTS to the names people reach Interplay by.",
                id="interplay.E030",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_base_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Links in emails (portal sign-in, password reset) start with INTERPLAY_BASE_URL."""
    parts = urlsplit(settings.BASE_URL)
    if parts.scheme != "https" or not parts.netloc:
        return [
            checks.Error(
                "INTERPLAY_BASE_URL is unset or not an https:// address; links in emails "
                "(portal sign-in, password reset) start with it.",
                hint="Set INTERPLAY_BASE_URL to the address people reach Interplay at, "
                "e.g. https://therapy.example.org.",
                id="interplay.E031",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_smtp_tls(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Email carries sign-in and reset links: never in clear text over the network."""
    problems: list[checks.CheckMessage] = []
    mailers: dict[str, Any] = settings.MAILERS
    for alias, mailer in mailers.items():
        options = mailer.get("OPTIONS", {})
        smtp = str(mailer.get("BACKEND", "")).endswith("smtp.EmailBackend")
        if smtp and not (options.get("use_tls") or options.get("use_ssl")):
            problems.append(
                checks.Error(
                    f"The {alias!r} mailer sends by SMTP without TLS.",
                    hint="Set EMAIL_USE_TLS=1 (STARTTLS, usually port 587) or EMAIL_USE_SSL=1 "
                    "(port 465).",
                    id="interplay.E032",
                )
            )
    return problems
