"""The landing page's prompt box works before signing up, and the terms and privacy pages are a click away."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
PASSWORD = "a long unusual passphrase 42"  # pragma: allowlist secret
PROMPT = "a paper boat on a rainy street, <b>bold</b> & \"quoted\""


def test_a_prompt_written_before_signing_up_waits_on_generate_for_the_new_account(page, live_stack):
    page.goto("/")
    page.get_by_test_id("hero-prompt").fill(PROMPT)
    page.get_by_role("button", name="Create it free").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    expect(page.get_by_test_id("pending-prompt")).to_contain_text(PROMPT)  # as text, never as markup
    page.get_by_label("Email").fill(f"landing-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/generate$"))
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(PROMPT)
    screenshot(page, "landing-prompt-carried")
    page.goto("/signup")  # taken once: a later visit does not offer it again
    expect(page.get_by_test_id("pending-prompt")).to_have_count(0)
    assert page.console_errors == []



@pytest.mark.parametrize("link, heading", [("Terms", "Terms of service"), ("Privacy", "Privacy policy")])
def test_the_terms_and_privacy_pages_are_linked_from_every_page(page, live_stack, link, heading):
    page.goto("/")
    page.locator("footer").get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert page.console_errors == []
