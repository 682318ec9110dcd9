"""`make bench`: Interplay's two hot requests against bare Django, under gunicorn.

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
change without editing Interplay (a module that star-imports ``bench.settings``).
"""

import base64
import datetime as dt
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import client as http
from bench.client import Browser, Endpoint, Run

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
SMALL_QUEUE_REFERRALS = 100
BARE_ROWS = 60
TRIAGE_PASSWORD = secrets.token_urlsafe(18)

# (Interplay endpoint, bare endpoint, name, goal for the requests/s ratio)
PAIRS = [
    ("referral", "bare_post", "Self-referral POST / bare form POST", 0.4),
    ("queue", "bare_list", "Triage queue / bare 50-row list", 0.5),
]
LABELS = {
    "referral": "Interplay self-referral POST",
    "bare_post": "bare 10-field form POST",
    "queue": "Interplay triage queue GET",
    "bare_list": "bare 50-row list GET",
}
ORDER = ["referral", "bare_post", "queue", "bare_list"]


@dataclass
class Config:
    seconds: float = 5.0
    referrals: int = 3000
    repetitions: int = 3
    concurrency: tuple[int, ...] = (1, 8)
    keep: bool = False

    @classmethod
    def from_env(cls) -> "Config":
        return cls(
            seconds=float(os.environ.get("BENCH_SECONDS", "5")),
            referrals=max(
                SMALL_QUEUE_REFERRALS * 2, int(os.environ.get("BENCH_REFERRALS", "3000"))
            ),
            repetitions=max(1, int(os.environ.get("BENCH_REPETITIONS", "3"))),
            concurrency=tuple(
                int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,8").split(",") if c.strip()
            ),
            keep=os.environ.get("BENCH_KEEP", "") not in ("", "0"),
        )


@dataclass
class InProcess:
    """Database work per request and in-process timings, measured before the load runs."""

    work: dict[str, Any] = field(default_factory=dict)
    queue_sizes: dict[str, int] = field(default_factory=dict)
    queue_ms: dict[str, float] = field(default_factory=dict)
    bare_list_ms: float = 0.0
    device: Any = None  # the triage user's authenticator, if sign-in has a second factor


class BenchError(RuntimeError):
    pass


def bench_env(workdir: Path) -> dict[str, str]:
    """The production settings' environment, pointed at a throwaway SQLite database."""
    return {
        "DJANGO_SETTINGS_MODULE": os.environ.get("BENCH_SETTINGS", "bench.settings"),
        "DEBUG": "0",
        "INTERPLAY_DEMO": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # A fresh Fernet key for the encrypted fields (32 url-safe base64-encoded bytes).
        "INTERPLAY_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "INTERPLAY_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        # High enough never to refuse a request, so the limiter still runs on every POST.
        "INTERPLAY_REFERRAL_RATE_LIMIT": "1000000/h",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # No collectstatic here; no static file is requested, so WhiteNoise's warning is noise.
        "PYTHONWARNINGS": "ignore:No directory at",
    }


# --- setup and in-process measurement ---------------------------------------------------


