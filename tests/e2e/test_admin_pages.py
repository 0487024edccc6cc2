"""The admin area, developer API keys and the developer docs, in the browser against the live stack."""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import verify_through_outbox
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, screenshot, sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def register(live_stack: str, prefix: str) -> tuple[str, str]:
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    token = api_call(live_stack, "POST", "/v1/auth/register",
                     {"email": email, "password": PASSWORD, "display_name": "Lin"})["access_token"]
    verify_through_outbox(live_stack, email)  # its signup bonus pays for the generations below
    return email, token


def generate(live_stack: str, token: str) -> None:
    generation = api_call(live_stack, "POST", "/v1/generations",
                          {"prompt": "a paper boat on a pond", "model": "placeholder"}, token,
                          {"Idempotency-Key": uuid.uuid4().hex})
    deadline = time.monotonic() + 30
    while generation["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        generation = api_call(live_stack, "GET", f"/v1/generations/{generation['id']}", token=token)
    assert generation["status"] == "succeeded", generation


def balance(page) -> int:
    return int(page.get_by_test_id("admin-user-balance").inner_text().replace(",", "").replace("\u2212", "-"))


@pytest.fixture
def restore_prices(live_stack):
    """Put the price table and the rates back as they were, since other tests quote prices."""
    admin = api_call(live_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    before = api_call(live_stack, "GET", "/v1/admin/pricing", token=admin["access_token"])
    yield
    admin = api_call(live_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    api_call(live_stack, "PUT", "/v1/admin/pricing", {"items": before["items"], "rates": before["rates"]},
             admin["access_token"])


@pytest.fixture
def restore_placeholder_model(live_stack):
    """Put the placeholder model's label and token rates back as they were."""
    admin = api_call(live_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    models = api_call(live_stack, "GET", "/v1/admin/models", token=admin["access_token"])["items"]
    before = next(m for m in models if m["id"] == "placeholder")
    yield before
    admin = api_call(live_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    api_call(live_stack, "PATCH", "/v1/admin/models/placeholder",
             {"label": before["label"], "token_rates": before["token_rates"]}, admin["access_token"])


def test_admin_grants_credits_edits_a_price_and_reads_reports_and_metrics(page, live_stack, restore_prices):
    email, token = register(live_stack, "managed")

    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_label("Email or name").fill(email)
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_test_id("admin-user-row")
    expect(rows).to_have_count(1)
    screenshot(page, "admin-users")
    rows.get_by_role("link", name=email).click()

    expect(page.get_by_test_id("admin-user-email")).to_have_text(email)
    start = balance(page)
    credits = page.get_by_label("Credits", exact=True)
    credits.fill("250")
    page.get_by_test_id("adjust-credits").click()
    reason = page.get_by_label("Reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
    reason.fill("Goodwill after the outage")
    page.get_by_test_id("adjust-credits").click()
    expect(page.get_by_test_id("toast")).to_contain_text(f"New balance: {start + 250:,}")
    expect(page.get_by_test_id("admin-user-balance")).to_have_text(f"{start + 250:,}")

    # A debit that would take the balance below zero is refused and said so.
    page.get_by_label("Debit (take credits away)").check()
    credits.fill(str(start + 1000))
    reason.fill("Testing the floor")
    page.get_by_test_id("adjust-credits").click()
    expect(page.get_by_role("alert").filter(has_text=re.compile(r"\S"))).to_be_visible()
    expect(page.get_by_test_id("admin-user-balance")).to_have_text(f"{start + 250:,}")
    screenshot(page, "admin-user-detail")

    # Some activity for today's report.
    generate(live_stack, token)

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Pricing & settings").click()
    row = page.get_by_test_id("price-row").last
    cell = row.get_by_test_id("price-credits")
    new_price = int(cell.input_value()) + 7
    cell.fill(str(new_price))
    expect(page.get_by_text("1 unsaved change.")).to_be_visible()
    page.get_by_test_id("save-prices").click()
    expect(page.get_by_test_id("toast")).to_contain_text("1 price saved")
    page.reload()
    expect(page.get_by_test_id("price-row").last.get_by_test_id("price-credits")).to_have_value(str(new_price))
    screenshot(page, "admin-pricing")

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Audit log").click()
    latest = page.get_by_test_id("audit-row").first
    expect(latest).to_have_attribute("data-action", "pricing.update")
    expect(latest).to_contain_text(f'"credits": {new_price}')
    expect(page.get_by_test_id("audit-row").filter(has_text="Goodwill after the outage")).to_have_count(1)
    screenshot(page, "admin-audit")

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_test_id("usage-report")).to_be_visible()
    expect(page.get_by_test_id("report-row").first).to_be_visible()
    expect(page.get_by_test_id("usage-chart").locator("canvas").first).to_be_attached()
    expect(page.get_by_test_id("report-total")).to_contain_text("Total")
    with page.expect_download() as download:
        page.get_by_test_id("report-csv").click()
    assert re.match(r"pixmint-usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-day\.csv$", download.value.suggested_filename)
    page.get_by_label("Group by").select_option("user")
    page.get_by_test_id("run-report").click()
    expect(page.get_by_test_id("report-row").filter(has_text=email)).to_have_count(1)
    screenshot(page, "admin-reports")

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Metrics").click()
    expect(page.get_by_test_id("metrics")).to_be_visible()
    expect(page.get_by_test_id("metrics-generations")).to_contain_text("Last day")
    screenshot(page, "admin-metrics")
    # The refused debit (409) is the only failed request.
    assert [e for e in page.console_errors if "409" not in e] == [], page.console_errors


def test_admin_edits_a_models_token_rates_and_a_megapixel_rate(make_page, restore_prices, restore_placeholder_model):
    page = make_page(bypass_csp=True)  # axe is injected as a script, which the pages' CSP would refuse
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/admin")
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Models").click()
    expect(page).to_have_url(re.compile(r"/admin/models$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Models")
    card = page.locator('[data-testid="admin-model"][data-model="placeholder"]')
    expect(card.get_by_role("heading", level=2)).to_have_text(restore_placeholder_model["label"])
    expect(card.get_by_test_id("model-available-state")).to_have_text("Available")
    expect(card.get_by_label("Enabled", exact=True)).to_be_checked()
    replacement = card.get_by_label("Replacement while unavailable")
    expect(replacement).to_have_value("")
    expect(replacement.locator('option[value="placeholder"]')).to_have_count(0)

    output = card.get_by_label("Output image")
    output.fill("-1")
    card.get_by_test_id("save-model").click()
    expect(output).to_have_attribute("aria-invalid", "true")
    expect(output).to_be_focused()
    output.fill("32.5")
    card.get_by_label("Label", exact=True).fill("Offline sketches")
    card.get_by_test_id("save-model").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Offline sketches saved.")
    expect(card.get_by_role("heading", level=2)).to_have_text("Offline sketches")
    page.reload()
    expect(card.get_by_label("Output image")).to_have_value("32.5")
    screenshot(page, "admin-models")
    problems = serious_violations(page)
    assert not problems, "\n".join(problems)

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Pricing & settings").click()
    rate = page.locator('[data-testid="rate-row"][data-model="placeholder"][data-unit="megapixel"]'
                        '[data-quality="high"]')
    credits = rate.get_by_test_id("rate-credits")
    credits.fill("0")
    page.get_by_test_id("save-prices").click()
    expect(credits).to_have_attribute("aria-invalid", "true")
    credits.fill("1.5")
    expect(page.get_by_text("1 unsaved change.")).to_be_visible()
    page.get_by_test_id("save-prices").click()
    expect(page.get_by_test_id("toast")).to_contain_text("1 rate saved")
    page.reload()
    expect(rate.get_by_test_id("rate-credits")).to_have_value("1.5")
    screenshot(page, "admin-pricing-rates")
    problems = serious_violations(page)
    assert not problems, "\n".join(problems)
    assert page.console_errors == [], page.console_errors


def test_a_normal_user_cannot_open_the_admin_area(page, live_stack):
    email, _ = register(live_stack, "curious")
    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_have_count(0)
    page.goto("/admin/pricing")
    expect(page.get_by_test_id("admin-not-allowed")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")


def test_an_api_key_is_shown_once_works_and_stops_when_revoked(page, live_stack):
    email, _ = register(live_stack, "dev")
    sign_in(page, email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    expect(page).to_have_url(re.compile(r"/developers/keys$"))
    expect(page.get_by_test_id("api-keys-empty")).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Build server")
    page.get_by_label("Monthly credit cap (optional)").fill("500")
    page.get_by_test_id("create-key").click()
    shown = page.get_by_test_id("new-key-value")
    expect(shown).to_be_visible()
    key = shown.input_value()
    row = page.get_by_test_id("api-key-row").filter(has_text="Build server")
    expect(row).to_have_attribute("data-status", "active")
    prefix = row.locator("code").inner_text().rstrip("…")
    assert prefix and key.startswith(prefix), (prefix, key)
    expect(row).to_contain_text("0 / 500 credits")
    screenshot(page, "api-keys-created")

    reply = page.request.get("/v1/me", headers={"X-API-Key": key})
    assert reply.status == 200, reply.text()
    assert reply.json()["email"] == email

    # Shown once: after a reload only the prefix is left.
    page.reload()
    expect(page.get_by_test_id("api-key-row")).to_have_count(1)
    expect(page.get_by_test_id("new-key-value")).to_have_count(0)

    page.get_by_role("button", name="Revoke key Build server").click()
    dialog = page.get_by_test_id("revoke-key-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Revoke key Build server?")
    dialog.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Key Build server revoked")
    expect(page.get_by_test_id("api-key-row")).to_have_attribute("data-status", "revoked")
    screenshot(page, "api-keys-revoked")

    reply = page.request.get("/v1/me", headers={"X-API-Key": key})
    assert reply.status == 401, reply.text()


def test_a_key_made_on_the_page_is_held_to_its_scopes_models_and_date(page, live_stack):
    email, _ = register(live_stack, "limits")
    sign_in(page, email, PASSWORD)
    page.goto("/developers/keys")
    page.get_by_label("Name", exact=True).fill("Reader")
    page.get_by_label("Generate images", exact=False).uncheck()
    page.get_by_label("Change the library", exact=False).uncheck()
    page.get_by_label("Only these models (optional)").fill("placeholder")
    page.get_by_label("Only from these addresses (optional)").fill("127.0.0.1, ::1")
    page.get_by_label("Expires after (optional)").fill((date.today() + timedelta(days=365)).isoformat())
    page.get_by_test_id("create-key").click()
    key = page.get_by_test_id("new-key-value").input_value()
    limits = page.get_by_test_id("api-key-row").filter(has_text="Reader").get_by_test_id("api-key-limits")
    expect(limits).to_contain_text("library:read")
    expect(limits).to_contain_text("models: placeholder")
    expect(limits).to_contain_text("127.0.0.1/32")
    assert page.request.get("/v1/images", headers={"X-API-Key": key}).status == 200
    refused = page.request.post("/v1/generations", headers={"X-API-Key": key},
                                data={"prompt": "a fox", "model": "placeholder"})
    assert refused.status == 403 and refused.json()["error"]["details"]["reason"] == "scope_missing"

    page.get_by_label("Name", exact=True).fill("Nothing")
    for label in ("Generate images", "Read the library", "Change the library"):
        page.get_by_label(label, exact=False).uncheck()
    page.get_by_test_id("create-key").click()
    expect(page.get_by_text("Choose at least one thing the key may do.")).to_be_visible()


def test_the_developer_docs_list_the_api(page):
    page.goto("/developers")
    operation = page.locator('[data-testid="operation"][data-path="/v1/generations"][data-method="POST"]')
    expect(operation).to_be_visible()
    operation.locator("summary").click()
    expect(operation).to_contain_text("Idempotency-Key")
    expect(page.get_by_test_id("curl-example")).to_contain_text("X-API-Key: YOUR_API_KEY")
    origin = page.evaluate("location.origin")
    expect(page.get_by_test_id("python-example")).to_contain_text(f'BASE = "{origin}"')
    screenshot(page, "developer-docs")
