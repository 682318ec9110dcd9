"""Several Interplay servers and job workers on one PostgreSQL database, for tests.

Each server is gunicorn (with the repository's ``gunicorn.conf.py``) and each worker is
``manage.py db_worker``, started as real processes under the production settings module
(``interplay.settings``, DEBUG off) and pointed at the test database. They share nothing
but that database: sessions, the cache (rate limits), lockouts and the job queue live
there. Email goes to files in a directory, so a test counts what was sent by every process.

A test's data must be committed for these processes to see it (``transactional_db``).
"""

import contextlib
import email
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# Generous: two cores shared with other work; a step waits this long before failing.
PATIENCE = 90.0
# The servers' limits, low enough for a test to reach.
REFERRAL_RATE_LIMIT = 4
API_RATE_LIMIT = 4
AXES_FAILURE_LIMIT = 3


def on_postgresql() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")


def wait_until[T](check: Callable[[], T | None], what: str, timeout: float = PATIENCE) -> T:
    """Poll ``check`` until it returns something true; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"within {timeout:.0f} s: {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def test_database_url() -> str:
    """The test database as a DATABASE_URL (the test run has already created it)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST'] or HOST}:{db['PORT'] or 5432}/{db['NAME']}"


SHORT_CACHE_SECONDS = 2


def server_environment(mail_dir: Path, base_url: str) -> dict[str, str]:
    """Production settings, as a deployment's environment file would give them."""
    unset = {"DJANGO_SETTINGS_MODULE", "DEBUG", "INTERPLAY_DEMO", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "interplay.settings",
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            # The test process writes encrypted fields the servers read: the same key.
            "INTERPLAY_ENCRYPTION_KEYS": os.environ["INTERPLAY_ENCRYPTION_KEYS"],
            "INTERPLAY_HTTPS": "0",
            "ALLOWED_HOSTS": HOST,
            "INTERPLAY_BASE_URL": base_url,
            "DATABASE_URL": test_database_url(),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "INTERPLAY_REFERRAL_RATE_LIMIT": f"{REFERRAL_RATE_LIMIT}/h",
            "INTERPLAY_API_RATE_LIMIT": f"{API_RATE_LIMIT}/h",
            "AXES_FAILURE_LIMIT": str(AXES_FAILURE_LIMIT),
            "LOG_LEVEL": "WARNING",
            # Each server keeps the service settings this long (production: 30 s).
            "INTERPLAY_SHORT_CACHE_SECONDS": str(SHORT_CACHE_SECONDS),
            # No collectstatic here and no static file is asked for.
            "PYTHONWARNINGS": "ignore:No directory at",
        }
    )
    return env


