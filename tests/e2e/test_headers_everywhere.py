"""Every answer of the local stack carries the security headers: pages, assets, API, errors, 404s."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.e2e

PATHS = ["/", "/gallery", "/favicon.svg", "/v1/health", "/v1/openapi.json", "/v1/me", "/v1/nothing-here",
         "/assets/missing.js", "/s/no-such-slug", "/v1/public/images/no-such-slug/page", "/_dev/outbox"]


def _headers(url: str, origin: str | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


@pytest.mark.parametrize("path", PATHS)
def test_security_headers_on_every_answer(live_stack, path):
    status, headers = _headers(live_stack + path)
    assert headers.get("x-content-type-options") == "nosniff", (path, status)
    assert headers.get("x-frame-options") == "DENY" or "frame-ancestors 'none'" in headers.get(
        "content-security-policy", ""), (path, status)
    assert "referrer-policy" in headers, (path, status)


def test_pages_carry_the_content_security_policy(live_stack):
    _, headers = _headers(live_stack + "/")
    assert "default-src 'self'" in headers["content-security-policy"]


def test_the_api_allows_only_its_own_origin(live_stack):
    _, own = _headers(live_stack + "/v1/health", origin=live_stack)
    _, other = _headers(live_stack + "/v1/health", origin="https://evil.example")
    assert own.get("access-control-allow-origin") == live_stack
    assert "access-control-allow-origin" not in other
