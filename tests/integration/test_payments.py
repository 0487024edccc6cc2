"""Buying credits through the real stripe SDK and a fake Stripe server; webhooks applied exactly once."""

from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest

from chalicelib.adapters.local_checkout import sign_webhook
from tests.conftest import sent_emails
from tests.fake_stripe import WEBHOOK_SECRET, stripe_settings
from tests.helpers import balance

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50


@pytest.fixture
def settings_overrides(fake_stripe):
    fake_stripe.failures_left = 0
    return stripe_settings(fake_stripe)


def deliver(api, event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None, tamper=None):
    payload = json.dumps(event).encode()
    signature = sign_webhook(payload, secret, timestamp)
    if tamper:
        payload = tamper(payload)
    return api.request("POST", "/v1/webhooks/stripe", raw=payload, headers={"Stripe-Signature": signature})


def session_event(session: dict, event_type: str = "checkout.session.completed", payment_status: str = "paid",
                  event_id: str | None = None, intent: str = "pi_1", **changes) -> dict:
    obj = {**session, "payment_status": payment_status, "status": "complete", "payment_intent": intent, **changes}
    return {"id": event_id or f"evt_{event_type}_{session['id']}_{payment_status}", "object": "event",
            "type": event_type, "created": int(time.time()), "data": {"object": obj}}


def charge_event(event_id: str, intent: str, amount: int, refunded: int) -> dict:
    return {"id": event_id, "object": "event", "type": "charge.refunded", "created": int(time.time()),
            "data": {"object": {"id": f"ch_{intent}", "object": "charge", "payment_intent": intent, "amount": amount,
                                "amount_refunded": refunded, "refunded": refunded >= amount}}}


def dispute_event(event_id: str, intent: str, amount: int) -> dict:
    return {"id": event_id, "object": "event", "type": "charge.dispute.created", "created": int(time.time()),
            "data": {"object": {"id": f"dp_{intent}", "object": "dispute", "payment_intent": intent,
                                "charge": f"ch_{intent}", "amount": amount}}}


def buy(api, fake_stripe, token: str, body: dict, key: str | None = None) -> dict:
    headers = {"Idempotency-Key": key} if key else {}
    reply = api.post("/v1/credits/checkout", body, token=token, headers=headers)
    assert reply.status == 201, reply.body
    return fake_stripe.sessions[reply.json["checkout_id"]]


def test_new_accounts_get_the_signup_bonus_as_a_ledger_row(api):
    session = api.register()
    assert session["user"]["credits"] == BONUS
    rows = api.get("/v1/credits/transactions", token=session["access_token"]).json["items"]
    assert [(r["kind"], r["delta"], r["balance_after"]) for r in rows] == [("signup_bonus", BONUS, BONUS)]


def test_packs_are_listed_with_prices(api):
    items = api.get("/v1/credits/packs").json["items"]
    assert [(p["id"], p["credits"], p["amount_cents"]) for p in items] == [
        ("starter", 500, 500), ("standard", 1000, 1000), ("plus", 2100, 2000), ("pro", 5500, 5000)]