def prepare_database(config: Config) -> InProcess:
    from django.core.management import call_command

    from bench import inprocess, payloads, seed

    call_command("migrate", interactive=False, verbosity=0)
    user = seed.triage_user(TRIAGE_PASSWORD)
    result = InProcess(device=seed.authenticator(user))
    seed.bare_rows(BARE_ROWS)

    staff = inprocess.signed_in(user, result.device)
    seed.referrals(SMALL_QUEUE_REFERRALS)
    small = f"N={seed.queue_size()}"
    staff.get("/triage/")
    result.work[f"queue {small}"] = inprocess.get(staff, "/triage/")
    result.queue_ms[small] = inprocess.milliseconds_per_request(staff, "/triage/")
    result.queue_sizes["small"] = seed.queue_size()

    seed.referrals(config.referrals - SMALL_QUEUE_REFERRALS, start=SMALL_QUEUE_REFERRALS)
    large = f"N={seed.queue_size()}"
    result.work[f"queue {large}"] = inprocess.get(staff, "/triage/")
    result.queue_ms[large] = inprocess.milliseconds_per_request(staff, "/triage/")
    result.queue_sizes["large"] = seed.queue_size()

    public = inprocess.anonymous()
    gate = inprocess.gate(public)
    if not gate:
        raise BenchError("the eligibility step gave no gate")
    public.get(f"/refer/details/?gate={gate}")
    referrals = payloads.Bodies.referral("", gate)
    inprocess.post(public, "/refer/details/", referrals.next())  # warm
    result.work["referral"] = inprocess.post(public, "/refer/details/", referrals.next())
    bare = payloads.Bodies.bare("")
    inprocess.post(public, "/bare/form/", bare.next())
    result.work["bare_post"] = inprocess.post(public, "/bare/form/", bare.next())
    result.work["bare_list"] = inprocess.get(public, "/bare/list/")
    result.bare_list_ms = inprocess.milliseconds_per_request(public, "/bare/list/")

    expected = {"referral": (302, "/refer/confirmation/"), "bare_post": (302, "/bare/list/")}
    for key, work in result.work.items():
        status, location = expected.get(key, (200, ""))
        if work.status != status or not work.location.startswith(location):
            raise BenchError(f"in-process {key}: HTTP {work.status} {work.location!r}")
    return result


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


