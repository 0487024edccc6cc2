"""The pricing, billing and admin plans pages in the browser (issue 18), on a local stack whose Stripe is the fake
Stripe server the real SDK talks to: choose a plan, come back subscribed, cancel at the period's end, open the
portal."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from chalicelib.adapters.local_checkout import sign_webhook
from tests.conftest import running_local_stack, verify_through_outbox
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, _watched, api_call, sign_in
from tests.e2e.test_accessibility import check
from tests.fake_stripe import WEBHOOK_SECRET, stripe_settings

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"  # pragma: allowlist secret
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def billing_stack(pg_server_url, tmp_path_factory, fake_stripe):
    with running_local_stack(pg_server_url, tmp_path_factory.mktemp("billing"), prefix="pixmint_billing",
                             extra_env=stripe_settings(fake_stripe)) as url:
        yield url


@pytest.fixture
def open_page(browser, billing_stack, request):
    contexts = []

    def make(**options):
        context = browser.new_context(**{"base_url": billing_stack, "viewport": DESKTOP, **options})
        contexts.append(context)
        page = context.new_page()
        _watched(page, request.node)
        # Stripe's hosted pages are outside this machine: stand in for them with a page that names the address.
        page.route(re.compile(r"https://(checkout|billing)\.stripe\.test/.*"),
                   lambda route: route.fulfill(content_type="text/html", body="<title>Stripe</title><h1>Stripe</h1>"))
        return page

    yield make
    for context in contexts:
        context.close()


def account(base: str) -> str:
    email = f"billing-{uuid.uuid4().hex[:8]}@example.com"
    api_call(base, "POST", "/v1/auth/register", {"email": email, "password": PASSWORD})
    verify_through_outbox(base, email)
    return email


def deliver(base: str, events: list[dict]) -> None:
    for event in events:
        payload = json.dumps(event).encode()
        request = urllib.request.Request(base + "/v1/webhooks/stripe", payload, method="POST", headers={
            "Content-Type": "application/json", "Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET)})
        with urllib.request.urlopen(request, timeout=20) as reply:
            assert reply.status == 200


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_pricing_shows_plans_and_packs_in_images_and_sends_the_signed_out_to_sign_up(open_page, viewport):
    page = open_page(viewport=viewport)
    page.goto("/")
    page.get_by_test_id("pricing-link").click()
    expect(page).to_have_url(re.compile(r"/pricing$"))
    creator = page.get_by_test_id("plan-creator-monthly")
    expect(creator).to_contain_text("$12.00")
    expect(creator).to_contain_text("1,500 credits")
    expect(creator).to_contain_text("5% off credit packs")
    expect(creator).to_contain_text("images with")  # what the allowance buys with the default model
    expect(page.get_by_test_id("plan-creator-yearly")).to_have_count(0)
    page.get_by_text("Yearly").click()
    expect(page.get_by_test_id("plan-studio-yearly")).to_contain_text("$390.00")
    expect(page.get_by_test_id("plan-creator-monthly")).to_have_count(0)
    expect(page.get_by_test_id("pricing-pack-plus")).to_contain_text("images with")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "nothing wider than the screen"
    page.get_by_role("button", name="Choose Studio").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    assert not page.console_errors


def test_subscribe_come_back_cancel_at_period_end_and_open_the_portal(open_page, billing_stack, fake_stripe):
    email = account(billing_stack)
    page = open_page()
    sign_in(page, email, PASSWORD)
    page.goto("/billing")
    expect(page.get_by_test_id("no-subscription")).to_be_visible()
    page.get_by_role("link", name="See plans").click()
    page.get_by_role("button", name="Choose Creator").click()
    expect(page).to_have_url(re.compile(r"https://checkout\.stripe\.test/pay/cs_"))
    session_id = page.url.rsplit("/", 1)[1]
    deliver(billing_stack, fake_stripe.complete_subscription_checkout(session_id))

    page.goto("/billing")
    expect(page.get_by_test_id("subscription-status")).to_have_text("Active")
    expect(page.get_by_test_id("subscription")).to_contain_text("1,500 credits every month")
    expect(page.get_by_text("Renews", exact=True)).to_be_visible()
    page.get_by_role("button", name="Cancel at the end of the period").click()
    expect(page.get_by_text("Ends", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Keep my plan")).to_be_visible()
    [stripe_sub] = [s for s in fake_stripe.subscriptions.values() if s["customer"] == fake_stripe.sessions[session_id][
        "customer"]]
    assert stripe_sub["cancel_at_period_end"] is True, "Stripe was told, not just our page"

    page.goto("/pricing")
    page.get_by_role("button", name="Choose Studio").click()
    expect(page.get_by_role("alert")).to_contain_text("You already have a plan")

    page.goto("/billing")
    page.get_by_role("button", name="Manage card and invoices").click()
    expect(page).to_have_url(re.compile(r"https://billing\.stripe\.test/p/session/\d+"))
    # Chromium logs the answers this test asked for: 404 (no subscription yet) and 409 (a second plan).
    expected = re.compile(r"Failed to load resource: .* status of (404|409) ")
    assert [e for e in page.console_errors if not expected.match(e)] == []


def test_an_admin_adds_a_plan_that_goes_on_sale(open_page, billing_stack):
    page = open_page()
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/admin/plans")
    expect(page.get_by_test_id("plan-row").first).to_be_visible()
    page.get_by_label("Id").fill("hobby-monthly")
    page.get_by_label("Name").fill("Hobby")
    page.get_by_label("Price (USD)").fill("5")
    page.get_by_label("Credits each month").fill("600")
    page.get_by_label("Pack discount (%)").fill("3")
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_test_id("plan-row").filter(has_text="hobby-monthly")).to_contain_text("Hobby")
    plans = api_call(billing_stack, "GET", "/v1/billing/plans")["items"]
    hobby = next(p for p in plans if p["id"] == "hobby-monthly")
    assert (hobby["amount_cents"], hobby["monthly_credits"], hobby["perks"]["pack_discount_percent"]) == (500, 600, 3)
    assert not page.console_errors


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_axe_violation_on_the_billing_pages(open_page, billing_stack, scheme):
    page = open_page(color_scheme=scheme, bypass_csp=True)  # axe is injected as a script, which the CSP refuses
    found: dict[str, list[str]] = {}
    page.goto("/pricing")
    expect(page.get_by_test_id("plan-creator-monthly")).to_be_visible()
    check(page, "pricing", scheme, found)
    sign_in(page, account(billing_stack), PASSWORD)
    page.goto("/billing")
    expect(page.get_by_test_id("no-subscription")).to_be_visible()
    check(page, "billing", scheme, found)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/admin/plans")
    expect(page.get_by_test_id("plan-row").first).to_be_visible()
    check(page, "admin-plans", scheme, found)
    assert not found, found
