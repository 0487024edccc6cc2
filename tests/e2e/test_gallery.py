"""Gallery in the browser: filter, favourite, download in another format, share and see it public."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_buy_credits import sign_up

pytestmark = pytest.mark.e2e


def generate(page, prompt: str) -> None:
    page.goto("/generate")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_test_id("generation-status")).to_have_attribute("data-status", "succeeded", timeout=20_000)


def test_filter_favourite_download_and_share_from_the_gallery(page, live_stack):
    sign_up(page)
    generate(page, "a red fox in the snow")
    generate(page, "a blue whale at sea")

    page.goto("/gallery")
    tiles = page.get_by_test_id("gallery-tile")
    expect(tiles).to_have_count(2)
    page.get_by_label("Search prompts").fill("whale")
    expect(tiles).to_have_count(1)
    screenshot(page, "gallery")
    tiles.first.click()  # the lightbox; its Details link opens the image's page
    expect(page.get_by_test_id("lightbox")).to_be_visible()
    page.get_by_test_id("lightbox-details").click()

    detail = page.get_by_test_id("image-detail")
    expect(detail).to_contain_text("a blue whale at sea")
    page.get_by_test_id("favorite-toggle").click()
    expect(page.get_by_test_id("favorite-toggle")).to_have_attribute("aria-pressed", "true")

    page.get_by_label("Format").select_option(label="JPEG")
    page.get_by_label("Width").select_option("256")
    with page.expect_download() as download:
        page.get_by_test_id("download-button").click()
    assert re.match(r"pixmint-a-blue-whale-at-sea-[0-9a-f]{8}\.jpg$", download.value.suggested_filename)

    page.get_by_role("button", name="Copy private link", exact=True).click()
    link = page.get_by_label("Share link")
    expect(link).to_have_value(re.compile(r"/v1/public/images/[A-Za-z0-9_-]+/page$"))
    share_url = link.input_value()
    screenshot(page, "image-detail")

    page.goto("/gallery")
    page.get_by_label("Favourites only").check()
    expect(tiles).to_have_count(1)

    visitor = page.context.browser.new_context(base_url=live_stack)
    public = visitor.new_page()
    public.goto(share_url)
    expect(public).to_have_url(re.compile(r"/s/[A-Za-z0-9_-]+$"))
    expect(public.get_by_test_id("shared-image")).to_contain_text("a blue whale at sea")
    screenshot(public, "shared-page")
    public.goto("/community")  # a private link is not published (tests/e2e/test_publishing.py publishes)
    expect(public.get_by_role("heading", name="Community", level=1)).to_be_visible()
    public.wait_for_load_state("networkidle")
    slug = share_url.rsplit("/", 2)[-2]
    expect(public.locator(f'[data-testid="community-tile"][data-slug="{slug}"]')).to_have_count(0)
    screenshot(public, "community")
    visitor.close()
