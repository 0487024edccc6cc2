from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

ADMIN_EMAIL = "admin@pixmint.example"
ADMIN_PASSWORD = "admin password for e2e"
SCREENSHOTS = PROJECT_DIR / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, deadline_s: float = 90) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/v1/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the local stack did not become healthy:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_stack(pg_server_url, tmp_path_factory):
    """`python -m devstack` as make dev runs it, on its own database, port and data folder."""
    from devstack.embedded import drop_database, ensure_database, free_port

    if not (PROJECT_DIR / "frontend" / "dist" / "index.html").exists():
        pytest.fail("frontend/dist is not built: run the tests through `make test`")
    name = f"pixmint_e2e_{uuid.uuid4().hex[:8]}"
    port = free_port()
    data_dir = tmp_path_factory.mktemp("stack")
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "JWT_SECRET")}
    env.update(DATABASE_URL=ensure_database(pg_server_url, name), PIXMINT_DATA_DIR=str(data_dir),
               PIXMINT_ENV_FILE=str(data_dir / "none.env"), PIXMINT_STAGE="local",
               PIXMINT_ADMIN_EMAIL=ADMIN_EMAIL, PIXMINT_ADMIN_PASSWORD=ADMIN_PASSWORD)
    log = data_dir / "stack.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "devstack", "--port", str(port)], cwd=PROJECT_DIR,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        drop_database(pg_server_url, name)


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


@pytest.fixture
def page(browser, live_stack):
    context = browser.new_context(base_url=live_stack, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def make_page(browser, live_stack):
    """Pages in contexts of their own (viewport, color scheme, touch...); console errors kept as in `page`."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{"base_url": live_stack, "viewport": {"width": 1280, "height": 900}, **options})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.console_errors = errors  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()


def api_call(base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None,
             headers: dict | None = None) -> dict:
    """A JSON request to the local stack, for setting a scene faster than through the pages."""
    import json

    sent = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data, sent, method=method)
    with urllib.request.urlopen(request, timeout=20) as reply:
        raw = reply.read()
    return json.loads(raw) if raw else {}
