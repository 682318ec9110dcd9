"""manage.py import_service DIRECTORY: read a whole-service export into an empty instance."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from interplay.clinic.imports import import_service
from interplay.clinic.transfer import TransferError


class Command(BaseCommand):
    help = (
        "Read an export made by `manage.py export_service` into this instance, which must be "
        "newly migrated (to the exporting instance's migrations) and hold no records."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="the export's directory")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        try:
            counts = import_service(
                directory, using=options["database"], progress=options["verbosity"] > 0
            )
        except TransferError as error:
            raise CommandError(f"Cannot import {directory}. {error}") from None
        except OSError as error:
            raise CommandError(f"Cannot read {directory}: {error.strerror}.") from None
        self.stdout.write(
            f"Imported {sum(counts.values()):,} rows of {len(counts)} tables from {directory}, "
            "encrypted with this instance's key. Run `manage.py audit_verify` to check the "
            "audit trail, and ask staff to set up their authenticator app again at sign-in."
        )
