"""Production settings: safe by default, and refusing to start without a real secret."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase

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
