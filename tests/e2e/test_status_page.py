"""The status page in the browser (issue 22): rendered from the file the local stack's metrics schedule wrote, with
an incident an admin posts, and from the static file alone when no API is running at all."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from devstack.server import LocalServer, make_handler
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PROJECT_DIR, api_call
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def wait_for_the_file(base_url: str, timeout: float = 20) -> None:
    """The stack publishes its first status file two seconds after it starts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/status/status.json", timeout=5):
                return
        except urllib.error.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_the_status_page_shows_the_published_health_and_an_incident(page, make_page, live_stack):
    wait_for_the_file(live_stack)
    page.goto("/status")
    expect(page.get_by_role("heading", name="Pixmint status")).to_be_visible()
    expect(page.get_by_test_id("status-component")).to_have_count(3)
    expect(page.get_by_test_id("uptime-summary").first).to_contain_text("uptime over the last 90 days")

    admin = make_page()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/admin/status")
    admin.get_by_label("Title").fill("Slow previews")
    admin.get_by_label("Image generation").check()
    admin.get_by_label("First update").fill("Previews arrive late; images are fine.")
    admin.get_by_role("button", name="Post incident").click()
    expect(admin.get_by_test_id("status-notice")).to_contain_text("Posted “Slow previews”")

    page.reload()
    incident = page.get_by_test_id("status-incident").filter(has_text="Slow previews")
    expect(incident).to_contain_text("Slow previews")
    expect(incident).to_contain_text("Previews arrive late; images are fine.")
    generation = page.get_by_test_id("status-component").filter(has_text="Image generation")
    expect(generation).to_have_attribute("data-status", "degraded")
    screenshot(page, "status-page")

    card = admin.get_by_test_id("admin-incident").filter(has_text="Slow previews")
    card.get_by_role("textbox", name="Update", exact=True).fill("Fixed.")
    card.get_by_label("New state").select_option("resolved")
    card.get_by_role("button", name="Post update").click()
    expect(admin.get_by_test_id("status-notice")).to_contain_text("resolved")
    page.reload()
    expect(page.get_by_test_id("status-component").filter(has_text="Image generation")).not_to_have_attribute(
        "data-status", "degraded")
    assert page.console_errors == [] and admin.console_errors == [], (page.console_errors, admin.console_errors)


@pytest.fixture
def static_only(tmp_path):
    """The built web app and a status file, served with no API behind them: what S3 and CloudFront serve while
    the API is down."""
    status = tmp_path / "status.json"
    components = [{"id": cid, "name": name, "status": state, "detail": detail, "uptime_90d": 99.5,
                   "days": [{"date": f"2026-0{1 + i // 31}-{1 + i % 28:02d}", "status": "operational", "uptime": 100.0}
                            for i in range(89)] + [{"date": "2026-04-01", "status": "outage", "uptime": 55.0}]}
                  for cid, name, state, detail in (("api", "API and website", "outage", "The API did not answer."),
                                                   ("generation", "Image generation", "operational", "Fine."),
                                                   ("payments", "Payments", "operational", "Fine."))]
    status.write_text(json.dumps({"generated_at": "2099-01-01T00:00:00Z", "overall": "outage", "components": components,
                                  "incidents": []}))
    server = LocalServer(("127.0.0.1", 0), make_handler(None, PROJECT_DIR / "frontend" / "dist", None,  # type: ignore[arg-type]
                                                        status_file=status))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_status_page_works_from_the_static_file_while_the_api_is_down(browser, static_only, live_stack):
    context = browser.new_context(base_url=static_only)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/status")
    expect(page.get_by_test_id("status-overall")).to_have_text("Part of Pixmint is down.")
    api = page.get_by_test_id("status-component").filter(has_text="API and website")
    expect(api).to_have_attribute("data-status", "outage")
    expect(api.get_by_test_id("uptime-summary")).to_contain_text("99.5% uptime over the last 90 days; outages on")
    assert not [url for url in requests if "/v1/" in url], "the page never asks the API"
    assert errors == [], errors
    context.close()
    assert api_call(live_stack, "GET", "/v1/health")["status"] == "ok"  # (the real stack is untouched)
