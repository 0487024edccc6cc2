"""Frontend budgets: landing-page JavaScript (gzipped) and Lighthouse scores of the landing page and dashboard.

Lighthouse (frontend/node_modules, never a browser download) drives Debian's chromium, started here with a
remote-debugging port, against the real local stack. The dashboard needs a session: a refresh token is put in
the origin's localStorage first, which Lighthouse's storage reset leaves alone (it clears caches, not storage).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

from bench.scratch import local_stack

PROJECT_DIR = Path(__file__).resolve().parent.parent
FRONTEND = PROJECT_DIR / "frontend"
DIST = FRONTEND / "dist"
LIGHTHOUSE = FRONTEND / "node_modules" / "lighthouse" / "cli" / "index.js"
REFRESH_KEY = "pixmint.refresh_token"
RUNS = 3
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio",
]


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.paths.append(values["src"] or "")
        elif tag == "link" and values.get("rel") == "modulepreload" and values.get("href"):
            self.paths.append(values["href"] or "")


def landing_js_gzip_kb(dist: Path = DIST) -> float:
    """Gzipped KB of the JavaScript index.html loads up front (its module script and modulepreloads)."""
    parser = _Scripts()
    parser.feed((dist / "index.html").read_text())
    total = sum(len(gzip.compress((dist / path.lstrip("/")).read_bytes(), compresslevel=9))
                for path in dict.fromkeys(parser.paths))
    return round(total / 1024, 1)


def _build_frontend() -> None:
    if not (FRONTEND / "node_modules" / ".bin" / "vite").exists() or not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FRONTEND, check=True)
    if not (DIST / "index.html").exists():
        subprocess.run(["npm", "run", "build", "--silent"], cwd=FRONTEND, check=True)


def _chromium() -> str:
    executable = os.environ.get("CHROME_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        raise RuntimeError("Debian's chromium is missing: run scripts/ensure-chromium")
    return executable


@contextmanager
def _debuggable_chromium() -> Iterator[int]:
    from devstack.embedded import free_port, stop_process, wait_for_http

    port = free_port()
    profile = tempfile.mkdtemp(prefix="pixmint-bench-chromium-")
    process = subprocess.Popen([_chromium(), f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
                                *CHROMIUM_FLAGS, "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/json/version", process, 30)
        yield port
    finally:
        stop_process(process, timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


def _sign_in(base: str, chromium_port: int) -> None:
    """Register a user through the API and leave its refresh token where the app looks for it."""
    body = json.dumps({"email": f"bench-{uuid.uuid4().hex[:8]}@example.com", "password": "bench password 1",
                       "display_name": "Bench"}).encode()
    request = urllib.request.Request(f"{base}/v1/auth/register", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        refresh_token = json.loads(reply.read())["refresh_token"]

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{chromium_port}")
        page = browser.contexts[0].new_page()
        # A tiny same-origin document, so the app's own files are not cached before Lighthouse loads them.
        page.goto(f"{base}/assets/none")
        page.evaluate("([key, value]) => localStorage.setItem(key, value)", [REFRESH_KEY, refresh_token])
        page.close()


def _lighthouse(url: str, chromium_port: int) -> dict[str, float]:
    result = subprocess.run(
        ["node", str(LIGHTHOUSE), url, f"--port={chromium_port}", "--output=json", "--output-path=stdout",
         "--only-categories=performance,accessibility", "--quiet"],
        cwd=FRONTEND, capture_output=True, text=True, timeout=300,
        env={**os.environ, "CHROME_PATH": _chromium()},
    )
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse: {report['runtimeError']}")
    shown = report.get("finalDisplayedUrl", url)
    if urllib.parse.urlsplit(shown).path != urllib.parse.urlsplit(url).path:
        raise RuntimeError(f"lighthouse measured {shown} instead of {url}")
    categories = report["categories"]
    return {name: round((categories[name]["score"] or 0) * 100) for name in ("performance", "accessibility")}


def _median_scores(url: str, chromium_port: int, runs: int) -> dict[str, float]:
    results = [_lighthouse(url, chromium_port) for _ in range(runs)]
    return {name: statistics.median(r[name] for r in results) for name in ("performance", "accessibility")}


def measure(runs: int = RUNS) -> dict[str, float]:
    """Landing JS in gzipped KB, and the median Lighthouse scores (0-100, mobile preset) of landing and dashboard."""
    _build_frontend()
    result: dict[str, float] = {"landing_js_gzip_kb": landing_js_gzip_kb()}
    with local_stack() as base, _debuggable_chromium() as port:
        landing = _median_scores(f"{base}/", port, runs)
        _sign_in(base, port)
        dashboard = _median_scores(f"{base}/dashboard", port, runs)
    result.update(lighthouse_landing_performance=landing["performance"],
                  lighthouse_landing_accessibility=landing["accessibility"],
                  lighthouse_dashboard_performance=dashboard["performance"],
                  lighthouse_dashboard_accessibility=dashboard["accessibility"])
    return result


def main() -> None:
    result = measure()
    print(f"landing JS (gzip):           {result['landing_js_gzip_kb']:6.1f} KB   (budget <= 60)")
    for page in ("landing", "dashboard"):
        print(f"lighthouse {page:<9} performance {result[f'lighthouse_{page}_performance']:5.0f}      (target >= 95)")
        print(f"lighthouse {page:<9} accessibility {result[f'lighthouse_{page}_accessibility']:3.0f}      (target 100)")


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_DIR))
    main()
