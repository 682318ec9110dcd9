"""The service dashboard on a large seeded service: time per request, in this process.

    DATABASE_URL=postgres://… .venv/bin/python manage.py seed_service --referrals 100000
    DATABASE_URL=postgres://… .venv/bin/python -m bench.dashboard [--rounds 7]

Signs a service manager in with Django's test client and asks for `/reports/` for the
last 12 months, for one modality, and for the figures' heaviest list page, several
times each after a warm-up; prints the median and slowest, the statements per request
and the size of the service. The goal is under a second for 12 months. Nothing is
written but the manager's account and the audit events of the page views.
"""

import argparse
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interplay.settings")
os.environ.setdefault("DEBUG", "1")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from interplay.accounts.models import User  # noqa: E402
from interplay.accounts.roles import Role  # noqa: E402
from interplay.accounts.services import grant_role  # noqa: E402
from interplay.courses.models import Course  # noqa: E402
from interplay.referrals.models import Referral  # noqa: E402
from interplay.reports.models import CourseFigures  # noqa: E402
from interplay.test import sign_in  # noqa: E402

GOAL_SECONDS = 1.0


def manager() -> User:
    user, _ = User.objects.get_or_create(
        username="bench-manager", defaults={"first_name": "Bench", "last_name": "Manager"}
    )
    grant_role(actor=None, user=user, role=Role.SERVICE_MANAGER)
    return user


def measure(client: Client, url: str, rounds: int) -> tuple[list[float], int, int]:
    client.get(url)  # warm-up: templates, caches
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append(time.perf_counter() - started)
    return times, len(queries.captured_queries), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    client = Client(HTTP_HOST="127.0.0.1")
    sign_in(client, manager())
    month = f"{timezone.localdate():%Y-%m}"
    year = f"/reports/?period=year&month={month}"
    print(
        f"{connection.vendor}: {Referral.objects.count():,} referrals, "
        f"{Course.objects.count():,} courses, "
        f"{CourseFigures.objects.exclude(status='active').count():,} ended"
    )
    print(f"{'page':<44} {'median':>8} {'slowest':>8} {'queries':>8}  goal")
    for label, url in (
        ("dashboard, 12 months", year),
        ("dashboard, 12 months, IPT only", year + "&modality=ipt"),
        ("dashboard, 3 years (custom)", _three_years()),
        ("finished courses list, 12 months", f"/reports/list/finished/?period=year&month={month}"),
    ):
        times, queries, status = measure(client, url, rounds)
        median, slowest = statistics.median(times), max(times)
        verdict = "met" if median < GOAL_SECONDS else "MISSED"
        print(f"{label:<44} {median:>7.3f}s {slowest:>7.3f}s {queries:>8}  {verdict} ({status})")


def _three_years() -> str:
    today = timezone.localdate()
    start = today.replace(year=today.year - 3)
    dates = [
        f"{name}_{i}={part}"
        for name, day in (("start", start), ("end", today))
        for i, part in enumerate((day.day, day.month, day.year))
    ]
    return "/reports/?period=custom&" + "&".join(dates)


if __name__ == "__main__":
    main()
