"""The editing studio at /images/{id}/edit, driven in Chromium against the local stack's offline renderer: a mask
painted with real pointer events reaches the API as a full-size PNG whose painted pixels are transparent, and each
operation's result shows what it did (repainted area, grown canvas, doubled size, transparent background)."""

from __future__ import annotations

import io
import re
import time
import urllib.request
import uuid
from dataclasses import dataclass

import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import expect

from tests.conftest import verify_through_outbox
from tests.e2e.conftest import api_call, screenshot, sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"  # pragma: allowlist secret
SIDE = 512  # the offline model's smallest preset: quick to render, and 2x is its 1024x1024 preset


@dataclass(frozen=True)
class Account:
    email: str
    token: str
    image_id: str


def wait_for(base: str, token: str, generation: dict) -> dict:
    deadline = time.monotonic() + 60
    while generation["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.25)
        generation = api_call(base, "GET", f"/v1/generations/{generation['id']}", token=token)
    assert generation["status"] == "succeeded", generation
    return generation


def image_bytes(base: str, token: str, image_id: str) -> Image.Image:
    request = urllib.request.Request(f"{base}/v1/images/{image_id}/content",
                                     headers={"Authorization": f"Bearer {token}", "Accept": "image/png"})
    with urllib.request.urlopen(request, timeout=20) as reply:
        return Image.open(io.BytesIO(reply.read())).convert("RGBA")


@pytest.fixture
def account(live_stack) -> Account:
    """A verified user (the signup bonus pays for the edits) with one offline-rendered square picture."""
    email = f"editor-{uuid.uuid4().hex[:8]}@example.com"
    session = api_call(live_stack, "POST", "/v1/auth/register", {"email": email, "password": PASSWORD})
    verify_through_outbox(live_stack, email)
    token = session["access_token"]
    generation = api_call(live_stack, "POST", "/v1/generations",
                          {"prompt": "a lighthouse on a cliff at dusk", "model": "placeholder",
                           "size": f"{SIDE}x{SIDE}"}, token, {"Idempotency-Key": uuid.uuid4().hex})
    generation = wait_for(live_stack, token, generation)
    return Account(email, token, generation["images"][0]["id"])


def open_editor(page, account: Account, tool: str | None = None) -> None:
    page.goto(f"/images/{account.image_id}/edit" + (f"?tool={tool}" if tool else ""))
    expect(page.get_by_test_id("editor")).to_be_visible(timeout=15_000)
    expect(page.get_by_label("Model")).to_have_value("placeholder")


def run_and_wait(page, live_stack: str, account: Account) -> dict:
    """Presses the tool's button once its price shows; the finished generation, as the API tells it."""
    expect(page.get_by_test_id("edit-quote")).to_contain_text(re.compile(r"Cost: \d+ credits?"))
    button = page.get_by_test_id("edit-submit")
    button.click()
    status = page.get_by_test_id("edit-status")
    expect(status).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(button).not_to_have_attribute("aria-busy", "true")
    result = page.get_by_test_id("edit-result").first
    expect(result.get_by_test_id("edit-result-image")).not_to_have_js_property("naturalWidth", 0)
    image_id = result.get_attribute("data-image-id")
    image = api_call(live_stack, "GET", f"/v1/images/{image_id}", token=account.token)
    return api_call(live_stack, "GET", f"/v1/generations/{image['generation_id']}", token=account.token)


def paint_stroke(page, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    """A drag across the mask, as fractions of the picture's box: real mouse events, which Chromium sends as pointer
    events too."""
    box = page.get_by_test_id("mask-stage").bounding_box()
    assert box and box["width"] > 100, box
    x0, y0 = box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1]
    x1, y1 = box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1]
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=steps)
    page.mouse.up()


