"""Subscriptions through the real stripe SDK and the fake Stripe server: checkout, first invoice, renewal, failed
payment, cancellation, plan switch, refund and dispute of an invoice; replays and reorderings change the books once."""

from __future__ import annotations

import itertools
import json

import psycopg
import pytest

from chalicelib.adapters.local_checkout import sign_webhook
from tests.conftest import sent_emails
from tests.fake_stripe import WEBHOOK_SECRET, stripe_settings
from tests.helpers import balance

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50
CREATOR = 1500  # creator plans' monthly allowance
STUDIO = 5000


@pytest.fixture
def settings_overrides(fake_stripe):
    fake_stripe.failures_left = 0
    return stripe_settings(fake_stripe)


@pytest.fixture(autouse=True)
def stripe_follows_our_clock(fake_stripe, clock):
    fake_stripe.clock = lambda: clock.now().timestamp()
    fake_stripe.pending_events.clear()


def deliver(api, *events: dict) -> list[str]:
    outcomes = []
    for event in events:
        payload = json.dumps(event).encode()
        reply = api.request("POST", "/v1/webhooks/stripe", raw=payload,
                            headers={"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET)})
        assert reply.status == 200, reply.body
        outcomes.append(reply.json["outcome"])
    return outcomes


def subscribe(api, fake_stripe, email: str = "ada@example.com", plan: str = "creator-monthly"):
    session = api.register(email=email)
    token = session["access_token"]
    reply = api.post("/v1/billing/subscription", {"plan_id": plan}, token=token)
    assert reply.status == 201, reply.body
    events = fake_stripe.complete_subscription_checkout(reply.json["checkout_id"])
    sub_id = events[1]["data"]["object"]["subscription"]
    return token, sub_id, events


def login(api, email: str = "ada@example.com") -> str:
    """A fresh access token: the clock moved past the old one's expiry."""
    reply = api.post("/v1/auth/login", {"email": email, "password": "correct horse battery"})
    assert reply.status == 200, reply.body
    return reply.json["access_token"]


def kinds(api, token) -> list[tuple[str, int]]:
    return [(r["kind"], r["delta"]) for r in api.get("/v1/credits/transactions", token=token).json["items"]]


def test_plans_are_listed_with_their_allowance_and_perks(api):
    items = api.get("/v1/billing/plans").json["items"]
    assert [(p["id"], p["interval"], p["amount_cents"], p["monthly_credits"]) for p in items] == [
        ("creator-monthly", "month", 1200, 1500), ("creator-yearly", "year", 12000, 1500),
        ("studio-monthly", "month", 3900, 5000), ("studio-yearly", "year", 39000, 5000)]
    assert items[2]["perks"] == {"pack_discount_percent": 15, "queue_priority": True, "premium_models": True,
                                 "parallel_generations": 4}


def test_subscription_checkout_and_first_invoice_grant_the_allowance_once(api, fake_stripe):
    token, _, events = subscribe(api, fake_stripe)
    params = fake_stripe.requests[-1]["params"]
    assert params["mode"] == "subscription"
    assert params["line_items"][0]["price_data"]["recurring"] == {"interval": "month"}
    assert params["subscription_data"]["metadata"]["plan_id"] == "creator-monthly"
    assert api.get("/v1/billing/subscription", token=token).status == 404  # nothing from Stripe yet
    assert deliver(api, *events) == ["incomplete", "subscription_linked", "granted", "active"]
    assert balance(api, token) == BONUS + CREATOR
    assert deliver(api, *events) == ["duplicate"] * 4
    assert balance(api, token) == BONUS + CREATOR
    assert kinds(api, token) == [("subscription_grant", CREATOR), ("signup_bonus", BONUS)]
    current = api.get("/v1/billing/subscription", token=token).json
    assert current["status"] == "active" and current["plan"]["id"] == "creator-monthly"
    assert current["cancel_at_period_end"] is False and current["current_period_end"] is not None
    assert api.post("/v1/billing/subscription", {"plan_id": "studio-monthly"}, token=token).status == 409


def test_every_order_of_the_first_events_changes_the_books_once(api, fake_stripe):
    for number, order in enumerate(itertools.permutations(range(4))):
        token, _, events = subscribe(api, fake_stripe, email=f"order{number}@example.com")
        deliver(api, *[events[i] for i in order])
        deliver(api, *[events[i] for i in reversed(order)])  # and every one again
        assert balance(api, token) == BONUS + CREATOR, order
        assert api.get("/v1/billing/subscription", token=token).json["status"] == "active", order


def test_a_renewal_grants_the_next_month_and_a_failed_one_marks_past_due_and_emails(api, fake_stripe, clock):
    token, sub_id, events = subscribe(api, fake_stripe)
    deliver(api, *events)
    clock.advance(days=30)
    failed, past_due = fake_stripe.renew(sub_id, paid=False)
    assert deliver(api, past_due, failed) == ["past_due", "past_due"]
    token = login(api)
    assert balance(api, token) == BONUS + CREATOR  # kept what was granted, added nothing
    assert api.get("/v1/billing/subscription", token=token).json["status"] == "past_due"
    mails = [m for m in sent_emails() if m["subject"] == "Your Pixmint subscription payment did not go through"]
    assert len(mails) == 1 and "/billing" in mails[0]["body"]
    paid, active = fake_stripe.pay_invoice(failed["data"]["object"]["id"])
    deliver(api, paid, active, failed, paid)
    assert balance(api, token) == BONUS + 2 * CREATOR
    assert api.get("/v1/billing/subscription", token=token).json["status"] == "active"
    assert kinds(api, token) == [("subscription_grant", CREATOR)] * 2 + [("signup_bonus", BONUS)]


@pytest.mark.parametrize("refund_first", [False, True])
def test_a_refunded_invoice_takes_its_credits_back_like_a_pack(api, fake_stripe, refund_first):
    token, _, events = subscribe(api, fake_stripe)
    invoice_id = events[2]["data"]["object"]["id"]
    partial = fake_stripe.refund_invoice(invoice_id, 400)
    full = fake_stripe.refund_invoice(invoice_id)
    if refund_first:
        assert deliver(api, full, partial) == ["deferred", "deferred"]
        deliver(api, *events)
    else:
        deliver(api, *events)
        assert deliver(api, partial) == ["refunded"]
        assert balance(api, token) == BONUS + CREATOR - CREATOR * 400 // 1200
        deliver(api, full, partial)
    assert balance(api, token) == BONUS
    deliver(api, *events, partial, full)
    assert balance(api, token) == BONUS


@pytest.mark.parametrize("dispute_first", [False, True])
def test_a_disputed_invoice_takes_everything_back_and_flags_the_account(api, fake_stripe, db, dispute_first):
    token, _, events = subscribe(api, fake_stripe)
    invoice_id = events[2]["data"]["object"]["id"]
    dispute = fake_stripe.dispute_invoice(invoice_id)
    deliver(api, *([dispute, *events] if dispute_first else [*events, dispute]))
    deliver(api, dispute, *events)
    assert balance(api, token) == BONUS
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE flagged_at IS NOT NULL").fetchone()[0] == 1


def test_a_yearly_plan_grants_month_by_month_and_stops_at_a_dispute(api, fake_stripe, chalice_client, clock,
                                                                   container):
    token, _, events = subscribe(api, fake_stripe, plan="creator-yearly")
    deliver(api, *events)
    assert balance(api, token) == BONUS + CREATOR
    assert container.billing.grant_due_months() == {"subscription_months_granted": 0}
    clock.advance(days=31)
    event = chalice_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                    resources=[])
    assert chalice_client.lambda_.invoke("housekeeping", event).payload["subscription_months_granted"] == 1
    assert container.billing.grant_due_months() == {"subscription_months_granted": 0}
    token = login(api)
    assert balance(api, token) == BONUS + 2 * CREATOR
    clock.advance(days=62)
    assert container.billing.grant_due_months() == {"subscription_months_granted": 2}
    token = login(api)
    assert balance(api, token) == BONUS + 4 * CREATOR
    deliver(api, fake_stripe.dispute_invoice(events[2]["data"]["object"]["id"]))
    assert balance(api, token) == BONUS
    clock.advance(days=62)
    assert container.billing.grant_due_months() == {"subscription_months_granted": 0}
    token = login(api)
    assert balance(api, token) == BONUS


def test_switching_plan_and_cancelling_at_period_end(api, fake_stripe, clock):
    token, sub_id, events = subscribe(api, fake_stripe)
    deliver(api, *events)
    reply = api.patch("/v1/billing/subscription", {"plan_id": "studio-monthly"}, token=token)
    assert reply.status == 200, reply.body
    assert reply.json["plan"]["id"] == "studio-monthly"
    update = fake_stripe.requests[-1]
    assert update["path"] == f"/v1/subscriptions/{sub_id}"
    assert update["params"]["proration_behavior"] == "none"
    assert update["params"]["items"][0]["price_data"]["unit_amount"] == "3900"
    clock.advance(days=30)
    deliver(api, *fake_stripe.pending_events, *fake_stripe.renew(sub_id))
    token = login(api)
    assert balance(api, token) == BONUS + CREATOR + STUDIO

    reply = api.patch("/v1/billing/subscription", {"cancel_at_period_end": True}, token=token)
    assert reply.status == 200 and reply.json["cancel_at_period_end"] is True
    assert fake_stripe.requests[-1]["params"] == {"cancel_at_period_end": "true"}
    clock.advance(days=30)
    (deleted,) = fake_stripe.renew(sub_id)
    deliver(api, deleted, *fake_stripe.pending_events)  # the older update arrives after the deletion
    token = login(api)
    current = api.get("/v1/billing/subscription", token=token).json
    assert current["status"] == "canceled"
    assert balance(api, token) == BONUS + CREATOR + STUDIO  # what was paid for is kept
    assert api.patch("/v1/billing/subscription", {"cancel_at_period_end": False}, token=token).status == 404
    assert api.post("/v1/billing/subscription", {"plan_id": "creator-monthly"}, token=token).status == 201


@pytest.mark.parametrize("body", [{}, {"plan_id": "platinum"}, {"cancel_at_period_end": "yes"}, {"plan_id": 3}])
def test_bad_subscription_changes_are_400_and_reach_no_stripe(api, fake_stripe, body):
    token, _, events = subscribe(api, fake_stripe)
    deliver(api, *events)
    before = len(fake_stripe.requests)
    reply = api.patch("/v1/billing/subscription", body, token=token)
    assert reply.status == 400 and reply.error_code == "invalid_request"
    assert len(fake_stripe.requests) == before


def test_an_unknown_plan_opens_no_checkout(api, fake_stripe):
    token = api.register()["access_token"]
    before = len(fake_stripe.requests)
    reply = api.post("/v1/billing/subscription", {"plan_id": "platinum"}, token=token)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == "plan_id"
    assert len(fake_stripe.requests) == before


def test_the_customer_portal_opens_for_a_customer_only(api, fake_stripe):
    token = api.register(email="new@example.com")["access_token"]
    assert api.post("/v1/billing/portal", token=token).status == 404
    token, _, events = subscribe(api, fake_stripe)
    deliver(api, *events)
    reply = api.post("/v1/billing/portal", token=token)
    assert reply.status == 201 and reply.json["url"].startswith("https://billing.stripe.test/")
    assert fake_stripe.requests[-1]["params"]["return_url"].endswith("/billing")


def test_api_keys_cannot_change_billing(api, fake_stripe):
    token, _, events = subscribe(api, fake_stripe)
    deliver(api, *events)
    key = api.post("/v1/api-keys", {"name": "ci"}, token=token).json["key"]
    assert api.request("GET", "/v1/billing/subscription", headers={"X-API-Key": key}).status == 200
    for method, path in [("POST", "/v1/billing/portal"), ("PATCH", "/v1/billing/subscription")]:
        reply = api.request(method, path, {"cancel_at_period_end": True}, headers={"X-API-Key": key})
        assert reply.status == 403, (method, path)
