"""Print the demo accounts' current second-factor code (it changes every 30 seconds)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interplay.demo.totp import current_demo_code


class Command(BaseCommand):
    help = "Print the current authenticator code for the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.DEMO):
            raise CommandError("demo_code runs only with DEBUG=1 or INTERPLAY_DEMO=1.")
        self.stdout.write(current_demo_code())
