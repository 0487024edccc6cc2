"""A newcomer signs up in the browser, sees the dashboard, reloads, signs out and back in."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import origin_of, verify_through_outbox
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def test_sign_up_lands_on_the_dashboard_and_the_session_survives_reload(page):
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/")
    expect(page).to_have_title(re.compile("Pixmint"))
    screenshot(page, "landing")

    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Display name").fill("Ada")
    screenshot(page, "signup")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name=re.compile("Ada"))).to_be_visible()
    verify_through_outbox(origin_of(page), email)  # the bonus comes with the emailed link
    page.reload()
    expect(page.get_by_test_id("balance")).to_have_text(re.compile(r"\b50\b"))
    screenshot(page, "dashboard")

    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Ada"))).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/signin"))

    sign_in(page, email, PASSWORD, open_page=False)  # the form /dashboard sent us to
    assert page.console_errors == []


def test_errors_from_the_api_show_next_to_the_field(page, live_stack):
    page.goto("/signup")
    page.get_by_label("Email").fill(f"weak-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password", exact=False).first.fill("1234567890")
    page.get_by_role("button", name="Create account").click()
    field = page.get_by_label("Password", exact=False).first
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(re.compile("too common"))).to_be_visible()
    screenshot(page, "signup-error")


def test_frontend_is_served_with_a_strict_content_security_policy(page, live_stack):
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert page.request.get(f"{live_stack}/some/client/route").status == 200
