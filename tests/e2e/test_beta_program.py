"""The beta program in the browser (issue 22): the waitlist, an admin inviting in a batch while sign-up is
invite-only, the invitation's link signing up, and the feedback button reaching the admin area."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call
from tests.e2e.conftest import PASSWORD, emailed_link, screenshot, sign_in

pytestmark = pytest.mark.e2e


def invitation_link(base_url: str, email: str) -> str:
    return emailed_link(base_url, email, r"/signup\?invite=[A-Z0-9-]+")


def test_a_waitlisted_visitor_is_invited_and_signs_up_while_sign_up_is_invite_only(page, make_page, live_stack):
    email = f"waiting-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/waitlist")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_test_id("waitlist-joined")).to_contain_text(email)

    admin = make_page()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    token = api_call(live_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    try:
        admin.goto("/admin/beta")
        if "Open: anyone" in admin.get_by_test_id("invite-only-state").inner_text():
            admin.get_by_role("button", name="Make sign-up invite-only").click()
        expect(admin.get_by_test_id("invite-only-state")).to_contain_text("Invite-only")
        admin.get_by_test_id("waitlist-entry").filter(has_text=email).get_by_role("checkbox").check()
        admin.get_by_role("button", name="Invite the 1 chosen").click()
        expect(admin.get_by_test_id("beta-notice")).to_contain_text("Invited 1 address")
        screenshot(admin, "admin-beta")

        page.goto("/signup")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_label("Invite code")).to_be_visible()
        expect(page.get_by_role("link", name="Join the waitlist")).to_be_visible()

        page.goto(invitation_link(live_stack, email))
        expect(page.get_by_label("Invite code")).to_have_value(re.compile(r"^PIX-"))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page).to_have_url(re.compile(r"/dashboard$"))
    finally:
        api_call(live_stack, "PATCH", "/v1/admin/settings", {"invite_only": False}, token["access_token"])

    page.get_by_role("button", name="Feedback").click()
    dialog = page.get_by_test_id("feedback-dialog")
    dialog.get_by_label("4").check()
    dialog.get_by_label("Your feedback").fill("The dashboard is lovely.")
    dialog.get_by_role("button", name="Send feedback").click()
    expect(dialog.get_by_text("Thank you! The team reads every note.")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()

    admin.goto("/admin/feedback")
    entry = admin.get_by_test_id("feedback-entry").filter(has_text="The dashboard is lovely.")
    expect(entry).to_contain_text("/dashboard")
    expect(entry).to_contain_text(email)
    expect(entry).to_contain_text("rated 4 of 5")
    assert [e for e in page.console_errors if "403" not in e] == [], page.console_errors
    assert admin.console_errors == [], admin.console_errors
