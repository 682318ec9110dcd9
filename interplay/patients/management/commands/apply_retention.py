"""manage.py apply_retention: anonymise records past their retention period."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from interplay.patients.services import apply_retention


class Command(BaseCommand):
    help = (
        "Anonymise the records of people whose every referral is closed and whose last "
        "contact is older than the retention period (ServiceSettings.retention_years). "
        "Safe to schedule (nightly or weekly): a record is anonymised once. --dry-run counts "
        "without changing anything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be anonymised; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = apply_retention(dry_run=options["dry_run"])
        cutoff = timezone.localtime(run.cutoff).date().isoformat()
        self.stdout.write(f"Retention: {run.years} years after the last contact (before {cutoff}).")
        verb = "Would anonymise" if run.dry_run else "Anonymised"
        self.stdout.write(
            f"{verb} {run.patients} {'person' if run.patients == 1 else 'people'}: "
            f"{run.referrals} referral{'s' if run.referrals != 1 else ''}, "
            f"{run.letters} letter{'s' if run.letters != 1 else ''}, "
            f"{run.courses} course{'s' if run.courses != 1 else ''} of therapy."
        )
        if run.dry_run:
            self.stdout.write("Dry run: nothing was changed.")
