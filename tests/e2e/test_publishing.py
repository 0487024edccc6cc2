"""Issue 20, "Share is not publish", in Chromium against the local stack: a private link stays off Community,
publishing asks once for a public handle, Community searches, likes (aria-pressed) and reports, and an admin hides a
reported image from the reports queue."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.conftest import verify_through_outbox
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, screenshot, sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"  # pragma: allowlist secret


@dataclass(frozen=True)
class Account:
    email: str
    token: str
    image_id: str
    word: str  # a word only this account's prompt holds, to search Community for


def make_account(live_stack: str, prefix: str) -> Account:
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    session = api_call(live_stack, "POST", "/v1/auth/register", {"email": email, "password": PASSWORD})
    verify_through_outbox(live_stack, email)
    token = session["access_token"]
    word = f"zebra{uuid.uuid4().hex[:6]}"
    generation = api_call(live_stack, "POST", "/v1/generations",
                          {"prompt": f"a {word} on a beach", "model": "placeholder", "size": "512x512"}, token,
                          {"Idempotency-Key": uuid.uuid4().hex})
    deadline = time.monotonic() + 60
    while generation["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.25)
        generation = api_call(live_stack, "GET", f"/v1/generations/{generation['id']}", token=token)
    assert generation["status"] == "succeeded", generation
    return Account(email, token, generation["images"][0]["id"], word)


@pytest.fixture
def artist(live_stack):
    account = make_account(live_stack, "artist")
    yield account
    # Other tests count Community's images: take this one off it again.
    api_call(live_stack, "DELETE", f"/v1/images/{account.image_id}/share", token=account.token)


# Every page here runs axe, injected as a script, which the pages' CSP would refuse: bypass_csp.


def tile(page, slug: str):
    return page.locator(f'[data-testid="community-tile"][data-slug="{slug}"]')


def slug_of(share_url: str) -> str:
    match = re.search(r"/v1/public/images/([A-Za-z0-9_-]+)/page$", share_url)
    assert match, share_url
    return match.group(1)


def test_a_private_link_stays_off_community_and_publishing_asks_once_for_a_handle(make_page, live_stack, artist):
    page = make_page(bypass_csp=True)
    sign_in(page, artist.email)
    page.goto(f"/images/{artist.image_id}")
    page.get_by_role("button", name="Copy private link").click()
    link = page.get_by_label("Share link")
    expect(link).to_have_value(re.compile(r"/v1/public/images/[A-Za-z0-9_-]+/page$"))
    expect(page.get_by_text("It is not listed in Community")).to_be_visible()
    slug = slug_of(link.input_value())

    visitor = first_visitor = make_page(bypass_csp=True)
    visitor.goto("/community")
    expect(visitor.get_by_role("heading", name="Community", level=1)).to_be_visible()
    visitor.wait_for_load_state("networkidle")
    expect(tile(visitor, slug)).to_have_count(0)

    page.get_by_test_id("publish-button").click()
    dialog = page.get_by_role("dialog", name="Choose a public handle")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Public handle", exact=True)).to_be_focused()
    assert serious_violations(page) == []
    page.get_by_label("Public handle", exact=True).fill("x")
    dialog.get_by_role("button", name="Save and publish").click()
    expect(dialog.get_by_role("alert")).to_contain_text("3 to 30")
    handle = f"artist-{uuid.uuid4().hex[:8]}"
    page.get_by_label("Public handle", exact=True).fill(handle)
    dialog.get_by_role("button", name="Save and publish").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("unpublish-button")).to_be_visible()
    expect(page.get_by_text("It is also listed in Community")).to_be_visible()
    screenshot(page, "publishing-share-panel")

    visitor = make_page(bypass_csp=True)  # a new one: anonymous readers may keep Community for 30 s
    visitor.goto("/community")
    expect(tile(visitor, slug)).to_have_count(1)
    expect(tile(visitor, slug)).to_contain_text(handle)
    expect(tile(visitor, slug)).not_to_contain_text(artist.email.split("@")[0])
    assert serious_violations(visitor) == []

    # Removing it from Community asks nothing; publishing again needs no handle dialog.
    page.get_by_test_id("unpublish-button").click()
    expect(page.get_by_test_id("publish-button")).to_be_visible()
    page.get_by_test_id("publish-button").click()
    expect(page.get_by_test_id("unpublish-button")).to_be_visible()
    expect(page.get_by_role("dialog", name="Choose a public handle")).to_be_hidden()
    assert page.console_errors == [] and visitor.console_errors == [] and first_visitor.console_errors == []


def test_community_searches_likes_and_reports_and_an_admin_hides_it(make_page, live_stack, artist):
    api_call(live_stack, "PATCH", "/v1/me", {"public_handle": f"a-{uuid.uuid4().hex[:10]}"}, artist.token)
    slug = api_call(live_stack, "POST", f"/v1/images/{artist.image_id}/publish", token=artist.token)["slug"]
    fan = make_account(live_stack, "fan")

    page = make_page(bypass_csp=True)
    sign_in(page, fan.email)
    page.goto("/community")
    page.get_by_role("searchbox", name="Search prompts").fill(artist.word)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("community-tile")).to_have_count(1)
    expect(tile(page, slug)).to_contain_text(artist.word)

    like = tile(page, slug).get_by_test_id("like-button")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(tile(page, slug).get_by_test_id("like-count")).to_have_text("1")
    page.reload()
    page.get_by_role("searchbox", name="Search prompts").fill(artist.word)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(tile(page, slug).get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")

    tile(page, slug).get_by_test_id("report-button").click()
    dialog = page.get_by_role("dialog", name="Report this image")
    expect(dialog).to_be_visible()
    assert serious_violations(page) == []
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Choose a reason")
    dialog.get_by_label("Spam").check()
    dialog.get_by_label("Anything to add (optional)").fill("same picture posted all day")
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text("The moderators will look at this image.")).to_be_attached()
    screenshot(page, "publishing-community")

    admin = make_page(bypass_csp=True)
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/admin/community-reports")
    row = admin.locator(f'[data-testid="report-row"][data-slug="{slug}"]')
    expect(row).to_contain_text("same picture posted all day")
    expect(row).to_contain_text("Spam")
    assert serious_violations(admin) == []
    screenshot(admin, "publishing-admin-reports")
    row.get_by_test_id("hide-button").click()
    expect(row).to_have_count(0)

    visitor = make_page(bypass_csp=True)
    visitor.goto("/community")
    visitor.wait_for_load_state("networkidle")
    expect(tile(visitor, slug)).to_have_count(0)
    with pytest.raises(Exception, match="404"):
        api_call(live_stack, "GET", f"/v1/public/images/{slug}")
    assert page.console_errors == [] and admin.console_errors == [] and visitor.console_errors == []
