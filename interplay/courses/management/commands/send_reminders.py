"""Queue reminders for sessions in the next 48 hours (schedule it, e.g. every 15 minutes)."""

from typing import Any

from django.core.management.base import BaseCommand

from interplay.courses import reminders


class Command(BaseCommand):
    help = "Queue an email reminder, with an .ics file, for each session due one."

    def handle(self, *args: Any, **options: Any) -> None:
        count = reminders.queue_due()
        self.stdout.write(f"{count} reminders queued.")
