"""Second-factor devices for staff: an authenticator app (TOTP) and one-time backup codes.

The devices are Interplay's own django-otp models (``models.AuthenticatorApp``,
``models.BackupCodes``): the app's key is stored encrypted and backup codes only as
hashes. django-otp does the code arithmetic, throttling and session marking; this module
decides which devices a person has and how Interplay names them.
"""

import secrets
from base64 import b32encode

from interplay.accounts.models import (
    BACKUP_HASHER,
    AuthenticatorApp,
    BackupCode,
    BackupCodes,
    User,
)
from interplay.lib import totp

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def confirmed_app(user: User) -> AuthenticatorApp | None:
    return AuthenticatorApp.objects.devices_for_user(user, confirmed=True).first()


def pending_app(user: User) -> AuthenticatorApp:
    """The unconfirmed authenticator-app device being set up, made on first visit."""
    device = AuthenticatorApp.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = AuthenticatorApp.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def backup_device(user: User) -> BackupCodes:
    device, _ = BackupCodes.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    return device


def random_backup_code() -> str:
    """Eight characters of base32 (40 random bits), lower case."""
    return b32encode(secrets.token_bytes(5)).decode("ascii").lower()


def new_backup_codes(user: User) -> list[str]:
    """Replace every backup code with a fresh set; each works once.

    Only hashes are stored: the list returned is the one time anyone sees the codes.
    """
    device = backup_device(user)
    device.codes.all().delete()
    codes = [random_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, hash=BACKUP_HASHER.encode(code, BACKUP_HASHER.salt()))
        for code in codes
    )
    return codes


def secret_for_display(device: AuthenticatorApp) -> str:
    """The base32 secret that authenticator apps accept when typed, in groups of four."""
    return totp.grouped_secret(device.key)


def qr_svg(device: AuthenticatorApp) -> str:
    """The enrolment QR code as inline SVG."""
    return totp.qr_svg(device.config_url)
