"""The landing page's showcase in Chromium (issue 20): an admin features a Community image from Community, the
landing page shows it in place of an example, credited to its author's handle, without moving the page."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, sign_in
from tests.e2e.test_publishing import artist, tile  # noqa: F401 - the fixture, found by name

pytestmark = pytest.mark.e2e


def test_an_admin_features_a_community_image_and_the_landing_page_shows_it(make_page, live_stack, artist):  # noqa: F811
    api_call(live_stack, "PATCH", "/v1/me", {"public_handle": f"artist_{uuid.uuid4().hex[:6]}"}, artist.token)
    slug = api_call(live_stack, "POST", f"/v1/images/{artist.image_id}/publish", token=artist.token)["slug"]
    page = make_page()
    page.goto("/")
    expect(page.get_by_test_id("example-item")).to_have_count(3)
    top = page.get_by_test_id("pricing-packs").bounding_box()

    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/community")
    button = tile(page, slug).get_by_test_id("feature-button")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")

    visitor = make_page()
    visitor.goto("/")
    featured = visitor.get_by_test_id("showcase-item")
    expect(featured).to_have_count(1)
    expect(featured).to_contain_text(artist.word)
    expect(visitor.get_by_test_id("example-item")).to_have_count(2)
    assert visitor.get_by_test_id("pricing-packs").bounding_box()["y"] == pytest.approx(top["y"], abs=1), \
        "a featured image takes an example's place and moves nothing below"
    featured.get_by_role("link").click()
    expect(visitor).to_have_url(f"{live_stack}/s/{slug}")

    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    assert api_call(live_stack, "GET", "/v1/showcase")["items"] == []
    assert not page.console_errors and not visitor.console_errors
