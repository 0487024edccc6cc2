"""The help center (issue 22): guides searched in the browser, linked from the header and from error messages,
live prices on the pricing guide, and the changelog as a public page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PROJECT_DIR

pytestmark = pytest.mark.e2e


def test_the_guides_are_found_by_search_and_read_signed_out(page):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Help").click()
    expect(page).to_have_url(re.compile(r"/help$"))
    expect(page.get_by_test_id("help-guide")).to_have_count(6)
    page.get_by_label("Search the guides").fill("refunded payment")
    results = page.get_by_test_id("help-result")
    expect(results.first).to_contain_text("Credits and refunds")
    page.get_by_label("Search the guides").fill("transparent")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Models and options")
    page.get_by_label("Search the guides").fill("zebra crossing")
    expect(page.get_by_role("heading", name="Nothing found")).to_be_visible()

    page.goto("/help/pricing")
    expect(page.get_by_role("heading", level=1, name="Pricing")).to_be_visible()
    expect(page.get_by_test_id("help-packs").get_by_role("listitem").first).to_contain_text("credits for $")
    expect(page.get_by_test_id("help-prices").get_by_role("row").nth(1)).to_be_visible()

    page.goto("/help/faq")
    question = page.get_by_text("My image failed. Do I pay for it?")
    question.click()
    page.get_by_role("link", name="credits and refunds").click()
    expect(page).to_have_url(re.compile(r"/help/credits-and-refunds$"))
    page.goto("/help/no-such-guide")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_the_changelog_is_a_public_page_built_from_changelog_md(page):
    page.goto("/changelog")
    expect(page.get_by_role("heading", level=1, name="What's new")).to_be_visible()
    first_section = next(line[4:] for line in (PROJECT_DIR / "CHANGELOG.md").read_text().splitlines()
                         if line.startswith("### "))
    expect(page.get_by_role("heading", level=3, name=first_section)).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Unreleased")).to_be_visible()
    expect(page.locator(".changelog code").first).to_be_visible()
    assert page.console_errors == [], page.console_errors


def test_a_short_balance_links_to_how_pricing_works(page, live_stack):
    import uuid

    from tests.conftest import api_call
    from tests.e2e.conftest import PASSWORD, sign_in

    email = f"broke-{uuid.uuid4().hex[:8]}@example.com"
    api_call(live_stack, "POST", "/v1/auth/register", {"email": email, "password": PASSWORD})  # unverified: 0 credits
    sign_in(page, email, PASSWORD)
    page.goto("/generate")
    page.get_by_label("Prompt").first.fill("a lighthouse at dusk")
    note = page.get_by_test_id("insufficient-note")
    expect(note).to_be_visible(timeout=15_000)
    note.get_by_role("link", name="How pricing works").click()
    expect(page).to_have_url(re.compile(r"/help/pricing$"))
