"""`make bench`: Interplay's hot requests against bare Django, under gunicorn (the runner).

1. Builds a throwaway SQLite database (migrate, a triage user, a few thousand synthetic
   referrals, rows for the baseline list).
2. Counts, in this process, the queries and commits of each request, with the triage
   queue at two sizes.
3. Serves ``bench.settings`` (Interplay plus the baseline) with gunicorn, 2 sync
   workers, DEBUG off, and drives it from threads: interleaved, three repetitions,
   concurrency 1 and 8.
4. Prints requests/s, p50, p99 and the Interplay / bare ratios against the goals, and
   writes them to BENCHMARKS.md.

A benchmark reports; it does not fail. Missed goals are printed as MISSED and the exit
status is still 0 (it is non-zero only when the benchmark itself could not run).

Environment: BENCH_SECONDS (per run, default 5), BENCH_REFERRALS (default 3000),
BENCH_REPETITIONS (default 3), BENCH_CONCURRENCY (default "1,8"), BENCH_KEEP=1 to keep
the temporary directory (database and gunicorn log), BENCH_SETTINGS to try a settings
change without editing Interplay (a module that star-imports ``bench.settings``),
BENCH_LARGE_DATABASE_URL: a database seeded by ``manage.py seed_service`` (demo
settings), on which the service dashboard is then timed (``bench/dashboard.py``), one
URL or several separated by spaces.

BENCH_SEEDED_DATABASE_URL: run the whole benchmark on a copy of a service seeded by
``manage.py seed_service`` (demo settings), with the benchmark's own staff, referrals and
courses added to it, to measure the pages at a service's real size. On PostgreSQL the
copy is ``CREATE DATABASE ... TEMPLATE`` the seeded one, named by BENCH_DATABASE_URL
(which must then be given); a SQLite file is copied with SQLite's backup. Seed it, and
run the benchmark, with the same INTERPLAY_ENCRYPTION_KEYS of your own: the server runs
with DEBUG off and refuses the published demo key. Its section of BENCHMARKS.md is its
own, beside the 3,000-referral one, and compares the single-record pages with that one.
"""

import base64
import datetime as dt
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import client as http
from bench import report
from bench.client import Browser, Endpoint, Run
from bench.scenarios import (
    LABELS,
    ORDER,
    PAGES,
    PASSWORD,
    TOKEN_PAGES,
    WORKERS,
    BenchError,
    Config,
    InProcess,
    autovacuum_off,
    prepare_database,
    vacuum,
)

ROOT = Path(__file__).resolve().parent.parent


POSTGRES = ("postgres://", "postgresql://")


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?")[0]


def fresh_database(workdir: Path, seeded: str = "") -> str:
    """A throwaway SQLite file, or BENCH_DATABASE_URL's PostgreSQL database made afresh:
    empty, or a copy of the ``seeded`` service's database."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if seeded.startswith(POSTGRES) and not url.startswith(POSTGRES):
        raise BenchError("a seeded PostgreSQL service needs BENCH_DATABASE_URL for its copy")
    if not url.startswith(POSTGRES):
        path = workdir / "bench.sqlite3"
        if seeded:
            import sqlite3

            source = seeded.removeprefix("sqlite:///")
            if not Path(source).is_file():
                raise BenchError(f"no seeded SQLite database at {source}")
            with sqlite3.connect(source) as old, sqlite3.connect(path) as new:
                old.backup(new)
        return f"sqlite:///{path}"
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    if seeded and _database_name(seeded) == name:
        raise BenchError("BENCH_DATABASE_URL would drop the seeded database: name another")
    template: sql.Composable = sql.SQL("")
    if seeded:
        template = sql.SQL(" TEMPLATE {}").format(sql.Identifier(_database_name(seeded)))
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as server:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        server.execute(sql.SQL("CREATE DATABASE {}{}").format(sql.Identifier(name), template))
    return url


def seeded_key() -> str:
    """The key the seeded service was written with: its own, since gunicorn with DEBUG off
    refuses the published demo key that ``seed_service`` uses when none is given."""
    key = os.environ.get("INTERPLAY_ENCRYPTION_KEYS", "")
    if not key:
        raise BenchError(
            "a seeded service needs the key it was seeded with: run seed_service and the "
            "benchmark with the same INTERPLAY_ENCRYPTION_KEYS (not the demo key)"
        )
    return key


def bench_env(workdir: Path, seeded: str = "") -> dict[str, str]:
    """The production settings' environment, pointed at a throwaway database."""
    return {
        "DJANGO_SETTINGS_MODULE": os.environ.get("BENCH_SETTINGS", "bench.settings"),
        "DEBUG": "0",
        "INTERPLAY_DEMO": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # A fresh Fernet key for the encrypted fields (32 url-safe base64-encoded bytes), or
        # the key a seeded service's names were encrypted with.
        "INTERPLAY_ENCRYPTION_KEYS": seeded_key()
        if seeded
        else base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "INTERPLAY_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": fresh_database(workdir, seeded),
        # High enough never to refuse a request, so the limiter still runs on every POST.
        "INTERPLAY_REFERRAL_RATE_LIMIT": "1000000/h",
        # The same for each API token's limit, which FHIR's requests count against.
        "INTERPLAY_API_RATE_LIMIT": "1000000/m",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # No collectstatic here; no static file is requested, so WhiteNoise's warning is noise.
        "PYTHONWARNINGS": "ignore:No directory at",
    }


