"""The admin pages at a laptop's and a phone's width: tables that fit, audit entries as diffs with filters, a word
before unsaved changes are left, and the pricing table's margin."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, api_call, screenshot, sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
MINUS = "\u2212"


def admin_token(live_stack: str) -> str:
    return api_call(live_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})[
        "access_token"]


@dataclass(frozen=True)
class Scene:
    email: str
    user_id: str
    grant_reason: str


@pytest.fixture(scope="module")
def scene(live_stack) -> Scene:
    """A user granted 1,050 credits (an audit entry), with an API key and one generation, so every admin table has
    rows."""
    admin = admin_token(live_stack)
    email = f"polish-{uuid.uuid4().hex[:8]}@example.com"
    session = api_call(live_stack, "POST", "/v1/auth/register",
                       {"email": email, "password": PASSWORD, "display_name": "Polly"})
    user_id = session["user"]["id"]
    reason = f"Goodwill {uuid.uuid4().hex[:6]}"
    api_call(live_stack, "POST", f"/v1/admin/users/{user_id}/credits", {"delta": 1050, "reason": reason}, admin)
    api_call(live_stack, "POST", "/v1/api-keys", {"name": "Script", "monthly_cap_credits": 5000},
             session["access_token"])
    generation = api_call(live_stack, "POST", "/v1/generations",
                          {"prompt": "a paper boat on a pond at first light, seen from above", "model": "placeholder"},
                          session["access_token"], {"Idempotency-Key": uuid.uuid4().hex})
    deadline = time.monotonic() + 30
    while generation["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        generation = api_call(live_stack, "GET", f"/v1/generations/{generation['id']}", token=session["access_token"])
    assert generation["status"] == "succeeded", generation
    return Scene(email, user_id, reason)


@pytest.fixture
def placeholder_price(live_stack):
    """One placeholder preset price, set to 5 credits and $0.0125 for the test and put back afterwards."""
    admin = admin_token(live_stack)
    rows = api_call(live_stack, "GET", "/v1/admin/pricing", token=admin)["items"]
    before = next(row for row in rows if row["model"] == "placeholder")
    api_call(live_stack, "PUT", "/v1/admin/pricing",
             {"items": [{**before, "credits": 5, "provider_cost_usd": 0.0125}], "rates": []}, admin)
    yield before
    api_call(live_stack, "PUT", "/v1/admin/pricing", {"items": [before], "rates": []}, admin_token(live_stack))


def admin_page(make_page, size: str):
    page = make_page(viewport=SIZES[size], has_touch=size == "phone", bypass_csp=True)  # bypass_csp: axe's script
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    return page


def price_row(page, row: dict):
    return page.locator(f'[data-testid="price-row"][data-model="{row["model"]}"][data-size="{row["size"]}"]'
                        f'[data-quality="{row["quality"]}"]')


# What a table cell that cuts off its content, or a table wider than its box, looks like from the page.
CLIPPED = """() => {
    const out = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) out.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
    for (const wrap of document.querySelectorAll('.table-wrap')) {
        const name = wrap.querySelector('caption')?.textContent ?? '?';
        if (wrap.scrollWidth > wrap.clientWidth + 1) out.push(`${name}: ${wrap.scrollWidth} > ${wrap.clientWidth}`);
        const box = wrap.getBoundingClientRect();
        for (const cell of wrap.querySelectorAll('th, td')) {
            const rect = cell.getBoundingClientRect();
            if (!rect.width) continue;
            if (cell.scrollWidth > cell.clientWidth + 1 || rect.right > box.right + 1 || rect.left < box.left - 1)
                out.push(`${name}: cell "${cell.textContent.trim().slice(0, 40)}" is cut off`);
        }
    }
    return out;
}"""

ADMIN_TABLES = [
    ("users", "/admin", "admin-users-table"),
    ("user", "/admin/users/{user_id}", "admin-user-balance"),
    ("pricing", "/admin/pricing", "price-table"),
    ("catalog", "/admin/catalog", "template-table"),
    ("packs", "/admin/packs", "pack-table"),
    ("reports", "/admin/reports", "report-table"),
    ("metrics", "/admin/metrics", "metrics-generations"),
    ("audit", "/admin/audit", "audit-table"),
]


@pytest.mark.parametrize("size", SIZES)
def test_every_admin_table_fits_without_a_clipped_column(make_page, scene, size):
    page = admin_page(make_page, size)
    found: dict[str, list[str]] = {}
    for name, address, ready in ADMIN_TABLES:
        page.goto(address.format(user_id=scene.user_id))
        expect(page.get_by_test_id(ready)).to_be_visible(timeout=15_000)
        page.wait_for_load_state("networkidle")
        assert page.locator(".table-wrap").count() > 0, name
        problems = page.evaluate(CLIPPED) + serious_violations(page)
        if problems:
            found[name] = problems
        screenshot(page, f"admin-fit-{name}-{size}")
    assert not found, "\n".join(f"{name}: {problem}" for name, problems in found.items() for problem in problems)
    assert page.console_errors == [], page.console_errors


@pytest.mark.parametrize("size", SIZES)
def test_an_audit_entry_reads_as_a_diff_and_the_log_filters_by_action_and_admin(make_page, live_stack, scene, size):
    # A second admin, whose one action the "Who" filter must single out.
    admin = admin_token(live_stack)
    other = f"second-admin-{uuid.uuid4().hex[:8]}@example.com"
    registered = api_call(live_stack, "POST", "/v1/auth/register",
                          {"email": other, "password": PASSWORD, "display_name": "Ola"})
    api_call(live_stack, "PATCH", f"/v1/admin/users/{registered['user']['id']}", {"role": "admin"}, admin)
    other_token = api_call(live_stack, "POST", "/v1/auth/login", {"email": other, "password": PASSWORD})["access_token"]
    api_call(live_stack, "PUT", "/v1/admin/models/placeholder", {"enabled": True}, other_token)

    page = admin_page(make_page, size)
    page.goto("/admin/audit")
    grant = page.get_by_test_id("audit-row").filter(has_text=scene.grant_reason)
    expect(grant).to_have_count(1)
    expect(grant).to_have_attribute("data-action", "credits.adjust")
    expect(grant.get_by_test_id("audit-change")).to_have_count(3)
    balance, delta, reason = (grant.locator(f'[data-testid="audit-change"][data-key="{key}"]')
                              for key in ("balance", "delta", "reason"))
    expect(balance.get_by_test_id("diff-before")).to_have_text("0")
    expect(balance.get_by_test_id("diff-after")).to_have_text("1,050")
    expect(delta.get_by_test_id("diff-before")).to_have_text("—nothing")  # a dash, and "nothing" for screen readers
    expect(delta.get_by_test_id("diff-after")).to_have_text("1,050")
    expect(reason.get_by_test_id("diff-after")).to_have_text(scene.grant_reason)
    # The stored JSON is only behind "Full record", not what the row shows.
    shown = grant.locator("td.audit-changes").inner_text()
    assert '"balance"' not in shown and "{" not in shown, shown
    grant.get_by_text("Full record").click()
    expect(grant.locator("pre").first).to_be_visible()
    expect(grant.locator("pre").last).to_contain_text('"delta": 1050')
    screenshot(page, f"admin-audit-diff-{size}")

    page.get_by_label("Action", exact=True).select_option("credits.adjust")
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    assert set(rows.evaluate_all("rows => rows.map((row) => row.dataset.action)")) == {"credits.adjust"}
    expect(page.get_by_test_id("audit-count")).to_contain_text("loaded entries match")
    expect(page).to_have_url(re.compile(r"/admin/audit\?action=credits\.adjust$"))
    page.reload()
    expect(page.get_by_label("Action", exact=True)).to_have_value("credits.adjust")
    expect(grant).to_have_count(1)

    page.get_by_label("Action", exact=True).select_option("")
    page.get_by_label("Who", exact=True).select_option(other)
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-action", "model.update")
    expect(rows.get_by_role("cell", name=other)).to_have_count(1)
    enabled = rows.locator('[data-testid="audit-change"][data-key="enabled"]')
    expect(enabled.get_by_test_id("diff-before")).to_have_text("no")
    expect(enabled.get_by_test_id("diff-after")).to_have_text("yes")
    page.get_by_label("Action", exact=True).select_option("credits.adjust")
    expect(page.get_by_test_id("audit-none-match")).to_be_visible()
    page.get_by_role("button", name="Clear filters").click()
    expect(grant).to_have_count(1)
    problems = serious_violations(page)
    assert not problems, "\n".join(problems)
    assert page.console_errors == [], page.console_errors


def leave_by_admin_link(page, label: str):
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name=label, exact=True).click()


@pytest.mark.parametrize("size", SIZES)
def test_leaving_a_dirty_admin_form_asks_first(make_page, placeholder_price, size):
    page = admin_page(make_page, size)
    page.goto("/admin/audit")
    leave_by_admin_link(page, "Pricing & settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pricing & settings")
    dialog = page.get_by_test_id("unsaved-changes-dialog")
    credits = price_row(page, placeholder_price).get_by_test_id("price-credits")
    expect(credits).to_have_value("5")

    # Clean: the links just work.
    leave_by_admin_link(page, "Metrics")
    expect(page).to_have_url(re.compile(r"/admin/metrics$"))
    page.go_back()
    expect(credits).to_have_value("5")

    # A link while a price is edited: the app's own dialog; Cancel stays, with the edit.
    credits.fill("6")
    expect(page.get_by_text("1 unsaved change.")).to_be_visible()
    leave_by_admin_link(page, "Audit log")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Leave without saving?")
    expect(page).to_have_url(re.compile(r"/admin/pricing$"))
    screenshot(page, f"admin-unsaved-dialog-{size}")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/admin/pricing$"))
    expect(credits).to_have_value("6")

    # Back asks too, and closing the tab gets the browser's own prompt.
    with pytest.raises(Exception, match="Timeout"):
        page.go_back(timeout=2000)  # the navigation is held back, so it never finishes
    expect(dialog).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/pricing$"))
    dialog.get_by_role("button", name="Cancel").click()
    with page.expect_event("dialog") as prompt:
        page.close(run_before_unload=True)
    assert prompt.value.type == "beforeunload"
    prompt.value.dismiss()
    assert not page.is_closed()

    # Undoing the edit makes the form clean again.
    credits.fill("5")
    expect(page.get_by_text("No unsaved changes.")).to_be_visible()
    leave_by_admin_link(page, "Models")
    expect(page).to_have_url(re.compile(r"/admin/models$"))
    expect(dialog).to_have_count(0)

    # The settings form and a catalogue form ask the same way; confirming leaves.
    page.go_back()
    page.get_by_label("Signup bonus (credits)").fill("987")
    leave_by_admin_link(page, "Credit packs")
    dialog.get_by_role("button", name="Leave without saving").click()
    expect(page).to_have_url(re.compile(r"/admin/packs$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Credit packs")
    page.get_by_role("button", name="Edit credit pack plus").click()
    page.get_by_label("Label", exact=True).fill("Plus, renamed but not saved")
    leave_by_admin_link(page, "Users")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Leave without saving").click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    assert page.console_errors == [], page.console_errors


@pytest.mark.parametrize("size", SIZES)
def test_the_pricing_table_shows_each_rows_margin(make_page, placeholder_price, size):
    page = admin_page(make_page, size)
    page.goto("/admin/pricing")
    row = price_row(page, placeholder_price)
    margin = row.get_by_test_id("price-margin")
    # 5 credits are $0.05; less the $0.0125 the provider charges, $0.0375 is left: 75% of the takings.
    expect(margin).to_have_text("$0.0375 (75.0%)")
    expect(page.get_by_role("columnheader", name="Margin").first).to_be_attached()
    screenshot(page, f"admin-pricing-margin-{size}")

    # It follows the inputs before anything is saved, a loss included.
    row.get_by_test_id("price-credits").fill("10")
    expect(margin).to_have_text("$0.0875 (87.5%)")
    row.get_by_test_id("price-credits").fill("1")
    row.get_by_test_id("price-cost").fill("0.02")
    expect(margin).to_have_text(f"{MINUS}$0.01 ({MINUS}100.0%)")
    problems = serious_violations(page)
    assert not problems, "\n".join(problems)
    assert page.console_errors == [], page.console_errors
