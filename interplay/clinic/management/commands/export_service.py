"""manage.py export_service DIRECTORY: every record of the service, readable without Interplay."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from interplay.accounts.models import User
from interplay.audit.actors import SystemActor
from interplay.clinic.export import export_service
from interplay.clinic.transfer import TransferError

WARNING = (
    "The export holds the service's clinical records IN CLEAR (notes, answers, letters): "
    "keep {directory} on encrypted storage, readable by its owner only, and delete it "
    "once it has been imported."
)


class Command(BaseCommand):
    help = (
        "Write every record of the service into DIRECTORY (new, or empty) as one JSON-lines "
        "file per table, stored files and manifest.json (docs/export.md). Encrypted fields "
        "are written in clear."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="a new or empty directory")
        parser.add_argument(
            "--as",
            dest="username",
            help="the administrator the audit trail names (default: the system, with your login)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        actor = self._actor(options["username"])
        self.stderr.write(self.style.WARNING(WARNING.format(directory=directory)))
        try:
            manifest = export_service(
                directory,
                actor=actor,
                using=options["database"],
                progress=options["verbosity"] > 0,
            )
        except TransferError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {directory}: {error.strerror}.") from None
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(
            f"Exported {rows:,} rows of {len(manifest['tables'])} tables and "
            f"{len(manifest['files']):,} stored files to {directory} "
            f"(audit chain head: event {(manifest['audit_chain_head'] or {}).get('sequence', 0)})."
        )
        self.stderr.write(self.style.WARNING(WARNING.format(directory=directory)))

    @staticmethod
    def _actor(username: str | None) -> Any:
        if not username:
            return SystemActor("export_service")
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active account is called {username}.") from None
