"""The phone menu opens as a panel, and Escape closes it with focus back on its button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_buy_credits import sign_up

pytestmark = pytest.mark.e2e


def test_phone_menu_opens_closes_with_escape_and_returns_focus(make_page):
    page = make_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    sign_up(page)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("navigation", name="Main")).to_have_class(re.compile(r"\bis-open\b"))
    expect(page.get_by_role("link", name="Settings")).to_be_visible()
    screenshot(page, "phone-menu-open")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    menu.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Transactions", exact=True).click()
    expect(page).to_have_url(re.compile(r"/credits/transactions$"))
    expect(menu).to_have_attribute("aria-expanded", "false")
