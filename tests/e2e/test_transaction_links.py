"""The transactions page links each spend to the image it paid for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_editor import account  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e


def test_a_spend_links_to_its_image_and_the_bonus_to_nothing(page, live_stack, account):  # noqa: F811
    sign_in(page, account.email)
    page.goto("/credits/transactions")
    spend = page.locator('[data-testid="transaction-row"][data-kind="generation"]')
    expect(spend).to_have_count(1)
    link = spend.get_by_test_id("transaction-image")
    expect(link).to_have_attribute("href", f"/images/{account.image_id}")
    bonus = page.locator('[data-testid="transaction-row"][data-kind="signup_bonus"]')
    expect(bonus.get_by_role("link")).to_have_count(0)
    link.click()
    expect(page).to_have_url(re.compile(rf"/images/{account.image_id}$"))
    expect(page.get_by_test_id("image-detail")).to_be_visible()
    assert page.console_errors == []
