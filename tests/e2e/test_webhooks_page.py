"""Developers manage their webhook endpoints in the browser: add one (its secret shown once), send a test event
and see it delivered, turn it off, delete it."""

from __future__ import annotations

import http.server
import re
import threading

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_editor import account  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver():
    """A local endpoint that answers 200 and keeps the headers of what it was sent."""
    received: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    server.shutdown()


def test_add_test_turn_off_and_delete_a_webhook_endpoint(page, live_stack, account, receiver):  # noqa: F811
    url, received = receiver
    sign_in(page, account.email)
    page.goto("/developers/webhooks")
    expect(page.get_by_test_id("webhooks-empty")).to_be_visible()

    page.get_by_test_id("create-endpoint").click()  # nothing typed: the form says what is missing
    expect(page.get_by_text("Enter the address Pixmint should POST to.")).to_be_visible()
    page.get_by_label("Endpoint URL").fill(url)
    page.get_by_test_id("create-endpoint").click()
    secret = page.get_by_test_id("new-secret-value")
    expect(secret).to_have_value(re.compile(r"^whsec_"))
    row = page.get_by_test_id("webhook-row")
    expect(row).to_have_attribute("data-state", "on")
    expect(row).to_contain_text("generation.succeeded, generation.failed")
    screenshot(page, "webhooks-created")

    row.get_by_test_id("webhook-test").click()  # sends, and opens the delivery log
    expect(row.get_by_test_id("webhook-deliveries-toggle")).to_have_attribute("aria-expanded", "true")
    deliveries = row.get_by_test_id("webhook-delivery")
    for _ in range(30):  # delivered by the local stack's thread; Refresh reads the log again
        if deliveries.count() and deliveries.first.get_attribute("data-state") == "delivered":
            break
        page.wait_for_timeout(500)
        row.get_by_test_id("webhook-deliveries-refresh").click()
    expect(deliveries.first).to_have_attribute("data-state", "delivered")
    expect(deliveries.first).to_contain_text("HTTP 200")
    assert received and received[0]["webhook-signature"].startswith("v1,")

    toggle = row.get_by_test_id("webhook-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(row).to_have_attribute("data-state", "off")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(row.get_by_test_id("webhook-test")).to_be_disabled()

    page.get_by_role("button", name=f"Delete endpoint {url}").click()
    page.get_by_test_id("delete-endpoint-dialog").get_by_role("button", name="Delete endpoint").click()
    expect(page.get_by_test_id("webhooks-empty")).to_be_visible()
    assert page.console_errors == []
