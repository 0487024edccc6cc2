"""Frontend budgets: Lighthouse (mobile preset) on the main pages, and the gzipped JavaScript the first pages load.

Lighthouse (frontend/node_modules, never a browser download) drives Debian's chromium, started here with a
remote-debugging port, against the real local stack. The signed-in pages need a session: a refresh token is put in
the origin's localStorage first, which Lighthouse's storage reset leaves alone (it clears caches, not storage). The
scene (a verified account, one image, published to Community) is made through the API.

`python -m bench.frontend [--runs N] [--page NAME ...]` prints the table and writes it to the frontend section of
bench/results.md, leaving the other sections as they are; each page's last report is kept in artifacts/lighthouse/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bench.scratch import local_stack

PROJECT_DIR = Path(__file__).resolve().parent.parent
FRONTEND = PROJECT_DIR / "frontend"
DIST = FRONTEND / "dist"
LIGHTHOUSE = FRONTEND / "node_modules" / "lighthouse" / "cli" / "index.js"
RESULTS = Path(__file__).resolve().parent / "results.md"
REPORTS = PROJECT_DIR / "artifacts" / "lighthouse"
SECTION_TITLE = "## Frontend: Lighthouse, mobile preset"
REFRESH_KEY = "pixmint.refresh_token"
ACCOUNT = {"password": "bench password 1", "display_name": "Bench"}  # pragma: allowlist secret
RUNS = 3
CATEGORIES = {"performance": "performance", "accessibility": "accessibility", "best-practices": "best_practices",
              "seo": "seo"}
TARGETS = {"performance": (">=", 95), "accessibility": (">=", 100), "best_practices": (">=", 100), "seo": (">=", 95),
           "cls": ("<", 0.05), "js_gzip_kb": ("<=", 60)}
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio",
]


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    signed_in: bool
    # The pages a visitor meets first carry a JavaScript budget.
    js_budget: bool = False


# The signed-out pages come first: the session is put in place only after them.
PAGES = [
    Page("landing", "/", signed_in=False, js_budget=True),
    Page("sign-in", "/signin", signed_in=False, js_budget=True),
    Page("dashboard", "/dashboard", signed_in=True),
    Page("Generate", "/generate", signed_in=True),
    Page("gallery", "/gallery", signed_in=True),
    Page("image detail", "/images/{image_id}", signed_in=True),
    Page("Community", "/community", signed_in=True),
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


def _gzip_kb(paths: list[str], dist: Path = DIST) -> float:
    total = sum(len(gzip.compress((dist / path.lstrip("/")).read_bytes(), compresslevel=9))
                for path in dict.fromkeys(paths) if (dist / path.lstrip("/")).is_file())
    return round(total / 1024, 1)


def landing_js_gzip_kb(dist: Path = DIST) -> float:
    """Gzipped KB of the JavaScript index.html loads up front (its module script and modulepreloads)."""
    parser = _Scripts()
    parser.feed((dist / "index.html").read_text())
    return _gzip_kb(parser.paths, dist)


def loaded_js_gzip_kb(report: dict[str, Any], dist: Path = DIST) -> float:
    """Gzipped KB (level 9, as the build's files) of every same-origin script the page loaded during the run, lazy
    chunks included: what a first visit to that page downloads."""
    origin = urllib.parse.urlsplit(report["finalDisplayedUrl"]).netloc
    items = report["audits"]["network-requests"]["details"]["items"]
    paths = [urllib.parse.urlsplit(item["url"]).path for item in items
             if item.get("resourceType") == "Script" and urllib.parse.urlsplit(item["url"]).netloc == origin]
    return _gzip_kb(paths, dist)


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


def _api(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": uuid.uuid4().hex}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data, headers, method=method)
    with urllib.request.urlopen(request, timeout=20) as reply:  # nosec B310 - the local stack's own URL
        raw = reply.read()
    return json.loads(raw) if raw else {}


@dataclass(frozen=True)
class Scene:
    refresh_token: str
    image_id: str


def _make_scene(base: str) -> Scene:
    """A verified account (its signup bonus pays for one image) with that image published to Community."""
    from devstack.embedded import verification_token

    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    session = _api(base, "POST", "/v1/auth/register", {**ACCOUNT, "email": email})
    token = session["access_token"]
    _api(base, "POST", "/v1/auth/verify-email", {"token": verification_token(base, email)})
    generation = _api(base, "POST", "/v1/generations", {"prompt": "a lighthouse on a cliff at dusk, watercolour",
                                                        "model": "placeholder"}, token)
    deadline = time.monotonic() + 60
    while generation["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        generation = _api(base, "GET", f"/v1/generations/{generation['id']}", token=token)
    if generation["status"] != "succeeded":
        raise RuntimeError(f"the scene's generation did not succeed: {generation}")
    image_id = generation["images"][0]["id"]
    _api(base, "PATCH", "/v1/me", {"public_handle": f"bench-{uuid.uuid4().hex[:8]}"}, token)
    _api(base, "POST", f"/v1/images/{image_id}/publish", {}, token)
    # The session's own refresh token: the access token above goes stale, this one the page refreshes itself.
    login = _api(base, "POST", "/v1/auth/login", {"email": email, "password": ACCOUNT["password"]})
    return Scene(login["refresh_token"], image_id)


def _sign_in(base: str, chromium_port: int, refresh_token: str) -> None:
    """Leaves the refresh token where the app looks for it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{chromium_port}")
        page = browser.contexts[0].new_page()
        # A tiny same-origin document, so the app's own files are not cached before Lighthouse loads them.
        page.goto(f"{base}/assets/none")
        page.evaluate("([key, value]) => localStorage.setItem(key, value)", [REFRESH_KEY, refresh_token])
        page.close()


def _lighthouse(url: str, chromium_port: int) -> dict[str, Any]:
    """One Lighthouse run of its default (mobile) configuration; the whole report."""
    result = subprocess.run(
        ["node", str(LIGHTHOUSE), url, f"--port={chromium_port}", "--output=json", "--output-path=stdout",
         "--form-factor=mobile", f"--only-categories={','.join(CATEGORIES)}", "--quiet"],
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
    return report


def scores(report: dict[str, Any]) -> dict[str, float]:
    """The four category scores (0-100) and the cumulative layout shift of one report."""
    result: dict[str, float] = {key: round((report["categories"][category]["score"] or 0) * 100)
                                for category, key in CATEGORIES.items()}
    result["cls"] = round(report["audits"]["cumulative-layout-shift"]["numericValue"], 3)
    return result


def lost_points(report: dict[str, Any]) -> dict[str, list[str]]:
    """Per category, the weighted audits that did not pass: "id (score)"; what to read first when a score is low."""
    lost: dict[str, list[str]] = {}
    for category, key in CATEGORIES.items():
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                shown = f" {audit['displayValue']}" if audit.get("displayValue") else ""
                lost.setdefault(key, []).append(f"{ref['id']} ({audit['score']:.2f}{shown})")
    return lost


def _measure_page(base: str, page: Page, scene: Scene | None, chromium_port: int, runs: int) -> dict[str, Any]:
    url = base + page.path.format(image_id=scene.image_id if scene else "")
    reports = [_lighthouse(url, chromium_port) for _ in range(runs)]
    each = [scores(report) for report in reports]
    result: dict[str, Any] = {name: statistics.median(r[name] for r in each) for name in each[0]}
    last = reports[-1]
    result["lost"] = lost_points(last)
    if page.js_budget:
        result["js_gzip_kb"] = max(loaded_js_gzip_kb(report) for report in reports)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{re.sub(r'[^a-z0-9]+', '-', page.name.lower())}.report.json").write_text(json.dumps(last))
    return result


def measure(runs: int = RUNS, pages: list[Page] | None = None) -> dict[str, Any]:
    """Median Lighthouse scores of each page (`pages`, by name) and the gzipped JS of the first pages, plus the flat
    keys bench/run.py shows (landing JS, landing and dashboard performance and accessibility)."""
    _build_frontend()
    chosen = pages or PAGES
    measured: dict[str, dict[str, Any]] = {}
    with local_stack() as base, _debuggable_chromium() as port:
        scene = _make_scene(base) if any(page.signed_in for page in chosen) else None
        signed_in = False
        for page in sorted(chosen, key=lambda p: p.signed_in):
            if page.signed_in and not signed_in:
                assert scene is not None
                _sign_in(base, port, scene.refresh_token)
                signed_in = True
            measured[page.name] = _measure_page(base, page, scene, port, runs)
            print(f"  measured {page.name}: {_row_text(measured[page.name])}", file=sys.stderr)
    result: dict[str, Any] = {"pages": measured, "runs": runs, "landing_js_gzip_kb": landing_js_gzip_kb()}
    for name, key in (("landing", "landing"), ("dashboard", "dashboard")):
        if name in measured:
            result[f"lighthouse_{key}_performance"] = measured[name]["performance"]
            result[f"lighthouse_{key}_accessibility"] = measured[name]["accessibility"]
    return result


def _meets(key: str, value: float) -> bool:
    op, target = TARGETS[key]
    return value >= target if op == ">=" else value < target if op == "<" else value <= target


def _cell(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.3f}" if key == "cls" else f"{value:.1f}" if key == "js_gzip_kb" else f"{value:.0f}"
    return text if _meets(key, value) else f"**{text}** ✗"


COLUMNS = ("performance", "accessibility", "best_practices", "seo", "cls", "js_gzip_kb")


def _row_text(result: dict[str, Any]) -> str:
    return "  ".join(f"{key}={_cell(key, result.get(key))}" for key in COLUMNS)


def section(result: dict[str, Any], lighthouse_version: str) -> str:
    """The frontend section of bench/results.md: the table, then what cost points on each page."""
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    lines = [
        SECTION_TITLE,
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine} by `python -m bench.frontend`: Lighthouse "
        f"{lighthouse_version}, mobile preset (simulated slow 4G, 4x CPU slowdown), Debian's chromium, the local "
        f"stack serving the production build. Scores are the median of {result['runs']} runs; JS is the gzipped "
        "(level 9) size of every script the page loaded, lazy chunks included. A bold value with ✗ misses its target.",
        "",
        "| page | path | signed in | performance | accessibility | best practices | SEO | CLS | JS (gzip KB) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        "| *target* | | | ≥ 95 | 100 | 100 | ≥ 95 | < 0.05 | ≤ 60 |",
    ]
    for page in PAGES:
        measured = result["pages"].get(page.name)
        if measured is None:
            continue
        cells = " | ".join(_cell(key, measured.get(key)) for key in COLUMNS)
        lines.append(f"| {page.name} | `{page.path}` | {'yes' if page.signed_in else 'no'} | {cells} |")
    lines += ["", "Audits that cost points (last run of each page; audit id, score, shown value):", ""]
    for page in PAGES:
        measured = result["pages"].get(page.name)
        if measured is None:
            continue
        lost = measured["lost"]
        text = "; ".join(f"{key.replace('_', ' ')}: {', '.join(ids)}" for key, ids in lost.items()) or "none"
        lines.append(f"- {page.name}: {text}")
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replaces the frontend section of results.md (up to the next `## ` heading), or appends it; the rest stays."""
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION_TITLE)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current, count=1).rstrip("\n") + "\n"
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated)


def lighthouse_version() -> str:
    """The installed Lighthouse release, for the table's heading."""
    return json.loads((FRONTEND / "node_modules" / "lighthouse" / "package.json").read_text())["version"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="Lighthouse runs per page; the median is kept")
    parser.add_argument("--page", action="append", choices=[page.name for page in PAGES],
                        help="measure only this page (repeatable); results.md is then left alone")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    options = parser.parse_args()
    pages = [page for page in PAGES if page.name in options.page] if options.page else None
    result = measure(options.runs, pages)
    text = section(result, lighthouse_version())
    print(text)
    if not options.no_write and not options.page:
        write_section(text)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
