"""The `migrate` Lambda that scripts/deploy invokes after each stack update, and the `operations` one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from chalicelib.adapters.migrations import load_migrations
from tests.conftest import JWT_SECRET


@pytest.fixture
def fresh_database(pg_server_url: str):
    from devstack.embedded import drop_database, ensure_database

    name = f"pixmint_migrate_{uuid.uuid4().hex[:10]}"
    yield ensure_database(pg_server_url, name)
    drop_database(pg_server_url, name)


@pytest.fixture
def dev_environment(fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Chalice's test client applies the dev stage's environment (.chalice/config.json), so dev's required settings.
    stripe = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}  # pragma: allowlist secret
    for name, value in {"DATABASE_URL": fresh_database, "JWT_SECRET": JWT_SECRET, **stripe,
                        "PIXMINT_ENV_FILE": str(tmp_path / "no.env"),
                        "JOBS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/pixmint-jobs-dev"}.items():
        monkeypatch.setenv(name, value)
    # The CLI builds the process-wide container from these settings: start from none (an earlier test on this
    # worker may have left one on another database) and close it before the database is dropped.
    from chalicelib.bootstrap import use_container
    from chalicelib.config import get_settings

    use_container(None)
    get_settings.cache_clear()
    yield
    use_container(None)
    get_settings.cache_clear()


def test_migrate_function_applies_pending_migrations_once(dev_environment: None, fresh_database: str):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        first = client.lambda_.invoke("migrate", {}).payload
        again = client.lambda_.invoke("migrate", {}).payload
    assert first == {"applied": [m.name for m in load_migrations()]}
    assert again == {"applied": []}
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(load_migrations())


def test_migrate_function_fails_the_invocation_when_settings_are_incomplete(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    from chalice.test import Client

    from app import app
    from chalicelib.config import SettingsError

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PIXMINT_ENV_FILE", str(tmp_path / "no.env"))
    with Client(app) as client, pytest.raises(SettingsError):
        client.lambda_.invoke("migrate", {})


def test_operations_function_runs_one_cli_command_inside_the_vpc(dev_environment: None):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        client.lambda_.invoke("migrate", {})
        report = client.lambda_.invoke("operations", {"args": ["report", "--from", "2026-11-01", "--to", "2026-11-02",
                                                                "--format", "csv"]}).payload
        refused = client.lambda_.invoke("operations", {"args": ["migrate"]}).payload
        bad = client.lambda_.invoke("operations", {"args": ["report", "--from", "yesterday"]}).payload
    assert report["exit_code"] == 0 and report["output"].strip(), report["output"]
    assert refused["exit_code"] == 2 and "create-admin" in refused["output"]
    assert bad["exit_code"] == 2 and "--to" in bad["output"]
