"""deploy/: the environment example names every setting, the units and proxy sites parse,
and the production settings serve /healthz and collected static files under gunicorn."""

import ast
import configparser
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import SimpleTestCase, TransactionTestCase

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
EXAMPLE = DEPLOY / "interplay.env.example"
UNITS = {
    "interplay-web.service": "gunicorn interplay.wsgi:application",
    "interplay-worker.service": "manage.py db_worker",
    "interplay-scheduler.service": "manage.py crontask",
}
# Where the settings read the environment: the settings module and the key readers it calls.
READERS = {"env_str", "env_bool", "env_int", "env_list", "get", "getenv"}
SOURCES = [ROOT / "interplay" / "settings.py", ROOT / "interplay" / "lib" / "crypto.py"]


def names_read(path: Path) -> set[str]:
    """Every variable name ``path`` reads: env_*("NAME", ...) and os.environ.get("NAME")."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        if name in READERS and (name != "get" or "environ" in ast.unparse(func)):
            found.add(first.value)
    return found


def example() -> dict[str, str]:
    """The example's settings, set or commented out (``# NAME=value``), as systemd reads them."""
    values = {}
    for line in EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"#? ?([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            values[match[1]] = match[2].strip('"') if not line.startswith("#") else ""
    return values


def set_in_example() -> dict[str, str]:
    return {
        name: value
        for line in EXAMPLE.read_text().splitlines()
        if (match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line))
        for name, value in [(match[1], match[2].strip('"'))]
    }


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


class EnvironmentExampleTests(SimpleTestCase):
    def test_every_setting_read_from_the_environment_is_in_the_example(self) -> None:
        read = set().union(*(names_read(path) for path in SOURCES))
        self.assertGreater(len(read), 40)
        self.assertEqual(sorted(read - set(example())), [])

    def test_the_example_names_nothing_interplay_does_not_read(self) -> None:
        sources = " ".join(
            path.read_text()
            for path in (ROOT / "interplay").rglob("*.py")
            if "tests" not in path.parts
        )
        unread = [name for name in example() if f'"{name}"' not in sources]
        self.assertEqual(unread, [])

    def test_the_example_leaves_no_secret_filled_in(self) -> None:
        values = set_in_example()
        for name in ("SECRET_KEY", "INTERPLAY_ENCRYPTION_KEYS", "EMAIL_HOST_PASSWORD"):
            self.assertEqual(values[name], "change-me")
        self.assertIn("change-me", values["DATABASE_URL"])
        self.assertEqual(values["DEBUG"], "0")


