"""Boards and recall in the browser (issue 21): make a board, add images to it in bulk, find one by a setting,
rate it and open "More like this"."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import api_call, verify_through_outbox
from tests.e2e.conftest import PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.e2e


def made(live_stack: str, token: str, body: dict) -> dict:
    """A generation made through the API, once it has finished."""
    generation = api_call(live_stack, "POST", "/v1/generations", {"model": "placeholder", **body}, token=token)
    deadline = time.monotonic() + 30
    while generation["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        generation = api_call(live_stack, "GET", f"/v1/generations/{generation['id']}", token=token)
    assert generation["status"] == "succeeded", generation
    return generation["images"][0]


def test_make_a_board_add_in_bulk_find_by_a_setting_and_open_more_like_this(page, live_stack):
    email = f"boards-{uuid.uuid4().hex[:8]}@example.com"
    token = api_call(live_stack, "POST", "/v1/auth/register", {"email": email, "password": PASSWORD})["access_token"]
    verify_through_outbox(live_stack, email)
    fox = made(live_stack, token, {"prompt": "a red fox in the snow", "size": "1024x1024"})
    made(live_stack, token, {"prompt": "a blue whale at sea", "size": "1024x1024"})
    # An upscale is the same picture, larger: the one image that looks like the fox.
    upscaled = made(live_stack, token, {"prompt": "a red fox in the snow", "operation": "upscale",
                                        "source_image_id": fox["id"], "upscale": {"factor": 2}})
    sign_in(page, email)

    page.goto("/gallery")
    page.get_by_test_id("boards-link").click()
    expect(page.get_by_test_id("boards-empty")).to_be_visible()
    page.get_by_label("New board name").fill("Keepers")
    page.get_by_test_id("create-board").click()
    expect(page.get_by_test_id("board-card")).to_have_count(1)
    expect(page.get_by_test_id("board-card")).to_contain_text("0 images")

    page.goto("/gallery")
    tiles = page.get_by_test_id("gallery-tile")
    expect(tiles).to_have_count(3)
    page.get_by_test_id("select-toggle").click()
    page.get_by_role("button", name="Select all shown").click()
    expect(page.get_by_test_id("selected-count")).to_have_text("3 selected")
    page.get_by_label("Board to add the selected images to").select_option(label="Keepers")
    page.get_by_test_id("add-to-board").click()
    expect(page.get_by_role("status").filter(has_text="Added 3 images to “Keepers”.")).to_be_visible()
    page.get_by_test_id("select-toggle").click()

    page.get_by_label("Board", exact=True).select_option(label="Keepers")
    expect(tiles).to_have_count(3)
    page.get_by_label("Made by").select_option(label="Upscaled")
    expect(tiles).to_have_count(1)
    expect(page).to_have_url(re.compile(r"board_id=[0-9a-f-]{36}.*operation=upscale|operation=upscale.*board_id="))
    screenshot(page, "gallery-recall")
    page.reload()  # the filters live in the address
    expect(page.get_by_label("Made by")).to_have_value("upscale")
    expect(tiles).to_have_count(1)
    expect(tiles.first).to_have_attribute("data-image-id", upscaled["id"])

    page.goto(f"/images/{upscaled['id']}")
    page.get_by_test_id("rate-4").click()
    expect(page.get_by_test_id("rate-4")).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("more-like-this").click()
    similar = page.get_by_test_id("similar-image")
    expect(similar).to_have_count(1)
    expect(similar.first).to_have_attribute("href", f"/images/{fox['id']}")
    screenshot(page, "more-like-this")
    similar.first.click()
    expect(page.get_by_test_id("image-detail")).to_have_attribute("data-image-id", fox["id"])

    page.goto("/gallery?rating_min=4")
    expect(tiles).to_have_count(1)
    page.goto("/boards")
    expect(page.get_by_test_id("board-card")).to_contain_text("3 images")
