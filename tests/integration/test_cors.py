"""Browsers on the configured origins may read API answers; every other origin gets nothing to read."""

from __future__ import annotations

import re
import uuid

import pytest

from app import app
from chalicelib.openapi import openapi_document

SITE = "https://app.pixmint.example"
PARTNER = "https://partner.example"
# What every API answer must carry, written out here rather than imported from the code it checks.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def settings_overrides():
    return {"PIXMINT_PUBLIC_URL": SITE, "CORS_ALLOWED_ORIGINS": f"{SITE}, {PARTNER}/"}


def test_an_allowed_origin_can_read_answers_and_errors(api):
    session = api.register()
    ok = api.get("/v1/me", token=session["access_token"], headers={"Origin": SITE})
    denied = api.get("/v1/me", headers={"Origin": PARTNER})
    assert (ok.status, denied.status) == (200, 401)
    for reply, origin in ((ok, SITE), (denied, PARTNER)):
        assert reply.headers["access-control-allow-origin"] == origin
        assert "X-Request-Id" in reply.headers["access-control-expose-headers"]
        assert reply.headers["vary"] == "Origin"


@pytest.mark.parametrize("origin", ["https://evil.example", "null", SITE + ".evil.example",
                                    SITE.replace("https", "http")])
def test_other_origins_get_no_cors_headers(api, origin):
    reply = api.get("/v1/health", headers={"Origin": origin})
    assert reply.status == 200
    assert "access-control-allow-origin" not in reply.headers
    assert reply.headers["vary"] == "Origin"


def test_requests_without_an_origin_get_no_cors_headers(api):
    assert "access-control-allow-origin" not in api.get("/v1/health").headers


def test_a_preflight_from_an_allowed_origin_names_the_path_methods_and_headers(api):
    reply = api.request("OPTIONS", f"/v1/images/{uuid.uuid4()}", headers={
        "Origin": SITE, "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == SITE
    methods = {m.strip() for m in reply.headers["access-control-allow-methods"].split(",")}
    assert methods == {"GET", "DELETE", "OPTIONS"}
    allowed = reply.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key", "x-api-key"):
        assert header in allowed
    assert int(reply.headers["access-control-max-age"]) > 0


def test_a_preflight_from_another_origin_is_refused_in_the_envelope(api):
    reply = api.request("OPTIONS", "/v1/generations", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert reply.status == 403
    assert reply.json["error"]["code"] == "forbidden"
    assert "access-control-allow-origin" not in reply.headers


def test_every_path_answers_preflights():
    assert all("OPTIONS" in methods for methods in app.routes.values())


def _operations():
    # Ids of nothing, but the same in every process: xdist's workers must collect the same test ids.
    for path, operations in openapi_document()["paths"].items():
        for method in operations:
            yield method.upper(), re.sub(
                r"\{[^}]+\}",
                lambda m, path=path: str(uuid.uuid5(uuid.NAMESPACE_URL, path + m.group(0)))
                if m.group(0).endswith("id}") else "x", path)


@pytest.mark.parametrize("method, path", sorted(set(_operations())))
def test_every_operation_answers_with_security_headers(api, method, path):
    # Unauthenticated and bodiless: most answers are errors, which must carry the headers too.
    reply = api.request(method, path, headers={"Origin": SITE})
    for name, value in SECURITY_HEADERS.items():
        assert reply.headers[name.lower()] == value, (method, path, reply.status)
    assert reply.headers["x-request-id"]
    assert reply.headers["access-control-allow-origin"] == SITE
