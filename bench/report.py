"""`make bench`: the results, printed and written to BENCHMARKS.md."""

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.client import Run
from bench.scenarios import (
    LABELS,
    LISTS,
    ORDER,
    PAIRS,
    POSTS,
    WORKERS,
    Config,
    InProcess,
    work_of,
)

ROOT = Path(__file__).resolve().parent.parent


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
        if mine in POSTS:
            work = inproc.work[mine]
            ok = work.commits <= 1
            detail.append(
                f"statements per POST: {work.queries}; commits: {work.commits} (goal <= 1) "
                f"{'met' if ok else 'MISSED'}"
            )
            goal_text = f"requests/s >= {goal} x bare POST, at most one commit per request"
        elif mine in LISTS:
            counts = {k: w.queries for k, w in work_of(inproc, mine).items()}
            ok = len(set(counts.values())) == 1
            sizes = ", ".join(f"{k.removeprefix(mine + ' ')}: {v}" for k, v in counts.items())
            detail.append(
                f"queries per page ({sizes}): {'constant, met' if ok else 'GROWS, MISSED'}"
            )
            goal_text = f"requests/s >= {goal} x bare list, query count constant in data size"
        else:
            ok = True
            detail.append(f"queries per page: {inproc.work[mine].queries}")
            goal_text = f"requests/s >= {goal} x bare list"
        results.append(Verdict(name, goal_text, met and ok, detail))
    if 1 in config.concurrency:
        results += latency_verdicts(summaries, config)
    return results


# Absolute goals at concurrency 1, set for a service of a million referrals on a 2-core
# machine: p50 (and p99) in ms of each group of requests.
LATENCY = [
    ("Lists", ("queue", "waiting", "caseload", "today"), 25.0, 100.0),
    ("POSTs", POSTS, 20.0, None),
]
# Single-record pages at a seeded service's size, against this database's 3,000-referral
# section: at most this many times its p50.
SINGLE_RECORD = ("course", "fhir_read")
SINGLE_RECORD_GROWTH = 1.5


def latency_verdicts(summaries: dict[tuple[str, int], Summary], config: Config) -> list[Verdict]:
    results = []
    for name, keys, p50_goal, p99_goal in LATENCY:
        detail, met = [], True
        for key in keys:
            s = summaries[key, 1]
            ok = s.p50 <= p50_goal and (p99_goal is None or s.p99 <= p99_goal)
            met = met and ok
            detail.append(
                f"{LABELS[key]}: p50 {s.p50:.1f} ms, p99 {s.p99:.1f} ms {'met' if ok else 'MISSED'}"
            )
        goal = f"p50 <= {p50_goal:g} ms" + (f", p99 <= {p99_goal:g} ms" if p99_goal else "")
        results.append(
            Verdict(f"{name} at concurrency 1", f"{goal} (set at a million referrals)", met, detail)
        )
    if config.seeded:
        detail, met = [], True
        for key in SINGLE_RECORD:
            before = reference_p50(LABELS[key])
            now = summaries[key, 1].p50
            if before is None:
                met = False
                detail.append(f"{LABELS[key]}: no 3,000-referral figure here to compare")
                continue
            growth = now / before
            ok = growth <= SINGLE_RECORD_GROWTH
            met = met and ok
            detail.append(
                f"{LABELS[key]}: p50 {now:.1f} ms here, {before:.1f} ms at 3,000 referrals: "
                f"{growth:.2f}x {'met' if ok else 'MISSED'}"
            )
        results.append(
            Verdict(
                "Single-record pages at this size / at 3,000 referrals",
                f"p50 at concurrency 1 within {SINGLE_RECORD_GROWTH}x",
                met,
                detail,
            )
        )
    return results


