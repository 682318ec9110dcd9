"""Profile one benchmark request in process, repeatably (not part of `make bench`).

    python -m bench.profile build                 # once: the 3,000-referral database
    python -m bench.profile time today -n 100     # median and mean ms, CPU ms per request
    python -m bench.profile cprofile today -n 50  # cProfile, top functions by own time
    python -m bench.profile queries today -n 20   # the statements of one request, timed

Scenarios: queue, waiting, caseload, course, today, referral, portal_answer (a different
signed-in patient answering their PHQ-9 each time), bare_list, bare_post, bare_row,
fhir_read (an EpisodeOfCare by API token), fhir_bundle (50 Appointments).

``build`` seeds a database exactly as `make bench` does (bench.scenarios.prepare_database)
into BENCH_PROFILE_DIR (default /tmp/interplay-profile) and keeps its keys beside it; every
other command copies that database afresh first, so runs start from the same data. With
BENCH_PROFILE_DATABASE_URL (``postgres://.../name``) the database is PostgreSQL's instead:
``build`` writes ``name_base`` and each run copies it to ``name`` (both dropped first). The
client is Django's test client, signed in as the bench triage clinician or therapist, so
the whole middleware stack runs, without HTTP or gunicorn. Wall-clock time on a shared
machine is noisy; for a figure that does not move with the load, count instructions
under valgrind (callgrind), a few minutes for the lot:

    python -m bench.profile instr bare_list today caseload -n 10

prints the instructions of one request of each, measured in one run: callgrind dumps its
counters at each getppid() call, and the requests of each scenario sit between two.
"""

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PORTAL_POOL = 500  # patients signed in for a portal_answer run: at most this many requests
DIR = Path(os.environ.get("BENCH_PROFILE_DIR", "/tmp/interplay-profile"))
SCENARIOS = (
    "queue",
    "waiting",
    "caseload",
    "course",
    "today",
    "referral",
    "portal_answer",
    "bare_list",
    "bare_post",
    "bare_row",
    "fhir_read",
    "fhir_bundle",
)


POSTGRES_URL = os.environ.get("BENCH_PROFILE_DATABASE_URL", "")


def environment(database: str) -> dict[str, str]:
    keys_file = DIR / "keys.json"
    if keys_file.exists():
        keys = json.loads(keys_file.read_text())
    else:
        DIR.mkdir(parents=True, exist_ok=True)
        keys = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "INTERPLAY_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        }
        keys_file.write_text(json.dumps(keys))
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "INTERPLAY_DEMO": "0",
        "INTERPLAY_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": database,
        "INTERPLAY_REFERRAL_RATE_LIMIT": "1000000/h",
        "INTERPLAY_API_RATE_LIMIT": "1000000/m",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONWARNINGS": "ignore:No directory at",
        **keys,
    }


def setup(database: str) -> None:
    os.environ.update(environment(database))
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def _postgres_copy(name: str, template: str = "") -> str:
    """BENCH_PROFILE_DATABASE_URL's server, with database ``name`` made afresh (empty, or a
    copy of ``template``)."""
    import psycopg
    from psycopg import sql

    server = POSTGRES_URL.rsplit("/", 1)[0]
    copy = sql.SQL(" TEMPLATE {}").format(sql.Identifier(template)) if template else sql.SQL("")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}{}").format(sql.Identifier(name), copy))
    return f"{server}/{name}"


def _postgres_name() -> str:
    return POSTGRES_URL.rsplit("/", 1)[1].split("?")[0]


def build() -> None:
    if POSTGRES_URL:
        base = _postgres_copy(f"{_postgres_name()}_base")
    else:
        path = DIR / "base.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        base = f"sqlite:///{path}"
    setup(base)
    from django.db import connections

    from bench.scenarios import Config, prepare_database

    started = time.monotonic()
    prepare_database(Config(referrals=3000))
    if POSTGRES_URL:
        from bench.scenarios import vacuum

        vacuum()  # as autovacuum would have by now, and as `make bench` does
    else:
        connections["default"].cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connections.close_all()
    print(f"Built {base} in {time.monotonic() - started:.0f} s")


