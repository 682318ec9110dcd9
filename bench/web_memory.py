"""Each web worker's memory after many requests: `python -m bench.web_memory [--requests N]`.

Prepares the benchmark's database (as `make bench` does, `BENCH_REFERRALS`, SQLite or
`BENCH_DATABASE_URL`), serves it with gunicorn (2 sync workers, DEBUG off) and sends
every benchmark request in turn (the self-referral POST, the triage queue, waiting list,
caseload, course page, therapist's day, FHIR reads and the bare views) until N requests
(10,000) have been answered, reading each worker's resident memory (VmRSS, Linux /proc)
along the way. Goal: every worker under 200 MB after 10,000 requests.
"""

import argparse
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from bench import client as http
from bench.run import bench_env, endpoints, free_port, start_gunicorn, stop
from bench.scenarios import ORDER, WORKERS, Config, prepare_database

GOAL_MB = 200.0


def workers_of(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(entry.name))
    return sorted(found)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    wanted = parser.parse_args().requests
    workdir = Path(tempfile.mkdtemp(prefix="interplay-web-memory-"))
    os.environ.update(bench_env(workdir))
    warnings.filterwarnings("ignore", message="No directory at")
    process = None
    try:
        import django

        django.setup()
        from django.db import connections

        inproc = prepare_database(Config.from_env())
        connections.close_all()
        port = free_port()
        process = start_gunicorn(port, workdir / "gunicorn.log")
        targets = endpoints(port, inproc)
        served, marks = 0, [1000, 2500, 5000, 7500, wanted]
        print(f"gunicorn, {WORKERS} workers; resident memory of each worker (MB):")
        while served < wanted:
            for key in ORDER:
                served += http.run(targets[key], port, concurrency=WORKERS, seconds=0.5).ok
            while marks and served >= marks[0]:
                sizes = [rss_mb(pid) for pid in workers_of(process.pid)]
                print(f"  after {served:>6,} requests: " + ", ".join(f"{mb:.1f}" for mb in sizes))
                marks.pop(0)
        sizes = [rss_mb(pid) for pid in workers_of(process.pid)]
        verdict = "met" if max(sizes) < GOAL_MB else "MISSED"
        print(f"Largest worker after {served:,} requests: {max(sizes):.1f} MB: {verdict} (< 200)")
        return 0
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
