"""Write the audit chain's head down outside the database (schedule it daily)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interplay.audit.anchors import AnchorError, anchor_head, configured


class Command(BaseCommand):
    help = (
        "Append the audit chain's head (sequence and hash) to the anchor file and/or email "
        "it to the anchor address, so that events later cut off the end of the trail show "
        "in audit_verify --anchors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        path, email = configured()
        parser.add_argument("--file", default=path, help="default: INTERPLAY_AUDIT_ANCHOR_FILE")
        parser.add_argument("--email", default=email, help="default: INTERPLAY_AUDIT_ANCHOR_EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchor = anchor_head(path=options["file"], email=options["email"])
        except (AnchorError, OSError) as error:
            raise CommandError(str(error)) from None
        where = " and ".join(
            part
            for part in (
                options["file"] and f"written to {options['file']}",
                options["email"] and f"emailed to {options['email']}",
            )
            if part
        )
        self.stdout.write(f"Anchored event {anchor.head.sequence}, {anchor.head.hash}: {where}")