class UnitTests(SimpleTestCase):
    def test_each_unit_runs_its_program_hardened_and_restarts_on_failure(self) -> None:
        for name, program in UNITS.items():
            with self.subTest(name):
                service = unit(name)["Service"]
                self.assertIn(program, " ".join(service["ExecStart"].split()))
                self.assertEqual(service["User"], "interplay")
                self.assertEqual(service["Restart"], "on-failure")
                self.assertEqual(service["EnvironmentFile"], "/etc/interplay/interplay.env")
                self.assertEqual(service["WorkingDirectory"], "/srv/interplay/app")
                self.assertEqual(service["ProtectSystem"], "strict")
                self.assertEqual(service["NoNewPrivileges"], "yes")
                self.assertEqual(service["CapabilityBoundingSet"], "")
                self.assertEqual(unit(name)["Install"]["WantedBy"], "multi-user.target")

    def test_the_web_server_reloads_gracefully_and_the_proxies_reach_it(self) -> None:
        service = unit("interplay-web.service")["Service"]
        self.assertEqual(service["ExecReload"], "/bin/kill -s HUP $MAINPID")
        bind = re.search(r"--bind (\S+)", service["ExecStart"])
        assert bind is not None
        self.assertIn(f"server {bind[1]};", (DEPLOY / "nginx" / "interplay.conf").read_text())
        caddy = (DEPLOY / "caddy" / "Caddyfile").read_text()
        self.assertIn(f"reverse_proxy {bind[1]} ", caddy)
        # Caddy's health check asks with a host name Interplay answers.
        host = set_in_example()["ALLOWED_HOSTS"].split(",")[0]
        self.assertIn(f"Host {host}\n", caddy)

    def test_the_proxies_pass_what_the_example_tells_interplay_to_trust(self) -> None:
        values = set_in_example()
        self.assertEqual(values["INTERPLAY_BEHIND_PROXY"], "1")
        self.assertEqual(values["RATELIMIT_IP_META_KEY"], "HTTP_X_REAL_IP")
        nginx = (DEPLOY / "nginx" / "interplay.conf").read_text()
        self.assertIn("proxy_set_header X-Forwarded-Proto $scheme;", nginx)
        self.assertIn("proxy_set_header X-Real-IP $remote_addr;", nginx)
        self.assertIn(
            "header_up X-Real-IP {remote_host}", (DEPLOY / "caddy" / "Caddyfile").read_text()
        )

    @pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
    def test_systemd_accepts_the_units(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            copies = []
            for name in UNITS:
                # The programs must exist: point them at this checkout's.
                text = (DEPLOY / "systemd" / name).read_text()
                copy = Path(folder) / name
                copy.write_text(text.replace("/srv/interplay/app", str(ROOT)))
                copies.append(str(copy))
            done = subprocess.run(
                ["systemd-analyze", "verify", *copies], capture_output=True, text=True, check=False
            )
        self.assertEqual((done.returncode, done.stderr), (0, ""))

    @pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
    def test_nginx_accepts_the_site(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            where = Path(folder)
            subprocess.run(
                [
                    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=therapy.example.org",
                    "-keyout", str(where / "key.pem"), "-out", str(where / "cert.pem"),
                ],
                capture_output=True,
                check=True,
            )  # fmt: skip
            site = (DEPLOY / "nginx" / "interplay.conf").read_text()
            site = re.sub(
                r"/etc/letsencrypt/live/[^;]*/fullchain.pem", str(where / "cert.pem"), site
            )
            site = re.sub(r"/etc/letsencrypt/live/[^;]*/privkey.pem", str(where / "key.pem"), site)
            (where / "site.conf").write_text(site.replace("/var/log/nginx/", f"{where}/"))
            (where / "nginx.conf").write_text(
                f"pid {where}/nginx.pid; error_log {where}/error.log;\n"
                f"events {{}}\nhttp {{ include {where}/site.conf; }}\n"
            )
            done = subprocess.run(
                ["nginx", "-t", "-c", str(where / "nginx.conf")],
                capture_output=True,
                text=True,
                check=False,
            )
        self.assertEqual(done.returncode, 0, done.stderr)

    @pytest.mark.skipif(not shutil.which("caddy"), reason="caddy is not installed")
    def test_caddy_accepts_the_site(self) -> None:
        done = subprocess.run(
            [
                "caddy",
                "validate",
                "--adapter",
                "caddyfile",
                "--config",
                str(DEPLOY / "caddy" / "Caddyfile"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    """The test database, for a server in another process."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    return (
        f"postgres://{quote(config['USER'])}:{quote(config['PASSWORD'])}"
        f"@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"
    )


class ProductionServerTests(TransactionTestCase):
    """The example's settings (its secrets made up), collectstatic, then gunicorn with
    gunicorn.conf.py, as deploy/systemd/interplay-web.service runs it."""

    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.static = Path(folder.name) / "static"
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": folder.name,
            "LANG": "C.UTF-8",
            **set_in_example(),
            "DJANGO_SETTINGS_MODULE": "interplay.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "INTERPLAY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": database_url(),
            "ALLOWED_HOSTS": "therapy.example.org,127.0.0.1",
            "INTERPLAY_STATIC_ROOT": str(self.static),
            "INTERPLAY_AUDIT_ANCHOR_FILE": str(Path(folder.name) / "anchors.jsonl"),
            "INTERPLAY_BACKUP_DIR": folder.name,
            "MPLCONFIGDIR": folder.name,
        }

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def start_gunicorn(self) -> int:
        port = free_port()
        log = open(self.static.parent / "gunicorn.log", "wb")  # noqa: SIM115
        self.addCleanup(log.close)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "interplay.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.addCleanup(server.wait, 30)
        self.addCleanup(server.terminate)
        for _ in range(120):
            if server.poll() is not None:
                self.fail((self.static.parent / "gunicorn.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                time.sleep(0.5)
        self.fail("gunicorn did not start in 60 seconds")

    def get(self, port: int, path: str, **headers: str) -> http.client.HTTPResponse:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.addCleanup(client.close)
        client.request("GET", path, headers={"Host": "therapy.example.org", **headers})
        return client.getresponse()

    def test_gunicorn_serves_the_health_check_and_collected_static_files(self) -> None:
        self.manage("check", "--deploy", "--fail-level", "WARNING")
        self.manage("collectstatic", "--no-input", "-v0")
        manifest = json.loads((self.static / "staticfiles.json").read_text())["paths"]
        css = manifest["build/interplay.css"]
        self.assertNotEqual(css, "build/interplay.css")
        port = self.start_gunicorn()

        # A load balancer asks over plain HTTP, straight from gunicorn.
        health = self.get(port, "/healthz")
        self.assertEqual(health.status, 200)
        self.assertEqual(json.loads(health.read()), {"status": "ok", "database": "ok"})

        # Everything else comes through the TLS proxy; without it, to HTTPS.
        self.assertEqual(self.get(port, "/accounts/login/").status, 301)
        proxied = {"X-Forwarded-Proto": "https"}
        page = self.get(port, "/accounts/login/", **proxied)
        self.assertEqual(page.status, 200)
        self.assertIn(f"/static/{css}", page.read().decode())
        static = self.get(port, f"/static/{css}", **proxied, **{"Accept-Encoding": "gzip"})
        self.assertEqual(static.status, 200)
        self.assertEqual(static.getheader("Content-Encoding"), "gzip")
        self.assertIn("immutable", static.getheader("Cache-Control", ""))
