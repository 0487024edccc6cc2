"""A user generates with the offline placeholder renderer: picks options, sees the price, previews and the picture."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import serious_violations
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
    expect(page.get_by_test_id("quote-breakdown")).to_have_text("1 credit per image × 2")
    screenshot(page, "generate")
    page.get_by_label("Prompt", exact=True).press("Control+Enter")

    expect(page.get_by_test_id("generation-status")).to_have_attribute("data-status", "succeeded", timeout=20_000)
    images = page.get_by_test_id("result-image")
    expect(images).to_have_count(2)
    expect(images.first).to_have_attribute("alt", re.compile("lighthouse"))
    expect(images.first).to_have_js_property("naturalWidth", 1024)  # the placeholder model's first preset, 1:1
    screenshot(page, "generate-result")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download image 1 of 2").click()
    assert re.match(r"pixmint-a-lighthouse-on-a-cliff-at-dawn-[0-9a-f]{8}\.png$", download.value.suggested_filename)

    page.goto("/dashboard")
    expect(page.get_by_test_id("balance")).to_have_text("48")
    expect(page.get_by_test_id("generation-thumb").first).to_be_visible()
    assert page.console_errors == []


def test_a_widescreen_choice_then_a_four_frame_gif_reprice_and_the_gif_plays(page):
    sign_up(page)
    page.goto("/generate")
    expect(page.get_by_test_id("offline-notice")).to_be_visible()
    page.get_by_label("Prompt", exact=True).fill("a kite over the dunes")
    quote = page.get_by_test_id("quote")
    breakdown = page.get_by_test_id("quote-breakdown")
    expect(quote).to_contain_text("Cost: 1 credit")
    expect(page.get_by_role("radio", name="1:1")).to_be_checked()

    # 16:9 is no preset: a custom size near 1.5 MP, priced per megapixel.
    page.get_by_role("radio", name="16:9").check()
    expect(page.get_by_test_id("size-summary")).to_have_text("1,648 × 928 px · 1.53 MP")
    expect(page.get_by_label("Width (px)")).to_have_value("1648")
    expect(breakdown).to_have_text("1.53 MP × 1 credit/MP = 2 credits per image")
    expect(quote).to_contain_text("Cost: 2 credits")

    # A size off the 16-pixel grid is explained beside the input and not quoted.
    page.get_by_label("Width (px)").fill("1650")
    expect(page.get_by_role("radio", name="Custom")).to_be_checked()
    expect(page.get_by_text("Width: a multiple of 16, such as 1648 or 1664.")).to_be_visible()
    expect(quote).to_contain_text("Fix the size to see the price.")
    page.get_by_role("radio", name="16:9").check()
    expect(quote).to_contain_text("Cost: 2 credits")

    # GIFs come in preset sizes only: 16:9 goes, the nearest preset shape (3:2) is used, frames are priced.
    page.get_by_role("radio", name="GIF").check()
    expect(page.get_by_role("radio", name="16:9")).to_have_count(0)
    expect(page.get_by_role("radio", name="3:2")).to_be_checked()
    expect(page.get_by_test_id("option-notes")).to_contain_text("GIFs come in preset sizes only")
    expect(page.get_by_role("radio", name="Transparent")).to_be_disabled()
    frames = page.get_by_role("spinbutton", name="Frames")
    expect(frames).to_have_value("9")
    expect(breakdown).to_have_text("9 frames × 0.25 credits/frame = 3 credits per image")
    frames.fill("4")
    expect(page.get_by_role("slider", name="Frames slider")).to_have_value("4")
    expect(breakdown).to_have_text("4 frames × 0.25 credits/frame = 1 credit per image")
    expect(quote).to_contain_text("Cost: 1 credit")
    screenshot(page, "generate-gif-options")

    page.get_by_test_id("generate-button").click()
    expect(page.get_by_test_id("generation-status")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    image = page.get_by_test_id("result-image")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("data-content-type", "image/gif")
    expect(image).to_have_js_property("naturalWidth", 1536)
    expect(page.get_by_role("list", name="Generated images")).to_contain_text("1,536 × 1,024 · 4 frames")
    screenshot(page, "generate-gif-result")

    # The detail view plays the GIF itself (not its still thumbnail) and downloads it as a GIF.
    page.get_by_test_id("result-link").click()
    detail = page.get_by_test_id("detail-image")
    expect(detail).to_have_attribute("data-content-type", "image/gif")
    expect(page.get_by_test_id("image-frames")).to_have_text("4")
    expect(page.get_by_label("Format")).to_have_value("")
    expect(page.get_by_label("Format").locator("option:checked")).to_have_text("Original (GIF)")
    with page.expect_download() as download:
        page.get_by_test_id("download-button").click()
    assert download.value.suggested_filename.endswith(".gif"), download.value.suggested_filename
    with open(download.value.path(), "rb") as saved:
        assert saved.read(6) in (b"GIF87a", b"GIF89a")
    screenshot(page, "image-detail-gif")
    assert page.console_errors == []


def test_a_preview_shows_while_the_image_renders_then_the_image_replaces_it(page):
    sign_up(page)
    page.goto("/generate")
    page.get_by_label("Prompt", exact=True).fill("a slow sunrise over the harbour")
    expect(page.get_by_test_id("quote")).to_contain_text("Cost: 1 credit")
    page.get_by_test_id("generate-button").click()

    # One look at the page: a loaded, labelled preview and no final image yet.
    page.wait_for_function(
        """() => {
            const preview = document.querySelector('[data-testid="preview-image"][src^="blob:"]');
            return !!preview && preview.complete && preview.naturalWidth > 0
                && preview.closest('.preview-frame').textContent.includes('rendering…')
                && !document.querySelector('[data-testid="result-image"]');
        }""",
        timeout=20_000,
    )
    screenshot(page, "generate-preview")

    expect(page.get_by_test_id("generation-status")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(page.get_by_test_id("preview-image")).to_have_count(0)
    expect(page.get_by_test_id("result-image")).to_have_js_property("complete", True)
    assert page.console_errors == []


def test_a_queued_generation_is_cancelled_for_a_refund_then_tried_again(page):
    sign_up(page)
    page.goto("/generate")
    prompt = page.get_by_label("Prompt", exact=True)
    status = page.get_by_test_id("generation-status")
    # Two jobs of four slow images keep both local job consumers busy, so the next request waits in the queue.
    prompt.fill("busy work for the workers")
    page.get_by_label("Number of images").select_option("4")
    expect(page.get_by_test_id("quote")).to_contain_text("Cost: 4 credits")
    for _ in range(2):
        page.get_by_test_id("generate-button").click()
        expect(status).to_have_attribute("data-status", re.compile("queued|running"))

    prompt.fill("a paper crane")
    page.get_by_label("Number of images").select_option("1")
    expect(page.get_by_test_id("quote")).to_contain_text("Cost: 1 credit")
    page.get_by_test_id("generate-button").click()
    expect(status).to_contain_text("Queued")
    page.get_by_role("button", name="Cancel this generation").click()
    expect(status).to_have_attribute("data-status", "failed")
    expect(status).to_contain_text("Cancelled before it started.")
    expect(status).to_contain_text("1 credit refunded.")
    expect(page.get_by_test_id("header-balance")).to_contain_text("42 credits")
    screenshot(page, "generate-cancelled")

    page.get_by_role("button", name="Try again with the same settings").click()
    expect(status).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(page.get_by_test_id("result-image")).to_have_attribute("alt", re.compile("paper crane"))
    expect(page.get_by_test_id("header-balance")).to_contain_text("41 credits")
    assert page.console_errors == []


def test_the_generate_options_pass_axe(make_page):
    page = make_page(bypass_csp=True)  # axe is injected as a script, which the page's CSP would refuse
    sign_up(page)
    page.goto("/generate")
    page.get_by_label("Prompt", exact=True).fill("a red fox in the snow")
    page.get_by_role("radio", name="Custom").check()
    page.get_by_label("Height (px)").fill("100")  # an inline error on show
    page.get_by_role("radio", name="GIF").check()
    expect(page.get_by_role("spinbutton", name="Frames")).to_be_visible()
    page.get_by_role("radio", name="PNG").focus()
    page.keyboard.press("ArrowRight")  # a radio group: the arrow keys move the choice
    expect(page.get_by_role("radio", name="WebP")).to_be_checked()
    page.get_by_role("radio", name="Custom").check()
    expect(page.get_by_text("Height: a multiple of 16, such as 96 or 112.")).to_be_visible()
    expect(page.get_by_label("Height (px)")).to_have_attribute("aria-invalid", "true")
    problems = serious_violations(page)
    assert not problems, "\n".join(problems)
