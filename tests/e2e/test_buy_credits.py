"""A user buys a pack through the local test checkout and sees the balance rise."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import origin_of, verify_through_outbox
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def sign_up(page) -> None:
    """Signs up and follows the emailed verification link, so the account holds its 50-credit bonus."""
    email = f"buyer-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Display name").fill("Buyer")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    verify_through_outbox(origin_of(page), email)
    page.reload()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_buying_a_pack_through_the_local_checkout_raises_the_balance(page):
    sign_up(page)
    page.goto("/credits")
    expect(page.get_by_test_id("balance")).to_have_text("50")
    page.get_by_test_id("pack-plus").click()
    expect(page.get_by_test_id("checkout-summary")).to_contain_text("2,100 credits")
    screenshot(page, "buy-credits")
    page.get_by_role("button", name="Continue to checkout").click()

    expect(page).to_have_url(re.compile(r"/_dev/checkout/cs_local_"))
    expect(page.get_by_text("$20.00").first).to_be_visible()
    screenshot(page, "test-checkout")
    page.get_by_role("button", name=re.compile(r"^Pay")).click()

    expect(page).to_have_url(re.compile(r"/credits/return\?checkout_id=cs_local_"))
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "paid")
    expect(page.get_by_test_id("balance")).to_have_text("2,150")
    screenshot(page, "payment-return")

    page.goto("/credits/transactions")
    rows = page.get_by_test_id("transaction-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-kind", "purchase")
    screenshot(page, "transactions")


def test_a_custom_amount_shows_its_credits_and_cancel_charges_nothing(page):
    sign_up(page)
    page.goto("/credits")
    page.get_by_test_id("pack-custom").click()
    page.get_by_label("Amount in US dollars").fill("25")
    expect(page.get_by_test_id("custom-credits")).to_contain_text("2,500")
    page.get_by_role("button", name="Continue to checkout").click()
    expect(page).to_have_url(re.compile(r"/_dev/checkout/"))
    page.get_by_role("link", name=re.compile("Cancel")).click()
    expect(page.get_by_test_id("checkout-cancelled")).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("50")
