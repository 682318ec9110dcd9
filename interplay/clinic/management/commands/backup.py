"""manage.py backup --output PATH: an encrypted backup of the whole database."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from interplay.audit.actors import SystemActor
from interplay.audit.services import record
from interplay.clinic.backups import back_up, describe
from interplay.lib.crypto import BackupError


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of the whole database to --output, under "
        "INTERPLAY_BACKUP_KEY (default: the newest encryption key)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="the backup file")
        parser.add_argument("--force", action="store_true", help="replace an existing file")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        # Recorded before the copy is taken, so the backup holds the record of its making;
        # an attempt that then fails stays in the trail as an attempt.
        record(actor=SystemActor("backup"), action="backup.started")
        try:
            back_up(output, using=options["database"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        source = describe(connections[options["database"]])
        size = output.stat().st_size
        # Recorded once the file is whole: the administrator's day reads the newest
        # "backup.made" for the age of the last backup.
        record(actor=SystemActor("backup"), action="backup.made", detail={"bytes": size})
        self.stdout.write(
            f"Backed up the {source} to {output} ({size:,} bytes, encrypted with the backup key)."
        )
