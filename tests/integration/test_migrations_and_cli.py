"""Migrations are ordered, recorded, idempotent and safe to run concurrently; the CLI reports in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import psycopg
import pytest

from chalicelib.adapters.migrations import MigrationError, load_migrations, migrate
from devstack.embedded import drop_database, ensure_database
from tests.conftest import PROJECT_DIR


@pytest.fixture
def empty_database(pg_server_url):
    name = f"pixmint_mig_{uuid.uuid4().hex[:8]}"
    url = ensure_database(pg_server_url, name)
    yield url
    drop_database(pg_server_url, name)


def test_concurrent_runners_apply_each_migration_once(empty_database):
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run():
        try:
            results.append(migrate(empty_database))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    applied = [name for result in results for name in result]
    assert sorted(applied) == [m.name for m in load_migrations()]
    with psycopg.connect(empty_database) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, len(load_migrations()) + 1))
    assert migrate(empty_database) == []


def test_an_edited_applied_migration_is_refused(empty_database, tmp_path: Path):
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (id int);")
    migrate(empty_database, tmp_path)
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (id bigint);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(empty_database, tmp_path)


def test_a_failing_migration_leaves_nothing_half_applied(empty_database, tmp_path: Path):
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE bad (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.Error):
        migrate(empty_database, tmp_path)
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT to_regclass('bad')").fetchone()[0] is None
        assert [r[0] for r in conn.execute("SELECT version FROM schema_migrations")] == [1]


def test_gaps_in_migration_numbers_are_refused(tmp_path: Path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="without gaps"):
        load_migrations(tmp_path)


def _cli(*args: str, database_url: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["PIXMINT_ENV_FILE"] = "/nonexistent/.env"
    env["PIXMINT_STAGE"] = "test"
    env["JWT_SECRET"] = "cli-test-secret-" + "y" * 40
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "chalicelib.cli", *args], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_migrate_then_create_admin_then_leave_it_alone(empty_database):
    first = _cli("migrate", database_url=empty_database)
    assert first.returncode == 0, first.stderr
    assert "0001_accounts.sql" in first.stdout
    assert "the schema is current" in _cli("migrate", database_url=empty_database).stdout
    created = _cli("create-admin", "--email", "Boss@Example.com", "--password", "a long admin secret",
                   database_url=empty_database)
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "created admin Boss@Example.com"
    again = _cli("create-admin", "--email", "boss@example.com", "--password", "whatever it is now",
                 database_url=empty_database)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == ("admin Boss@Example.com exists already; nothing changed "
                                    "(its password was not touched)")
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT role, email_verified_at IS NOT NULL FROM users").fetchall() == [("admin", True)]


def _someone_registered(database_url: str, email: str, verified: bool) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("INSERT INTO users (email, display_name, password_hash, email_verified_at) "
                     "VALUES (%s, 'Pixmint artist', 'their own hash', CASE WHEN %s THEN now() END)", (email, verified))


def test_cli_never_promotes_an_account_it_did_not_set_the_password_of(empty_database):
    _cli("migrate", database_url=empty_database)
    _someone_registered(empty_database, "boss@example.com", verified=True)
    squat = _cli("create-admin", "--email", "boss@example.com", "--password", "a long admin secret",
                 database_url=empty_database)
    assert squat.returncode != 0 and squat.stderr.strip().count("\n") == 0
    assert "not promoted" in squat.stderr and "--promote-existing" in squat.stderr
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT role, password_hash FROM users").fetchall() == [("user", "their own hash")]


def test_cli_promotes_an_existing_verified_account_only_when_asked_and_says_so(empty_database):
    _cli("migrate", database_url=empty_database)
    _someone_registered(empty_database, "new@example.com", verified=False)
    unverified = _cli("create-admin", "--email", "new@example.com", "--promote-existing", database_url=empty_database)
    assert unverified.returncode != 0 and "has not verified its email address" in unverified.stderr
    _someone_registered(empty_database, "grace@example.com", verified=True)
    promoted = _cli("create-admin", "--email", "GRACE@example.com", "--promote-existing", database_url=empty_database)
    assert promoted.returncode == 0, promoted.stderr
    assert promoted.stdout.strip().startswith(
        "promoted existing account grace@example.com to admin (--promote-existing;")
    assert "its own password was kept" in promoted.stdout
    with psycopg.connect(empty_database) as conn:
        rows = conn.execute("SELECT email, role, password_hash FROM users ORDER BY email").fetchall()
    assert rows == [("grace@example.com", "admin", "their own hash"), ("new@example.com", "user", "their own hash")]
    no_password = _cli("create-admin", "--email", "third@example.com", database_url=empty_database)
    assert no_password.returncode != 0 and "--password is required" in no_password.stderr


def test_cli_failures_exit_non_zero_with_one_line(empty_database):
    no_db = _cli("migrate", database_url=None)
    assert no_db.returncode != 0
    assert no_db.stderr.strip().count("\n") == 0 and "DATABASE_URL" in no_db.stderr
    _cli("migrate", database_url=empty_database)
    weak = _cli("create-admin", "--email", "boss@example.com", "--password", "short", database_url=empty_database)
    assert weak.returncode != 0
    assert weak.stderr.strip().count("\n") == 0 and "characters" in weak.stderr
