"""The local stack's outbox as JSON, for browser and API tests that follow emailed links; nothing else under /_dev/."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import datetime

import boto3
import pytest

from devstack import embedded
from devstack.server import LocalServer, make_handler


@pytest.fixture
def serve(tmp_path):
    """Starts the local stack's HTTP front (without the API) with the given outbox; yields a URL maker."""
    servers = []

    def start(outbox):
        (tmp_path / "index.html").write_text("<!doctype html><title>app shell</title>")
        server = LocalServer(("127.0.0.1", 0), make_handler(None, tmp_path, outbox))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.headers["Content-Type"], reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_sent_emails_are_served_as_json_oldest_first(aws, serve):
    embedded.record_send_times("us-east-1")
    ses = boto3.client("ses", region_name="us-east-1")
    for n in range(3):
        ses.send_email(Source="no-reply@pixmint.example", Destination={"ToAddresses": [f"user{n}@example.com"]},
                       Message={"Subject": {"Data": f"Mail {n}"},
                                "Body": {"Text": {"Data": f"Open http://localhost:8000/verify-email?token=t{n}"}}})
    base = serve(lambda: embedded.sent_emails("us-east-1"))
    status, content_type, body = get(f"{base}/_dev/outbox.json")
    assert status == 200 and content_type == "application/json"
    mails = json.loads(body)
    assert [(m["to"], m["subject"]) for m in mails] == [(f"user{n}@example.com", f"Mail {n}") for n in range(3)]
    assert mails[2]["body"].endswith("/verify-email?token=t2")
    moments = [datetime.fromisoformat(m["sent_at"].replace("Z", "+00:00")) for m in mails]
    assert moments == sorted(moments) and all(m.tzinfo is not None for m in moments)
    assert get(f"{base}/_dev/outbox")[0] == 200, "the page for people stays"


def test_nothing_under_dev_is_served_when_the_stack_does_not_enable_it(serve):
    base = serve(None)
    for path in ("/_dev/outbox.json", "/_dev/outbox", "/_dev/anything", "/_dev/checkout/cs_1"):
        status, _, body = get(base + path)
        assert status == 404 and b"app shell" not in body, path
    assert get(f"{base}/some/page")[0] == 200, "other paths still get the app shell"
