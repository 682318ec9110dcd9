"""manage.py rebuild_figures: recompute every course's figures row from its record."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from interplay.courses.models import Course
from interplay.reports import rows


class Command(BaseCommand):
    help = (
        "Recompute every course's figures row (reports.CourseFigures) from its sessions and "
        "answers, in batches of --batch courses, one transaction each. The services keep "
        "the rows right as they go; run this after a restore, an import or a change to "
        "how the rows are counted. Safe to run at any time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="Courses per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with tqdm(
            total=Course.objects.count(),
            unit=" courses",
            file=sys.stderr,
            disable=options["verbosity"] < 1,
        ) as bar:
            count = rows.rebuild(options["batch"], progress=bar.update)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Rebuilt {count} figures row{'s' if count != 1 else ''} in {seconds:.1f} seconds."
        )
