"""Database connections from the environment: kept open a while, or pooled (PostgreSQL)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgres://interplay:secret@db.example.org:5432/interplay"
SHOW = (
    "import json; from interplay import settings as s; "
    "d = s.DATABASES['default']; "
    "print(json.dumps({'age': d['CONN_MAX_AGE'], 'options': d.get('OPTIONS', {})}))"
)


def database_settings(**env: str) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    clean.update({"DEBUG": "1", **env})
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_postgresql_connections_are_kept_for_a_minute_unless_told() -> None:
    assert database_settings(DATABASE_URL=POSTGRES) == {"age": 60, "options": {}}
    assert database_settings(DATABASE_URL=POSTGRES, DATABASE_CONN_MAX_AGE="0")["age"] == 0


def test_a_pool_size_turns_on_psycopgs_pool_instead_of_kept_connections() -> None:
    pooled = database_settings(
        DATABASE_URL=POSTGRES, DATABASE_POOL_SIZE="4", DATABASE_POOL_TIMEOUT="5"
    )
    assert pooled == {"age": 0, "options": {"pool": {"min_size": 1, "max_size": 4, "timeout": 5}}}


def test_sqlite_has_no_pool_to_turn_on() -> None:
    sqlite = database_settings(
        DATABASE_URL="sqlite:////tmp/interplay-pool.sqlite3", DATABASE_POOL_SIZE="4"
    )
    assert "pool" not in sqlite["options"]
    assert sqlite["age"] == 0
