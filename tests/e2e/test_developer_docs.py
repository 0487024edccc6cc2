"""The developer docs show the OpenAI SDK and webhook examples for this very site."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_the_openai_sdk_and_webhook_examples_name_this_origin(page):
    page.goto("/developers")
    origin = page.evaluate("location.origin")
    expect(page.get_by_test_id("openai-python-example")).to_contain_text(
        f'OpenAI(base_url="{origin}/v1/openai", api_key="YOUR_API_KEY")')
    expect(page.get_by_test_id("openai-js-example")).to_contain_text(f'baseURL: "{origin}/v1/openai"')
    expect(page.get_by_test_id("openai-curl-example")).to_contain_text(f"{origin}/v1/openai/images/generations")
    expect(page.get_by_test_id("webhook-register-example")).to_contain_text(f"{origin}/v1/webhook-endpoints")
    expect(page.get_by_test_id("webhook-python-example")).to_contain_text("Webhook(PIXMINT_WEBHOOK_SECRET).verify(")
    expect(page.get_by_test_id("webhook-manual-example")).to_contain_text("hmac.compare_digest")
    code = page.get_by_role("region", name="Python (openai)")
    code.focus()  # scrollable, so reachable with the keyboard
    expect(code).to_be_focused()
    screenshot(page, "developer-docs-openai")