def fresh() -> None:
    if POSTGRES_URL:
        setup(_postgres_copy(_postgres_name(), template=f"{_postgres_name()}_base"))
        return
    base, work = DIR / "base.sqlite3", DIR / "work.sqlite3"
    if not base.exists():
        sys.exit(f"No {base}: run `python -m bench.profile build` first")
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, work)
    setup(f"sqlite:///{work}")


class Request:
    """One scenario's request, ready to send again and again."""

    def __init__(self, scenario: str) -> None:
        from bench import inprocess, payloads, seed
        from interplay.accounts.models import AuthenticatorApp, User

        self.scenario = scenario
        self.method = "GET"
        self.body: Any = None
        staff = {"queue": "triage", "waiting": "triage"}.get(scenario, "therapist")
        username = {"triage": seed.TRIAGE_USERNAME, "therapist": seed.THERAPIST_USERNAME}
        paths = {
            "queue": "/triage/",
            "waiting": "/waiting-list/ipt/",
            "caseload": "/caseload/",
            "today": "/today/therapist/",
            "bare_list": "/bare/list/",
        }
        if scenario in paths:
            self.path = paths[scenario]
            if scenario == "bare_list":
                self.client = inprocess.anonymous()
            else:
                user = User.objects.get(username=username[staff])
                self.client = inprocess.signed_in(
                    user, AuthenticatorApp.objects.filter(user=user).first()
                )
        elif scenario == "course":
            user = User.objects.get(username=seed.THERAPIST_USERNAME)
            self.client = inprocess.signed_in(
                user, AuthenticatorApp.objects.filter(user=user).first()
            )
            self.path = f"/courses/{seed.a_course(user).public_id}/"
        elif scenario == "referral":
            self.client = inprocess.anonymous()
            gate = inprocess.gate(self.client)
            self.client.get(f"/refer/details/?gate={gate}")
            self.method, self.path = "POST", "/refer/details/"
            self.body = payloads.Bodies.referral("", gate)
        elif scenario == "portal_answer":
            # Each request a patient whose PHQ-9 is still open: answering closes it.
            self.method, self.path = "POST", ""
            self.body = payloads.PortalAnswers(seed.due_portal_patients(PORTAL_POOL), "")
            self.client = inprocess.anonymous()
        elif scenario == "bare_row":
            from bench.models import BareRow

            self.client = inprocess.anonymous()
            self.path = f"/bare/row/{BareRow.objects.order_by('id').first().pk}/"  # type: ignore[union-attr]
        elif scenario in ("fhir_read", "fhir_bundle"):
            from django.test import Client

            from interplay.api.services import create_token

            user = User.objects.get(username=seed.THERAPIST_USERNAME)
            key = create_token(actor=user, name="Profile")[1]
            self.client = Client(HTTP_HOST=inprocess.HOST, HTTP_AUTHORIZATION=f"Bearer {key}")
            self.path = (
                f"/fhir/R4/EpisodeOfCare/{seed.a_course(user).public_id}"
                if scenario == "fhir_read"
                else "/fhir/R4/Appointment?_count=50"
            )
        elif scenario == "bare_post":
            self.client = inprocess.anonymous()
            self.method, self.path = "POST", "/bare/form/"
            self.body = payloads.Bodies.bare("")
        else:
            raise SystemExit(f"unknown scenario {scenario!r}; one of {', '.join(SCENARIOS)}")

    def send(self) -> Any:
        if self.scenario == "portal_answer":
            from django.conf import settings

            path, cookies, body = self.body.next()
            self.client.cookies[settings.SESSION_COOKIE_NAME] = cookies.split("=", 1)[1]
            return self.client.post(path, body, content_type="application/x-www-form-urlencoded")
        if self.method == "GET":
            return self.client.get(self.path)
        return self.client.post(
            self.path, self.body.next(), content_type="application/x-www-form-urlencoded"
        )


