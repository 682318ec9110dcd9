"""Several servers, one database: two gunicorn servers and two job workers on PostgreSQL.

Each server and worker is a real process under the production settings (see
``interplay/tests/servers.py``); they share only the database. Skipped on SQLite, which is
one file on one machine; ``make test`` on PostgreSQL (``.ci/run``) runs them.
docs/scaling.md says what these tests show and what they do not.
"""

import datetime as dt
import json
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from interplay.accounts.models import User
from interplay.accounts.roles import Role
from interplay.api.services import create_token
from interplay.clinic.models import ServiceSettings
from interplay.clinic.services import change_service_settings
from interplay.courses.models import Appointment, AppointmentStatus, Course
from interplay.referrals.models import Referral
from interplay.test import (
    PASSWORD,
    QUEUE_ONLY,
    authenticator,
    course_for,
    current_code,
    make_clinician,
    make_user,
)
from interplay.tests import servers
from interplay.tests.servers import SHORT_CACHE_SECONDS, Browser, Cluster, wait_until

pytestmark = pytest.mark.skipif(
    not servers.on_postgresql(),
    reason="several servers need one shared database server: set DATABASE_URL to PostgreSQL",
)

REAL_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


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
        # A keeps one connection per process (CONN_MAX_AGE); B draws from a pool.
        cluster.start_server("B", port_b, DATABASE_POOL_SIZE="2")
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
    cluster.stop_workers()


@pytest.fixture
def two_workers(servers_ready: Cluster) -> Cluster:
    servers_ready.start_worker("worker-1")
    servers_ready.start_worker("worker-2")
    return servers_ready


def staff(username: str, role: Role) -> User:
    """A staff member who signs in as production does: an Argon2 password, an app code."""
    user = make_user(username, role)
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


# --- a server restarted under load -------------------------------------------------------


def test_a_server_restarted_under_load_answers_every_request_it_accepts(
    servers_ready: Cluster,
) -> None:
    cluster = servers_ready
    a = cluster.ports["A"]
    clinician = signed_in(staff("tessa", Role.TRIAGE), a)
    load = servers.Load(a, clinician, ["/triage/", "/healthz", "/refer/"]).start()
    try:
        wait_until(lambda: load.count() >= 10, "the load is answered before the restarts")

        # Graceful reload (HUP): new workers start, the old finish what they hold; the
        # listening socket never closes.
        master = cluster.servers["A"].pid
        old_workers = servers.children(master)
        cluster.servers["A"].signal(signal.SIGHUP)
        wait_until(
            lambda: (
                len(servers.children(master) - old_workers) == 2
                and not servers.children(master) & old_workers
            ),
            "HUP replaced both workers",
        )
        after_reload = load.count()
        wait_until(lambda: load.count() >= after_reload + 10, "answers after the reload")
        assert (load.refused, load.dropped) == (0, []), load.summary()

        # Stop (TERM: finish the requests in hand, then exit) and start again, as a plain
        # service restart does. While nothing listens, connections are refused.
        cluster.servers["A"].stop()
        stopped_at = load.count()
        cluster.start_server("A", a)
        wait_until(lambda: load.count() >= stopped_at + 10, "answers after the restart")
    finally:
        load.stop()
    print(f"\nRestarts under load: {load.summary()}")
    assert load.bad() == [], load.summary()
    # A connection still waiting in the kernel's queue when the last worker closes the
    # socket is reset before Interplay reads it; the client sees the failure and no
    # answer is ever cut short (docs/scaling.md: reload with HUP, retry at the proxy).
    assert all("Reset" in d or "BrokenPipe" in d for d in load.dropped), load.dropped


# --- nothing kept in one server's memory -------------------------------------------------


