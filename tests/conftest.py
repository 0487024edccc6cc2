from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEST_ENV = {
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
os.environ.update(TEST_ENV)
os.environ.pop("AWS_ENDPOINT_URL", None)
JWT_SECRET = "test-secret-" + "x" * 40
SEEDED_TABLES = {"schema_migrations", "credit_packs", "models", "prices", "model_rates", "settings", "style_presets",
                 "prompt_templates", "plans"}


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory):
    """A PostgreSQL server: TEST_DATABASE_URL or DATABASE_URL when given, else an embedded one (one for all the
    xdist workers of a run: the first worker to need it starts it, the last one done stops it)."""
    given = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    import shutil
    import tempfile

    from devstack.embedded import start_postgres

    # Not under pytest's basetemp: another pytest run prunes old basetemps, data folder included.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        data_dir = Path(tempfile.mkdtemp(prefix="pixmint-test-pg-"))
        server = start_postgres(data_dir / "pg")
        yield server.url
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        return
    data_dir = Path(tempfile.gettempdir()) / f"pixmint-test-pg-{run[:16]}"
    lock = tmp_path_factory.getbasetemp().parent / "embedded-postgres.lock"  # the run's basetemp, all workers'
    with _exclusive(lock):
        server = start_postgres(data_dir / "pg")  # pgserver counts each worker's handle on the one server
    yield server.url
    with _exclusive(lock):
        server.stop()  # stops the server only when this is the last handle
        if not (data_dir / "pg" / "postmaster.pid").exists():
            shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """Holds an exclusive lock on a file, across the xdist workers of a run."""
    import fcntl

    with lock_file.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _fingerprint(schema: str, table: str) -> str:
    """SQL for an md5 of a table's rows, the same whatever their physical order."""
    return f"(SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {schema}.\"{table}\" r)"


@pytest.fixture(scope="session")
def database_url(pg_server_url: str):
    """A fresh, migrated database for this run (for each xdist worker), dropped at the end."""
    from chalicelib.adapters.migrations import migrate
    from devstack.embedded import drop_database, ensure_database

    name = f"pixmint_test_{uuid.uuid4().hex[:10]}"
    url = ensure_database(pg_server_url, name)
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA seed_snapshot")
        for table in SEEDED_TABLES:
            conn.execute(f'CREATE TABLE seed_snapshot."{table}" AS TABLE public."{table}"')
        tables = sorted(row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                        if row[0] != "schema_migrations")
        # One round trip names what a test left behind: data tables holding rows, seeded tables whose rows differ
        # from the snapshot's. The db fixture resets only those, so a test that wrote little costs little.
        checks = []
        for table in tables:
            if table in SEEDED_TABLES:
                snapshot = conn.execute("SELECT " + _fingerprint("seed_snapshot", table)).fetchone()
                assert snapshot is not None
                checks.append(f"CASE WHEN {_fingerprint('public', table)} <> '{snapshot[0]}' THEN '{table}' END")
            else:
                checks.append(f"CASE WHEN EXISTS (SELECT 1 FROM public.\"{table}\") THEN '{table}' END")
    _DIRTY_TABLES[url] = "SELECT array_remove(ARRAY[" + ", ".join(checks) + "]::text[], NULL)"
    yield url
    _DIRTY_TABLES.pop(url, None)
    drop_database(pg_server_url, name)


_DIRTY_TABLES: dict[str, str] = {}  # database URL -> the query naming the tables a test changed


