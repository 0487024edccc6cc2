"""Administration: users, credits, prices, settings and the audit log."""

from __future__ import annotations

import psycopg
import pytest

from tests.fakes import ScriptedImageProvider
from tests.integration.test_generation import run_worker

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50


def as_admin(admin):
    return {"token": admin["access_token"]}


def test_users_are_searchable_flagged_first_with_usage(api, admin, db):
    ada = api.register("ada@example.com", display_name="Ada")
    api.register("bob@example.com", display_name="Bob")
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE users SET flagged_at = now(), flag_reason = 'payment disputed' WHERE email = %s",
                     ("bob@example.com",))
    items = api.get("/v1/admin/users", **as_admin(admin)).json["items"]
    assert items[0]["email"] == "bob@example.com" and items[0]["flagged"] is True
    found = api.get("/v1/admin/users?q=ADA", **as_admin(admin)).json["items"]
    assert [u["email"] for u in found] == ["ada@example.com"]
    assert found[0]["usage"] == {"generations": 0, "credits_spent": 0, "credits_bought": 0, "estimated_cost_usd": 0.0,
                                 "actual_cost_usd": 0.0, "actual_margin_usd": 0.0}
    detail = api.get(f"/v1/admin/users/{ada['user']['id']}", **as_admin(admin)).json
    assert detail["payments"] == [] and detail["generations"] == [] and detail["api_keys"] == []
    assert api.get("/v1/admin/users?q=%25", **as_admin(admin)).json["items"] == [], "LIKE wildcards are literal"


def test_suspend_reinstate_promote_and_demote_are_audited(api, admin):
    user = api.register()
    path = f"/v1/admin/users/{user['user']['id']}"
    assert api.patch(path, {"suspended": True}, **as_admin(admin)).json["suspended"] is True
    assert api.patch("/v1/me", {"display_name": "x"}, token=user["access_token"]).status == 403
    api.patch(path, {"suspended": False}, **as_admin(admin))
    assert api.patch("/v1/me", {"display_name": "x"}, token=user["access_token"]).status == 200
    assert api.patch(path, {"role": "admin"}, **as_admin(admin)).json["role"] == "admin"
    assert api.patch(path, {"role": "emperor"}, **as_admin(admin)).status == 400
    assert api.patch(f"/v1/admin/users/{admin['user']['id']}", {"role": "user"}, **as_admin(admin)).status == 409
    log = api.get("/v1/admin/audit-log", **as_admin(admin)).json["items"]
    assert [e["action"] for e in log] == ["user.update"] * 3
    assert log[-1]["before"] == {"suspended": False, "role": "user"}
    assert log[-1]["after"] == {"suspended": True, "role": "user"} and log[-1]["actor_email"] == "boss@example.com"


def test_grants_and_debits_need_a_reason_write_ledger_rows_and_never_go_below_zero(api, admin):
    user = api.register()
    path = f"/v1/admin/users/{user['user']['id']}/credits"
    row = api.post(path, {"delta": 200, "reason": "sorry for the outage"}, **as_admin(admin))
    assert row.status == 201 and row.json["kind"] == "admin_grant" and row.json["balance_after"] == BONUS + 200
    debit = api.post(path, {"delta": -100, "reason": "duplicate grant"}, **as_admin(admin)).json
    assert debit["kind"] == "admin_debit" and debit["balance_after"] == BONUS + 100
    too_much = api.post(path, {"delta": -1000, "reason": "oops"}, **as_admin(admin))
    assert too_much.status == 409
    assert api.post(path, {"delta": 5, "reason": ""}, **as_admin(admin)).status == 400
    assert api.post(path, {"delta": 0, "reason": "nothing"}, **as_admin(admin)).status == 400
    assert api.get("/v1/credits", token=user["access_token"]).json["balance"] == BONUS + 100
    assert [e["action"] for e in api.get("/v1/admin/audit-log", **as_admin(admin)).json["items"]] == [
        "credits.adjust", "credits.adjust"]


@pytest.fixture
def providers():
    from chalicelib.adapters.placeholder_images import PlaceholderImageProvider

    return {"openai": ScriptedImageProvider("openai", [1]), "placeholder": PlaceholderImageProvider()}


def test_a_price_change_during_a_pending_generation_keeps_the_quoted_price(api, admin, chalice_client):
    token = api.register()["access_token"]
    queued = api.post("/v1/generations", {"prompt": "x", "model": "gpt-image-1.5", "quality": "low", "n": 2},
                      token=token).json
    assert queued["cost_credits"] == 4
    change = [{"model": "gpt-image-1.5", "size": "1024x1024", "quality": "low", "credits": 9,
               "provider_cost_usd": 0.05}]
    assert api.request("PUT", "/v1/admin/pricing", {"items": change}, **as_admin(admin)).status == 200
    run_worker(chalice_client, queued["id"])
    done = api.get(f"/v1/generations/{queued['id']}", token=token).json
    assert done["cost_credits"] == 4 and done["refunded_credits"] == 2, "the failed image refunds the quoted 2"
    assert api.get("/v1/credits", token=token).json["balance"] == BONUS - 2
    quote = api.post("/v1/generations/quote", {"prompt": "x", "model": "gpt-image-1.5", "quality": "low"}, token=token)
    assert quote.json["cost_credits"] == 9
    [entry] = api.get("/v1/admin/audit-log", **as_admin(admin)).json["items"]
    assert entry["before"][0]["credits"] == 2 and entry["after"][0]["credits"] == 9


