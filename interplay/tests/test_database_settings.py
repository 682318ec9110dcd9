"""Database connections from the environment: kept open a while, or pooled (PostgreSQL)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgres://interplay:secret@db.example.org:5432/interplay"
# Each PostgreSQL connection asks at start for index probes priced as on SSDs, and sends
# statements apart from their values, preparing those it runs again.
PRICED = {"options": "-c random_page_cost=1.1"}
PREPARED = {"server_side_binding": True, "prepare_threshold": 2}
PLANNED = {**PRICED, **PREPARED}
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
    assert database_settings(DATABASE_URL=POSTGRES) == {"age": 60, "options": PLANNED}
    assert database_settings(DATABASE_URL=POSTGRES, DATABASE_CONN_MAX_AGE="0")["age"] == 0


def test_sqlite_connections_are_kept_for_a_minute_too() -> None:
    # One connection a request re-parsed each statement and, closing, checkpointed the WAL.
    sqlite = "sqlite:////tmp/interplay-kept.sqlite3"
    assert database_settings(DATABASE_URL=sqlite)["age"] == 60
    assert database_settings(DATABASE_URL=sqlite, DATABASE_CONN_MAX_AGE="0")["age"] == 0


def test_a_pool_size_turns_on_psycopgs_pool_instead_of_kept_connections() -> None:
    pooled = database_settings(
        DATABASE_URL=POSTGRES, DATABASE_POOL_SIZE="4", DATABASE_POOL_TIMEOUT="5"
    )
    assert pooled == {
        "age": 0,
        "options": {"pool": {"min_size": 1, "max_size": 4, "timeout": 5}, **PLANNED},
    }


def test_the_index_probe_price_is_the_operators_to_change_or_leave_to_the_database() -> None:
    assert database_settings(DATABASE_URL=POSTGRES, DATABASE_RANDOM_PAGE_COST="2")["options"] == {
        "options": "-c random_page_cost=2",
        **PREPARED,
    }
    # Empty: the database's own setting (e.g. behind PgBouncer, which refuses start options).
    unpriced = database_settings(DATABASE_URL=POSTGRES, DATABASE_RANDOM_PAGE_COST="")
    assert unpriced["options"] == PREPARED
    # Options already in the URL are kept beside it.
    given = database_settings(DATABASE_URL=POSTGRES + "?options=-c%20work_mem%3D8MB")
    assert given["options"] == {"options": "-c work_mem=8MB -c random_page_cost=1.1", **PREPARED}
    sqlite = database_settings(DATABASE_URL="sqlite:////tmp/interplay-cost.sqlite3")
    assert "options" not in sqlite["options"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    refused = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**clean, "DEBUG": "1", "DATABASE_URL": POSTGRES, "DATABASE_RANDOM_PAGE_COST": "low"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "DATABASE_RANDOM_PAGE_COST must be a number" in refused.stderr


def test_prepared_statements_are_on_unless_a_pooler_cannot_carry_them() -> None:
    later = database_settings(DATABASE_URL=POSTGRES, DATABASE_PREPARE_THRESHOLD="5")
    assert later["options"] == {**PRICED, "server_side_binding": True, "prepare_threshold": 5}
    # Off: values written into each statement's text, nothing prepared (PgBouncer < 1.21).
    off = database_settings(DATABASE_URL=POSTGRES, DATABASE_PREPARED_STATEMENTS="0")
    assert off["options"] == PRICED
    sqlite = database_settings(DATABASE_URL="sqlite:////tmp/interplay-prepared.sqlite3")
    assert "server_side_binding" not in sqlite["options"]


def test_sqlite_has_no_pool_to_turn_on() -> None:
    sqlite = database_settings(
        DATABASE_URL="sqlite:////tmp/interplay-pool.sqlite3", DATABASE_POOL_SIZE="4"
    )
    assert "pool" not in sqlite["options"]
    assert sqlite["age"] == 60  # its one connection kept, as without the pool size


REPLICA = "postgres://interplay:secret@replica.example.org:5432/interplay"
SHOW_REPLICA = (
    "import json; from interplay import settings as s; "
    "r = s.DATABASES.get('replica'); "
    "print(json.dumps(r and {'host': r['HOST'], 'age': r['CONN_MAX_AGE'], "
    "'options': r.get('OPTIONS', {}), 'test': r.get('TEST', {})}))"
)


def replica_settings(**env: str) -> Any:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    clean.update({"DEBUG": "1", **env})
    result = subprocess.run(
        [sys.executable, "-c", SHOW_REPLICA], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_replica_is_a_second_database_only_when_given() -> None:
    assert replica_settings(DATABASE_URL=POSTGRES) is None
    replica = replica_settings(DATABASE_URL=POSTGRES, DATABASE_REPLICA_URL=REPLICA)
    # Kept like the primary's connection; the tests read it as the test database.
    assert replica == {
        "host": "replica.example.org",
        "age": 60,
        "options": PLANNED,
        "test": {"MIRROR": "default"},
    }
    pooled = replica_settings(
        DATABASE_URL=POSTGRES, DATABASE_REPLICA_URL=REPLICA, DATABASE_POOL_SIZE="4"
    )
    assert pooled["options"] == {"pool": {"min_size": 1, "max_size": 4, "timeout": 10}, **PLANNED}
    assert pooled["age"] == 0