def test_a_session_made_on_one_server_works_on_the_other_and_ends_on_both(
    servers_ready: Cluster,
) -> None:
    a, b = servers_ready.ports["A"], servers_ready.ports["B"]
    clinician = signed_in(staff("tessa", Role.TRIAGE), a)
    assert clinician.get(b, "/triage/").status == 200

    page = clinician.get(b, "/triage/")  # it holds the sign-out form
    token = servers.hidden(servers.CSRF_INPUT, page)
    logout = clinician.request(b, "POST", "/accounts/logout/", [("csrfmiddlewaretoken", token)])
    assert logout.status == 302
    for port in (a, b):
        again = clinician.get(port, "/triage/")
        assert again.status == 302 and again.location.startswith("/accounts/login/")


def test_the_referral_rate_limit_counts_both_servers_together(servers_ready: Cluster) -> None:
    a, b = servers_ready.ports["A"], servers_ready.ports["B"]
    person = Browser()
    gate = servers.eligibility_gate(person, a)
    statuses = [
        servers.refer(person, (a, b)[n % 2], gate, []).status
        for n in range(servers.REFERRAL_RATE_LIMIT)
    ]
    assert statuses == [400] * servers.REFERRAL_RATE_LIMIT  # empty forms: counted, refused
    for port in (a, b):
        limited = servers.refer(person, port, gate, servers.referral_fields("Avery", "Crossland"))
        assert limited.status == 429
    assert not Referral.objects.exists()


def test_a_tokens_json_api_and_fhir_requests_count_on_both_servers_together(
    servers_ready: Cluster,
) -> None:
    a, b = servers_ready.ports["A"], servers_ready.ports["B"]
    therapist = make_clinician("theo", Role.THERAPIST)
    key, other = (create_token(actor=therapist, name=name)[1] for name in ("busy", "other"))
    faces = ("/api/v1/whoami", "/fhir/R4/metadata")
    statuses = [
        servers.bearer_get((a, b)[n % 2], faces[n // 2 % 2], key).status
        for n in range(servers.API_RATE_LIMIT)
    ]
    assert statuses == [200] * servers.API_RATE_LIMIT  # both faces, on both servers
    for port in (a, b):
        assert servers.bearer_get(port, faces[0], key).status == 429
        limited = servers.bearer_get(port, faces[1], key)
        assert limited.status == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 3600
        assert json.loads(limited.body)["issue"][0]["code"] == "throttled"
        assert servers.bearer_get(port, faces[1], other).status == 200


def test_a_lockout_after_wrong_passwords_on_both_servers_holds_on_both(
    servers_ready: Cluster,
) -> None:
    a, b = servers_ready.ports["A"], servers_ready.ports["B"]
    staff("tessa", Role.TRIAGE)
    guesser = Browser()
    for n in range(servers.AXES_FAILURE_LIMIT - 1):
        wrong = guesser.submit(
            (a, b)[n % 2], "/accounts/login/", {"username": "tessa", "password": f"guess-{n}"}
        )
        assert wrong.status == 200 and "Enter a correct" in wrong.text
    last = guesser.submit(b, "/accounts/login/", {"username": "tessa", "password": "guess-last"})
    assert last.status == 429
    for port in (a, b):
        right = Browser().submit(
            port, "/accounts/login/", {"username": "tessa", "password": PASSWORD}
        )
        assert right.status == 429, f"port {port}: HTTP {right.status}"


def test_a_settings_change_shows_on_both_servers_once_their_short_cache_lapses(
    servers_ready: Cluster,
) -> None:
    """Each server keeps the service settings for INTERPLAY_SHORT_CACHE_SECONDS (here 2):
    a change made anywhere shows everywhere once that time has passed."""
    a, b = servers_ready.ports["A"], servers_ready.ports["B"]
    for port in (a, b):
        assert "Leeds Talking Therapies" not in Browser().get(port, "/refer/").text
    service = ServiceSettings.load()
    service.name = "Leeds Talking Therapies"
    change_service_settings(
        actor=make_user("ada", Role.ADMINISTRATOR), settings=service, changed=["name"]
    )
    time.sleep(SHORT_CACHE_SECONDS + 0.5)
    for port in (a, b):
        assert "Leeds Talking Therapies" in Browser().get(port, "/refer/").text
