"""Email preferences in Settings and an emailed unsubscribe link followed in the browser (issue 22)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from devstack.embedded import verification_token
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, origin_of, verify_through_outbox
from tests.e2e.conftest import PASSWORD, screenshot

pytestmark = pytest.mark.e2e


def test_a_low_balance_email_follows_settings_and_its_link_unsubscribes(page):
    email = f"prefs-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    base = origin_of(page)
    user = verify_through_outbox(base, email)

    page.goto("/settings#email")
    section = page.locator("#email")
    expect(section.get_by_label("Tell me when my balance runs low")).to_be_checked()
    section.get_by_label("Low balance means fewer than (credits)").fill("0")
    section.get_by_role("button", name="Save email choices").click()
    expect(section.get_by_label("Low balance means fewer than (credits)")).to_have_attribute("aria-invalid", "true")
    section.get_by_label("Low balance means fewer than (credits)").fill("45")
    section.get_by_role("button", name="Save email choices").click()
    expect(page.get_by_test_id("toast")).to_have_text(re.compile("Your email choices have been saved."))
    screenshot(page, "settings-email")

    admin = api_call(base, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    api_call(base, "POST", f"/v1/admin/users/{user['id']}/credits", {"delta": -10, "reason": "e2e low balance"},
             token=admin["access_token"])
    token = verification_token(base, email, path="/unsubscribe")

    page.goto(f"/unsubscribe?token={token}")
    expect(page).to_have_url(re.compile(r"/unsubscribe$"), timeout=5000)  # the token leaves the address bar
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_test_id("unsubscribe-done")).to_contain_text("no more low-balance emails")
    screenshot(page, "unsubscribed")

    page.goto("/settings#email")
    expect(page.locator("#email").get_by_label("Tell me when my balance runs low")).not_to_be_checked()
    assert page.console_errors == [], page.console_errors
    page.goto("/unsubscribe?token=forged")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_test_id("unsubscribe-invalid")).to_be_visible()
    assert [e for e in page.console_errors if "400" not in e] == [], "only the refused token's 400 is logged"
