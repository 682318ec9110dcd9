"""manage.py seed_service --referrals N: a realistic synthetic service, written in bulk."""

import datetime as dt
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from interplay.demo import seeding, staff
from interplay.referrals.models import Referral


class Command(BaseCommand):
    help = (
        "Write a synthetic service of N referrals spread over the past --years years up to "
        "today (sources, risk, triage, waits, courses, attendance, PHQ-9 and GAD-7 at every "
        "session, alerts, focuses and the figures rows), on synthetic staff made as needed, "
        "a batch per transaction (COPY on PostgreSQL), each written by a second thread "
        "while the next is made; on PostgreSQL a load at least as large as the service "
        "already there is one transaction, invented by --processes processes, with the "
        "seeded tables' indexes, unique constraints and foreign keys (not their primary "
        "keys) dropped first and made again at the end (other connections wait for "
        "those tables meanwhile); ends with its rate in referrals a second. Invented names "
        "only; the same --seed gives the same service. Running it again adds N more. For "
        "load and dashboard testing; runs only with DEBUG=1 or INTERPLAY_DEMO=1."
    )

    # The checks import every URL module and view (seconds of a short load's time); a
    # load writes through no URL or form they check.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--referrals", type=int, required=True, help="How many referrals.")
        parser.add_argument("--years", type=float, default=3, help="Over how many past years.")
        parser.add_argument("--seed", type=int, default=2026, help="The random seed.")
        parser.add_argument("--batch", type=int, default=2000, help="Referrals per transaction.")
        parser.add_argument(
            "--processes",
            type=int,
            default=2,
            help="Processes inventing a load made in one transaction (PostgreSQL), each "
            "on its own share of the therapists; the same --seed and --processes give the "
            "same service.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.DEMO):
            raise CommandError("seed_service runs only with DEBUG=1 or INTERPLAY_DEMO=1.")
        count, years = options["referrals"], options["years"]
        if count < 1 or years <= 0:
            raise CommandError("Give at least one referral over a positive number of years.")
        started = time.perf_counter()
        # Staff for the referrals already there too, so a second run is not a full service.
        there = Referral.objects.count()
        needed = staff.therapists_needed(there + count, years)
        therapists, lead = staff.synthetic_staff(needed)
        today = timezone.localdate()
        service = seeding.Service(
            therapists=therapists,
            triage_lead=lead,
            since=today - dt.timedelta(days=round(365 * years)),
            until=today,
            seed=options["seed"],
        )
        with tqdm(
            total=count, unit=" referrals", file=sys.stderr, disable=options["verbosity"] < 1
        ) as bar:
            # Outside a transaction, a second thread writes each batch while the next is made.
            overlap = not connection.in_atomic_block
            # Building the indexes again costs about what is there: worth it when the
            # load at least doubles the service.
            made = service.run(
                count,
                batch=options["batch"],
                progress=bar.update,
                overlap=overlap,
                unindexed=count >= there,
                processes=max(1, options["processes"]),
            )
        seconds = time.perf_counter() - started
        # Statistics for the planner, and (PostgreSQL) the visibility map that lets the
        # figures count from their indexes alone: a bulk load leaves both stale.
        with connection.cursor() as cursor:
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        tidied = time.perf_counter() - started - seconds
        self.stdout.write(
            f"Seeded {made.referrals} referrals, {made.courses} courses, {made.sessions} "
            f"sessions, {made.responses} questionnaire answers and {made.alerts} alerts "
            f"with {len(therapists)} therapists in {seconds:.1f} seconds "
            f"({made.referrals / seconds:.0f} referrals a second), then {tidied:.1f} seconds "
            "updating the database's statistics."
        )