def sign_in(port: int, device: Any) -> Browser:
    """The triage clinician's browser: password, then the security code if one is asked."""
    from bench import seed

    staff = Browser(port)
    page = staff.request("GET", "/accounts/login/")
    expect(page, 200, "sign-in page")
    signed_in = staff.request(
        "POST",
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": form_token(page.body),
            "username": seed.TRIAGE_USERNAME,
            "password": TRIAGE_PASSWORD,
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
    expect(staff.request("GET", "/triage/"), 200, "triage queue")
    return staff


def endpoints(port: int, device: Any) -> dict[str, Endpoint]:
    """Sign in, pass the eligibility step and fetch the forms, as a browser would."""
    from bench import payloads

    staff = sign_in(port, device)

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

    return {
        "referral": Endpoint(
            "referral", LABELS["referral"], "POST", "/refer/details/",
            person.cookie_header(), 302, "/refer/confirmation/", referrals.next,
        ),
        "bare_post": Endpoint(
            "bare_post", LABELS["bare_post"], "POST", "/bare/form/",
            bare_person.cookie_header(), 302, "/bare/list/", bare.next,
        ),
        "queue": Endpoint("queue", LABELS["queue"], "GET", "/triage/", staff.cookie_header(), 200),
        "bare_list": Endpoint("bare_list", LABELS["bare_list"], "GET", "/bare/list/", "", 200),
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


def measure(port: int, config: Config, targets: dict[str, Endpoint], master: int) -> list[Run]:
    for key in ORDER:  # warm both workers: templates, connections, caches
        http.run(targets[key], port, concurrency=WORKERS, seconds=1.0)
    runs = []
    for repetition in range(1, config.repetitions + 1):
        # Alternate the order, so no endpoint always runs right after the same one.
        order = ORDER if repetition % 2 else list(reversed(ORDER))
        for concurrency in config.concurrency:
            for key in order:
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


# --- results --------------------------------------------------------------------------


@dataclass
class Summary:
    key: str
    concurrency: int
    rps: float
    rps_runs: list[float]
    p50: float
    p99: float
    errors: int
    error_samples: list[str]
    client_cpu: float
    server_cpu: float


def summarise(runs: list[Run], config: Config) -> dict[tuple[str, int], Summary]:
    summaries = {}
    for key in ORDER:
        for concurrency in config.concurrency:
            mine = [r for r in runs if r.endpoint == key and r.concurrency == concurrency]
            summaries[key, concurrency] = Summary(
                key=key,
                concurrency=concurrency,
                rps=statistics.median(r.rps for r in mine),
                rps_runs=[r.rps for r in mine],
                p50=statistics.median(r.percentile(0.5) for r in mine),
                p99=statistics.median(r.percentile(0.99) for r in mine),
                errors=sum(r.errors for r in mine),
                error_samples=[s for r in mine for s in r.error_samples][:3],
                client_cpu=statistics.median(r.client_cpu for r in mine),
                server_cpu=statistics.median(r.server_cpu for r in mine),
            )
    return summaries


@dataclass
class Verdict:
    name: str
    goal: str
    met: bool
    detail: list[str]


def verdicts(
    summaries: dict[tuple[str, int], Summary], inproc: InProcess, config: Config
) -> list[Verdict]:
    results = []
    for mine, bare, name, goal in PAIRS:
        ratios = {
            c: ratio(summaries[mine, c].rps, summaries[bare, c].rps) for c in config.concurrency
        }
        met = all(r >= goal for r in ratios.values())
        detail = [
            f"requests/s ratio at concurrency {c}: {r:.2f} (goal >= {goal}) "
            f"{'met' if r >= goal else 'MISSED'}"
            for c, r in ratios.items()
        ]
        if mine == "referral":
            commits = inproc.work["referral"].commits
            ok = commits <= 1
            detail.append(
                f"commits per referral POST: {commits} (goal <= 1) {'met' if ok else 'MISSED'}"
            )
            goal_text = f"requests/s >= {goal} x bare POST, at most one commit per request"
        else:
            counts = {k: w.queries for k, w in inproc.work.items() if k.startswith("queue ")}
            ok = len(set(counts.values())) == 1
            sizes = ", ".join(f"{k.removeprefix('queue ')}: {v}" for k, v in counts.items())
            detail.append(
                f"queries per queue page ({sizes}): {'constant, met' if ok else 'GROWS, MISSED'}"
            )
            goal_text = f"requests/s >= {goal} x bare list, query count constant in queue size"
        results.append(Verdict(name, goal_text, met and ok, detail))
    return results


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def machine() -> dict[str, str]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024 // 1024} GiB"
                break
    except OSError:
        pass
    import sqlite3

    import django
    import gunicorn

    return {
        "Machine": f"{platform.node()}: {model or 'unknown CPU'}, {os.cpu_count()} CPUs"
        + (f", {memory} RAM" if memory else ""),
        "OS": platform.platform(),
        "Software": f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__}, SQLite {sqlite3.sqlite_version}",
        "Commit": git_commit(),
    }


def busy_cpus() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!BENCHMARKS.md"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown (no git)"
    if not commit:
        return "unknown"
    return commit + (" (with uncommitted changes)" if dirty else "")


def results_table(summaries: dict[tuple[str, int], Summary], config: Config) -> list[list[str]]:
    rows = []
    for concurrency in config.concurrency:
        for key in ORDER:
            s = summaries[key, concurrency]
            rows.append([
                LABELS[key],
                str(concurrency),
                f"{s.rps:.1f}",
                " / ".join(f"{r:.0f}" for r in s.rps_runs),
                f"{s.p50:.1f}",
                f"{s.p99:.1f}",
                str(s.errors),
                f"{s.server_cpu:.2f}",
                f"{s.client_cpu:.2f}",
            ])  # fmt: skip
    return rows


RESULT_HEADERS = [
    "Request", "Conc.", "req/s", "req/s per run", "p50 ms", "p99 ms", "Errors",
    "Server CPU", "Client CPU",
]  # fmt: skip


def ratio_rows(summaries: dict[tuple[str, int], Summary], config: Config) -> list[list[str]]:
    rows = []
    for mine, bare, name, goal in PAIRS:
        for c in config.concurrency:
            a, b = summaries[mine, c], summaries[bare, c]
            r = ratio(a.rps, b.rps)
            rows.append([
                name,
                str(c),
                f"{r:.2f}",
                f">= {goal}",
                "met" if r >= goal else "MISSED",
                f"{ratio(a.p50, b.p50):.1f}x",
                f"{ratio(a.p99, b.p99):.1f}x",
            ])  # fmt: skip
    return rows


RATIO_HEADERS = [
    "Interplay / bare", "Conc.", "req/s ratio", "Goal", "Result", "p50 slower", "p99 slower",
]  # fmt: skip


def work_rows(inproc: InProcess) -> list[list[str]]:
    names = {
        "referral": LABELS["referral"],
        "bare_post": LABELS["bare_post"],
        "bare_list": LABELS["bare_list"],
    }
    rows = []
    for key, work in inproc.work.items():
        label = names.get(key) or f"Interplay triage queue GET, {key.removeprefix('queue ')}"
        rows.append([
            label,
            str(work.queries),
            str(work.writes),
            str(len(work.statements) - work.queries),
            str(work.commits),
        ])  # fmt: skip
    return rows


WORK_HEADERS = ["Request (in process)", "Queries", "Writes", "Tx statements", "Commits"]


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def statement_list(statements: list[str]) -> str:
    return "\n".join(
        f"    {i:>2}. {' '.join(s.split())[:150]}" for i, s in enumerate(statements, 1)
    )


@dataclass
class Report:
    when: str
    config: Config
    info: dict[str, str]
    summaries: dict[tuple[str, int], Summary]
    inproc: InProcess
    verdicts: list[Verdict]
    final_queue: int
    duration: float


def print_report(report: Report) -> None:
    print()
    print(f"Interplay vs bare Django: {report.when}")
    for key, value in report.info.items():
        print(f"{key}: {value}")
    print()
    print(text_table(RESULT_HEADERS, results_table(report.summaries, report.config)))
    print()
    print(text_table(RATIO_HEADERS, ratio_rows(report.summaries, report.config)))
    print()
    print(text_table(WORK_HEADERS, work_rows(report.inproc)))
    timings = ", ".join(f"{k}: {v:.1f} ms" for k, v in report.inproc.queue_ms.items())
    print(f"In-process median time per triage queue GET: {timings}; "
          f"bare list: {report.inproc.bare_list_ms:.1f} ms")  # fmt: skip
    print()
    for verdict in report.verdicts:
        print(f"{'MET   ' if verdict.met else 'MISSED'} {verdict.name}: {verdict.goal}")
        for line in verdict.detail:
            print(f"         {line}")
    for s in report.summaries.values():
        if s.errors:
            print(f"Errors in {LABELS[s.key]} at concurrency {s.concurrency}: {s.errors}")
            for sample in s.error_samples:
                print(f"    {sample[:200]}")
    print(f"\nWrote {ROOT / 'BENCHMARKS.md'} ({report.duration:.0f} s in all).")


def connection_note() -> str:
    from django.conf import settings

    age = settings.DATABASES["default"].get("CONN_MAX_AGE")
    if age == 0:
        return (
            "- Interplay's settings close the database connection after every request "
            "(`CONN_MAX_AGE = 0`), so every request opens one (and, on SQLite, runs the WAL "
            "pragmas); the baseline pays this too. The in-process figures keep one open."
        )
    return f"- Database connections are kept between requests (`CONN_MAX_AGE = {age}`)."


def queue_page_size() -> str:
    from interplay.triage import views

    return str(getattr(views, "PAGE_SIZE", "?"))


def bare_list_rows() -> int:
    from bench.baseline import LIST_ROWS

    return LIST_ROWS


def queue_commits(inproc: InProcess) -> str:
    counts = sorted({w.commits for k, w in inproc.work.items() if k.startswith("queue ")})
    return " / ".join(map(str, counts))


def write_markdown(report: Report) -> None:
    config = report.config
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); run it again to refresh. Interplay's "
        "self-referral POST and triage queue against bare-Django views of the same shape, "
        "served side by side by one gunicorn process.",
        "",
        f"- Date: {report.when}",
        *(f"- {key}: {value}" for key, value in report.info.items()),
        f"- Server: gunicorn, {WORKERS} sync workers, DEBUG off, `bench.settings` "
        "(Interplay's settings plus the baseline app), SQLite (WAL)",
        f"- Data: {config.referrals} synthetic referrals "
        f"({report.inproc.queue_sizes['large']} awaiting triage before the runs, "
        f"{report.final_queue} after)",
        f"- Runs: {config.repetitions} repetition{'s' if config.repetitions != 1 else ''}, "
        "interleaved, concurrency "
        f"{' and '.join(map(str, config.concurrency))}, {config.seconds:g} s each; "
        "figures are the median of the repetitions",
        "",
        "## Goals",
        "",
    ]
    for verdict in report.verdicts:
        lines.append(f"- **{'Met' if verdict.met else 'MISSED'}**: {verdict.name}: {verdict.goal}.")
        lines.extend(f"  - {line}" for line in verdict.detail)
    lines += [
        "",
        "## Throughput and latency",
        "",
        markdown_table(RESULT_HEADERS, results_table(report.summaries, config)),
        "",
        markdown_table(RATIO_HEADERS, ratio_rows(report.summaries, config)),
        "",
        "## Database work per request",
        "",
        "Measured in process with Django's test client against the same kind of database. "
        "Queries exclude transaction control (BEGIN, SAVEPOINT, RELEASE); a commit is an "
        "explicit COMMIT or a write run in autocommit mode.",
        "",
        markdown_table(WORK_HEADERS, work_rows(report.inproc)),
        "",
        "In-process median time per triage queue GET: "
        + ", ".join(f"{k}: {v:.1f} ms" for k, v in report.inproc.queue_ms.items())
        + f"; bare list: {report.inproc.bare_list_ms:.1f} ms.",
        "",
        "## Notes",
        "",
        "- The load generator runs on the same machine as the server (Python threads, "
        "http.client); gunicorn's sync workers close the connection after each response, "
        "so every request includes a TCP connect, for Interplay and the baseline alike.",
        connection_note(),
        "- Server CPU is gunicorn's CPU time (master and workers) per second of the run, "
        "in cores: with two sync workers, 2.0 would mean both always busy. Client CPU is "
        "the load generator's own; on a small machine it competes with the workers.",
        f"- The triage queue shows {queue_page_size()} referrals per page; the baseline "
        f"list shows {bare_list_rows()} rows, as the issue specifies.",
        f"- Commits per triage queue GET: {queue_commits(report.inproc)} (its audit "
        "row); the bare list commits nothing.",
        "",
        "<details><summary>Statements of each request</summary>",
        "",
    ]
    for key, work in report.inproc.work.items():
        lines += [f"{key}:", "", "```", statement_list(work.statements), "```", ""]
    lines += ["</details>", ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))


