"""The service dashboard on a large seeded service: time per request, in this process.

    DATABASE_URL=postgres://… .venv/bin/python manage.py seed_service --referrals 100000
    DATABASE_URL=postgres://… .venv/bin/python -m bench.dashboard [--rounds 7] [--write]

Signs a service manager in with Django's test client and asks for `/reports/` for the
last 12 months, for one modality, and for the figures' heaviest list page, several
times each after a warm-up; prints the median and slowest, the statements per request
and the size of the service. The goal is under a second for 12 months (the other two
pages are timed for scale). Nothing is written to the database but the manager's
account and the audit events of the page views. ``--write`` puts the figures in
BENCHMARKS.md, one section per database.

`make bench` runs this after its own runs when ``BENCH_LARGE_DATABASE_URL`` names a
seeded database (the service's figures need a large history; seeding one takes minutes,
so it is made once, by hand, and reused).
"""

import argparse
import datetime as dt
import os
import statistics
import time
import warnings
from pathlib import Path
from typing import NamedTuple

import django

# As in production (DEBUG off: no query log, cached templates), with the key the seeding
# command's demo settings encrypted the synthetic names with.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interplay.settings")
for name, value in {
    "DEBUG": "0",
    "SECRET_KEY": "bench-dashboard-" + "x" * 40,
    "INTERPLAY_ENCRYPTION_KEYS": "interplay-demo-key-PUBLIC-never-for-real-00=",
    "INTERPLAY_HTTPS": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
}.items():
    os.environ.setdefault(name, value)
warnings.filterwarnings("ignore", message="No directory at")  # no static file is asked for
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import report  # noqa: E402
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


class Measured(NamedTuple):
    times: list[float]  # wall-clock seconds per request
    cpu: list[float]  # CPU seconds per request: this process's, plus the database server's
    queries: int
    status: int


def database_cpu() -> float | None:
    """CPU seconds so far of the PostgreSQL backend serving this connection, read from
    /proc (the server runs on this machine); None on SQLite, which runs in this process
    and so is in ``time.process_time``, or where /proc cannot be read."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(client: Client, url: str, rounds: int) -> Measured:
    client.get(url)  # warm-up: templates, caches
    times, cpu = [], []
    for _ in range(rounds):
        database_before = database_cpu() or 0.0
        started, cpu_started = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append(time.perf_counter() - started)
        database = (database_cpu() or 0.0) - database_before
        cpu.append(time.process_time() - cpu_started + database)
    return Measured(times, cpu, len(queries.captured_queries), response.status_code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md too")
    options = parser.parse_args()
    load_before = report.busy_cpus()
    client = Client(HTTP_HOST="127.0.0.1")
    sign_in(client, manager())
    month = f"{timezone.localdate():%Y-%m}"
    year = f"/reports/?period=year&month={month}"
    size = (
        f"{Referral.objects.count():,} referrals, {Course.objects.count():,} courses, "
        f"{CourseFigures.objects.exclude(status='active').count():,} of them ended"
    )
    print(f"{report.database_name()}: {size}")
    print(f"{'page':<44} {'median':>8} {'slowest':>8} {'CPU':>8} {'queries':>8}  goal")
    rows = []
    for label, url, goal in (
        ("dashboard, 12 months", year, True),
        ("dashboard, 12 months, IPT only", year + "&modality=ipt", True),
        ("dashboard, 3 years (custom)", _three_years(), False),
        (
            "finished courses list, 12 months",
            f"/reports/list/finished/?period=year&month={month}",
            False,
        ),
    ):
        measured = measure(client, url, options.rounds)
        if measured.status != 200:
            raise SystemExit(f"{url} answered {measured.status}")
        median, slowest = statistics.median(measured.times), max(measured.times)
        cpu, queries = statistics.median(measured.cpu), measured.queries
        verdict = ("met" if median < GOAL_SECONDS else "MISSED") if goal else "(no goal)"
        print(f"{label:<44} {median:>7.3f}s {slowest:>7.3f}s {cpu:>7.3f}s {queries:>8}  {verdict}")
        rows.append(
            [label, f"{median:.3f} s", f"{slowest:.3f} s", f"{cpu:.3f} s", str(queries), verdict]
        )
    if options.write:
        _write(size, rows, options.rounds, load_before)


def _write(size: str, rows: list[list[str]], rounds: int, load_before: float) -> None:
    """This database's dashboard section of BENCHMARKS.md."""
    name = report.database_name()
    lines = [
        f"## The service dashboard at scale: {name}",
        "",
        f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        *(f"- {key}: {value}" for key, value in report.machine().items()),
        f"- Load average (1 min) before / after: {load_before:.2f} / {report.busy_cpus():.2f}",
        f"- Data: {size} (`manage.py seed_service`)",
        "- How: `python -m bench.dashboard`, a service manager's page in process (Django's "
        f"test client, DEBUG off), median of {rounds} after a warm-up. CPU is the median "
        "CPU time of one request, this process's plus (PostgreSQL) its database backend's: "
        "about the time the page takes on an otherwise idle machine, where the wall-clock "
        "median grows with the machine's load",
        "",
        f"Goal: the dashboard for 12 months in under {GOAL_SECONDS:.0f} s, with the same "
        "number of queries whatever the size of the service (3 years and the list behind a "
        "figure are shown for scale).",
        "",
        report.markdown_table(["Page", "Median", "Slowest", "CPU", "Queries", "Goal"], rows),
    ]
    key = "dashboard-" + name.split()[0].lower()
    report.merge_section(key, "\n".join(lines))


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
