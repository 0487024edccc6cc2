"""The whole journey on a desktop and on a phone: sign up, buy credits, generate, find it in the gallery,
download, share, sign out."""

from __future__ import annotations

import re
import urllib.error
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.conftest import verify_through_outbox
from tests.e2e.conftest import api_call, screenshot

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"
PROMPT = "a paper boat on a rainy street"
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}


@pytest.fixture
def email(live_stack) -> Iterator[str]:
    email = f"journey-{uuid.uuid4().hex[:8]}@example.com"
    yield email
    # Other tests count the community's images: stop sharing what this journey shared.
    try:
        token = api_call(live_stack, "POST", "/v1/auth/login", {"email": email, "password": PASSWORD})["access_token"]
    except urllib.error.HTTPError:
        return  # the journey stopped before signing up
    for image in api_call(live_stack, "GET", "/v1/images", token=token)["items"]:
        if image["shared"]:
            api_call(live_stack, "DELETE", f"/v1/images/{image['id']}/share", token=token)


@pytest.mark.parametrize("device", DEVICES)
def test_sign_up_buy_generate_find_download_share_and_sign_out(make_page, live_stack, email, device):
    page = make_page(**DEVICES[device])
    touch = DEVICES[device].get("has_touch", False)

    def press(locator) -> None:
        locator.tap() if touch else locator.click()

    def shot(step: str) -> None:
        screenshot(page, f"journey-{device}-{step}")
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], \
            f"{step}: the page scrolls sideways"

    page.goto("/")
    shot("01-landing")
    press(page.get_by_role("link", name="Create free account").first)

    expect(page).to_have_url(re.compile(r"/signup$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Display name").fill("Journey")
    shot("02-signup")
    press(page.get_by_role("button", name="Create account"))
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    verify_through_outbox(live_stack, email)  # the bonus comes with the emailed link
    page.reload()
    expect(page.get_by_test_id("balance")).to_have_text("50")
    shot("03-dashboard")

    press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Buy credits"))
    expect(page).to_have_url(re.compile(r"/credits$"))
    press(page.get_by_test_id("pack-starter"))
    expect(page.get_by_test_id("checkout-summary")).to_contain_text("500 credits")
    shot("04-buy-credits")
    press(page.get_by_role("button", name="Continue to checkout"))
    expect(page).to_have_url(re.compile(r"/_dev/checkout/cs_local_"))
    press(page.get_by_role("button", name=re.compile(r"^Pay")))
    expect(page).to_have_url(re.compile(r"/credits/return\?checkout_id=cs_local_"))
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "paid")
    expect(page.get_by_test_id("balance")).to_have_text("550")
    expect(page.get_by_test_id("header-balance")).to_contain_text("550 credits")
    shot("05-paid")

    press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Generate"))
    expect(page).to_have_url(re.compile(r"/generate$"))
    page.get_by_label("Prompt", exact=True).fill(PROMPT)
    # The price is shown before anything is spent.
    expect(page.get_by_test_id("quote")).to_contain_text("Cost: 1 credit")
    shot("06-generate")
    if touch:
        press(page.get_by_role("button", name="Generate", exact=True))
    else:
        page.get_by_label("Prompt", exact=True).press("Control+Enter")
    expect(page.get_by_test_id("generation-status")).to_have_attribute("data-status", "succeeded", timeout=20_000)
    expect(page.get_by_test_id("header-balance")).to_contain_text("549 credits")
    shot("07-generated")

    press(page.get_by_role("navigation", name="Main").get_by_role("link", name="Gallery"))
    expect(page).to_have_url(re.compile(r"/gallery"))
    tiles = page.get_by_test_id("gallery-tile")
    expect(tiles).to_have_count(1)
    expect(tiles.first).to_contain_text(PROMPT)
    shot("08-gallery")
    press(tiles.first.get_by_role("link").first)  # the lightbox; its Details link opens the image's page
    expect(page.get_by_test_id("lightbox")).to_be_visible()
    shot("08b-lightbox")
    press(page.get_by_test_id("lightbox-details"))

    expect(page).to_have_url(re.compile(r"/images/[0-9a-f-]+$"))
    expect(page.get_by_test_id("image-detail")).to_contain_text(PROMPT)
    expect(page.get_by_test_id("detail-image")).to_be_visible()
    with page.expect_download() as download:
        press(page.get_by_test_id("download-button"))
    assert re.match(r"pixmint-a-paper-boat-on-a-rainy-street-[0-9a-f]{8}\.png$", download.value.suggested_filename)
    assert download.value.failure() is None

    press(page.get_by_role("button", name="Copy private link", exact=True))
    link = page.get_by_label("Share link")
    expect(link).to_have_value(re.compile(r"/v1/public/images/[A-Za-z0-9_-]+/page$"))
    share_url = link.input_value()
    shot("09-shared")

    visitor = page.context.browser.new_context(base_url=live_stack, **DEVICES[device])
    public = visitor.new_page()
    public.goto(share_url)
    expect(public).to_have_url(re.compile(r"/s/[A-Za-z0-9_-]+$"))
    expect(public.get_by_test_id("shared-image")).to_contain_text(PROMPT)
    screenshot(public, f"journey-{device}-10-public-share")
    visitor.close()

    press(page.get_by_role("button", name="Sign out"))
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto("/gallery")
    expect(page).to_have_url(re.compile(r"/signin$"))
    shot("11-signed-out")
    assert page.console_errors == []