def main() -> int:
    began = time.monotonic()
    config = Config.from_env()
    workdir = Path(tempfile.mkdtemp(prefix="interplay-bench-"))
    os.environ.update(bench_env(workdir))
    warnings.filterwarnings("ignore", message="No directory at")
    load_before = busy_cpus()
    if load_before > 0.5:
        print(
            f"Warning: the machine is already busy (load {load_before:.1f}); "
            "the figures will be noisy.",
            flush=True,
        )
    process = None
    try:
        import django

        django.setup()
        from django.db import connections

        from bench import seed

        print(f"Preparing {config.referrals} synthetic referrals in {workdir} ...", flush=True)
        inproc = prepare_database(config)
        connections.close_all()

        port = free_port()
        print(f"Serving on 127.0.0.1:{port}: gunicorn, {WORKERS} workers, DEBUG off", flush=True)
        process = start_gunicorn(port, workdir / "gunicorn.log")
        targets = endpoints(port, inproc.device)
        runs = measure(port, config, targets, process.pid)
        stop(process)
        problems = tail(workdir / "gunicorn.log", 10)

        final_queue = seed.queue_size()
        connections.close_all()
        summaries = summarise(runs, config)
        report = Report(
            when=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            config=config,
            info={
                **machine(),
                "Load average (1 min) before / after": f"{load_before:.2f} / {busy_cpus():.2f}",
            },
            summaries=summaries,
            inproc=inproc,
            verdicts=verdicts(summaries, inproc, config),
            final_queue=final_queue,
            duration=time.monotonic() - began,
        )
        write_markdown(report)
        print_report(report)
        if problems.strip():
            print(f"\nLast lines of the gunicorn log:\n{problems}")
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


if __name__ == "__main__":
    sys.exit(main())
