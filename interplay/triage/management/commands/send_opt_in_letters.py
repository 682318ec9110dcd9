"""Send opt-in letters to everyone who has waited longer than a set time (schedulable)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interplay.accounts.models import User
from interplay.triage import services

DEFAULT_AFTER_DAYS = 56


class Command(BaseCommand):
    help = "Ask people waiting longer than --after-days whether they still want therapy."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as", dest="username", required=True, help="the triage clinician sending"
        )
        parser.add_argument("--after-days", type=int, default=DEFAULT_AFTER_DAYS)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['username']!r}.")
        due = list(services.due_opt_in(options["after_days"]))
        if options["dry_run"]:
            self.stdout.write(f"{len(due)} opt-in letters would be sent.")
            return
        for referral in due:
            services.send_opt_in_letter(actor=actor, referral=referral)
        self.stdout.write(f"{len(due)} opt-in letters sent.")
