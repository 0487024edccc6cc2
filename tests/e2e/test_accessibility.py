"""axe-core finds no serious or critical violation on any page, in the light and the dark theme."""

from __future__ import annotations

import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.conftest import PROJECT_DIR
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, screenshot, sign_in

pytestmark = pytest.mark.e2e
AXE = PROJECT_DIR / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Account:
    email: str
    user_id: str
    image_id: str
    slug: str
    checkout_id: str


@pytest.fixture(scope="module")
def account(live_stack) -> Iterator[Account]:
    """A user who bought credits, generated an image and shared it, set up through the API."""
    email = f"a11y-{uuid.uuid4().hex[:8]}@example.com"
    session = api_call(live_stack, "POST", "/v1/auth/register",
                       {"email": email, "password": PASSWORD, "display_name": "Ada"})
    token = session["access_token"]
    checkout = api_call(live_stack, "POST", "/v1/credits/checkout", {"pack_id": "starter"}, token,
                        {"Idempotency-Key": uuid.uuid4().hex})
    pay = urllib.request.Request(f"{live_stack}/_dev/checkout/{checkout['checkout_id']}/pay", b"", method="POST")
    urllib.request.urlopen(pay, timeout=20).close()
    generation = api_call(live_stack, "POST", "/v1/generations",
                          {"prompt": "a lighthouse on a cliff at dusk", "model": "placeholder"}, token,
                          {"Idempotency-Key": uuid.uuid4().hex})
    deadline = time.monotonic() + 30
    while generation["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        generation = api_call(live_stack, "GET", f"/v1/generations/{generation['id']}", token=token)
    assert generation["status"] == "succeeded", generation
    image_id = generation["images"][0]["id"]
    api_call(live_stack, "PATCH", "/v1/me", {"public_handle": f"a11y-{uuid.uuid4().hex[:8]}"}, token)
    slug = api_call(live_stack, "POST", f"/v1/images/{image_id}/publish", {}, token)["slug"]  # on Community too
    # An API key, so the keys page has a row.
    api_call(live_stack, "POST", "/v1/api-keys", {"name": "Script", "monthly_cap_credits": 500}, token)
    yield Account(email, session["user"]["id"], image_id, slug, checkout["checkout_id"])
    # Other tests count the community's images.
    token = api_call(live_stack, "POST", "/v1/auth/login", {"email": email, "password": PASSWORD})["access_token"]
    api_call(live_stack, "DELETE", f"/v1/images/{image_id}/share", token=token)


def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` in frontend/")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ['violations'] });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + n.failureSummary),
            }));
        }"""
    )
    return [f"{v['impact']} {v['id']} ({v['help']}): {v['targets']}" for v in violations if v["impact"] in BLOCKING]


def check(page, name: str, scheme: str, found: dict[str, list[str]]) -> None:
    page.wait_for_load_state("networkidle")
    screenshot(page, f"{name}-{scheme}")
    problems = serious_violations(page)
    if problems:
        found[name] = problems


# (page name, address, something that shows the page has loaded); {…} filled from the account.
PUBLIC_PAGES = [
    ("landing", "/", lambda p: p.get_by_test_id("model-prices")),
    ("signup", "/signup", lambda p: p.get_by_role("button", name="Create account")),
    ("signin", "/signin", lambda p: p.get_by_role("button", name="Sign in")),
    ("forgot-password", "/forgot-password", lambda p: p.get_by_role("heading", level=1)),
    ("reset-password", "/reset-password#token=not-a-real-token", lambda p: p.get_by_label("New password", exact=True)),
    ("community", "/community", lambda p: p.get_by_test_id("community-tile").first),
    ("share", "/s/{slug}", lambda p: p.get_by_test_id("shared-image-img")),
    ("not-found", "/no-such-page", lambda p: p.get_by_role("heading", name="Page not found")),
    ("terms", "/terms", lambda p: p.get_by_role("heading", name="Terms of service")),
    ("privacy", "/privacy", lambda p: p.get_by_role("heading", name="Privacy policy")),
    ("developers", "/developers", lambda p: p.get_by_test_id("operation").first),
    ("verify-email", "/verify-email?token=not-a-real-token", lambda p: p.get_by_test_id("verify-email-invalid")),
]
SIGNED_IN_PAGES = [
    ("dashboard", "/dashboard", lambda p: p.get_by_test_id("generation-thumb-link").first),
    ("generate", "/generate", lambda p: p.get_by_test_id("quote")),
    ("gallery", "/gallery", lambda p: p.get_by_test_id("gallery-tile").first),
    ("image-detail", "/images/{image_id}", lambda p: p.get_by_test_id("detail-image")),
    ("credits", "/credits", lambda p: p.get_by_test_id("checkout-summary")),
    ("credits-return", "/credits/return?checkout_id={checkout_id}", lambda p: p.get_by_test_id("payment-status")),
    ("transactions", "/credits/transactions", lambda p: p.get_by_test_id("transaction-row").first),
    ("settings", "/settings", lambda p: p.get_by_label("Display name", exact=True)),
    ("api-keys", "/developers/keys", lambda p: p.get_by_test_id("api-key-row").first),
    ("webhooks", "/developers/webhooks", lambda p: p.get_by_role("heading", name="Your endpoints")),
    ("admin-not-allowed", "/admin", lambda p: p.get_by_test_id("admin-not-allowed")),
    ("verify-email-signed-in", "/verify-email?token=not-a-real-token",
     lambda p: p.get_by_test_id("verify-email-invalid")),
]
ADMIN_PAGES = [
    ("admin-users", "/admin", lambda p: p.get_by_test_id("admin-user-row").first),
    ("admin-user-detail", "/admin/users/{user_id}", lambda p: p.get_by_test_id("admin-user-balance")),
    ("admin-pricing", "/admin/pricing", lambda p: p.get_by_test_id("model-toggle").first),
    ("admin-models", "/admin/models", lambda p: p.get_by_test_id("admin-model").first),
    ("admin-catalog", "/admin/catalog", lambda p: p.get_by_test_id("template-row").first),
    ("admin-packs", "/admin/packs", lambda p: p.get_by_test_id("pack-row").first),
    ("admin-reports", "/admin/reports", lambda p: p.get_by_test_id("usage-chart")),
    ("admin-metrics", "/admin/metrics", lambda p: p.get_by_test_id("metrics")),
    ("admin-audit", "/admin/audit", lambda p: p.get_by_role("heading", name="Audit log")),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_axe_violation_on_any_page(make_page, account, scheme):
    # axe is injected as a script, which the pages' CSP would refuse.
    page = make_page(color_scheme=scheme, bypass_csp=True)
    values = {"slug": account.slug, "image_id": account.image_id, "checkout_id": account.checkout_id,
              "user_id": account.user_id}
    found: dict[str, list[str]] = {}

    for name, address, ready in PUBLIC_PAGES:
        page.goto(address.format(**values))
        expect(ready(page)).to_be_visible()
        check(page, name, scheme, found)

    sign_in(page, account.email, PASSWORD)

    for name, address, ready in SIGNED_IN_PAGES:
        page.goto(address.format(**values))
        expect(ready(page)).to_be_visible(timeout=15_000)
        check(page, name, scheme, found)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)

    for name, address, ready in ADMIN_PAGES:
        page.goto(address.format(**values))
        expect(ready(page)).to_be_visible(timeout=15_000)
        check(page, name, scheme, found)

    assert not found, "\n".join(f"{name}: {problem}" for name, problems in found.items() for problem in problems)
