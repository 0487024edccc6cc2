"""Email confirmation, password advice, two-factor sign-in and sessions, in the browser against the live stack."""

from __future__ import annotations

import re
import time
import urllib.error
import uuid

import pyotp
import pytest
from playwright.sync_api import expect

from devstack.embedded import verification_token
from tests.conftest import running_local_stack
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, screenshot, sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"
OTHER_BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(scope="module")
def live_stack(pg_server_url, tmp_path_factory):
    """A stack of its own: the wrong codes and passwords tried here count against 127.0.0.1 in the sign-in
    throttle, and the admin gets two-factor on, neither of which the other browser tests should meet."""
    with running_local_stack(pg_server_url, tmp_path_factory.mktemp("security-stack"), "pixmint_e2e_security") as url:
        yield url


def sign_up(page, prefix: str) -> str:
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Display name").fill("Ada")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    return email


def sign_out(page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))


def assert_accessible(page, name: str) -> None:
    screenshot(page, name)
    problems = serious_violations(page)
    assert not problems, "\n".join(problems)


def wrong_code(totp: pyotp.TOTP) -> str:
    """A six-digit code the server's ±1 step window does not take now."""
    valid = {totp.at(time.time() + drift) for drift in (-60, -30, 0, 30, 60)}
    return next(code for code in ("123456", "654321", "111222") if code not in valid)


def test_the_banner_stays_until_the_emailed_link_is_followed_and_the_bonus_arrives(page, live_stack):
    email = sign_up(page, "verify")
    banner = page.get_by_test_id("verify-email-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(email)
    expect(page.get_by_test_id("balance")).to_have_text("0")

    banner.get_by_role("button", name="Resend email").click()
    expect(page.get_by_test_id("resend-status")).to_contain_text(f"We sent a new link to {email}")
    # The sign-up email and four more fill the hour's allowance; the next ask is told when to come back.
    token = api_call(live_stack, "POST", "/v1/auth/login", {"email": email, "password": PASSWORD})["access_token"]
    for _ in range(3):
        api_call(live_stack, "POST", "/v1/auth/verify-email/resend", {}, token)
    banner.get_by_role("button", name="Resend email").click()
    expect(page.get_by_test_id("resend-status")).to_contain_text(
        re.compile(r"ask again in \d+ (minutes?|hours?) \(after "))
    screenshot(page, "verify-banner-throttled")

    link = f"/verify-email?token={verification_token(live_stack, email)}"
    page.goto(link)
    success = page.get_by_test_id("verify-email-success")
    expect(success).to_be_visible()
    expect(success.get_by_test_id("balance")).to_have_text("50")
    expect(page.get_by_test_id("header-balance")).to_contain_text("50 credits")
    expect(page).to_have_url(re.compile(r"/verify-email$"))  # the token is dropped from the address
    screenshot(page, "verify-email-success")

    success.get_by_role("link", name="Go to your dashboard").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_test_id("balance")).to_have_text("50")
    expect(banner).to_have_count(0)

    page.goto(link)  # a link works once
    expect(page.get_by_test_id("verify-email-invalid")).to_be_visible()
    expect(page.get_by_text("Your email address is confirmed already.")).to_be_visible()
    expect(banner).to_have_count(0)


def test_the_emailed_reset_link_sets_a_new_password_and_leaves_no_token_in_the_address(page, live_stack):
    email = sign_up(page, "reset")
    sign_out(page)
    page.goto("/forgot-password")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_text("If an account exists for that email, a reset link is on its way.")).to_be_visible()
    token = verification_token(live_stack, email, path="/reset-password")
    page.goto(f"/reset-password?token={token}")  # the link as the email has it (shared/API.md)
    expect(page).to_have_url(re.compile(r"/reset-password$"))
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")  # pragma: allowlist secret
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    page.goto(f"/reset-password#token={token}")  # a link from before, as a fragment: read, and used already
    page.get_by_label("New password", exact=True).fill("another new passphrase")  # pragma: allowlist secret
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("link", name="Request a new reset link")).to_be_visible()
    new = {"email": email, "password": "a brand new passphrase"}  # pragma: allowlist secret - a test password
    assert api_call(live_stack, "POST", "/v1/auth/login", new)["access_token"]