def measure(request: Request, count: int) -> None:
    request.send()
    request.send()  # warm: templates, caches, the session
    wall, cpu = [], []
    for _ in range(count):
        w0, c0 = time.perf_counter(), time.process_time()
        response = request.send()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    if count:
        print(
            f"{request.scenario}: HTTP {response.status_code}, {count} requests: "
            f"median {statistics.median(wall) * 1000:.2f} ms, "
            f"mean {statistics.fmean(wall) * 1000:.2f} ms, "
            f"min {min(wall) * 1000:.2f} ms, "
            f"CPU mean {statistics.fmean(cpu) * 1000:.2f} ms"
        )


def profile(request: Request, count: int, top: int, sort: str) -> None:
    import cProfile
    import pstats

    request.send()
    request.send()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        request.send()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats(sort).print_stats(top)


def queries(request: Request, count: int) -> None:
    """The statements of one request, each with its median and mean time over ``count``
    requests: from handing the statement to the driver to its rows read back."""
    from django.db import connection

    from bench import inprocess

    request.send()
    with inprocess.watch() as work:
        response = request.send()
    spent: list[list[float]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            taken.append(time.perf_counter() - started)

    for _ in range(count):
        taken: list[float] = []
        with connection.execute_wrapper(timed):
            request.send()
        if not spent:
            spent = [[] for _ in taken]
        for times, time_taken in zip(spent, taken, strict=False):
            times.append(time_taken)
    print(f"HTTP {response.status_code}: {work.queries} queries, {work.commits} commits")
    (DIR / "statements.sql").write_text("".join(f"{sql};\n" for sql in work.statements))
    print(f"(each in full, one a line: {DIR / 'statements.sql'})")
    for number, sql in enumerate(work.statements):
        if number < len(spent):
            times = spent[number]
            mean = statistics.fmean(times) * 1000
            median = statistics.median(times) * 1000
            figures = f"{median:6.2f} {mean:6.2f} ms"
        else:
            figures = " " * 16
        print(f"{number + 1:4}. {figures}  {sql[:400]}")


def instructions(scenarios: list[str], count: int) -> None:
    """Instructions per request under callgrind, for each scenario in one run: callgrind
    dumps its counters whenever getppid() is called, so the requests are bracketed by
    two calls and the dump between them counts only them."""
    out = DIR / "callgrind"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--dump-before=getppid",
            f"--callgrind-out-file={out / 'cg.out'}",
            sys.executable, "-m", "bench.profile", "marked", *scenarios, "-n", str(count),
        ],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    totals = {}
    for dump in out.glob("cg.out.*"):
        match = re.search(r"^totals: (\d+)", dump.read_text(errors="replace"), re.MULTILINE)
        if match:
            totals[int(dump.name.rsplit(".", 1)[1])] = int(match.group(1))
    numbers = sorted(totals)
    # Dumps 1, 3, 5, ... end the set-ups; 2, 4, 6, ... hold each scenario's requests.
    for scenario, number in zip(scenarios, numbers[1::2], strict=False):
        print(f"{scenario:10} {totals[number] / count / 1e6:8.2f} M instructions per request")


def marked(scenarios: list[str], count: int) -> None:
    for scenario in scenarios:
        request = Request(scenario)
        request.send()
        request.send()
        os.getppid()  # callgrind dumps: the set-up so far
        for _ in range(count):
            request.send()
        os.getppid()  # callgrind dumps: exactly these requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command", choices=["build", "time", "cprofile", "queries", "instr", "marked"]
    )
    parser.add_argument("scenarios", nargs="*", default=["today"])
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args()
    if args.command == "build":
        build()
        return
    if args.command == "instr":
        instructions(args.scenarios, args.n)
        return
    fresh()
    if args.command == "marked":
        marked(args.scenarios, args.n)
        return
    request = Request(args.scenarios[0])
    if args.command == "time":
        measure(request, args.n)
    elif args.command == "cprofile":
        profile(request, args.n, args.top, args.sort)
    else:
        queries(request, args.n)


if __name__ == "__main__":
    main()