@pytest.fixture
def db(database_url: str) -> str:
    """The test database as the migrations left it: data emptied, seeded tables (prices, models, …) restored,
    identity sequences back at their start (as TRUNCATE … RESTART IDENTITY leaves them)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(_DIRTY_TABLES[database_url]).fetchone()
        assert row is not None
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")  # restore without FK ordering or triggers
            for table in row[0]:
                # DELETE, not TRUNCATE: for the few rows a test writes it is far cheaper, and it waits on no
                # idle session's table lock.
                conn.execute(f'DELETE FROM public."{table}"')
                if table in SEEDED_TABLES:
                    conn.execute(f'INSERT INTO public."{table}" SELECT * FROM seed_snapshot."{table}"')
            conn.execute("""SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
                            FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL""")
    return database_url


@pytest.fixture
def clock():
    from tests.fakes import FakeClock

    return FakeClock()


_BOTO3_SESSION: list[Any] = []


@pytest.fixture
def aws():
    """moto for every AWS call in the test, with the SES sender verified."""
    from moto import mock_aws

    with mock_aws():
        import boto3

        # moto gives every mock a new default boto3 session, which loads each service's model afresh (most of a
        # second a test); one session, made while moto's handlers are installed, serves every test instead.
        # moto's own state (buckets, queues, mail) is still created and dropped with each test's mock.
        if not _BOTO3_SESSION:
            _BOTO3_SESSION.append(boto3.session.Session())
        boto3.DEFAULT_SESSION = _BOTO3_SESSION[0]  # mock_aws puts the default session back when it stops
        boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="no-reply@pixmint.example")
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pixmint-images")
        boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="pixmint-jobs")
        yield


def sent_emails() -> list[dict[str, Any]]:
    """What SES accepted, newest first, once the email outbox has delivered what was queued."""
    from chalicelib import bootstrap
    from devstack.embedded import sent_emails as emails

    bootstrap.flush_email_deliveries()
    return emails("us-east-1")


def emailed_token(email: str, path: str) -> str:
    """The token of the newest emailed link to {public_url}{path}?token=… (or #token=…) sent to this address."""
    for mail in sent_emails():
        match = re.search(re.escape(path) + r"[?#]token=([A-Za-z0-9_\-]+)", mail["body"])
        if match and [to.lower() for to in mail["to"]] == [email.lower()]:
            return match.group(1)
    raise AssertionError(f"no email to {email} links to {path}")


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    """Extra settings for a test module; override this fixture to change them."""
    return {}


@pytest.fixture
def settings(db: str, tmp_path: Path, settings_overrides: dict[str, str]):
    from chalicelib.config import load_settings

    return load_settings(
        environ={
            "PIXMINT_STAGE": "test",
            "DATABASE_URL": db,
            "JWT_SECRET": JWT_SECRET,
            "DB_POOL_SIZE": "4",
            "PIXMINT_DATA_DIR": str(tmp_path / "data"),
            # Every test client registers from one address; the throttle's own tests lower this.
            "PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR": "1000000",
            **settings_overrides,
        },
        env_file=tmp_path / "no.env",
    )


def assert_ledger_matches_balances(database_url: str) -> None:
    """The invariant of money: every balance is the sum of its ledger rows."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            """SELECT u.id, u.credits, coalesce(sum(l.delta), 0) FROM users u
               LEFT JOIN ledger l ON l.user_id = u.id GROUP BY u.id, u.credits"""
        ).fetchall()
        last = conn.execute(
            """SELECT DISTINCT ON (user_id) user_id, balance_after FROM ledger WHERE user_id IS NOT NULL
               ORDER BY user_id, id DESC"""
        ).fetchall()
    balances = {user_id: credits for user_id, credits, _ in rows}
    for user_id, credits, total in rows:
        assert credits == total, f"user {user_id}: balance {credits} but ledger sums to {total}"
    for user_id, balance_after in last:
        assert balances[user_id] == balance_after


@pytest.fixture
def providers() -> dict[str, Any] | None:
    """The image providers of the app under test; None means what the settings give (the placeholder)."""
    return None


@pytest.fixture
def container(settings, clock, aws, providers):
    from chalicelib import bootstrap
    from tests.fakes import cheap_hasher

    bootstrap.use_container(
        lambda: bootstrap.build_container(settings, clock=clock, hasher=cheap_hasher(), providers=providers))
    yield bootstrap.container()
    bootstrap.use_container(None)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def error_code(self) -> str | None:
        return (self.json or {}).get("error", {}).get("code")


def documented_schema(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The OpenAPI response schema for a reply; fails the test when the reply is undocumented."""
    from chalicelib.openapi import openapi_document

    doc = openapi_document()
    bare = path.split("?", 1)[0]
    for template, operations in doc["paths"].items():
        pattern = "^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, bare) and method.lower() in operations:
            responses = operations[method.lower()]["responses"]
            assert str(status) in responses, f"{method} {template} answered {status}, which the OpenAPI document omits"
            response = responses[str(status)]
            if "$ref" in response:
                response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            return None if schema is None else {**schema, "components": doc["components"]}
    return None


class Api:
    """The app through Chalice's test client, speaking JSON; every reply is checked against the OpenAPI document."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                headers: dict[str, str] | None = None, raw: bytes | str | None = None) -> Reply:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = self._client.http.request(method, path, headers=all_headers, body=payload)
        reply = Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.body or b"")
        schema = documented_schema(method, path, reply.status)
        if schema is not None and reply.headers.get("content-type", "").startswith("application/json"):
            jsonschema.validate(reply.json, schema, cls=jsonschema.Draft202012Validator)
        return reply

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("DELETE", path, body, **kw)

    def register(self, email: str = "ada@example.com", password: str = "correct horse battery", verify: bool = True,
                 **extra: Any) -> dict:
        """A new account's session; with verify, its owner has followed the emailed link first, so it holds the
        signup bonus (and `user` is as the verification answered)."""
        reply = self.post("/v1/auth/register", {"email": email, "password": password, **extra})
        assert reply.status == 201, reply.body
        session = reply.json
        if verify:
            verified = self.post("/v1/auth/verify-email",
                                 {"token": emailed_token(session["user"]["email"], "/verify-email")})
            assert verified.status == 200, verified.body
            session = {**session, "user": verified.json}
        return session


@pytest.fixture
def chalice_client(container):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test", project_dir=str(PROJECT_DIR)) as client:
        yield client


@pytest.fixture
def api(chalice_client) -> Api:
    return Api(chalice_client)


ADMIN_EMAIL = "admin@pixmint.example"
ADMIN_PASSWORD = "admin password for e2e"
# A developer's shell may hold real keys; the local stack under test must never reach Stripe, OpenAI or Bedrock.
EXTERNAL_SERVICE_SETTINGS = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_SECRET_NAME",
                             "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_SECRET_NAME", "BEDROCK_ENABLED",
                             "JWT_SECRET", "JWT_SECRET_NAME", "DATABASE_SECRET_NAME", "AWS_ENDPOINT_URL")


STACK_LOGS: dict[str, Path] = {}  # each running local stack's log, by its URL, for failure reports


@contextmanager
def running_local_stack(pg_server_url: str, data_dir: Path, prefix: str = "pixmint_e2e",
                        need_frontend: bool = True, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`python -m devstack` as make dev runs it, on its own database, port and data folder; yields its URL.
    extra_env: settings of its own, e.g. a fake Stripe's."""
    from devstack.embedded import drop_database, ensure_database, free_port, stop_process, wait_for_http

    if need_frontend and not (PROJECT_DIR / "frontend" / "dist" / "index.html").exists():
        pytest.fail("frontend/dist is not built: run the tests through `make test`")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in EXTERNAL_SERVICE_SETTINGS}
    env.update(DATABASE_URL=ensure_database(pg_server_url, name), PIXMINT_DATA_DIR=str(data_dir),
               PIXMINT_ENV_FILE=str(data_dir / "none.env"), PIXMINT_STAGE="local",
               PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR="1000000", PIXMINT_SUPPORT_TICKETS_PER_ADDRESS_PER_HOUR="1000000",
               PIXMINT_ADMIN_EMAIL=ADMIN_EMAIL, PIXMINT_ADMIN_PASSWORD=ADMIN_PASSWORD)
    env.update(extra_env or {})
    log = data_dir / "stack.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "devstack", "--port", str(port)], cwd=PROJECT_DIR,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    STACK_LOGS[url] = log
    try:
        wait_for_http(f"{url}/v1/health", process, log=log)
        yield url
    finally:
        stop_process(process, timeout=20)
        drop_database(pg_server_url, name)
        STACK_LOGS.pop(url, None)


