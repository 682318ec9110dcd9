"""Make an account for a system (a GP system's referral feed) and print its API key once.

    manage.py make_service_account gp-feed-park-lane [--days 365]

The account has no password and no page opens to it; it may only send referrals in by
the API. Give the key to the system's supplier by a safe route; it is not shown again.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from interplay.api.services import make_service_account


class Command(BaseCommand):
    help = "Make a referral feed's account and print its API key (shown once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="The account's name, e.g. gp-feed-park-lane")
        parser.add_argument(
            "--days", type=int, default=365, help="Days until the key expires (default 365)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["days"] <= 366:
            raise CommandError("--days must be between 1 and 366: keys must be renewed.")
        expires = timezone.now() + dt.timedelta(days=options["days"])
        try:
            user, token, key = make_service_account(
                actor=None, username=options["username"], expires_at=expires
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Made {user.username} ({token.get_scope_display().lower()}).")
        self.stdout.write(f"Its key, shown once, expiring {expires:%Y-%m-%d}:")
        self.stdout.write(key)
