"""manage.py requeue_stalled_jobs: run again the jobs whose worker died (schedule it)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from interplay.clinic.stalled_jobs import requeue_stalled


class Command(BaseCommand):
    help = (
        "Put jobs left RUNNING for longer than INTERPLAY_JOB_STALLED_MINUTES (a worker "
        "that died) back in the queue. Every Interplay job is safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--minutes",
            type=float,
            default=None,
            help=f"how long a job may run (default {settings.JOB_STALLED_MINUTES})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = requeue_stalled(options["minutes"])
        self.stdout.write(f"{count} {'job' if count == 1 else 'jobs'} put back in the queue.")
