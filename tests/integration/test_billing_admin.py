"""Admins manage plans (PUT /v1/admin/plans/{id}, audited) and a plan's pack discount reaches the Stripe checkout."""

from __future__ import annotations

import pytest

from tests.helpers import balance
from tests.integration.test_billing import (  # noqa: F401 - the two fixtures are found by name
    BONUS,
    deliver,
    settings_overrides,
    stripe_follows_our_clock,
    subscribe,
)
from tests.integration.test_payments import deliver as deliver_payment
from tests.integration.test_payments import session_event

pytestmark = pytest.mark.usefixtures("ledger_invariant")

PLAN = {"name": "Hobby", "interval": "month", "amount_cents": 500, "monthly_credits": 600,
        "pack_discount_percent": 10, "parallel_generations": 2, "position": 0}


def put_plan(api, admin, plan_id: str, body: dict):
    return api.put(f"/v1/admin/plans/{plan_id}", body, token=admin["access_token"])


def public_ids(api) -> list[str]:
    return [p["id"] for p in api.get("/v1/billing/plans").json["items"]]


def test_an_admin_creates_changes_and_retires_a_plan_and_each_change_is_audited(api, admin):
    made = put_plan(api, admin, "hobby-monthly", PLAN)
    assert made.status == 200, made.body
    assert made.json == {"id": "hobby-monthly", "name": "Hobby", "interval": "month", "amount_cents": 500,
                         "currency": "usd", "monthly_credits": 600, "active": True, "position": 0,
                         "perks": {"pack_discount_percent": 10, "queue_priority": False, "premium_models": False,
                                   "parallel_generations": 2}}
    assert public_ids(api)[0] == "hobby-monthly"

    changed = put_plan(api, admin, "hobby-monthly", {**PLAN, "amount_cents": 700, "active": False})
    assert changed.status == 200 and changed.json["amount_cents"] == 700
    assert "hobby-monthly" not in public_ids(api), "a retired plan is not on sale"
    listed = {p["id"]: p for p in api.get("/v1/admin/plans", token=admin["access_token"]).json["items"]}
    assert listed["hobby-monthly"]["active"] is False and set(listed) >= {"creator-monthly", "studio-yearly"}

    audit = api.get("/v1/admin/audit-log", token=admin["access_token"]).json["items"]
    [latest, first] = [e for e in audit if e["action"] == "plan.upsert"][:2]
    assert first["before"] is None and first["after"]["amount_cents"] == 500
    assert latest["before"]["amount_cents"] == 500 and latest["after"]["amount_cents"] == 700
    assert latest["after"]["active"] is False


def test_a_plans_interval_cannot_change(api, admin):
    reply = put_plan(api, admin, "creator-monthly", {**PLAN, "interval": "year"})
    assert reply.status == 409 and reply.json["error"]["details"]["field"] == "interval"
    creator = next(p for p in api.get("/v1/billing/plans").json["items"] if p["id"] == "creator-monthly")
    assert creator["interval"] == "month" and creator["name"] == "Creator", "nothing changed"


@pytest.mark.parametrize(("plan_id", "change", "field"), [
    ("hobby", {"pack_discount_percent": 95}, "pack_discount_percent"),
    ("hobby", {"parallel_generations": 0}, "parallel_generations"),
    ("hobby", {"amount_cents": 99}, "amount_cents"),
    ("hobby", {"monthly_credits": 1.5}, "monthly_credits"),
    ("hobby", {"name": ""}, "name"),
    ("hobby", {"interval": "week"}, "interval"),
    ("hobby", {"stripe_price": "price_1"}, "stripe_price"),
    ("Hobby_Plan", {}, "id"),
    ("-hobby", {}, "id"),
    ("hobby\u202eevil", {}, "id"),
])
def test_bad_plans_are_400_naming_the_field_and_change_nothing(api, admin, plan_id, change, field):
    before = api.get("/v1/admin/plans", token=admin["access_token"]).json
    reply = put_plan(api, admin, plan_id, {**PLAN, **change})
    assert reply.status == 400, reply.body
    assert reply.json["error"]["details"]["field"] == field
    assert api.get("/v1/admin/plans", token=admin["access_token"]).json == before


def test_only_admins_see_or_change_plans(api):
    token = api.register("member@example.com")["access_token"]
    assert api.get("/v1/admin/plans", token=token).status == 403
    assert api.put("/v1/admin/plans/hobby", PLAN, token=token).status == 403
    assert "hobby" not in public_ids(api)


def checkout_amount(api, fake_stripe, token: str, pack: str = "plus") -> tuple[dict, dict]:
    reply = api.post("/v1/credits/checkout", {"pack_id": pack}, token=token)
    assert reply.status == 201, reply.body
    price = fake_stripe.requests[-1]["params"]["line_items"][0]["price_data"]
    return fake_stripe.sessions[reply.json["checkout_id"]], price


def test_an_active_plans_pack_discount_lowers_the_checkout_and_still_credits_the_whole_pack(api, fake_stripe):
    token, _, events = subscribe(api, fake_stripe, plan="studio-monthly")  # 15% off packs
    _, before_active = checkout_amount(api, fake_stripe, token)
    assert before_active["unit_amount"] == "2000", "no discount before Stripe says the subscription is active"
    deliver(api, *events)
    session, price = checkout_amount(api, fake_stripe, token)
    assert price["unit_amount"] == "1700" and "15% off with your plan" in price["product_data"]["name"]
    assert deliver_payment(api, session_event(session, amount_total=1700)).json["outcome"] == "credited"
    assert balance(api, token) == BONUS + 5000 + 2100, "the allowance and the whole pack"


def test_a_past_due_subscription_pauses_the_discount(api, fake_stripe, clock):
    token, sub_id, events = subscribe(api, fake_stripe, plan="studio-monthly")
    deliver(api, *events)
    clock.advance(days=30)
    failed, past_due = fake_stripe.renew(sub_id, paid=False)
    deliver(api, past_due, failed)
    token = api.post("/v1/auth/login", {"email": "ada@example.com", "password": "correct horse battery"}).json[
        "access_token"]
    _, price = checkout_amount(api, fake_stripe, token)
    assert price["unit_amount"] == "2000"


def test_a_price_change_reaches_the_next_subscription_checkout(api, admin, fake_stripe):
    assert put_plan(api, admin, "creator-monthly", {"name": "Creator", "interval": "month", "amount_cents": 1500,
                                                    "monthly_credits": 1500, "position": 1}).status == 200
    subscribe(api, fake_stripe, email="late@example.com", plan="creator-monthly")
    price = fake_stripe.requests[-1]["params"]["line_items"][0]["price_data"]
    assert price["unit_amount"] == "1500"
