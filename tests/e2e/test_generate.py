"""A user generates with the offline placeholder renderer and sees, then downloads, the picture."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_buy_credits import sign_up

pytestmark = pytest.mark.e2e


def test_generating_shows_the_image_charges_its_quote_and_downloads(page):
    sign_up(page)
    page.get_by_test_id("generate-cta").click()
    expect(page).to_have_url(re.compile(r"/generate$"))
    expect(page.get_by_test_id("offline-notice")).to_be_visible()
    page.get_by_label("Prompt", exact=True).fill("a lighthouse on a cliff at dawn")
    page.get_by_label("Number of images").select_option("2")
    expect(page.get_by_test_id("quote")).to_contain_text("Cost: 2 credits")
    screenshot(page, "generate")
    page.get_by_label("Prompt", exact=True).press("Control+Enter")

    expect(page.get_by_test_id("generation-status")).to_have_attribute("data-status", "succeeded", timeout=20_000)
    images = page.get_by_test_id("result-image")
    expect(images).to_have_count(2)
    expect(images.first).to_have_attribute("alt", re.compile("lighthouse"))
    expect(images.first).to_have_js_property("naturalWidth", 512)  # the placeholder model's default size
    screenshot(page, "generate-result")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download image 1 of 2").click()
    assert re.match(r"pixmint-a-lighthouse-on-a-cliff-at-dawn-[0-9a-f]{8}\.png$", download.value.suggested_filename)

    page.goto("/dashboard")
    expect(page.get_by_test_id("balance")).to_have_text("48")
    expect(page.get_by_test_id("generation-thumb").first).to_be_visible()
    assert page.console_errors == []
