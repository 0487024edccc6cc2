from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request

import pytest

# The local stack (live_stack) and its helpers live in tests/conftest.py, shared with tests/fuzz.
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PROJECT_DIR, STACK_LOGS, api_call  # noqa: F401 - re-exported

SCREENSHOTS = PROJECT_DIR / "artifacts" / "screenshots"
PASSWORD = "correct horse battery"  # pragma: allowlist secret - the password the e2e accounts sign up with
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/ensure-chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _watched(page, item) -> None:
    """Keeps the page's console errors and failed requests on it, and the page on the test, for failure reports."""
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda request: failed.append(f"{request.method} {request.url}: {request.failure}"))
    page.on("response", lambda reply: failed.append(f"{reply.request.method} {reply.url}: {reply.status}")
            if reply.status >= 500 else None)
    page.console_errors = errors  # type: ignore[attr-defined]
    page.failed_requests = failed  # type: ignore[attr-defined]
    item.stash.setdefault(PAGES, []).append(page)


PAGES = pytest.StashKey[list]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test reports what each of its pages showed, what failed to load, and the stack's log."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for number, page in enumerate(item.stash.get(PAGES, [])):
        try:
            text = page.locator("body").inner_text(timeout=2000)[:3000]
            screenshot(page, f"failed-{item.name}-{number}")
            shown = f"url: {page.url}\n--- text ---\n{text}"
        except Exception as exc:  # noqa: BLE001 - a closed page still lets the rest be reported
            shown = f"(page unreadable: {exc})"
        extra = "\n".join(["--- console errors ---", *page.console_errors,
                            "--- failed requests ---", *page.failed_requests])
        report.sections.append((f"page {number}", f"{shown}\n{extra}"))
    for url, log in STACK_LOGS.items():
        if log.exists():
            report.sections.append((f"stack log {url}", "\n".join(log.read_text(errors="replace").splitlines()[-80:])))


@pytest.fixture
def page(browser, live_stack, request):
    context = browser.new_context(base_url=live_stack, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _watched(page, request.node)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, email: str, password: str = PASSWORD, *, open_page: bool = True,
            lands_on: str | None = "/dashboard") -> None:
    """Signs in through the form at /signin, as a person would.

    open_page=False fills in the form the page shows already (a redirect to /signin). The browser must then reach
    `lands_on`; None waits for nothing, for a sign-in that asks for a second factor next or that should fail."""
    from playwright.sync_api import expect

    if open_page:
        page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if lands_on is not None:
        expect(page).to_have_url(re.compile(re.escape(lands_on) + "$"))


@pytest.fixture
def make_page(browser, live_stack, request):
    """Pages in contexts of their own (viewport, color scheme, touch...); console errors kept as in `page`."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{"base_url": live_stack, "viewport": {"width": 1280, "height": 900}, **options})
        contexts.append(context)
        page = context.new_page()
        _watched(page, request.node)
        return page

    yield make
    for context in contexts:
        context.close()


def emailed_link(base_url: str, email: str, pattern: str, timeout: float = 15) -> str:
    """The newest link matching pattern (a regex of the path and query) in the local stack's outbox to email."""
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(f"{base_url}/_dev/outbox.json", timeout=10) as reply:
            for mail in reversed(json.loads(reply.read())):
                found = re.search(f"({pattern})", mail["body"])
                if mail["to"] == email and found:
                    return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no email to {email} links {pattern}")
        time.sleep(0.2)