def test_an_inpaint_uploads_a_full_size_mask_and_repaints_only_the_painted_band(page, live_stack, account):
    sign_in(page, account.email)
    page.goto(f"/images/{account.image_id}")
    page.get_by_test_id("edit-image").click()
    expect(page).to_have_url(re.compile(rf"/images/{account.image_id}/edit$"))
    expect(page.get_by_role("tab", name="Inpaint")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("mask-stage").locator("img")).to_have_js_property("naturalWidth", SIDE)

    size = page.get_by_test_id("brush-size-value")
    before = int(size.inner_text().split()[0])
    page.keyboard.press("]")
    page.keyboard.press("]")
    grown = int(size.inner_text().split()[0])
    assert grown > before, "] makes the brush larger"
    page.get_by_label("Brush size").press("End")  # a quarter of the long side
    expect(size).to_have_text(f"{SIDE // 4} px")

    status = page.get_by_test_id("mask-status")
    expect(status).to_have_text("Nothing painted yet.")
    paint_stroke(page, (0.3, 0.5), (0.7, 0.5))
    expect(status).to_contain_text("Painted:")
    page.keyboard.press("Control+z")
    expect(status).to_have_text("Nothing painted yet.")
    page.keyboard.press("Control+Shift+z")
    expect(status).to_contain_text("Painted:")
    screenshot(page, "editor-inpaint-mask")

    prompt = page.get_by_label("What should be there")
    prompt.fill("a red umbrella")
    generation = run_and_wait(page, live_stack, account)
    screenshot(page, "editor-inpaint-result")

    assert generation["operation"] == "inpaint"
    assert generation["source_image_id"] == account.image_id
    mask = image_bytes(live_stack, account.token, generation["mask_image_id"])
    assert mask.size == (SIDE, SIDE), "the mask has the source's full size"
    alpha = mask.getchannel("A")
    assert alpha.getpixel((SIDE // 2, SIDE // 2)) == 0, "the painted middle is transparent"
    assert alpha.getpixel((SIDE * 4 // 10, SIDE // 2)) == 0
    assert alpha.getpixel((10, 10)) == 255, "what was not painted stays opaque"
    assert alpha.getpixel((SIDE // 2, SIDE // 10)) == 255
    assert mask.getpixel((10, 10))[:3] == (0, 0, 0), "the opaque rest is black"

    source = image_bytes(live_stack, account.token, account.image_id)
    result = image_bytes(live_stack, account.token, generation["images"][0]["id"])
    assert result.size == source.size
    band = (SIDE * 35 // 100, SIDE * 47 // 100, SIDE * 65 // 100, SIDE * 53 // 100)
    corner = (0, 0, SIDE // 8, SIDE // 8)
    changed = ImageStat.Stat(ImageChops.difference(source.convert("RGB"), result.convert("RGB")).crop(band)).mean
    kept = ImageStat.Stat(ImageChops.difference(source.convert("RGB"), result.convert("RGB")).crop(corner)).mean
    assert sum(changed) > 30, f"the painted band changed ({changed})"
    assert sum(kept) < 3, f"the unpainted corner did not ({kept})"

    page.get_by_test_id("keep-editing").first.click()
    expect(page).to_have_url(re.compile(rf"/images/{generation['images'][0]['id']}/edit$"))
    expect(page.get_by_test_id("mask-status")).to_have_text("Nothing painted yet.")
    assert page.console_errors == []


def test_an_outpaint_grows_the_canvas_by_the_padding_it_previews(page, live_stack, account):
    sign_in(page, account.email)
    open_editor(page, account)
    page.get_by_role("tab", name="Outpaint").click()
    page.get_by_role("radio", name=re.compile(r"^16:9")).check()
    expect(page.get_by_test_id("outpaint-canvas-size")).to_contain_text("912 × 512 px")
    expect(page.get_by_test_id("outpaint-summary")).to_have_text("912 × 512 px: +200 left, +200 right.")

    page.get_by_role("radio", name="Pixels per side").check()
    expect(page.get_by_label("Left")).to_have_value("200")
    page.get_by_label("Top").fill("7")
    expect(page.locator("#outpaint-error")).to_contain_text("multiples of 16")
    expect(page.get_by_test_id("edit-quote")).not_to_contain_text("Cost:")
    page.get_by_label("Top").fill("64")
    page.get_by_label("Bottom").fill("0")
    expect(page.get_by_test_id("outpaint-summary")).to_have_text("912 × 576 px: +200 left, +200 right, +64 top.")
    screenshot(page, "editor-outpaint")

    generation = run_and_wait(page, live_stack, account)
    assert generation["operation"] == "outpaint"
    [image] = generation["images"]
    assert (image["width"], image["height"]) == (SIDE + 400, SIDE + 64), "the source plus the padding"
    pixels = image_bytes(live_stack, account.token, image["id"])
    assert pixels.size == (SIDE + 400, SIDE + 64)


def test_an_upscale_doubles_the_picture(page, live_stack, account):
    sign_in(page, account.email)
    open_editor(page, account, tool="upscale")
    expect(page.get_by_role("tab", name="Upscale")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("radio", name=re.compile(r"^2×"))).to_be_checked()
    expect(page.get_by_test_id("upscale-summary")).to_have_text("From 512 × 512 to 1,024 × 1,024 px.")
    generation = run_and_wait(page, live_stack, account)
    assert generation["operation"] == "upscale"
    [image] = generation["images"]
    assert (image["width"], image["height"]) == (2 * SIDE, 2 * SIDE)
    assert image_bytes(live_stack, account.token, image["id"]).size == (2 * SIDE, 2 * SIDE)


def test_removing_the_background_makes_a_png_with_transparent_pixels(page, live_stack, account):
    sign_in(page, account.email)
    open_editor(page, account, tool="remove_background")
    generation = run_and_wait(page, live_stack, account)
    assert generation["operation"] == "remove_background"
    [image] = generation["images"]
    assert image["content_type"] == "image/png"
    assert image["has_alpha"] is True
    low, high = image_bytes(live_stack, account.token, image["id"]).getchannel("A").getextrema()
    assert low == 0 and high == 255, "part of the picture is transparent, part is kept"
    expect(page.get_by_test_id("edit-result").locator(".image-frame")).to_have_class(re.compile("is-transparent"))
    screenshot(page, "editor-remove-background")


def test_variations_make_the_number_asked_for_from_the_source(page, live_stack, account):
    sign_in(page, account.email)
    open_editor(page, account, tool="variation")
    page.get_by_label("Number of images").select_option("2")
    expect(page.get_by_test_id("edit-quote")).to_contain_text("2 images")
    generation = run_and_wait(page, live_stack, account)
    assert generation["operation"] == "variation"
    assert len(generation["images"]) == 2
    expect(page.get_by_test_id("edit-result")).to_have_count(2)


def test_a_picture_from_the_device_opens_in_the_editor_as_an_upload(page, account, tmp_path):
    picture = tmp_path / "beach.png"
    Image.new("RGB", (640, 480), (30, 120, 200)).save(picture)
    sign_in(page, account.email)
    open_editor(page, account)
    page.get_by_test_id("upload-to-edit").set_input_files(str(picture))
    expect(page).to_have_url(re.compile(rf"/images/(?!{account.image_id})[0-9a-f-]{{36}}/edit$"), timeout=30_000)
    expect(page.get_by_test_id("editor")).to_contain_text("640 × 480 px")
    expect(page.get_by_test_id("mask-stage").locator("img")).to_have_js_property("naturalWidth", 640)


def test_the_image_page_shows_what_an_edit_was_made_from_and_what_was_made_from_it(page, live_stack, account):
    made = api_call(live_stack, "POST", "/v1/generations",
                    {"operation": "variation", "model": "placeholder", "source_image_id": account.image_id},
                    account.token, {"Idempotency-Key": uuid.uuid4().hex})
    variation = wait_for(live_stack, account.token, made)["images"][0]["id"]
    sign_in(page, account.email)
    page.goto(f"/images/{variation}")
    ancestors = page.get_by_test_id("lineage-ancestors").get_by_role("link")
    expect(ancestors).to_have_count(1)
    expect(ancestors.first).to_have_attribute("href", f"/images/{account.image_id}")
    ancestors.first.click()
    expect(page).to_have_url(re.compile(rf"/images/{account.image_id}$"))
    expect(page.get_by_test_id("lineage-descendants").get_by_role("link")).to_have_attribute(
        "href", f"/images/{variation}")
    assert page.console_errors == []


@pytest.mark.parametrize("action, tab", [("vary", "Variations"), ("upscale", "Upscale")])
def test_the_gallery_lightbox_opens_the_editor_on_the_tool_asked_for(page, live_stack, account, action, tab):
    sign_in(page, account.email)
    page.goto("/gallery")
    page.get_by_test_id("gallery-tile").first.click()
    expect(page.get_by_test_id("lightbox")).to_be_visible()
    page.get_by_test_id(f"lightbox-{action}").click()
    expect(page).to_have_url(re.compile(rf"/images/{account.image_id}/edit\?tool="))
    expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
    assert page.console_errors == []


def test_use_these_settings_opens_generate_with_the_prompt_model_and_size(page, live_stack, account):
    sign_in(page, account.email)
    page.goto(f"/images/{account.image_id}")
    wanted = {"prompt": "a lighthouse on a cliff at dusk", "model": "placeholder", "size": f"{SIDE}x{SIDE}"}
    with page.expect_request(lambda r: r.url.endswith("/v1/generations/quote") and r.post_data_json
                             and all(r.post_data_json.get(k) == v for k, v in wanted.items())):
        page.get_by_test_id("use-prompt").click()
        expect(page).to_have_url(re.compile(r"/generate$"))  # read once, then dropped from the address
        expect(page.get_by_label("Prompt", exact=True)).to_have_value(wanted["prompt"])
        # The offline model's default is 1024x1024: the image's own 512x512 preset is chosen instead.
        expect(page.get_by_test_id("size-summary")).to_contain_text(f"{SIDE} × {SIDE} px")
    assert page.console_errors == []


def test_the_editor_is_its_own_chunk_axe_clean_keyboard_usable_and_fits_a_phone(make_page, live_stack, account):
    page = make_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, bypass_csp=True)
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    sign_in(page, account.email)
    assert not [url for url in scripts if "/Editor-" in url], "the landing and dashboard don't load the editor"

    page.goto("/gallery")
    tile = page.get_by_test_id("gallery-tile").first
    expect(tile).to_be_visible(timeout=15_000)
    # The tile's actions show on hover, focus or a long press; the Edit one is among them.
    assert tile.locator(f'a[href="/images/{account.image_id}/edit"]').count() == 1, "each tile has an Edit action"
    open_editor(page, account)
    assert [url for url in scripts if "/Editor-" in url], "the editor's chunk loads when it opens"

    def fits() -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"nothing wider than the phone ({width} px)"

    viewport = page.get_by_test_id("mask-viewport")
    expect(viewport).to_have_css("touch-action", "none")
    fits()
    status = page.get_by_test_id("mask-status")
    box = page.get_by_test_id("mask-stage").bounding_box()
    assert box and box["width"] > 200
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    touch = page.context.new_cdp_session(page)

    def fingers(kind: str, *points: tuple[float, float]) -> None:
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
            {"x": x, "y": y, "id": number} for number, (x, y) in enumerate(points)]})

    # One finger drags a stroke.
    fingers("touchStart", middle)
    for step in range(1, 8):
        fingers("touchMove", (middle[0] + step * 12, middle[1]))
    fingers("touchEnd")
    expect(status).to_contain_text("Painted:")
    expect(page.get_by_test_id("zoom-level")).to_contain_text("100%")
    painted = status.inner_text()

    # Two fingers spreading apart zoom in, and paint nothing.
    fingers("touchStart", (middle[0] - 30, middle[1]), (middle[0] + 30, middle[1]))
    for step in range(1, 8):
        fingers("touchMove", (middle[0] - 30 - step * 10, middle[1]), (middle[0] + 30 + step * 10, middle[1]))
    fingers("touchEnd")
    expect(page.get_by_test_id("zoom-level")).not_to_contain_text("100%")
    expect(status).to_have_text(painted)
    page.get_by_role("button", name="Fit").click()
    page.get_by_test_id("mask-clear").click()
    expect(status).to_have_text("Nothing painted yet.")

    # The keyboard alone: focus the mask, hold Space and move the brush with the arrows.
    viewport.focus()
    page.keyboard.down(" ")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.keyboard.up(" ")
    expect(status).to_contain_text("Painted:")
    page.keyboard.press("+")
    expect(page.get_by_test_id("zoom-level")).to_contain_text("125%")
    page.keyboard.press("0")
    expect(page.get_by_test_id("zoom-level")).to_contain_text("100%")
    screenshot(page, "editor-phone")

    problems: dict[str, list[str]] = {}
    tab = page.get_by_role("tab", name="Inpaint")
    for name in ("Inpaint", "Outpaint", "Upscale", "Remove background", "Variations"):
        if name != "Inpaint":
            tab.press("ArrowRight")
            tab = page.get_by_role("tab", name=name)
            expect(tab).to_be_focused()
            expect(tab).to_have_attribute("aria-selected", "true")
        expect(page.get_by_test_id("edit-quote")).not_to_contain_text("Getting the price")
        fits()
        found = serious_violations(page)
        if found:
            problems[name] = found
    for scheme in ("dark",):
        page.emulate_media(color_scheme=scheme)
        found = serious_violations(page)
        if found:
            problems[f"Variations ({scheme})"] = found
    assert not problems, "\n".join(f"{name}: {problem}" for name, found in problems.items() for problem in found)
    assert page.console_errors == []