def test_a_weak_password_gets_zxcvbn_advice_beside_the_field(page):
    page.goto("/signup")
    page.get_by_label("Email").fill(f"weak-{uuid.uuid4().hex[:8]}@example.com")
    password = page.get_by_label("Password", exact=True)
    password.fill("abcdefgh1234")
    page.get_by_role("button", name="Create account").click()

    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_be_focused()
    expect(page.locator("#password-error")).to_contain_text("Sequences like")
    feedback = page.get_by_test_id("password-feedback")
    expect(feedback).to_contain_text(re.compile(r"Strength: (very weak|weak|fair) \(\d of 4; 3 or more needed\)"))
    expect(feedback.get_by_role("listitem").filter(has_text="Avoid sequences")).to_be_visible()
    assert "password-feedback" in password.get_attribute("aria-describedby").split()
    screenshot(page, "signup-weak-password")

    password.fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_two_factor_set_up_then_signing_in_needs_a_code_or_a_recovery_code(make_page):
    # axe is injected as a script, which the pages' CSP would refuse.
    page = make_page(bypass_csp=True)
    email = sign_up(page, "totp")
    page.goto("/settings")
    section = page.get_by_role("region", name="Two-factor sign-in")
    expect(section.get_by_test_id("two-factor-status")).to_contain_text("off")
    section.get_by_role("button", name="Set up two-factor sign-in").click()

    expect(section.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    expect(section.get_by_role("link", name=re.compile("set-up link"))).to_have_attribute(
        "href", re.compile(r"^otpauth://totp/"))
    secret = section.get_by_label(re.compile("Type this key into the app")).input_value()
    totp = pyotp.TOTP(re.sub(r"\s+", "", secret))
    assert_accessible(page, "two-factor-setup")

    code = section.get_by_label("6-digit code from the app")
    code.fill(wrong_code(totp))
    section.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#setup_code-error")).to_contain_text("not right")
    code.fill(totp.now())
    section.get_by_role("button", name="Turn on two-factor sign-in").click()

    recovery = section.get_by_test_id("recovery-code")
    expect(recovery).to_have_count(10)
    codes = recovery.all_inner_texts()
    expect(section.get_by_role("button", name="Download codes (.txt)")).to_be_visible()
    assert_accessible(page, "two-factor-recovery-codes")
    with page.expect_download() as download:
        section.get_by_role("button", name="Download codes (.txt)").click()
    assert download.value.suggested_filename == "pixmint-recovery-codes.txt"
    section.get_by_role("button", name="I've saved my recovery codes").click()
    expect(section.get_by_test_id("two-factor-status")).to_contain_text("on")
    expect(recovery).to_have_count(0)
    sign_out(page)

    sign_in(page, email, lands_on=None)  # the second factor is asked for next
    expect(page.get_by_test_id("two-factor-step")).to_be_visible()
    code = page.get_by_label("Code from your authenticator app")
    expect(code).to_be_focused()
    assert_accessible(page, "signin-two-factor")
    code.fill(wrong_code(totp))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#code-error")).to_contain_text("not right")
    # Each time step works once: the set-up used the current one, so sign in with the next.
    code.fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    sign_out(page)

    sign_in(page, email, lands_on=None)
    page.get_by_role("button", name="Use a recovery code instead").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    page.goto("/settings")
    section = page.get_by_role("region", name="Two-factor sign-in")
    section.get_by_label("Code from your app, or a recovery code").fill(codes[1])
    section.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Two-factor sign-in is off")
    expect(section.get_by_test_id("two-factor-status")).to_contain_text("off")


def test_sessions_list_this_device_and_signing_out_another_ends_it(page, live_stack):
    email = sign_up(page, "sessions")
    other = api_call(live_stack, "POST", "/v1/auth/login", {"email": email, "password": PASSWORD},
                     headers={"User-Agent": OTHER_BROWSER})

    page.goto("/settings")
    sessions = page.get_by_role("region", name="Sessions")
    rows = sessions.get_by_test_id("session-row")
    expect(rows).to_have_count(2)
    current = rows.filter(has_text="This device")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("data-current", "true")
    expect(current).to_contain_text("Chrome on Linux")
    expect(current.get_by_role("button")).to_have_count(0)
    firefox = rows.filter(has_text="Firefox on Windows")
    expect(firefox).to_contain_text("IP address")
    screenshot(page, "settings-sessions")

    firefox.get_by_role("button", name=re.compile(r"^Sign out Firefox on Windows")).click()
    expect(page.get_by_test_id("toast")).to_contain_text("Signed out of Firefox on Windows.")
    expect(rows).to_have_count(1)
    expect(page.get_by_role("heading", name="Sessions")).to_be_focused()
    with pytest.raises(urllib.error.HTTPError) as refused:
        api_call(live_stack, "POST", "/v1/auth/refresh", {"refresh_token": other["refresh_token"]})
    assert refused.value.code == 401

    page.reload()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-current", "true")


def test_an_admin_without_two_factor_is_sent_to_settings_to_set_it_up(page):
    # The local stage lets admins in without 2FA, so the API's answer elsewhere is played here.
    refusal = {"error": {"code": "forbidden",
                         "message": "Turn on two-factor sign-in (Settings) to use the admin pages.",
                         "details": {"reason": "two_factor_required"}}, "request_id": "e2e"}
    page.route("**/v1/admin/**", lambda route: route.fulfill(status=403, json=refusal))
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)

    page.goto("/admin")
    notice = page.get_by_test_id("admin-needs-two-factor")
    expect(notice).to_contain_text("need two-factor sign-in")
    screenshot(page, "admin-needs-two-factor")
    notice.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page).to_have_url(re.compile(r"/settings#two-factor$"))
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_focused()
