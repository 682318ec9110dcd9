"""manage.py restore PATH: replace the database with an encrypted backup."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from interplay.clinic.backups import describe, open_backup, restore
from interplay.lib.crypto import BackupError


class Command(BaseCommand):
    help = (
        "Replace the configured database with an encrypted backup made by `manage.py "
        "backup`. Refuses a database that holds any row unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup file")
        parser.add_argument(
            "--force", action="store_true", help="replace a database that is not empty"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            target = describe(connections[options["database"]])
            with path.open("rb") as source:
                reader = open_backup(source)
                replaced = restore(reader, using=options["database"], force=options["force"])
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except BackupError as error:
            raise CommandError(f"Cannot restore {path}. {error}") from None
        made = reader.header["made_at"]
        self.stdout.write(
            f"Restored {path} (a backup made {made}) into the {target}"
            + (f", replacing what its {len(replaced)} tables held." if replaced else ".")
        )
        self.stdout.write(
            "Its encrypted fields open with the encryption keys in use when it was made: keep "
            "those in INTERPLAY_ENCRYPTION_KEYS."
        )