# --- gunicorn -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "gunicorn", "interplay.wsgi:application",
        "--workers", str(WORKERS),
        "--bind", f"127.0.0.1:{port}",
        "--chdir", str(ROOT),
        "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{tail(log)}")
        try:
            if Browser(port).request("GET", "/healthz").status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop(process)
    raise BenchError(f"gunicorn did not answer /healthz within 30 s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- the HTTP side --------------------------------------------------------------------

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_token(body: bytes) -> str:
    match = CSRF_INPUT.search(body)
    if match is None:
        raise BenchError("no CSRF token on the page")
    return match.group(1).decode()


def expect(response: http.Response, status: int, what: str, location: str = "") -> None:
    if response.status != status or not response.location.startswith(location):
        snippet = response.body[:300].decode(errors="replace")
        raise BenchError(f"{what}: HTTP {response.status} {response.location!r}\n{snippet}")


def sign_in(port: int, username: str, device: Any) -> Browser:
    """A staff member's browser: password, then the security code if one is asked."""
    from bench import seed

    staff = Browser(port)
    page = staff.request("GET", "/accounts/login/")
    expect(page, 200, "sign-in page")
    signed_in = staff.request(
        "POST",
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": form_token(page.body),
            "username": username,
            "password": PASSWORD,
        },
    )
    expect(signed_in, 302, "sign in")
    if signed_in.location.startswith("/accounts/verify/"):
        if device is None:
            raise BenchError("sign-in asks for a security code, but there is no authenticator")
        page = staff.request("GET", signed_in.location)
        expect(page, 200, "security code page")
        verified = staff.request(
            "POST",
            signed_in.location,
            {
                "csrfmiddlewaretoken": form_token(page.body),
                "code": seed.current_code(device),
                "next": http.query_value(signed_in.location, "next") or "/",
            },
        )
        expect(verified, 302, "security code")
    return staff


def endpoints(port: int, inproc: InProcess) -> dict[str, Endpoint]:
    """Sign in, pass the eligibility step and fetch the forms, as a browser would."""
    from bench import payloads, seed

    usernames = {"triage": seed.TRIAGE_USERNAME, "therapist": seed.THERAPIST_USERNAME}
    staff = {who: sign_in(port, name, inproc.devices[who]) for who, name in usernames.items()}

    person = Browser(port)
    page = person.request("GET", "/refer/eligibility/")
    expect(page, 200, "eligibility page")
    passed = person.request(
        "POST",
        "/refer/eligibility/",
        {
            "csrfmiddlewaretoken": form_token(page.body),
            "old_enough": "yes",
            "under_secondary_care": "no",
        },
    )
    expect(passed, 302, "eligibility", "/refer/details/")
    gate = http.query_value(passed.location, "gate")
    details = person.request("GET", f"/refer/details/?gate={gate}")
    expect(details, 200, "referral form")
    referrals = payloads.Bodies.referral(form_token(details.body), gate)

    bare_person = Browser(port)
    bare_page = bare_person.request("GET", "/bare/form/")
    expect(bare_page, 200, "bare form")
    bare = payloads.Bodies.bare(form_token(bare_page.body))

    # Each patient's session cookie comes with each request; the CSRF cookie is shared.
    portal_page = Browser(port)
    sign_in_page = portal_page.request("GET", "/portal/")
    expect(sign_in_page, 200, "portal sign-in page")
    answers = payloads.PortalAnswers(
        inproc.portal, form_token(sign_in_page.body), portal_page.cookie_header()
    )

    pages = {
        key: Endpoint(key, LABELS[key], "GET", inproc.paths[key], staff[who].cookie_header(), 200)
        for key, who in PAGES.items()
    }
    for key, endpoint in pages.items():
        expect(staff[PAGES[key]].request("GET", endpoint.path), 200, LABELS[key])
    return pages | {
        "referral": Endpoint(
            "referral", LABELS["referral"], "POST", "/refer/details/",
            person.cookie_header(), 302, "/refer/confirmation/", referrals.next,
        ),
        "portal_answer": Endpoint(
            "portal_answer", LABELS["portal_answer"], "POST", "/portal/", "", 302,
            "/portal/sessions/", target=answers.next,
        ),
        "bare_post": Endpoint(
            "bare_post", LABELS["bare_post"], "POST", "/bare/form/",
            bare_person.cookie_header(), 302, "/bare/list/", bare.next,
        ),
        "bare_list": Endpoint("bare_list", LABELS["bare_list"], "GET", "/bare/list/", "", 200),
        "bare_row": Endpoint(
            "bare_row", LABELS["bare_row"], "GET", inproc.paths["bare_row"], "", 200,
        ),
    } | {
        key: Endpoint(
            key, LABELS[key], "GET", inproc.paths[key], "", 200,
            headers={"Authorization": f"Bearer {inproc.bearer}"},
        )
        for key in TOKEN_PAGES
    }  # fmt: skip


