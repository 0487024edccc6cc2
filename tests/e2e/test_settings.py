"""Settings (name, password, delete account) and a session that ends: sign in again and land where you were."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import origin_of, verify_through_outbox
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


def sign_up(page) -> str:
    """Signs up and follows the emailed verification link, so the account holds its bonus row."""
    email = f"settings-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Display name").fill("Ada")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    verify_through_outbox(origin_of(page), email)
    page.reload()
    return email


def test_changing_name_and_password_then_deleting_the_account(page):
    email = sign_up(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings$"))

    page.get_by_label("Display name", exact=True).fill("Grace")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_test_id("toast")).to_have_text(re.compile("Your display name has been saved."))

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    current = page.get_by_label("Current password")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#current_password-error")).to_be_visible()
    expect(current).to_be_focused()

    current.fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new_password-error")).to_be_visible()
    screenshot(page, "settings-errors")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_test_id("toast")).to_have_text(re.compile("Your password has been changed"))
    expect(current).to_have_value("")

    page.goto("/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Grace")

    page.goto("/settings")
    page.get_by_test_id("delete-account").click()
    dialog = page.get_by_test_id("delete-account-dialog")
    expect(dialog).to_be_visible()
    password = dialog.get_by_label("Password", exact=True)
    expect(password).to_be_focused()
    password.fill(PASSWORD)  # the old one no longer works
    dialog.get_by_role("button", name="Delete my account").click()
    expect(password).to_have_attribute("aria-invalid", "true")
    screenshot(page, "settings-delete")
    password.fill(NEW_PASSWORD)
    password.press("Enter")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("toast")).to_have_text(re.compile("Your account has been deleted."))
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    sign_in(page, email, NEW_PASSWORD, lands_on=None)  # the account is gone: refused
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/signin$"))


def test_a_session_that_ended_signs_in_again_and_returns_to_the_page(page):
    email = sign_up(page)
    page.goto("/credits/transactions")
    expect(page.get_by_test_id("transaction-row")).to_have_count(1)
    page.reload()  # the session survives a reload
    expect(page.get_by_test_id("transaction-row")).to_have_count(1)

    # The stored refresh token stops working, as when it expires or is revoked elsewhere.
    page.evaluate("localStorage.setItem('pixmint.refresh_token', "
                  "'expired-' + localStorage.getItem('pixmint.refresh_token'))")
    page.reload()
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("status").filter(has_text="Your session has ended")).to_be_visible()
    sign_in(page, email, PASSWORD, open_page=False, lands_on="/credits/transactions")
    expect(page.get_by_test_id("transaction-row")).to_have_count(1)
