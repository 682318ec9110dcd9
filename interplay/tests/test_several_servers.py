"""Several servers, one database: two gunicorn servers and two job workers on PostgreSQL.

Each server and worker is a real process under the production settings (see
``interplay/tests/servers.py``); they share only the database. Skipped on SQLite, which is
one file on one machine; ``make test`` on PostgreSQL (``.ci/run``) runs them.
docs/scaling.md says what these tests show and what they do not.
"""

import datetime as dt
import email
import shutil
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from interplay.accounts.models import User
from interplay.accounts.roles import Role
from interplay.courses.models import Appointment, AppointmentStatus, Course
from interplay.referrals.models import Referral
from interplay.test import (
    PASSWORD,
    QUEUE_ONLY,
    authenticator,
    course_for,
    current_code,
    make_clinician,
)
from interplay.test import make_user as make_test_user
from interplay.tests import servers
from interplay.tests.servers import Browser, Process, wait_until

pytestmark = pytest.mark.skipif(
    not servers.on_postgresql(),
    reason="several servers need one shared database server: set DATABASE_URL to PostgreSQL",
)

REAL_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


@dataclass
class Cluster:
    """Two servers, A and B, and the directory their emails land in."""

    env: dict[str, str]
    logs: Path
    mail: Path
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    def start_server(self, name: str, port: int) -> Process:
        process = servers.gunicorn(name, port, self.env, self.logs).start()
        self.processes.append(process)
        self.wait_for(name, port, process)
        self.ports[name] = port
        return process

    def wait_for(self, name: str, port: int, process: Process) -> None:
        def answers() -> bool:
            assert process.running(), f"{name} exited\n{process.tail()}"
            try:
                return Browser().get(port, "/healthz").status == 200
            except OSError:
                return False

        wait_until(answers, f"{name} answers /healthz on port {port}\n{process.tail()}")

    def start_worker(self, name: str) -> Process:
        process = servers.db_worker(name, self.env, self.logs).start()
        self.processes.append(process)
        return process

    def sweep(self, *command: str) -> str:
        return servers.manage(self.env, *command)

    def emails(self, subject: str) -> list[email.message.Message]:
        """Every email sent so far by any process, with this subject."""
        found = []
        for path in sorted(self.mail.glob("*.log")):
            for part in path.read_text().split("\n" + "-" * 79 + "\n"):
                if part.strip():
                    message = email.message_from_string(part.lstrip("\n"))
                    if subject in str(message["Subject"]):
                        found.append(message)
        return found

    def logs_tail(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture(scope="module")
def cluster(django_db_setup: None) -> Iterator[Cluster]:
    workdir = Path(tempfile.mkdtemp(prefix="interplay-servers-"))
    (workdir / "mail").mkdir()
    port_a, port_b = servers.free_port(), servers.free_port()
    env = servers.server_environment(workdir / "mail", f"http://{servers.HOST}:{port_a}")
    cluster = Cluster(env=env, logs=workdir, mail=workdir / "mail")
    try:
        # The test run's own settings cache in memory, so its migrations made no cache
        # table; the servers' settings keep the cache in the database, as production does.
        cluster.sweep("createcachetable")
        cluster.start_server("A", port_a)
        cluster.start_server("B", port_b)
        yield cluster
    finally:
        cluster.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def servers_ready(cluster: Cluster, transactional_db: None) -> Iterator[Cluster]:
    """The two servers, with no mail sent and no rate counted yet (the cache table is
    not a model, so the test database's flush leaves it)."""
    for path in cluster.mail.glob("*"):
        path.unlink()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM interplay_cache")
    yield cluster
    for process in cluster.processes[2:]:
        process.stop()
    del cluster.processes[2:]


@pytest.fixture
def two_workers(servers_ready: Cluster) -> Cluster:
    servers_ready.start_worker("worker-1")
    servers_ready.start_worker("worker-2")
    return servers_ready


def staff(username: str, role: Role) -> User:
    """A staff member who signs in as production does: an Argon2 password, an app code."""
    user = make_test_user(username, role)
    with override_settings(PASSWORD_HASHERS=REAL_HASHERS):
        user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    authenticator(user)
    return user


def signed_in(user: User, port: int) -> Browser:
    browser = Browser()
    servers.sign_in(browser, port, user.username, PASSWORD, current_code(user))
    return browser


def jobs_settled() -> bool:
    return not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()


# --- a referral, and its acknowledgement ------------------------------------------------


def test_a_referral_sent_to_one_server_is_in_the_other_servers_queue(
    two_workers: Cluster,
) -> None:
    cluster = two_workers
    a, b = cluster.ports["A"], cluster.ports["B"]
    triage = staff("tessa", Role.TRIAGE)

    person = Browser()
    gate = servers.eligibility_gate(person, a)
    sent = servers.refer(person, a, gate, servers.referral_fields("Avery", "Crossland"))
    assert sent.status == 302, sent.text[:800]
    assert sent.location.startswith("/refer/confirmation/")
    assert person.get(a, sent.location).status == 200

    clinician = signed_in(triage, b)
    queue = clinician.get(b, "/triage/")
    assert queue.status == 200
    assert "Avery Crossland" in queue.text

    referral = Referral.objects.get()
    wait_until(jobs_settled, "the acknowledgement job ran\n" + cluster.logs_tail())
    sent_mail = cluster.emails(f"We have received your referral ({referral.reference})")
    assert [m["To"] for m in sent_mail] == ["avery@example.org"]


# --- reminders: exactly once with two workers, and a worker killed mid-job ---------------


def next_monday_after(days: int) -> dt.date:
    start = timezone.localdate() + dt.timedelta(days=days)
    return start + dt.timedelta(days=(7 - start.weekday()) % 7)


def session_due_tomorrow() -> Appointment:
    """A booked session 24 hours from now, its course's others weeks away."""
    therapist = make_clinician("theo", Role.THERAPIST)
    with override_settings(TASKS=QUEUE_ONLY):  # the setup's own letters are not the story
        course: Course = course_for(
            therapist, first_date=next_monday_after(14), email="robin@example.org"
        )
    first = course.appointments.get(number=1)
    tomorrow = timezone.now() + dt.timedelta(days=1)
    Appointment.objects.filter(pk=first.pk).update(
        starts_at=tomorrow, ends_at=tomorrow + dt.timedelta(minutes=50)
    )
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED and first.reminder_sent_at is None
    return first


REMINDER = "Your appointment on"


def test_a_reminder_is_sent_once_with_two_workers_and_two_sweeps(servers_ready: Cluster) -> None:
    cluster = servers_ready
    session = session_due_tomorrow()
    # Two machines' schedulers both ran the sweep: two jobs for the one session, and two
    # workers start on them at once.
    assert "1 reminders queued" in cluster.sweep("send_reminders")
    assert "1 reminders queued" in cluster.sweep("send_reminders")
    cluster.start_worker("worker-1")
    cluster.start_worker("worker-2")

    wait_until(jobs_settled, "both reminder jobs ran\n" + cluster.logs_tail())
    results = DBTaskResult.objects.filter(task_path__endswith="send_reminder")
    assert sorted(bool(r.return_value) for r in results) == [False, True]
    assert [m["To"] for m in cluster.emails(REMINDER)] == ["robin@example.org"]
    session.refresh_from_db()
    assert session.reminder_sent_at is not None


def blocked_on_a_lock() -> bool:
    """Some other connection of this database waits for a row lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


def test_a_job_whose_worker_is_killed_runs_again_and_sends_once(servers_ready: Cluster) -> None:
    cluster = servers_ready
    session = session_due_tomorrow()
    doomed = cluster.start_worker("doomed")
    with transaction.atomic():
        # Hold the session's row: the job claims it first thing, and waits here,
        # in the middle of its transaction, until this block ends.
        Appointment.objects.select_for_update().get(pk=session.pk)
        assert "1 reminders queued" in cluster.sweep("send_reminders")
        job = wait_until(
            lambda: DBTaskResult.objects.filter(status="RUNNING").first(),
            "the worker took the job\n" + doomed.tail(),
        )
        wait_until(blocked_on_a_lock, "the job waits on the session's row")
        doomed.signal(signal.SIGKILL)
        doomed.popen.wait(timeout=servers.PATIENCE)  # type: ignore[union-attr]
    # The killed worker never committed: no reminder claimed, none sent, job left running.
    session.refresh_from_db()
    assert session.reminder_sent_at is None
    job.refresh_from_db()
    assert job.status == "RUNNING" and job.worker_ids == ["doomed"]

    survivor = cluster.start_worker("survivor")
    # A job running for less than the timeout is left alone: it may be alive.
    assert "0 jobs" in cluster.sweep("requeue_stalled_jobs")
    assert "1 job" in cluster.sweep("requeue_stalled_jobs", "--minutes", "0")

    wait_until(jobs_settled, "the job ran again\n" + survivor.tail())
    job.refresh_from_db()
    assert job.status == "SUCCESSFUL" and job.return_value is True
    assert job.worker_ids == ["doomed", "survivor"]
    assert [m["To"] for m in cluster.emails(REMINDER)] == ["robin@example.org"]
