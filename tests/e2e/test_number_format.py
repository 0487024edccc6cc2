"""One number format everywhere: counts of a thousand or more carry a thousands separator wherever they are shown."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, api_call, sign_in

pytestmark = pytest.mark.e2e


def test_a_balance_after_a_grant_of_1050_credits_reads_1_050_everywhere(make_page, live_stack):
    email = f"thousands-{uuid.uuid4().hex[:8]}@example.com"
    user = api_call(live_stack, "POST", "/v1/auth/register",
                    {"email": email, "password": PASSWORD, "display_name": "Tess"})["user"]
    assert user["credits"] == 0  # no signup bonus before the address is confirmed: the grant is the whole balance
    admin = api_call(live_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    api_call(live_stack, "POST", f"/v1/admin/users/{user['id']}/credits",
             {"delta": 1050, "reason": "A round thousand and fifty"}, admin["access_token"])

    page = make_page()
    sign_in(page, email)
    expect(page.get_by_test_id("balance")).to_have_text("1,050")
    expect(page.get_by_test_id("header-balance")).to_contain_text("1,050 credits")
    page.goto("/credits/transactions")
    expect(page.get_by_test_id("transaction-row").first).to_contain_text("+1,050")
    page.goto("/generate")
    expect(page.get_by_test_id("quote")).to_contain_text("your 1,050 credits")

    admin_page = make_page(viewport={"width": 390, "height": 844})
    sign_in(admin_page, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin_page.goto(f"/admin/users/{user['id']}")
    expect(admin_page.get_by_test_id("admin-user-balance")).to_have_text("1,050")
    admin_page.goto("/admin")
    admin_page.get_by_label("Email or name").fill(email)
    admin_page.get_by_role("button", name="Search").click()
    expect(admin_page.get_by_test_id("admin-user-row")).to_have_count(1)
    expect(admin_page.get_by_test_id("admin-user-row").locator('td[data-label="Balance"]')).to_have_text("1,050")
    admin_page.goto("/admin/audit")
    grant = admin_page.get_by_test_id("audit-row").filter(has_text="A round thousand and fifty")
    expect(grant.locator('[data-key="balance"]').get_by_test_id("diff-after")).to_have_text("1,050")
    errors = page.console_errors + admin_page.console_errors
    assert errors == [], errors


def test_a_packs_credits_read_with_a_thousands_separator(make_page, live_stack):
    # The seeded "plus" pack: 2,000 credits and a 100 bonus for $20.
    packs = {pack["id"]: pack for pack in api_call(live_stack, "GET", "/v1/credits/packs")["items"]}
    assert packs["plus"]["credits"] == 2100, packs["plus"]

    page = make_page()
    page.goto("/")
    plus = page.get_by_test_id("pricing-packs").locator("li").filter(
        has=page.get_by_role("heading", name="Plus", exact=True))
    expect(plus).to_contain_text("2,100 credits")
    expect(plus).to_contain_text("+100 bonus")
    expect(plus).to_contain_text("$20.00")

    email = f"packs-{uuid.uuid4().hex[:8]}@example.com"
    api_call(live_stack, "POST", "/v1/auth/register", {"email": email, "password": PASSWORD, "display_name": "Pat"})
    sign_in(page, email)
    page.goto("/credits")
    option = page.locator("label.pack-option").filter(has=page.get_by_test_id("pack-plus"))
    expect(option.locator(".pack-credits")).to_have_text("2,100 credits")
    page.get_by_test_id("pack-custom").check()
    expect(page.get_by_label("Amount in US dollars")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Whole dollars from \$5 to \$500\."))).to_be_visible()

    admin_page = make_page()
    sign_in(admin_page, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin_page.goto("/admin/packs")
    row = admin_page.locator('[data-testid="pack-row"][data-id="plus"]')
    expect(row.locator('td[data-label="Credits"]')).to_have_text("2,100")
    expect(row.locator('td[data-label="Price (USD)"]')).to_have_text("$20.00")
    errors = page.console_errors + admin_page.console_errors
    assert errors == [], errors
