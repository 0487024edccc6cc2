"""axe-core on the launch kit's pages (issue 22), in the light and the dark theme, as test_accessibility.py does for
the rest."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import verify_through_outbox
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, sign_in
from tests.e2e.test_accessibility import check

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"  # pragma: allowlist secret

PUBLIC_PAGES = [
    ("unsubscribe", "/unsubscribe?token=not-a-real-token", lambda p: p.get_by_role("button", name="Unsubscribe")),
    ("contact", "/contact", lambda p: p.get_by_label("Email")),
    ("status", "/status", lambda p: p.get_by_test_id("status-component").first),
    ("waitlist", "/waitlist", lambda p: p.get_by_role("button", name="Join the waitlist")),
    ("signup-invite", "/signup?invite=PIX-TEST-CODE", lambda p: p.get_by_label("Invite code")),
    ("help", "/help", lambda p: p.get_by_test_id("help-guide").first),
    ("help-pricing", "/help/pricing", lambda p: p.get_by_test_id("help-prices")),
    ("help-faq", "/help/faq", lambda p: p.get_by_role("heading", level=1)),
    ("changelog", "/changelog", lambda p: p.get_by_role("heading", name="Unreleased")),
]
SIGNED_IN_PAGES = [
    ("settings-email", "/settings#email", lambda p: p.get_by_label("Tell me when my balance runs low")),
    ("support", "/support", lambda p: p.get_by_test_id("ticket-message").first),
    ("contact-signed-in", "/contact", lambda p: p.get_by_role("button", name="Send message")),
]
ADMIN_PAGES = [
    ("admin-support", "/admin/support", lambda p: p.get_by_test_id("ticket-row").first),
    ("admin-support-ticket", "/admin/support/{ticket_id}", lambda p: p.get_by_test_id("ticket-account")),
    ("admin-status", "/admin/status", lambda p: p.get_by_role("button", name="Post incident")),
    ("admin-beta", "/admin/beta", lambda p: p.get_by_test_id("invite-only-state")),
    ("admin-feedback", "/admin/feedback", lambda p: p.get_by_test_id("feedback-entry").first),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_axe_violation_on_the_launch_kit_pages(make_page, live_stack, scheme):
    page = make_page(color_scheme=scheme, bypass_csp=True)  # axe is injected as a script, which the CSP refuses
    email = f"a11y-kit-{uuid.uuid4().hex[:8]}@example.com"
    session = api_call(live_stack, "POST", "/v1/auth/register", {"email": email, "password": PASSWORD})
    verify_through_outbox(live_stack, email)
    ticket = api_call(live_stack, "POST", "/v1/support/tickets", {"subject": "Accessibility", "message": "Hello"},
                      session["access_token"])
    values = {"ticket_id": ticket["id"]}
    admin = api_call(live_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    api_call(live_stack, "POST", "/v1/admin/status/publish", {}, admin["access_token"])  # the page's file exists
    api_call(live_stack, "POST", "/v1/feedback", {"page": "/gallery", "message": "Lovely"}, session["access_token"])
    found: dict[str, list[str]] = {}
    for name, address, ready in PUBLIC_PAGES:
        page.goto(address)
        expect(ready(page)).to_be_visible()
        check(page, name, scheme, found)
    sign_in(page, email, PASSWORD)
    for name, address, ready in SIGNED_IN_PAGES:
        page.goto(address)
        expect(ready(page)).to_be_visible(timeout=15_000)
        check(page, name, scheme, found)
    if ADMIN_PAGES:
        page.get_by_role("button", name="Sign out").click()
        sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
        for name, address, ready in ADMIN_PAGES:
            page.goto(address.format(**values))
            expect(ready(page)).to_be_visible(timeout=15_000)
            check(page, name, scheme, found)
    assert not found, "\n".join(f"{name}: {problem}" for name, problems in found.items() for problem in problems)
