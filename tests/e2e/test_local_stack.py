"""The local stack as `make dev` runs it: one origin, the admin from the environment, the dev outbox."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_admin_from_the_environment_exists_after_start_up(live_stack):
    status, body = _post(f"{live_stack}/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert status == 200
    assert body["user"]["role"] == "admin"


def test_unknown_api_route_is_a_404_envelope_on_the_live_stack(live_stack):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{live_stack}/v1/nothing-here", timeout=10)
    assert error.value.code == 404
    assert json.loads(error.value.read())["error"]["code"] == "not_found"


def test_password_reset_email_shows_in_the_dev_outbox(live_stack):
    status, _ = _post(f"{live_stack}/v1/auth/password-reset", {"email": ADMIN_EMAIL})
    assert status == 202
    deadline = time.monotonic() + 15
    while True:  # the email goes out just after the reply, so the answer's timing says nothing about the account
        with urllib.request.urlopen(f"{live_stack}/_dev/outbox.json", timeout=10) as reply:
            resets = [m for m in json.loads(reply.read()) if m["subject"] == "Reset your Pixmint password"]
        if resets or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert resets, "no reset email within 15 s"
    mail = resets[-1]
    assert mail["to"] == ADMIN_EMAIL and mail["sent_at"] and f"{live_stack}/reset-password?token=" in mail["body"]
    with urllib.request.urlopen(f"{live_stack}/_dev/outbox", timeout=10) as reply:
        page = reply.read().decode()
    assert "Reset your Pixmint password" in page and f"{live_stack}/reset-password?token=" in page


def _get(url: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as reply:
        return {k.lower(): v for k, v in reply.headers.items()}, reply.read()


@pytest.mark.parametrize("path", ["/", "/gallery", "/v1/openapi.json"])
def test_pages_and_api_answers_are_compressed_for_clients_that_ask_as_cloudfront_does(live_stack, path):
    import gzip

    headers, body = _get(live_stack + path, {"Accept-Encoding": "gzip, deflate, br"})
    assert headers.get("content-encoding") in ("gzip", "br"), headers
    assert "accept-encoding" in headers.get("vary", "").lower()
    if headers["content-encoding"] == "gzip":
        assert gzip.decompress(body)
    plain_headers, plain = _get(live_stack + path, {})
    assert "content-encoding" not in plain_headers and plain, "a client that doesn't ask gets the bytes as they are"


def test_an_immutable_asset_is_compressed_and_an_image_is_not(live_stack):
    _, shell = _get(live_stack + "/", {})
    script = re.search(rb'src="(/assets/[^"]+\.js)"', shell)
    assert script, shell[:500]
    headers, _ = _get(live_stack + script.group(1).decode(), {"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip" and "immutable" in headers["cache-control"]
    image_headers, _ = _get(live_stack + "/examples/sunset-mountains.webp", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in image_headers


def test_robots_txt_is_a_real_one_not_the_app_shell(live_stack):
    headers, body = _get(live_stack + "/robots.txt", {})
    assert headers["content-type"].startswith("text/plain")
    text = body.decode()
    assert text.startswith("#") or "User-agent: *" in text
    assert "User-agent: *" in text and "Disallow: /v1/" in text and "<html" not in text
