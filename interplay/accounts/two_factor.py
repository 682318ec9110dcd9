"""Second-factor devices for staff: an authenticator app (TOTP) and one-time backup codes.

django-otp does the cryptography and throttling; this module only decides which devices
a person has and how Interplay names them.
"""

from base64 import b32encode

import segno
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from interplay.accounts.models import User

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def confirmed_app(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_app(user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up, made on first visit."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def backup_device(user: User) -> StaticDevice:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    return device


def new_backup_codes(user: User) -> list[str]:
    """Replace every backup code with a fresh set; each works once."""
    device = backup_device(user)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret that authenticator apps accept when typed, in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG: no script, no image request, works under CSP."""
    return str(
        segno.make(device.config_url, error="m").svg_inline(
            scale=5, dark="#212b32", light="#ffffff", omitsize=False
        )
    )
