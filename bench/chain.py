"""The audit chain with one server and with two: `python -m bench.chain` (PostgreSQL).

Every audited request (a record opened, an API read, a change) appends its event to one
chain: it locks the chain head's row, inserts the event with the head's hash, moves the
head and commits. Requests logging at the same moment queue there, on every server
alike, so the head could become what limits a service that adds servers. This measures
how close it is.

Prepares the benchmark's database (as `make bench` does, on BENCH_DATABASE_URL, which
must be PostgreSQL), serves it with one gunicorn and then with two (each 2 sync workers,
DEBUG off), and sends two requests from 16 threads, split evenly over the servers:

- the FHIR EpisodeOfCare read by API token: the cheapest audited request, so the one
  that logs most often;
- the bare one-row JSON read, which logs nothing: what the same servers serve without
  the chain.

Meanwhile a sampler reads PostgreSQL's lock table every few milliseconds: in what share
of samples a transaction holds the chain head (its utilisation: 1.0 would mean audited
requests go through it one by one, all the time) and how many backends wait for it, on
average. A chain head in use a share ``u`` of the time, at ``r`` audited requests a
second, could carry about ``r / u`` a second before requests queue for it all the time:
that is printed as the head's ceiling. BENCH_SECONDS sets each run's length (default 8).
"""

import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from bench import client as http
from bench.client import Endpoint, Run
from bench.run import POSTGRES, bench_env, endpoints, free_port, start_gunicorn, stop
from bench.scenarios import LABELS, WORKERS, BenchError, Config, prepare_database

CONCURRENCY = 16
SAMPLE_EVERY = 0.004  # seconds between two looks at the lock table
KEYS = ("fhir_read", "bare_row")

# Backends inside the chain's critical section hold a lock on the head's table from the
# SELECT ... FOR UPDATE to their commit, waiters included; a waiter also has a lock it has
# not been granted (the holder's transaction). Holding and not waiting: using the head.
SAMPLE = """
WITH chain AS (
    SELECT DISTINCT pid FROM pg_locks
    WHERE locktype = 'relation' AND relation = 'audit_chainhead'::regclass AND granted
), waiting AS (
    SELECT DISTINCT pid FROM pg_locks WHERE NOT granted
)
SELECT
    count(*) FILTER (WHERE pid NOT IN (SELECT pid FROM waiting)),
    count(*) FILTER (WHERE pid IN (SELECT pid FROM waiting))
FROM chain
"""


@dataclass
class Sampled:
    samples: int = 0
    held: int = 0
    waiting: int = 0

    @property
    def utilisation(self) -> float:
        return self.held / self.samples if self.samples else float("nan")

    @property
    def mean_waiting(self) -> float:
        return self.waiting / self.samples if self.samples else float("nan")


class Sampler:
    """Looks at the lock table from its own connection until stopped."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.result = Sampled()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.work, daemon=True)

    def __enter__(self) -> "Sampler":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def work(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            statement = conn.cursor()
            while not self.done.is_set():
                row = statement.execute(SAMPLE, prepare=True).fetchone()
                if row is not None:
                    holding, waiting = row
                    self.result.samples += 1
                    self.result.held += holding > 0
                    self.result.waiting += waiting
                time.sleep(SAMPLE_EVERY)


def spread(endpoint: Endpoint, ports: list[int], seconds: float) -> Run:
    """CONCURRENCY threads in all, an equal share on each server, at the same time."""
    runs: list[Run] = []
    share = CONCURRENCY // len(ports)

    def drive(port: int) -> None:
        runs.append(http.run(endpoint, port, concurrency=share, seconds=seconds))

    threads = [threading.Thread(target=drive, args=(port,)) for port in ports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = Run(endpoint.key, CONCURRENCY, 0, max(run.seconds for run in runs))
    for run in runs:
        together.latencies += run.latencies
        together.errors += run.errors
    return together


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith(POSTGRES):
        print("bench.chain needs BENCH_DATABASE_URL=postgres://...", file=sys.stderr)
        return 1
    seconds = float(os.environ.get("BENCH_SECONDS", "8"))
    workdir = Path(tempfile.mkdtemp(prefix="interplay-chain-"))
    os.environ.update(bench_env(workdir))
    warnings.filterwarnings("ignore", message="No directory at")
    servers = []
    try:
        import django

        django.setup()
        from django.db import connections

        print("Preparing the benchmark's database ...", flush=True)
        inproc = prepare_database(Config.from_env())
        connections.close_all()
        database = os.environ["DATABASE_URL"]
        ports = [free_port(), free_port()]
        for number, port in enumerate(ports):
            servers.append(start_gunicorn(port, workdir / f"gunicorn-{number}.log"))
        targets = endpoints(ports[0], inproc)
        for key in KEYS:  # warm every worker of both servers
            spread(targets[key], ports, 1.0)
        print(
            f"\n{CONCURRENCY} threads for {seconds:.0f} s a run, each server gunicorn with "
            f"{WORKERS} sync workers, on {os.cpu_count()} cores:\n"
        )
        header = (
            "| Servers | Request | req/s | p50 ms | p99 ms | errors "
            "| Chain head in use | Waiting for it (mean) | Head's ceiling, req/s |"
        )
        print(header)
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for count in (1, 2):
            for key in KEYS:
                with Sampler(database) as sampler:
                    run = spread(targets[key], ports[:count], seconds)
                looked = sampler.result
                ceiling = (
                    f"{run.rps / looked.utilisation:,.0f}"
                    if key == "fhir_read" and looked.utilisation > 0
                    else ""
                )
                print(
                    f"| {count} | {LABELS[key]} | {run.rps:.1f} | {run.percentile(0.5):.1f} "
                    f"| {run.percentile(0.99):.1f} | {run.errors} "
                    f"| {looked.utilisation:.3f} | {looked.mean_waiting:.3f} | {ceiling} |",
                    flush=True,
                )
        print(f"\n({looked.samples} samples of the lock table in the last run.)")
        return 0
    except BenchError as exc:
        print(f"The benchmark could not run: {exc}", file=sys.stderr)
        return 1
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
