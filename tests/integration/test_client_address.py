"""Behind CloudFront every caller reaches API Gateway from an edge server: throttles must key on the viewer's
address, which only a request that came through the distribution (it carries the origin secret) may name."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

ORIGIN_SECRET = "origin-secret-" + "y" * 30
PASSWORD = "correct horse battery"


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"PIXMINT_ORIGIN_SECRET": ORIGIN_SECRET}


def login(api, viewer: str, secret: str | None = ORIGIN_SECRET):
    headers = {"X-Viewer-Address": viewer}
    if secret is not None:
        headers["X-Origin-Secret"] = secret
    return api.post("/v1/auth/login", {"email": "ada@example.com", "password": "wrong password"}, headers=headers)


def failures_until_throttled(api, viewer: str, secret: str | None = ORIGIN_SECRET, limit: int = 40) -> int:
    for attempt in range(limit):
        if login(api, viewer, secret).status == 429:
            return attempt
    return limit


def test_through_cloudfront_each_viewer_has_its_own_throttle(api):
    api.register(password=PASSWORD)
    assert failures_until_throttled(api, "203.0.113.7") == 20, "the per-account-and-address limit"
    assert login(api, "203.0.113.8").status == 401, "another viewer behind the same edge is not held"


def test_a_caller_that_skips_cloudfront_cannot_pick_its_address(api):
    api.register(password=PASSWORD)
    for n in range(20):
        assert login(api, f"198.51.100.{n}", secret=None).status == 401
    assert login(api, "198.51.100.99", secret=None).status == 429, "every spoofed address counted as the caller's"


def test_a_wrong_origin_secret_counts_as_skipping_cloudfront(api):
    api.register(password=PASSWORD)
    for n in range(20):
        login(api, f"198.51.100.{n}", secret="guessed")
    assert login(api, "198.51.100.99", secret="guessed").status == 429


def test_the_address_is_read_only_when_it_is_one(api, container):
    from chalicelib.handlers.api import client_ip

    class Request:
        context: ClassVar[dict[str, Any]] = {"identity": {"sourceIp": "10.0.0.1"}}

        def __init__(self, **headers: str) -> None:
            self.headers = {k.lower().replace("_", "-"): v for k, v in headers.items()}

    assert client_ip(Request(x_viewer_address="2001:db8::1", x_origin_secret=ORIGIN_SECRET)) == "2001:db8::1"
    assert client_ip(Request(x_viewer_address="not an address", x_origin_secret=ORIGIN_SECRET)) == "10.0.0.1"
    assert client_ip(Request(x_viewer_address="203.0.113.7")) == "10.0.0.1"