def server_cpu_seconds(master: int) -> float:
    """CPU time used so far by gunicorn's master and its workers (Linux /proc; else NaN)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(entry.name), int(fields[1])
            if master in (pid, ppid):
                total += (int(fields[11]) + int(fields[12])) / tick
    except OSError:
        return float("nan")
    return total


def measure(
    port: int,
    config: Config,
    targets: dict[str, Endpoint],
    master: int,
    before_run: Callable[[], None] | None = None,
) -> list[Run]:
    for key in ORDER:  # warm both workers: templates, connections, caches
        http.run(targets[key], port, concurrency=WORKERS, seconds=1.0)
    runs = []
    for repetition in range(1, config.repetitions + 1):
        # Alternate the order, so no endpoint always runs right after the same one.
        order = ORDER if repetition % 2 else list(reversed(ORDER))
        for concurrency in config.concurrency:
            for key in order:
                if before_run:
                    before_run()
                cpu = server_cpu_seconds(master)
                result = http.run(
                    targets[key],
                    port,
                    concurrency=concurrency,
                    seconds=config.seconds,
                    repetition=repetition,
                )
                result.server_cpu = (server_cpu_seconds(master) - cpu) / result.seconds
                runs.append(result)
                print(
                    f"  rep {repetition} c={concurrency:<2} {LABELS[key]:<30} "
                    f"{result.rps:8.1f} req/s  p50 {result.percentile(0.5):7.2f} ms  "
                    f"p99 {result.percentile(0.99):7.2f} ms  errors {result.errors}  "
                    f"CPU server {result.server_cpu:.2f} client {result.client_cpu:.2f}",
                    flush=True,
                )
    return runs


def main() -> int:
    began = time.monotonic()
    outside = dict(os.environ)
    config = Config.from_env()
    workdir = Path(tempfile.mkdtemp(prefix="interplay-bench-"))
    warnings.filterwarnings("ignore", message="No directory at")
    load_before = report.busy_cpus()
    if load_before > 0.5:
        print(
            f"Warning: the machine is already busy (load {load_before:.1f}); "
            "the figures will be noisy.",
            flush=True,
        )
    process = None
    try:
        if config.seeded:
            print(f"Copying the seeded service at {config.seeded} ...", flush=True)
        os.environ.update(bench_env(workdir, config.seeded))
        import django

        django.setup()
        from django.db import connections

        from bench import seed

        print(f"Preparing {config.referrals} synthetic referrals in {workdir} ...", flush=True)
        inproc = prepare_database(config)
        stand_in = autovacuum_off()
        if stand_in:
            print(
                "PostgreSQL's autovacuum is off on this server: the benchmark vacuums and "
                "analyses its tables before each run instead, as autovacuum would.",
                flush=True,
            )
            vacuum()
        connections.close_all()

        port = free_port()
        print(f"Serving on 127.0.0.1:{port}: gunicorn, {WORKERS} workers, DEBUG off", flush=True)
        process = start_gunicorn(port, workdir / "gunicorn.log")
        targets = endpoints(port, inproc)
        runs = measure(port, config, targets, process.pid, vacuum if stand_in else None)
        stop(process)
        problems = tail(workdir / "gunicorn.log", 10)

        final_queue = seed.queue_size()
        connections.close_all()
        summaries = report.summarise(runs, config)
        results = report.Report(
            when=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            config=config,
            info={
                **report.machine(),
                "Load average (1 min) before / after": (
                    f"{load_before:.2f} / {report.busy_cpus():.2f}"
                ),
                **(
                    {
                        "Autovacuum": "off on this server; the benchmark ran VACUUM (ANALYZE) "
                        "on its tables before each run in its place (untimed)"
                    }
                    if stand_in
                    else {}
                ),
            },
            summaries=summaries,
            inproc=inproc,
            verdicts=report.verdicts(summaries, inproc, config),
            final_queue=final_queue,
            duration=time.monotonic() - began,
        )
        report.write_markdown(results)
        report.print_report(results)
        if problems.strip():
            print(f"\nLast lines of the gunicorn log:\n{problems}")
        for url in outside.get("BENCH_LARGE_DATABASE_URL", "").split():
            dashboard(url, outside)
        return 0
    except BenchError as exc:
        print(f"The benchmark could not run: {exc}", file=sys.stderr)
        return 1
    finally:
        if process is not None:
            stop(process)
        if config.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def dashboard(url: str, outside: dict[str, str]) -> None:
    """The service dashboard timed on a large seeded database, in its own process (its own
    settings and keys), its section written to BENCHMARKS.md."""
    print(f"\nThe service dashboard on {url.rsplit('/', 1)[-1]}:", flush=True)
    env = {**outside, "DATABASE_URL": url}
    for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "INTERPLAY_ENCRYPTION_KEYS"):
        env.pop(name, None)
    finished = subprocess.run([sys.executable, "-m", "bench.dashboard", "--write"], env=env)
    if finished.returncode:
        raise BenchError(f"the dashboard benchmark failed on {url}")


if __name__ == "__main__":
    sys.exit(main())
