"""Send opt-in letters to everyone who has waited longer than a set time (scheduled daily
in interplay/schedules/tasks.py when INTERPLAY_OPT_IN_LETTERS_AS names the sender)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interplay.accounts.models import User
from interplay.triage import services


class Command(BaseCommand):
    help = "Ask people waiting longer than --after-days whether they still want therapy."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as", dest="username", required=True, help="the triage clinician sending"
        )
        parser.add_argument("--after-days", type=int, default=services.OPT_IN_AFTER_DAYS)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['username']!r}.")
        if options["dry_run"]:
            due = services.due_opt_in(options["after_days"]).count()
            self.stdout.write(f"{due} opt-in letters would be sent.")
            return
        sent = services.send_due_opt_in_letters(actor=actor, after_days=options["after_days"])
        self.stdout.write(f"{sent} opt-in letters sent.")
