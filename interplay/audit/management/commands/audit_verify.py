"""Check the audit trail's hash chain from the first event to the last."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interplay.audit.anchors import AnchorError, read_anchors
from interplay.audit.services import verify_trail


class Command(BaseCommand):
    help = (
        "Walk the audit trail in sequence order and report the first edited, deleted or "
        "inserted event. Exits 0 when the trail is intact, 1 otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchors",
            metavar="FILE",
            help="also check the trail still reaches every head written by audit_anchor",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchors = (
                [a.head for a in read_anchors(options["anchors"])] if options["anchors"] else []
            )
        except (AnchorError, OSError) as error:
            raise CommandError(f"Cannot read the anchors: {error}") from None
        head, report = verify_trail(anchors)
        if report.problem is not None:
            raise CommandError(
                f"Audit trail broken ({report.problem.fault}): {report.problem.message} "
                f"{_events(report.count)} before it verified."
            )
        self.stdout.write(f"Audit trail verified: {_events(report.count)}")
        if options["anchors"]:
            self.stdout.write(f"It reaches every anchor in {options['anchors']} ({len(anchors)}).")
        if head is not None:
            self.stdout.write(
                f"Chain head: event {head.sequence}, {head.hash}\n"
                "Keep a copy of this line outside the database: a later head that does not "
                "descend from it shows events were removed from the end."
            )


def _events(count: int) -> str:
    return f"{count} event{'' if count == 1 else 's'}"
