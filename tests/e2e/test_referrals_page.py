"""The referrals page (issue 18) at desktop and phone width: the code and link with copy and share, the figures;
and a friend signing up through the link."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import api_call
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"  # pragma: allowlist secret - a test account's
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Desktop Chromium on Linux has no share sheet; the phone here gets one that records what it was given.
NO_SHARE = "Object.defineProperty(Navigator.prototype, 'share', { value: undefined, configurable: true });"
RECORDING_SHARE = ("Object.defineProperty(Navigator.prototype, 'share', { configurable: true, "
                   "value: async function (data) { window.__shared = data; } });")


def register(live_stack: str, prefix: str, code: str | None = None) -> tuple[str, str]:
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, **({"referral_code": code} if code else {})}
    return email, api_call(live_stack, "POST", "/v1/auth/register", body)["access_token"]


def open_referrals(page, phone: bool) -> None:
    if phone:
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    expect(page).to_have_url(re.compile(r"/referrals$"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_page_shows_the_code_and_link_and_copies_or_shares_them(make_page, live_stack, size):
    phone = size == "phone"
    page = make_page(**(PHONE if phone else DESKTOP), permissions=["clipboard-read", "clipboard-write"],
                     bypass_csp=True)  # axe is injected as a script
    page.add_init_script(RECORDING_SHARE if phone else NO_SHARE)
    email, token = register(live_stack, f"referrer-{size}")
    code = api_call(live_stack, "GET", "/v1/referrals", token=token)["code"]
    register(live_stack, f"friend-{size}", code)
    sign_in(page, email)
    open_referrals(page, phone)
    expect(page.get_by_role("heading", name="Invite friends")).to_be_visible()
    expect(page.get_by_role("textbox", name="Code")).to_have_value(code)
    expect(page.get_by_role("textbox", name="Link")).to_have_value(re.compile(rf"/signup\?ref={code}$"))
    expect(page.get_by_test_id("referrals-invited")).to_have_text("1")
    expect(page.get_by_test_id("referrals-pending")).to_have_text(re.compile(r"^100 credits$"))
    expect(page.get_by_test_id("referrals-earned")).to_have_text(re.compile(r"^0 credits$"))
    expect(page.get_by_role("listitem").filter(has_text="Pending")).to_have_count(1)

    page.get_by_role("button", name="Copy code").click()
    expect(page.get_by_test_id("referral-notice")).to_have_text("Code copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == code
    page.get_by_role("button", name="Share").click()
    if phone:
        page.wait_for_function("window.__shared !== undefined")
        shared = page.evaluate("window.__shared")
        assert shared["url"].endswith(f"/signup?ref={code}")
    else:
        expect(page.get_by_test_id("referral-notice")).to_have_text("Link copied to the clipboard.")
        assert page.evaluate("navigator.clipboard.readText()").endswith(f"/signup?ref={code}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "nothing sticks out sideways"
    screenshot(page, f"referrals-{size}")
    assert serious_violations(page) == []
    assert page.console_errors == []


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_signing_up_through_a_referral_link_counts_for_the_referrer(make_page, live_stack, size):
    _, token = register(live_stack, f"inviter-{size}")
    code = api_call(live_stack, "GET", "/v1/referrals", token=token)["code"]
    page = make_page(**(PHONE if size == "phone" else DESKTOP))
    page.goto(f"/signup?ref={code}")
    expect(page.get_by_label("Referral code")).to_have_value(code)
    page.get_by_label("Email").fill(f"invited-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    screenshot(page, f"signup-referral-{size}")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    assert api_call(live_stack, "GET", "/v1/referrals", token=token)["invited"] == 1
    assert page.console_errors == []


def test_a_link_with_a_code_that_is_no_ones_says_so_at_the_field(page, live_stack):
    page.goto("/signup?ref=NOPE2345")
    page.get_by_label("Email").fill(f"lost-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    field = page.get_by_label("Referral code")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(re.compile("referral code does not exist"))).to_be_visible()
    field.fill("")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
