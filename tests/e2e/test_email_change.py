"""Changing the email address in the browser (issue 20): Settings sends a link to the new address, the link moves
the account, and the new address signs in."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import verify_through_outbox
from tests.e2e.conftest import PASSWORD, api_call, emailed_link, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_settings_changes_the_address_once_the_new_one_confirms(make_page, live_stack, viewport):
    old = f"before-{uuid.uuid4().hex[:8]}@example.com"
    new = f"after-{uuid.uuid4().hex[:8]}@example.com"
    api_call(live_stack, "POST", "/v1/auth/register", {"email": old, "password": PASSWORD})
    verify_through_outbox(live_stack, old)
    page = make_page(viewport=viewport)
    sign_in(page, old, PASSWORD)
    page.goto("/settings")
    page.get_by_label("New email address").fill(new)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_test_id("email-change-pending")).to_contain_text(new)
    expect(page.locator(".settings-email")).to_have_text(old)

    page.goto(emailed_link(live_stack, new, r"/confirm-email\?token=[A-Za-z0-9_-]+"))
    expect(page.get_by_test_id("email-changed")).to_contain_text(new)
    assert "token=" not in page.url, "the token leaves the address bar"
    page.goto("/settings")
    expect(page.locator(".settings-email")).to_have_text(new)
    assert not page.console_errors
    fresh = make_page(viewport=viewport)
    sign_in(fresh, new, PASSWORD)
