"""Developer API keys: shown once, hashed, acting as their owner within limits, refused where they must be."""

from __future__ import annotations

import boto3
import psycopg
import pytest

from chalicelib.openapi import openapi_document
from tests.integration.test_generation import run_worker

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50


def new_key(api, token, **body):
    reply = api.post("/v1/api-keys", {"name": "my script", **body}, token=token)
    assert reply.status == 201, reply.body
    return reply.json


def test_a_key_is_shown_once_stored_hashed_and_acts_as_its_owner(api, db, chalice_client):
    session = api.register()
    created = new_key(api, session["access_token"])
    assert created["key"].startswith("pxm_") and created["prefix"] == created["key"][:12]
    with psycopg.connect(db) as conn:
        stored = conn.execute("SELECT key_hash, prefix FROM api_keys").fetchone()
    assert created["key"].encode() not in bytes(stored[0]) and stored[1] == created["prefix"]
    listed = api.get("/v1/api-keys", token=session["access_token"]).json["items"]
    assert "key" not in listed[0] and listed[0]["last_used_at"] is None
    headers = {"X-API-Key": created["key"]}
    me = api.get("/v1/me", headers=headers)
    assert me.status == 200 and me.json["id"] == session["user"]["id"]
    generation = api.post("/v1/generations", {"prompt": "a tree", "model": "placeholder"}, headers=headers)
    assert generation.status == 202
    run_worker(chalice_client, generation.json["id"])
    listed = api.get("/v1/api-keys", token=session["access_token"]).json["items"]
    assert listed[0]["last_used_at"] is not None and listed[0]["used_this_month"] == 1


def test_keys_are_refused_on_key_management_password_and_admin_routes(api):
    session = api.register()
    headers = {"X-API-Key": new_key(api, session["access_token"])["key"]}
    for method, path, body in [("POST", "/v1/api-keys", {"name": "x"}), ("GET", "/v1/api-keys", None),
                               ("DELETE", "/v1/api-keys/00000000-0000-0000-0000-000000000000", None),
                               ("POST", "/v1/me/password", {"current_password": "a", "new_password": "b"}),
                               ("DELETE", "/v1/me", {"password": "x"})]:
        reply = api.request(method, path, body, headers=headers)
        assert reply.status == 403 and reply.error_code == "forbidden", (method, path)


def test_non_admins_and_api_keys_get_403_on_every_admin_route(api, container):
    container.accounts.ensure_admin("boss@example.com", "a long admin password")
    admin = api.post("/v1/auth/login", {"email": "boss@example.com", "password": "a long admin password"}).json
    admin_key = {"X-API-Key": new_key(api, admin["access_token"])["key"]}
    user = {"Authorization": f"Bearer {api.register()['access_token']}"}
    routes = [(method.upper(), path) for path, ops in openapi_document()["paths"].items()
              if path.startswith("/v1/admin/") for method in ops]
    assert len(routes) >= 15
    for method, path in routes:
        concrete = path.replace("{user_id}", admin["user"]["id"]).replace("{image_id}", admin["user"]["id"])
        concrete = concrete.replace("{model_id}", "placeholder").replace("{preset_id}", "x").replace(
            "{template_id}", "x").replace("{pack_id}", "x")
        for headers in (user, admin_key):
            reply = api.request(method, concrete, {}, headers=headers)
            assert reply.status == 403, (method, concrete, headers.keys(), reply.status)


def test_a_revoked_key_fails_on_the_next_request(api):
    token = api.register()["access_token"]
    created = new_key(api, token)
    headers = {"X-API-Key": created["key"]}
    assert api.get("/v1/me", headers=headers).status == 200
    assert api.delete(f"/v1/api-keys/{created['id']}", token=token).status == 204
    assert api.get("/v1/me", headers=headers).status == 401
    assert api.get("/v1/api-keys", token=token).json["items"][0]["revoked_at"] is not None
    assert api.get("/v1/me", headers={"X-API-Key": "pxm_made-up"}).status == 401