@dataclass
class Process:
    """A process this test started, in its own process group, with its output in a file."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> "Process":
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum: int) -> None:
        if self.running():
            os.kill(self.pid, signum)

    def stop(self, timeout: float = 30) -> None:
        """TERM and wait; then KILL the whole group (a master's workers too)."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=timeout)

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return f"--- {self.name} ---\n" + "\n".join(text.splitlines()[-lines:])


def gunicorn(name: str, port: int, env: dict[str, str], logs: Path) -> Process:
    command = [
        sys.executable, "-m", "gunicorn", "interplay.wsgi:application",
        "--config", str(ROOT / "gunicorn.conf.py"),
        "--bind", f"{HOST}:{port}",
        "--workers", "2",
        "--graceful-timeout", "30",
        "--log-level", "warning",
    ]  # fmt: skip
    return Process(name, command, env, logs / f"{name}.log")


def db_worker(name: str, env: dict[str, str], logs: Path) -> Process:
    command = [
        sys.executable, "manage.py", "db_worker",
        "--worker-id", name,
        "--interval", "0.2",
        "--no-startup-delay",
        "--no-reload",
    ]  # fmt: skip
    return Process(name, command, env, logs / f"{name}.log")


@dataclass
class Cluster:
    """Servers by name (A, B) on their ports, job workers, and the directory of emails."""

    env: dict[str, str]
    logs: Path
    mail: Path
    ports: dict[str, int] = field(default_factory=dict)
    servers: dict[str, Process] = field(default_factory=dict)
    workers: list[Process] = field(default_factory=list)

    def start_server(self, name: str, port: int, **extra_env: str) -> Process:
        process = gunicorn(name, port, {**self.env, **extra_env}, self.logs).start()
        self.servers[name], self.ports[name] = process, port
        self.wait_for(name)
        return process

    def wait_for(self, name: str) -> None:
        process, port = self.servers[name], self.ports[name]

        def answers() -> bool:
            assert process.running(), f"{name} exited\n{process.tail()}"
            try:
                return Browser().get(port, "/healthz").status == 200
            except OSError:
                return False

        wait_until(answers, f"{name} answers /healthz on port {port}\n{process.tail()}")

    def start_worker(self, name: str) -> Process:
        process = db_worker(name, self.env, self.logs).start()
        self.workers.append(process)
        return process

    def stop_workers(self) -> None:
        for process in self.workers:
            process.stop()
        self.workers.clear()

    def stop_all(self) -> None:
        self.stop_workers()
        for process in self.servers.values():
            process.stop()

    def sweep(self, *command: str) -> str:
        return manage(self.env, *command)

    def emails(self, subject: str) -> list[Message]:
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
        return "\n".join(p.tail() for p in [*self.servers.values(), *self.workers])


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command as the scheduler would, on its own; its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


# --- HTTP, as a browser does it ---------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')


def hidden(pattern: re.Pattern[str], page: Response) -> str:
    match = pattern.search(page.text)
    assert match, f"no {pattern.pattern!r} on the page (HTTP {page.status})"
    return match.group(1)


@dataclass
class Browser:
    """A cookie jar that can be pointed at any server: one person's browser."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        port: int,
        method: str,
        path: str,
        fields: Iterable[tuple[str, str]] | dict[str, str] | None = None,
    ) -> Response:
        conn = http.client.HTTPConnection(HOST, port, timeout=PATIENCE)
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(list(fields.items()) if isinstance(fields, dict) else list(fields))
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read()
            for value in raw.msg.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
        finally:
            conn.close()

    def get(self, port: int, path: str) -> Response:
        return self.request(port, "GET", path)

    def submit(
        self, port: int, path: str, fields: Iterable[tuple[str, str]] | dict[str, str]
    ) -> Response:
        """Fetch the form at ``path``, then post ``fields`` with its CSRF token."""
        page = self.get(port, path)
        assert page.status == 200, f"GET {path}: HTTP {page.status}"
        items = list(fields.items()) if isinstance(fields, dict) else list(fields)
        token = [("csrfmiddlewaretoken", hidden(CSRF_INPUT, page))]
        return self.request(port, "POST", path, token + items)


def bearer_get(port: int, path: str, key: str) -> Response:
    """A GET with an API token, as the JSON API's and FHIR's clients send one."""
    conn = http.client.HTTPConnection(HOST, port, timeout=PATIENCE)
    try:
        conn.request("GET", path, headers={"Host": HOST, "Authorization": f"Bearer {key}"})
        raw = conn.getresponse()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
    finally:
        conn.close()


def query_value(location: str, name: str) -> str:
    return parse_qs(urlsplit(location).query).get(name, [""])[0]


def sign_in(browser: Browser, port: int, username: str, password: str, code: str) -> None:
    """Password, then the authenticator app's code, on the server at ``port``."""
    signed_in = browser.submit(
        port, "/accounts/login/", {"username": username, "password": password}
    )
    assert signed_in.status == 302, f"sign-in: HTTP {signed_in.status}"
    assert signed_in.location.startswith("/accounts/verify/"), signed_in.location
    verified = browser.submit(
        port, signed_in.location, {"code": code, "next": query_value(signed_in.location, "next")}
    )
    assert verified.status == 302, f"security code: HTTP {verified.status}\n{verified.text[:500]}"


def eligibility_gate(browser: Browser, port: int) -> str:
    passed = browser.submit(
        port,
        "/refer/eligibility/",
        {"old_enough": "yes", "under_secondary_care": "no", "postcode": "LS6 2AB"},
    )
    assert passed.status == 302 and "gate=" in passed.location, passed.text[:500]
    return query_value(passed.location, "gate")


def referral_fields(first_name: str, last_name: str) -> list[tuple[str, str]]:
    """The self-referral form as an invented person fills it in."""
    return [
        ("first_name", first_name),
        ("last_name", last_name),
        ("date_of_birth_0", "17"),
        ("date_of_birth_1", "5"),
        ("date_of_birth_2", "1990"),
        ("nhs_number", ""),
        ("address_line_1", "1 Example Street"),
        ("address_line_2", ""),
        ("town", "Leeds"),
        ("postcode", "LS6 2AB"),
        ("phone", "07700900123"),
        ("email", "avery@example.org"),
        ("preferred_contact", "phone"),
        ("may_leave_message", "yes"),
        ("available_times", "weekday_morning"),
        ("interpreter_needed", "no"),
        ("interpreter_language", ""),
        ("gp_practice", "Park Lane Surgery"),
        ("gp_address", ""),
        ("main_difficulties", "I have felt low since my father died."),
        ("duration", "3m_1y"),
        ("problem_areas", "low_mood"),
        ("relationships_affected", ""),
        ("hoped_change", ""),
        ("substance_use", "none"),
        ("substance_detail", ""),
        ("other_services", ""),
        *((f"phq9_{n}", "1") for n in range(1, 10)),
        ("phq9_difficulty", "1"),
        *((f"gad7_{n}", "1") for n in range(1, 8)),
        ("consent_to_referral", "on"),
        ("consent_to_gp_contact", "on"),
        ("website", ""),
    ]


def refer(browser: Browser, port: int, gate: str, fields: list[tuple[str, str]]) -> Response:
    """Open the referral form (its CSRF token and submission token) and send it."""
    path = f"/refer/details/?gate={gate}"
    form = browser.get(port, path)
    assert form.status == 200, f"referral form: HTTP {form.status}"
    token = [
        ("csrfmiddlewaretoken", hidden(CSRF_INPUT, form)),
        ("gate", gate),
        ("submission_token", hidden(SUBMISSION_TOKEN, form)),
    ]
    return browser.request(port, "POST", "/refer/details/", token + fields)


# --- load while a server restarts ------------------------------------------------------


def children(pid: int) -> set[int]:
    """The process ids whose parent is ``pid`` (Linux /proc): a gunicorn master's workers."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        parent = int(text.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.add(int(stat.parent.name))
    return found


@dataclass
class Load:
    """Client threads sending requests to one port until stopped, counting what came back.

    ``answers`` are responses (status codes); ``refused`` are connections the port turned
    away (nothing listening: the request never reached a server); ``dropped`` are
    connections that were made but closed or timed out without a response.
    """

    port: int
    browser: Browser
    paths: list[str]
    threads: int = 2
    answers: list[int] = field(default_factory=list)
    refused: int = 0
    dropped: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _running: list[threading.Thread] = field(default_factory=list)

    def start(self) -> "Load":
        for n in range(self.threads):
            thread = threading.Thread(target=self._send, args=(n,), daemon=True)
            thread.start()
            self._running.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._running:
            thread.join(timeout=PATIENCE)

    def count(self) -> int:
        with self._lock:
            return len(self.answers)

    def bad(self) -> list[int]:
        with self._lock:
            return [status for status in self.answers if not 200 <= status < 400]

    def _send(self, offset: int) -> None:
        browser = Browser(dict(self.browser.cookies))  # one jar per thread
        n = offset
        while not self._stop.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            try:
                status = browser.get(self.port, path).status
            except ConnectionRefusedError:
                with self._lock:
                    self.refused += 1
                self._stop.wait(0.02)  # nothing listens yet; ask again shortly
                continue
            except (OSError, http.client.HTTPException) as error:
                with self._lock:
                    self.dropped.append(f"{path}: {error!r}")
                continue
            with self._lock:
                self.answers.append(status)

    def summary(self) -> str:
        bad = len(self.bad())
        with self._lock:
            return (
                f"{len(self.answers)} answered ({bad} not 2xx/3xx), "
                f"{self.refused} refused while nothing listened, {len(self.dropped)} dropped"
            )