def reference_p50(label: str) -> float | None:
    """``label``'s p50 at concurrency 1 in this database's 3,000-referral section."""
    path = ROOT / "BENCHMARKS.md"
    name = section_name(seeded=False)
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = path.read_text() if path.exists() else ""
    if start not in text or end not in text:
        return None
    section = text.split(start, 1)[1].split(end, 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == len(RESULT_HEADERS) and cells[0] == label and cells[1] == "1":
            return float(cells[RESULT_HEADERS.index("p50 ms")])
    return None


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

    import django
    import gunicorn

    return {
        "Machine": f"{platform.node()}: {model or 'unknown CPU'}, {os.cpu_count()} CPUs"
        + (f", {memory} RAM" if memory else ""),
        "OS": platform.platform(),
        "Software": f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__}",
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
    rows = []
    for key, work in inproc.work.items():
        page, _, size = key.partition(" ")
        rows.append([
            f"{LABELS[page]}{', ' + size if size else ''}",
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


def page_commits(inproc: InProcess) -> str:
    counts = sorted(
        {
            w.commits
            for k, w in inproc.work.items()
            if k.partition(" ")[0] in LABELS and not k.startswith((*POSTS, "bare"))
        }
    )
    return " / ".join(map(str, counts))


def write_markdown(report: Report) -> None:
    config = report.config
    title = database_name()
    data = (
        f"- Data: {config.referrals} synthetic referrals "
        f"({report.inproc.queue_sizes['large']} awaiting triage before the runs, "
        f"{report.final_queue} after)"
    )
    if config.seeded:
        title += f", on a seeded service of {report.inproc.seeded_referrals:,} referrals"
        data = (
            f"- Data: a copy of a service of {report.inproc.seeded_referrals:,} referrals "
            "written by `manage.py seed_service`, with the benchmark's own staff, courses "
            f"and {config.referrals} synthetic referrals added "
            f"({report.inproc.queue_sizes['large']:,} awaiting triage before the runs, "
            f"{report.final_queue:,} after)"
        )
    lines = [
        f"## {title}",
        "",
        f"- Date: {report.when}",
        *(f"- {key}: {value}" for key, value in report.info.items()),
        f"- Server: gunicorn, {WORKERS} sync workers, DEBUG off, `bench.settings` "
        f"(Interplay's settings plus the baseline app), {database_name()}",
        data,
        f"- Runs: {config.repetitions} repetition{'s' if config.repetitions != 1 else ''}, "
        "interleaved, concurrency "
        f"{' and '.join(map(str, config.concurrency))}, {config.seconds:g} s each; "
        "figures are the median of the repetitions",
        "",
        "### Goals",
        "",
    ]
    for verdict in report.verdicts:
        lines.append(f"- **{'Met' if verdict.met else 'MISSED'}**: {verdict.name}: {verdict.goal}.")
        lines.extend(f"  - {line}" for line in verdict.detail)
    lines += [
        "",
        "### Throughput and latency",
        "",
        markdown_table(RESULT_HEADERS, results_table(report.summaries, config)),
        "",
        markdown_table(RATIO_HEADERS, ratio_rows(report.summaries, config)),
        "",
        "### Database work per request",
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
        "### Notes",
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
        f"- Commits per staff page GET: {page_commits(report.inproc)} (its audit "
        "row); the bare list commits nothing.",
        f"- The portal questionnaire POST: each request is a different patient (of "
        f"{config.portal_patients}, signed in, on one therapist of their own) answering the "
        "PHQ-9 (then, once every PHQ-9 is in, the GAD-7) due before their next session, "
        "since answering closes it: session 4 of an IPT course, sessions 1-3 answered.",
        "",
        "<details><summary>Statements of each request</summary>",
        "",
    ]
    for key, work in report.inproc.work.items():
        lines += [f"{key}:", "", "```", statement_list(work.statements), "```", ""]
    lines += ["</details>", ""]
    merge_section(section_name(bool(config.seeded)), "\n".join(lines))


def section_name(seeded: bool) -> str:
    """This database's section of BENCHMARKS.md: the 3,000-referral one, or the seeded."""
    return database_name().split()[0].lower() + ("-seeded" if seeded else "")


INTRO = """# Benchmarks

Written by `make bench` (`bench/run.py`); run it again to refresh (`BENCH_DATABASE_URL`
chooses PostgreSQL; each database keeps its own section). Interplay's hot requests
against bare-Django views of the same shape, served side by side by one gunicorn process.
"""


def merge_section(name: str, text: str) -> None:
    """Put this database's section into BENCHMARKS.md, keeping the other database's."""
    path = ROOT / "BENCHMARKS.md"
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    old = path.read_text() if path.exists() else ""
    if start in old and end in old:
        before, rest = old.split(start, 1)
        new = before + start + "\n" + text + "\n" + end + rest.split(end, 1)[1]
    else:
        kept = old if old.startswith(INTRO) else INTRO
        new = kept.rstrip("\n") + f"\n\n{start}\n{text}\n{end}\n"
    path.write_text(new)


def database_name() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (WAL)"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"PostgreSQL {version.split()[0]}"
