"""manage.py rotate_encryption_key: re-encrypt every encrypted field with the newest key."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interplay.audit.actors import SystemActor
from interplay.audit.services import record
from interplay.lib.crypto import DecryptionError
from interplay.lib.encrypted import reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field of every model with the newest key (the first in "
        "INTERPLAY_ENCRYPTION_KEYS or the key file). Put the new key first, run this, then "
        "remove the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = reencrypt_all()
        except DecryptionError as error:
            raise CommandError(
                f"{error} Rows already rewritten stay readable with the newest key; add the "
                "missing key and run this again."
            ) from None
        record(
            actor=SystemActor("rotate_encryption_key"),
            action="encryption.rotated",
            detail={"rows": sum(counts.values()), "keys": len(settings.ENCRYPTION_KEYS)},
        )
        for label, rows in counts.items():
            self.stdout.write(f"{label}: {rows} rows re-encrypted.")
        older = len(settings.ENCRYPTION_KEYS) - 1
        self.stdout.write(
            "Every encrypted value now uses the newest key."
            + (f" The {older} older key(s) can be removed." if older else "")
        )