@pytest.fixture(scope="session")
def live_stack(pg_server_url, tmp_path_factory):
    """The real local stack, shared by the browser tests of a session."""
    with running_local_stack(pg_server_url, tmp_path_factory.mktemp("stack")) as url:
        yield url


def api_call(base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None,
             headers: dict | None = None) -> dict:
    """A JSON request to the local stack, for setting a scene faster than through the pages."""
    sent = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data, sent, method=method)
    with urllib.request.urlopen(request, timeout=20) as reply:
        raw = reply.read()
    return json.loads(raw) if raw else {}


def verify_through_outbox(base_url: str, email: str, timeout: float = 15.0) -> dict:
    """Follows the newest verification link the local stack emailed to this address, as its owner would;
    returns the verified user."""
    from devstack.embedded import verification_token

    return api_call(base_url, "POST", "/v1/auth/verify-email", {"token": verification_token(base_url, email, timeout)})


def origin_of(page: Any) -> str:
    """The local stack's base URL from a Playwright page on it."""
    match = re.match(r"^https?://[^/]+", page.url)
    assert match, page.url
    return match.group(0)


@pytest.fixture(scope="module")
def fake_stripe():
    """A local Stripe API for the real stripe SDK, one per test module."""
    from tests.fake_stripe import FakeStripe

    server = FakeStripe()
    yield server
    server.close()


@pytest.fixture(scope="module")
def fake_openai():
    """A local OpenAI API for the real openai SDK, one per test module."""
    from tests.fake_openai import FakeOpenAI

    server = FakeOpenAI()
    yield server
    server.close()

