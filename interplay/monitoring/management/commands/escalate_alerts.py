"""Escalate risk alerts not acknowledged in time. Schedule it, e.g. every 15 minutes."""

from typing import Any

from django.core.management.base import BaseCommand

from interplay.monitoring.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate open risk alerts past their time to the therapist's supervisor."

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_overdue()
        self.stdout.write(f"{count} alert(s) escalated.")
