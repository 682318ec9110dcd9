"""The job worker's memory over many jobs: `python -m bench.worker_memory [--jobs 10000]`.

Makes a throwaway database (SQLite, or BENCH_DATABASE_URL's PostgreSQL made afresh) with
as many synthetic referrals as jobs, queues one referral acknowledgement email per
referral (a real job: it claims the referral, renders both parts of the email and sends
it, here to the console backend, thrown away), starts `manage.py db_worker` and reads
the worker's resident memory (VmRSS, Linux /proc) as the jobs finish. Goal: flat, that
is the last reading within 10% (or 10 MB) of the one after the first thousand jobs.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_GROWTH = 0.10
GOAL_SLACK_MB = 10.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    jobs = parser.parse_args().jobs
    workdir = Path(tempfile.mkdtemp(prefix="interplay-worker-memory-"))
    from bench.run import bench_env

    env = bench_env(workdir)
    env["EMAIL_BACKEND"] = "django.core.mail.backends.console.EmailBackend"
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django_tasks_db.models import DBTaskResult

        from bench import seed
        from interplay.referrals.models import Referral
        from interplay.referrals.tasks import send_referral_acknowledgement

        call_command("migrate", verbosity=0)
        print(f"Writing {jobs:,} referrals and queueing one email job each ...", flush=True)
        seed.referrals(jobs)
        Referral.objects.update(acknowledgement_sent_at=None)
        for public_id in Referral.objects.values_list("public_id", flat=True).iterator():
            send_referral_acknowledgement.enqueue(str(public_id))
        connections.close_all()

        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.1"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        readings: list[tuple[int, float]] = []
        began = time.monotonic()
        try:
            done = 0
            while done < jobs:
                time.sleep(1)
                if worker.poll() is not None:
                    print(f"The worker exited with {worker.returncode}", file=sys.stderr)
                    return 1
                done = DBTaskResult.objects.filter(status="SUCCESSFUL").count()
                readings.append((done, rss_mb(worker.pid)))
                connections.close_all()
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        seconds = time.monotonic() - began
        report(readings, jobs, seconds)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(readings: list[tuple[int, float]], jobs: int, seconds: float) -> None:
    after_first = next((mb for done, mb in readings if done >= min(1000, jobs)), readings[0][1])
    last = readings[-1][1]
    print(f"{jobs:,} jobs in {seconds:.0f} s ({jobs / seconds:.0f} jobs/s)")
    for mark in (1000, 2500, 5000, 7500, 10_000):
        mb = next((m for done, m in readings if done >= mark), None)
        if mb is not None:
            print(f"  after {mark:>6,} jobs: {mb:6.1f} MB resident")
    grown = last - after_first
    flat = grown <= max(after_first * GOAL_GROWTH, GOAL_SLACK_MB)
    print(
        f"Growth from the first thousand to the end: {grown:+.1f} MB: "
        f"{'met' if flat else 'MISSED'} (flat: within 10% or 10 MB)"
    )


if __name__ == "__main__":
    sys.exit(main())