@pytest.mark.parametrize("row, field", [
    ({"model": "nope", "size": "1024x1024", "quality": "low", "credits": 1, "provider_cost_usd": 0}, "items[0].model"),
    ({"model": ["gpt-image-1.5"], "size": "1024x1024", "quality": "low", "credits": 1, "provider_cost_usd": 0},
     "items[0].model"),
    ({"model": {"id": "gpt-image-1.5"}, "size": "1024x1024", "quality": "low", "credits": 1,
      "provider_cost_usd": 0}, "items[0].model"),
    ({"model": "gpt-image-1.5", "size": ["1024x1024"], "quality": "low", "credits": 1, "provider_cost_usd": 0},
     "items[0].size"),
    ({"model": "gpt-image-1.5", "size": "9x9", "quality": "low", "credits": 1, "provider_cost_usd": 0},
     "items[0].size"),
    ({"model": "gpt-image-1.5", "size": "1024x1024", "quality": "low", "credits": 0, "provider_cost_usd": 0},
     "items[0].credits"),
    ({"model": "gpt-image-1.5", "size": "1024x1024", "quality": "low", "credits": 1, "provider_cost_usd": "NaN"},
     "items[0].provider_cost_usd"),
])
def test_bad_price_rows_are_400_and_change_nothing(api, admin, row, field):
    before = api.get("/v1/admin/pricing", **as_admin(admin)).json
    reply = api.request("PUT", "/v1/admin/pricing", {"items": [row]}, **as_admin(admin))
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field
    assert api.get("/v1/admin/pricing", **as_admin(admin)).json == before


def test_settings_change_the_signup_bonus_daily_cap_and_models(api, admin):
    settings = api.patch("/v1/admin/settings", {"signup_bonus": 75, "daily_spend_cap": 3}, **as_admin(admin)).json
    assert settings["signup_bonus"] == 75 and settings["daily_spend_cap"] == 3
    token = api.register("new@example.com")["access_token"]
    assert api.get("/v1/credits", token=token).json["balance"] == 75
    body = {"prompt": "x", "model": "placeholder", "n": 2}
    assert api.post("/v1/generations", body, token=token).status == 202
    capped = api.post("/v1/generations", body, token=token)
    assert capped.status == 402 and capped.error_code == "daily_cap_reached"
    assert api.patch("/v1/admin/settings", {"daily_spend_cap": None}, **as_admin(admin)).json["daily_spend_cap"] is None
    assert api.post("/v1/generations", body, token=token).status == 202
    assert api.request("PUT", "/v1/admin/models/placeholder", {"enabled": False}, **as_admin(admin)).status == 204
    assert "placeholder" not in [m["id"] for m in api.get("/v1/models").json["items"]]
    assert api.patch("/v1/admin/settings", {"signup_bonus": -1}, **as_admin(admin)).status == 400


def test_presets_templates_and_packs_are_managed_and_audited(api, admin):
    assert api.request("PUT", "/v1/admin/style-presets/noir", {"label": "Noir", "prompt_suffix": "film noir"},
                       **as_admin(admin)).status == 204
    assert "noir" in [p["id"] for p in api.get("/v1/style-presets").json["items"]]
    assert api.request("PUT", "/v1/admin/prompt-templates/pet", {"label": "Pet", "template": "A {animal} in a {hat}"},
                       **as_admin(admin)).status == 204
    template = next(t for t in api.get("/v1/prompt-templates").json["items"] if t["id"] == "pet")
    assert template["variables"] == ["animal", "hat"]
    assert api.request("PUT", "/v1/admin/prompt-templates/bad", {"label": "Bad", "template": "no blanks"},
                       **as_admin(admin)).status == 400
    assert api.request("PUT", "/v1/admin/credit-packs/mega", {"label": "Mega", "credits": 12000, "amount_cents": 10000},
                       **as_admin(admin)).status == 204
    assert ("mega", 12000) in [(p["id"], p["credits"]) for p in api.get("/v1/credits/packs").json["items"]]
    actions = [e["action"] for e in api.get("/v1/admin/audit-log", **as_admin(admin)).json["items"]]
    assert actions == ["credit_pack.upsert", "prompt_template.upsert", "style_preset.upsert"]
