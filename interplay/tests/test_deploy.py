"""Production settings: safe by default, and refusing to start without a real secret."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.test import SimpleTestCase, TestCase, override_settings

from interplay import checks

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    unset = {
        "DEBUG",
        "SECRET_KEY",
        "INTERPLAY_HTTPS",
        "ALLOWED_HOSTS",
        "DJANGO_SETTINGS_MODULE",
        "INTERPLAY_DEMO",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "INTERPLAY_ENCRYPTION_KEYS",
        "INTERPLAY_ENCRYPTION_KEY_FILE",
        "INTERPLAY_BACKUP_KEY",
        "INTERPLAY_BASE_URL",
        "EMAIL_BACKEND",
        "EMAIL_USE_TLS",
        "EMAIL_USE_SSL",
    }
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "SECRET_KEY": "a-production-secret-" + "k" * 40,
    "ALLOWED_HOSTS": "therapy.example.org",
    "DATABASE_URL": "sqlite:////tmp/interplay-deploy-check.sqlite3",
    "INTERPLAY_ENCRYPTION_KEYS": "production-encryption-key-for-deploy-tests0=",
    "INTERPLAY_BASE_URL": "https://therapy.example.org",
    "EMAIL_USE_TLS": "1",
}


def test_check_deploy_finds_nothing_under_production_settings() -> None:
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run("manage.py", "check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    served = run("-c", "import interplay.wsgi", **env)
    assert served.returncode != 0
    assert "SECRET_KEY" in served.stderr


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "INTERPLAY_ENCRYPTION_KEYS"}
    result = run("manage.py", "check", **env)
    assert result.returncode != 0
    assert "interplay.E002" in result.stderr
    served = run("-c", "import interplay.wsgi", **env)
    assert served.returncode != 0
    assert "encryption key is missing" in served.stderr


def test_production_refuses_the_demo_encryption_key() -> None:
    from interplay.settings import DEMO_ENCRYPTION_KEY

    for variable in ("INTERPLAY_ENCRYPTION_KEYS", "INTERPLAY_BACKUP_KEY"):
        env = {**PRODUCTION, variable: DEMO_ENCRYPTION_KEY}
        assert "interplay.E002" in run("manage.py", "check", **env).stderr
        assert run("-c", "import interplay.wsgi", **env).returncode != 0


def test_the_demo_uses_its_published_encryption_key() -> None:
    from interplay.settings import DEMO_ENCRYPTION_KEY

    shown = run("-c", "from interplay import settings; print(settings.ENCRYPTION_KEYS)", DEBUG="1")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == repr([DEMO_ENCRYPTION_KEY])


def test_production_reads_keys_from_a_key_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text(f"# newest first\n{PRODUCTION['INTERPLAY_ENCRYPTION_KEYS']}\n")
    env = {k: v for k, v in PRODUCTION.items() if k != "INTERPLAY_ENCRYPTION_KEYS"}
    result = run("manage.py", "check", INTERPLAY_ENCRYPTION_KEY_FILE=str(keys), **env)
    assert result.returncode == 0, result.stderr
    broken = run("manage.py", "check", INTERPLAY_ENCRYPTION_KEYS="not-a-key", **env)
    assert "INTERPLAY_ENCRYPTION_KEYS: key 1 is not a Fernet key" in broken.stderr


def test_production_refuses_the_demo_key() -> None:
    from interplay.settings import DEMO_SECRET_KEY

    served = run("-c", "import interplay.wsgi", **{**PRODUCTION, "SECRET_KEY": DEMO_SECRET_KEY})
    assert served.returncode != 0


class MigrationTests(TestCase):
    def test_no_model_change_is_missing_a_migration(self) -> None:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_check_deploy_fails_on_each_unsafe_setting_from_the_environment() -> None:
    unsafe = {
        "interplay.E030": {"ALLOWED_HOSTS": "therapy.example.org,*"},
        "interplay.E031": {"INTERPLAY_BASE_URL": ""},
        "interplay.E032": {"EMAIL_USE_TLS": "0"},
    }
    for check_id, change in unsafe.items():
        result = run("manage.py", "check", "--deploy", **{**PRODUCTION, **change})
        assert result.returncode != 0, change
        assert check_id in result.stderr, result.stderr


SMTP = "django.core.mail.backends.smtp.EmailBackend"


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


class DeployCheckTests(SimpleTestCase):
    """Each unsafe production setting fails ``check --deploy`` with its own message."""

    def test_a_wildcard_host_fails(self) -> None:
        with override_settings(ALLOWED_HOSTS=["therapy.example.org", "*"]):
            self.assertEqual(ids(checks.check_allowed_hosts()), ["interplay.E030"])
        with override_settings(ALLOWED_HOSTS=["therapy.example.org"]):
            self.assertEqual(checks.check_allowed_hosts(), [])

    def test_an_unset_or_plain_http_base_url_fails(self) -> None:
        for unsafe in ("", "http://therapy.example.org", "therapy.example.org", "https://"):
            with override_settings(BASE_URL=unsafe):
                self.assertEqual(ids(checks.check_base_url()), ["interplay.E031"], unsafe)
        with override_settings(BASE_URL="https://therapy.example.org/interplay"):
            self.assertEqual(checks.check_base_url(), [])

    def test_smtp_without_tls_fails(self) -> None:
        def mailer(**options: bool) -> dict[str, Any]:
            return {"default": {"BACKEND": SMTP, "OPTIONS": {"host": "mail", **options}}}

        with override_settings(MAILERS=mailer(use_tls=False, use_ssl=False)):
            self.assertEqual(ids(checks.check_smtp_tls()), ["interplay.E032"])
        for safe in (mailer(use_tls=True), mailer(use_ssl=True)):
            with override_settings(MAILERS=safe):
                self.assertEqual(checks.check_smtp_tls(), [])
        console = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
        with override_settings(MAILERS=console):
            self.assertEqual(checks.check_smtp_tls(), [])


def test_a_server_process_keeps_what_it_loaded_out_of_the_collectors_way() -> None:
    # The garbage collector's full passes walk only what requests leave behind, not the
    # objects every server process loads at start.
    code = "import gc, interplay.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    result = run("-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    frozen, tracked = (int(n) for n in result.stdout.split())
    assert frozen > 50_000
    assert tracked < frozen / 100