def test_purchase_end_to_end(api, fake_stripe):
    user = api.register()
    token = user["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "plus"}, key="k-1")
    request = fake_stripe.requests[-1]
    assert request["authorization"] == "Bearer sk_test_fake"
    params = request["params"]
    assert params["mode"] == "payment"
    assert params["line_items"][0]["price_data"] == {"currency": "usd", "unit_amount": "2000",
                                                     "product_data": {"name": "Plus: 2,000 + 100 bonus credits"}}
    assert params["client_reference_id"] == user["user"]["id"]
    assert params["metadata"] == {"user_id": user["user"]["id"], "credits": "2100", "pack_id": "plus"}
    assert params["success_url"].endswith("/credits/return?checkout_id={CHECKOUT_SESSION_ID}")
    assert request["idempotency_key"] == f"pixmint-checkout-{user['user']['id']}-k-1"
    assert api.get(f"/v1/credits/payments/{stripe_session['id']}", token=token).json["status"] == "open"

    reply = deliver(api, session_event(stripe_session))
    assert reply.status == 200
    assert reply.json == {"received": True, "outcome": "credited"}
    assert balance(api, token) == BONUS + 2100
    payment = api.get(f"/v1/credits/payments/{stripe_session['id']}", token=token).json
    assert payment["status"] == "paid"
    rows = api.get("/v1/credits/transactions", token=token).json["items"]
    assert [(r["kind"], r["delta"]) for r in rows] == [("purchase", 2100), ("signup_bonus", BONUS)]


def test_custom_amount_buys_one_credit_per_cent(api, fake_stripe):
    token = api.register()["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"amount_cents": 1200})
    deliver(api, session_event(stripe_session))
    assert balance(api, token) == BONUS + 1200


@pytest.mark.parametrize("body", [{"pack_id": "platinum"}, {"amount_cents": 499}, {"amount_cents": 50001},
                                  {"amount_cents": 1250}, {"pack_id": "plus", "amount_cents": 1000}, {},
                                  {"amount_cents": -500}, {"amount_cents": True}])
def test_bad_checkout_requests_are_400_and_reach_no_stripe(api, fake_stripe, db, body):
    token = api.register()["access_token"]
    before = len(fake_stripe.requests)
    reply = api.post("/v1/credits/checkout", body, token=token)
    assert reply.status == 400
    assert reply.error_code == "invalid_request"
    assert len(fake_stripe.requests) == before
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM payments").fetchone()[0] == 0


def test_idempotency_key_replays_the_first_response_and_refuses_another_body(api, fake_stripe):
    token = api.register()["access_token"]
    first = api.post("/v1/credits/checkout", {"pack_id": "starter"}, token=token, headers={"Idempotency-Key": "same"})
    before = len(fake_stripe.requests)
    again = api.post("/v1/credits/checkout", {"pack_id": "starter"}, token=token, headers={"Idempotency-Key": "same"})
    assert again.status == 201 and again.json == first.json
    assert len(fake_stripe.requests) == before
    other = api.post("/v1/credits/checkout", {"pack_id": "pro"}, token=token, headers={"Idempotency-Key": "same"})
    assert other.status == 409 and other.error_code == "conflict"
    assert len(api.get("/v1/credits/payments", token=token).json["items"]) == 1


def test_stripe_outage_is_503_stores_nothing_and_the_same_key_works_later(api, fake_stripe, db):
    token = api.register()["access_token"]
    fake_stripe.failures_left = 3  # the SDK retries twice, so all three attempts fail
    reply = api.post("/v1/credits/checkout", {"pack_id": "starter"}, token=token, headers={"Idempotency-Key": "k"})
    assert reply.status == 503 and reply.error_code == "unavailable"
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM payments").fetchone()[0] == 0
    retry = api.post("/v1/credits/checkout", {"pack_id": "starter"}, token=token, headers={"Idempotency-Key": "k"})
    assert retry.status == 201


def test_webhook_replayed_fifty_times_credits_once(api, fake_stripe):
    token = api.register()["access_token"]
    event = session_event(buy(api, fake_stripe, token, {"pack_id": "starter"}))
    outcomes = [deliver(api, event).json["outcome"] for _ in range(50)]
    assert outcomes == ["credited"] + ["duplicate"] * 49
    assert balance(api, token) == BONUS + 500


def test_same_session_under_another_event_id_credits_once(api, fake_stripe):
    token = api.register()["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "starter"})
    deliver(api, session_event(stripe_session, event_id="evt_a"))
    assert deliver(api, session_event(stripe_session, event_id="evt_b")).json["outcome"] == "already_credited"
    assert balance(api, token) == BONUS + 500


def test_concurrent_deliveries_from_ten_threads_credit_once(api, fake_stripe, container):
    token = api.register()["access_token"]
    event = session_event(buy(api, fake_stripe, token, {"pack_id": "standard"}))
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def deliver_once():
        barrier.wait()
        outcomes.append(container.credits.handle_stripe_event(json.loads(json.dumps(event))))

    threads = [threading.Thread(target=deliver_once) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["credited"] + ["duplicate"] * 9
    assert balance(api, token) == BONUS + 1000


def test_failed_before_completed_credits_nothing_and_tells_the_user(api, fake_stripe):
    token = api.register("bank@example.com")["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "standard"})
    deliver(api, session_event(stripe_session, "checkout.session.async_payment_failed", "unpaid"))
    deliver(api, session_event(stripe_session, "checkout.session.completed", "unpaid"))
    assert balance(api, token) == BONUS
    payment = api.get(f"/v1/credits/payments/{stripe_session['id']}", token=token).json
    assert payment["status"] == "failed" and payment["failure_reason"]
    [mail, _welcome, _verification] = sent_emails()  # newest first
    assert mail["to"] == ["bank@example.com"] and "did not go through" in mail["subject"]


def test_async_payment_is_pending_until_it_succeeds(api, fake_stripe):
    token = api.register()["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "standard"})
    deliver(api, session_event(stripe_session, "checkout.session.completed", "unpaid"))
    assert api.get("/v1/credits", token=token).json == {"balance": BONUS, "pending": 1000}
    deliver(api, session_event(stripe_session, "checkout.session.async_payment_succeeded", "paid"))
    assert api.get("/v1/credits", token=token).json == {"balance": BONUS + 1000, "pending": 0}


def test_expired_checkout_is_recorded_and_credits_nothing(api, fake_stripe):
    token = api.register()["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "standard"})
    deliver(api, session_event(stripe_session, "checkout.session.expired", "unpaid"))
    assert api.get(f"/v1/credits/payments/{stripe_session['id']}", token=token).json["status"] == "expired"
    assert balance(api, token) == BONUS


def test_refund_before_completion_is_applied_when_the_payment_lands(api, fake_stripe):
    token = api.register()["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "plus"})
    assert deliver(api, charge_event("evt_r1", "pi_early", 2000, 1000)).json["outcome"] == "deferred"
    assert deliver(api, session_event(stripe_session, intent="pi_early")).json["outcome"] == "credited"
    assert balance(api, token) == BONUS + 2100 - 1050
    payment = api.get(f"/v1/credits/payments/{stripe_session['id']}", token=token).json
    assert payment["status"] == "partially_refunded"


def test_partial_then_full_refund_takes_back_the_refunded_share_once(api, fake_stripe):
    token = api.register()["access_token"]
    deliver(api, session_event(buy(api, fake_stripe, token, {"pack_id": "plus"}), intent="pi_r"))
    deliver(api, charge_event("evt_p", "pi_r", 2000, 500))
    assert balance(api, token) == BONUS + 2100 - 525
    deliver(api, charge_event("evt_p_again", "pi_r", 2000, 500))
    assert balance(api, token) == BONUS + 2100 - 525
    deliver(api, charge_event("evt_full", "pi_r", 2000, 2000))
    assert balance(api, token) == BONUS
    deliver(api, charge_event("evt_stale", "pi_r", 2000, 500))
    assert balance(api, token) == BONUS


def test_refund_after_spending_goes_negative_and_blocks_spending(api, fake_stripe, container):
    from chalicelib.adapters.postgres import PostgresUnitOfWork
    from chalicelib.domain.credits import spend
    from chalicelib.domain.errors import InsufficientCredits

    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    deliver(api, session_event(buy(api, fake_stripe, token, {"pack_id": "starter"}), intent="pi_s"))
    with PostgresUnitOfWork(container.pool) as uow:
        spend(uow.ledger, user_id, 500, "gen-1", container.clock.now())
        uow.commit()
    deliver(api, charge_event("evt_refund_all", "pi_s", 500, 500))
    assert balance(api, token) == BONUS - 500
    with PostgresUnitOfWork(container.pool) as uow, pytest.raises(InsufficientCredits) as refused:
        spend(uow.ledger, user_id, 1, "gen-2", container.clock.now())
    assert refused.value.details == {"cost": 1, "balance": BONUS - 500}


def test_dispute_takes_back_the_credits_and_flags_the_account(api, fake_stripe, db):
    session = api.register()
    token = session["access_token"]
    deliver(api, session_event(buy(api, fake_stripe, token, {"pack_id": "standard"}), intent="pi_d"))
    deliver(api, charge_event("evt_half", "pi_d", 1000, 500))
    assert deliver(api, dispute_event("evt_dispute", "pi_d", 1000)).json["outcome"] == "disputed"
    assert balance(api, token) == BONUS
    rows = [r["kind"] for r in api.get("/v1/credits/transactions", token=token).json["items"]]
    assert rows[:3] == ["dispute", "payment_refund", "purchase"]
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT flag_reason FROM users").fetchone()[0] == "payment disputed"


def test_amount_and_user_come_from_our_records_not_the_event(api, fake_stripe, db):
    buyer = api.register("buyer@example.com")
    other = api.register("other@example.com")
    stripe_session = buy(api, fake_stripe, buyer["access_token"], {"pack_id": "starter"})
    forged = session_event(stripe_session, client_reference_id=other["user"]["id"],
                           metadata={"user_id": other["user"]["id"], "credits": "999999"})
    deliver(api, forged)
    assert balance(api, buyer["access_token"]) == BONUS + 500
    assert balance(api, other["access_token"]) == BONUS


def test_an_amount_that_differs_from_the_order_is_not_credited(api, fake_stripe, db):
    token = api.register()["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "pro"})
    reply = deliver(api, session_event(stripe_session, amount_total=100))
    assert reply.json["outcome"] == "mismatch"
    assert balance(api, token) == BONUS


def test_unknown_event_types_are_acknowledged_and_ignored(api):
    event = {"id": "evt_unknown", "object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    reply = deliver(api, event)
    assert reply.status == 200 and reply.json["outcome"] == "ignored"


@pytest.mark.parametrize("case", ["one byte changed", "wrong secret", "301 s old", "no signature", "garbage header"])
def test_bad_signatures_are_400_and_change_nothing(api, fake_stripe, case):
    token = api.register()["access_token"]
    event = session_event(buy(api, fake_stripe, token, {"pack_id": "starter"}))
    if case == "one byte changed":
        reply = deliver(api, event, tamper=lambda body: body.replace(b'"paid"', b'"paie"'))
    elif case == "wrong secret":
        reply = deliver(api, event, secret="whsec_other")
    elif case == "301 s old":
        reply = deliver(api, event, timestamp=int(time.time()) - 301)
    else:
        header = {} if case == "no signature" else {"Stripe-Signature": "t=1,v1=abc"}
        reply = api.request("POST", "/v1/webhooks/stripe", raw=json.dumps(event), headers=header)
    assert reply.status == 400
    assert reply.error_code == "invalid_signature"
    assert balance(api, token) == BONUS
    assert deliver(api, event).json["outcome"] == "credited", "the genuine event still applies afterwards"


def test_signature_just_inside_the_tolerance_is_accepted(api, fake_stripe):
    token = api.register()["access_token"]
    event = session_event(buy(api, fake_stripe, token, {"pack_id": "starter"}))
    assert deliver(api, event, timestamp=int(time.time()) - 290).status == 200


def test_a_failure_while_handling_is_5xx_and_nothing_is_acknowledged(api, fake_stripe, container, monkeypatch):
    token = api.register()["access_token"]
    event = session_event(buy(api, fake_stripe, token, {"pack_id": "starter"}))
    from chalicelib.adapters import postgres_credits

    original = postgres_credits.PostgresLedger.credit

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(postgres_credits.PostgresLedger, "credit", broken)
    assert deliver(api, event).status == 500
    monkeypatch.setattr(postgres_credits.PostgresLedger, "credit", original)
    assert deliver(api, event).json["outcome"] == "credited", "Stripe's retry is processed, not taken as a duplicate"
    assert balance(api, token) == BONUS + 500


def test_transactions_paginate_newest_first_and_export_as_csv(api, fake_stripe):
    token = api.register()["access_token"]
    for n in range(3):
        deliver(api, session_event(buy(api, fake_stripe, token, {"pack_id": "starter"}), intent=f"pi_page_{n}"))
    first = api.get("/v1/credits/transactions?limit=2", token=token).json
    second = api.get(f"/v1/credits/transactions?limit=2&cursor={first['next_cursor']}", token=token).json
    assert [r["kind"] for r in first["items"] + second["items"]] == ["purchase"] * 3 + ["signup_bonus"]
    assert second["next_cursor"] is None
    assert [r["balance_after"] for r in first["items"]] == [BONUS + 1500, BONUS + 1000]
    for bad in ("limit=0", "limit=101", "limit=x", "cursor=%%%", "cursor=eA", "cursor=fA"):
        assert api.get(f"/v1/credits/transactions?{bad}", token=token).status == 400
        assert api.get(f"/v1/credits/payments?{bad}", token=token).status == 400
    export = api.get("/v1/credits/transactions/export", token=token)
    assert export.status == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    lines = export.body.decode().strip().splitlines()
    assert lines[0] == "id,created_at,kind,delta,balance_after,reference"
    assert len(lines) == 5


def test_other_users_payments_are_404(api, fake_stripe):
    owner = api.register("owner@example.com")["access_token"]
    stranger = api.register("stranger@example.com")["access_token"]
    stripe_session = buy(api, fake_stripe, owner, {"pack_id": "starter"})
    assert api.get(f"/v1/credits/payments/{stripe_session['id']}", token=stranger).status == 404


def test_the_ledger_is_append_only_and_deleting_an_account_anonymises_it(api, db):
    session = api.register()
    with psycopg.connect(db) as conn, pytest.raises(psycopg.errors.IntegrityConstraintViolation):
        conn.execute("UPDATE ledger SET delta = 5000")
    with psycopg.connect(db) as conn, pytest.raises(psycopg.errors.IntegrityConstraintViolation):
        conn.execute("DELETE FROM ledger")
    assert api.delete("/v1/me", {"password": "correct horse battery"}, token=session["access_token"]).status == 204
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT user_id, kind, delta FROM ledger").fetchall() == [(None, "signup_bonus", BONUS)]