def test_rate_limit_per_key_with_a_controlled_clock(api, clock):
    token = api.register()["access_token"]
    headers = {"X-API-Key": new_key(api, token, rate_limit_per_minute=3)["key"]}
    clock.advance(seconds=-clock.now().second + 10 - clock.now().microsecond / 1e6)  # 10 s into a minute
    assert [api.get("/v1/me", headers=headers).status for _ in range(3)] == [200, 200, 200]
    limited = api.get("/v1/me", headers=headers)
    assert limited.status == 429 and limited.error_code == "rate_limited"
    assert int(limited.headers["retry-after"]) == 50
    clock.advance(seconds=51)
    assert api.get("/v1/me", headers=headers).status == 200


def test_monthly_cap_refuses_spends_beyond_it_with_402(api, db):
    token = api.register()["access_token"]
    headers = {"X-API-Key": new_key(api, token, monthly_cap_credits=3)["key"]}
    body = {"prompt": "a cloud", "model": "placeholder", "n": 2}
    assert api.post("/v1/generations", body, headers=headers).status == 202
    refused = api.post("/v1/generations", body, headers=headers)
    assert refused.status == 402 and refused.error_code == "key_cap_reached"
    assert refused.json["error"]["details"] == {"cap": 3, "used": 2, "cost": 2}
    assert api.post("/v1/generations", body, token=token).status == 202, "the owner's own session has no key cap"
    assert api.get("/v1/credits", token=token).json["balance"] == BONUS - 4


def test_key_values_are_refused_when_invalid(api):
    token = api.register()["access_token"]
    for body in ({"name": ""}, {"name": "x" * 81}, {"name": "k", "monthly_cap_credits": 0},
                 {"name": "k", "rate_limit_per_minute": 601}):
        assert api.post("/v1/api-keys", body, token=token).status == 400


@pytest.fixture
def usage_plan(aws):
    return boto3.client("apigateway", region_name="us-east-1").create_usage_plan(name="pixmint-developers")["id"]


@pytest.fixture
def settings_overrides(request):
    if "usage_plan" in request.fixturenames:
        return {"API_USAGE_PLAN_ID": request.getfixturevalue("usage_plan")}
    return {}


def test_each_key_is_also_an_api_gateway_key_on_the_usage_plan(api, usage_plan):
    token = api.register()["access_token"]
    created = new_key(api, token)
    gateway = boto3.client("apigateway", region_name="us-east-1")
    [key] = gateway.get_usage_plan_keys(usagePlanId=usage_plan)["items"]
    assert gateway.get_api_key(apiKey=key["id"], includeValue=True)["value"] == created["key"]
    api.delete(f"/v1/api-keys/{created['id']}", token=token)
    assert gateway.get_api_keys()["items"] == []


def test_admin_reports_show_usage_per_key(api, container, chalice_client, clock):
    token = api.register()["access_token"]
    created = new_key(api, token)
    by_key = api.post("/v1/generations", {"prompt": "a", "model": "placeholder", "n": 3},
                      headers={"X-API-Key": created["key"]}).json
    by_session = api.post("/v1/generations", {"prompt": "b", "model": "placeholder"}, token=token).json
    run_worker(chalice_client, by_key["id"], by_session["id"])
    container.accounts.ensure_admin("boss@example.com", "a long admin password")
    admin = api.post("/v1/auth/login", {"email": "boss@example.com", "password": "a long admin password"}).json
    day = clock.now().date()
    report = api.get(f"/v1/admin/reports/usage?from={day}&to={day.replace(day=day.day + 1)}&group_by=api_key",
                     token=admin["access_token"]).json
    rows = {row["group"]: row for row in report["rows"]}
    assert rows[created["id"]]["credits_spent"] == 3 and rows[created["id"]]["generations"] == 1
    assert rows["session"]["credits_spent"] == 1
    assert report["total"]["credits_spent"] == 4
    assert rows[created["id"]]["revenue_cents"] is None, "money-side figures do not apply per key"
