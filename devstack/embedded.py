"""Embedded stand-ins for production services: PostgreSQL (pgserver) and AWS (moto in server mode)."""

from __future__ import annotations

import os
import socket
import subprocess  # nosec B404 - only to stop child processes the local stack and tests started
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import psycopg

FAKE_AWS_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105 - moto's documented dummy value; it opens nothing
    "AWS_SESSION_TOKEN": "testing",  # nosec B105 - moto's documented dummy value; it opens nothing
}
MOTO_ACCOUNT = "123456789012"
MAX_CONNECTIONS = 300


@dataclass
class Embedded:
    url: str
    stop: Callable[[], None]


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """Asks a child to stop (SIGTERM, so it shuts its servers down), and kills it if it takes too long."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_http(url: str, process: subprocess.Popen, deadline_s: float = 90, log: Path | None = None) -> None:
    """Waits until url answers 2xx, failing at once if the process that should serve it exits.

    A log file's tail, when given, goes into the error so a failed start-up explains itself."""
    import time
    import urllib.request

    def failure(what: str) -> RuntimeError:
        tail = f":\n{log.read_text()[-3000:]}" if log is not None and log.exists() else ""
        return RuntimeError(f"{what}{tail}")

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            program = cast("list[str]", process.args)[0]  # every caller starts it from a list of strings
            raise failure(f"{program} exited before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  # nosec B310 - a local http:// URL we built
                return
        except OSError:  # refused, reset, or an HTTP error status such as 503 while the database starts
            time.sleep(0.2)
    raise failure(f"{url} did not answer within {deadline_s:g} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_postgres(data_dir: Path, keep_running: bool = False) -> Embedded:
    """Starts (or reuses) a PostgreSQL server kept in data_dir; returns its server URL."""
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        row = conn.execute("SHOW max_connections").fetchone()
        assert row is not None
        current = int(row[0])
        if current < MAX_CONNECTIONS:
            # Race tests open a hundred connections at once; the stock 100 leaves no room for the app's pool.
            conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
    if current < MAX_CONNECTIONS or keep_running:
        server.cleanup()
        server = pgserver.get_server(str(data_dir), cleanup_mode=None if keep_running else "stop")
    return Embedded(server.get_uri(), server.cleanup)


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server of server_url (host, socket and credentials kept)."""
    base, _, query = server_url.partition("?")
    head = base.rsplit("/", 1)[0]
    return f"{head}/{quote(name)}" + (f"?{query}" if query else "")


def ensure_database(server_url: str, name: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_moto() -> Embedded:
    """Runs moto's server in this process, for boto3 clients pointed at AWS_ENDPOINT_URL."""
    from moto.server import ThreadedMotoServer

    for key, value in FAKE_AWS_CREDENTIALS.items():
        os.environ.setdefault(key, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return Embedded(f"http://127.0.0.1:{port}", server.stop)


def prepare_aws(settings: Any) -> dict[str, str]:
    """Creates what the app expects to exist in AWS; returns the settings that name them."""
    from chalicelib.bootstrap import aws_client

    sender = settings.email_from.rsplit("<", 1)[-1].rstrip(">").strip()
    aws_client(settings, "ses").verify_email_identity(EmailAddress=sender)
    aws_client(settings, "s3").create_bucket(Bucket=settings.images_bucket)
    queue_url = aws_client(settings, "sqs").create_queue(QueueName="pixmint-jobs")["QueueUrl"]
    return {"JOBS_QUEUE_URL": queue_url, "IMAGES_BUCKET": settings.images_bucket}


class _TimedMessages(list):
    """moto's list of sent messages, stamping each with the time it was accepted (moto keeps none)."""

    def append(self, message: Any) -> None:
        message.sent_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        super().append(message)


def record_send_times(region: str) -> None:
    """From now on, emails the in-process moto SES accepts carry their sending time."""
    from moto.ses.models import ses_backends

    backend = ses_backends[MOTO_ACCOUNT][region]
    if not isinstance(backend.sent_messages, _TimedMessages):
        backend.sent_messages = _TimedMessages(backend.sent_messages)


def sent_emails(region: str) -> list[dict[str, Any]]:
    """Emails that the in-process moto SES has accepted, newest first."""
    from moto.ses.models import ses_backends

    backend = ses_backends[MOTO_ACCOUNT][region]
    return [_as_sent(m) for m in reversed(backend.sent_messages)]


def _as_sent(message: Any) -> dict[str, Any]:
    """One accepted message as {to, subject, body, html, source, sent_at}: body is the plain text, html the HTML
    alternative of a multipart email (raw MIME, as the app sends), or None."""
    import email
    import email.policy

    sent_at = getattr(message, "sent_at", None)
    if not hasattr(message, "raw_data"):
        return {"to": list(message.destinations.get("ToAddresses", [])), "subject": message.subject,
                "body": message.body, "html": None, "source": message.source, "sent_at": sent_at}
    parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    return {"to": list(message.destinations), "subject": str(parsed["Subject"] or ""),
            "body": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else None,
            "source": message.source, "sent_at": sent_at, "list_unsubscribe": parsed["List-Unsubscribe"]}


def verification_token(base_url: str, email: str, timeout: float = 15.0, path: str = "/verify-email") -> str:
    """The token of the newest link to `path` (a verification link unless told) the local stack emailed to this
    address, read from /_dev/outbox.json (which fills just after the reply that sent it)."""
    import json
    import re
    import time
    import urllib.request

    outbox = f"{base_url}/_dev/outbox.json"
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(outbox, timeout=10) as reply:  # noqa: S310  # nosec B310 - the local stack's own URL
            mails = json.loads(reply.read())
        for mail in reversed(mails):
            match = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_\-]+)", mail["body"])
            if match and mail["to"].lower() == email.lower():
                return match.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no email to {email} linking to {path} in the outbox")
        time.sleep(0.1)
