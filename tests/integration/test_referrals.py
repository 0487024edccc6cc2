"""Referrals that cannot be farmed (issue 18): codes at sign-up, rewards only after the holding period of an
unrefunded, undisputed first purchase, exactly once under racing schedule runs, within the monthly cap, and never
between accounts that share a mailbox, a custom domain, a card, a Stripe customer or a sign-up address."""

from __future__ import annotations

import json
import threading

import psycopg
import pytest
import stripe

from chalicelib.adapters.local_checkout import sign_webhook
from tests.conftest import emailed_token
from tests.fake_stripe import WEBHOOK_SECRET, stripe_settings
from tests.helpers import count

pytestmark = pytest.mark.usefixtures("ledger_invariant")

ORIGIN_SECRET = "origin-secret-" + "r" * 30  # pragma: allowlist secret - the tests' own
PASSWORD = "correct horse battery"  # pragma: allowlist secret - a test account's
BONUS = 50
REWARD = 100  # the default reward of each side


@pytest.fixture
def settings_overrides(fake_stripe):
    fake_stripe.failures_left = 0
    return {**stripe_settings(fake_stripe), "PIXMINT_ORIGIN_SECRET": ORIGIN_SECRET}


@pytest.fixture(autouse=True)
def stripe_follows_our_clock(fake_stripe, clock):
    fake_stripe.clock = lambda: clock.now().timestamp()


def viewer(ip: str) -> dict[str, str]:
    """Headers of a request that came through CloudFront from this client address."""
    return {"X-Viewer-Address": ip, "X-Origin-Secret": ORIGIN_SECRET}


def sign_up(api, email: str, ip: str, code: str | None = None, verify: bool = True):
    body = {"email": email, "password": PASSWORD, **({"referral_code": code} if code is not None else {})}
    reply = api.post("/v1/auth/register", body, headers=viewer(ip))
    if reply.status == 201 and verify:
        verified = api.post("/v1/auth/verify-email", {"token": emailed_token(email, "/verify-email")})
        assert verified.status == 200, verified.body
    return reply


def login(api, email: str, ip: str) -> str:
    reply = api.post("/v1/auth/login", {"email": email, "password": PASSWORD}, headers=viewer(ip))
    assert reply.status == 200, reply.body
    return reply.json["access_token"]


def deliver(api, event: dict) -> str:
    payload = json.dumps(event).encode()
    reply = api.request("POST", "/v1/webhooks/stripe", raw=payload,
                        headers={"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET)})
    assert reply.status == 200, reply.body
    return reply.json["outcome"]


def buy(api, fake_stripe, token: str, card: str = "fp_card_default", customer: str | None = None) -> str:
    """Buys the starter pack by card; returns the payment intent."""
    reply = api.post("/v1/credits/checkout", {"pack_id": "starter"}, token=token)
    assert reply.status == 201, reply.body
    events = fake_stripe.complete_payment_checkout(reply.json["checkout_id"], card, customer)
    assert [deliver(api, event) for event in events] == ["charge_recorded", "credited"]
    return events[0]["data"]["object"]["payment_intent"]


def referral_code(api, token: str) -> str:
    reply = api.get("/v1/referrals", token=token)
    assert reply.status == 200, reply.body
    return reply.json["code"]


def referral_rows(db: str) -> list[tuple]:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT status, reason, referrer_credits, referred_credits FROM referrals "
                            "ORDER BY created_at").fetchall()


def rewards(db: str) -> list[tuple]:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT u.email, l.delta FROM ledger l JOIN users u ON u.id = l.user_id "
                            "WHERE l.kind = 'referral_reward' ORDER BY u.email").fetchall()


@pytest.fixture
def pair(api, fake_stripe, clock):
    """A referrer and a friend who signed up with the referrer's link from elsewhere and bought a pack."""
    assert sign_up(api, "rita@gmail.com", "198.51.100.1").status == 201
    code = referral_code(api, login(api, "rita@gmail.com", "198.51.100.1"))
    assert sign_up(api, "fred@outlook.com", "203.0.113.9", code).status == 201
    token = login(api, "fred@outlook.com", "203.0.113.9")
    intent = buy(api, fake_stripe, token, "fp_fred")
    return {"code": code, "token": token, "intent": intent}


def test_every_account_has_a_code_and_a_signup_link(api, container):
    sign_up(api, "rita@gmail.com", "198.51.100.1")
    token = login(api, "rita@gmail.com", "198.51.100.1")
    body = api.get("/v1/referrals", token=token).json
    assert body["link"] == f"{container.settings.public_url}/signup?ref={body['code']}"
    assert len(body["code"]) == 8 and body["code"].isalnum() and body["code"].isupper()
    assert (body["invited"], body["rewarded"], body["pending_credits"], body["earned_credits"]) == (0, 0, 0, 0)
    assert api.get("/v1/referrals", token=token).json["code"] == body["code"], "the code stays the same"
    assert api.get("/v1/referrals").status == 401


def test_nothing_is_granted_before_the_holding_period_has_passed(api, container, clock, db, pair):
    clock.advance(days=6, hours=23)
    assert container.referrals.grant_due() == {"referrals_rewarded": 0, "referrals_capped": 0,
                                               "referrals_refused": 0}
    assert referral_rows(db) == [("pending", None, 0, 0)]
    assert rewards(db) == []
    body = api.get("/v1/referrals", token=login(api, "rita@gmail.com", "198.51.100.1")).json
    assert (body["invited"], body["pending"], body["pending_credits"], body["earned_credits"]) == (1, 1, REWARD, 0)
    assert body["items"][0]["email"] == "f***@o***.com" and body["items"][0]["status"] == "pending"


def test_after_the_holding_period_both_sides_are_rewarded_once(api, container, clock, db, pair):
    clock.advance(days=7, minutes=1)
    assert container.referrals.grant_due()["referrals_rewarded"] == 1
    assert container.referrals.grant_due()["referrals_rewarded"] == 0, "a second run finds nothing to do"
    assert rewards(db) == [("fred@outlook.com", REWARD), ("rita@gmail.com", REWARD)]
    assert referral_rows(db) == [("rewarded", None, REWARD, REWARD)]
    body = api.get("/v1/referrals", token=login(api, "rita@gmail.com", "198.51.100.1")).json
    assert (body["invited"], body["rewarded"], body["pending_credits"], body["earned_credits"]) == (1, 1, 0, REWARD)
    assert body["items"][0]["status"] == "rewarded" and body["items"][0]["credits"] == REWARD
    fred = api.get("/v1/credits/transactions", token=login(api, "fred@outlook.com", "203.0.113.9")).json["items"]
    assert [(r["kind"], r["delta"]) for r in fred][:2] == [("referral_reward", REWARD), ("purchase", 500)]


def test_racing_schedule_runs_reward_once(api, container, clock, db, pair):
    clock.advance(days=8)
    barrier = threading.Barrier(4)
    results: list[dict[str, int]] = []

    def run() -> None:
        barrier.wait()
        results.append(container.referrals.grant_due())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["referrals_rewarded"] for r in results) == 1
    assert rewards(db) == [("fred@outlook.com", REWARD), ("rita@gmail.com", REWARD)]


def test_the_housekeeping_schedule_grants_the_rewards(chalice_client, clock, db, pair):
    clock.advance(days=8)
    event = chalice_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                    resources=[])
    assert chalice_client.lambda_.invoke("housekeeping", event).payload["referrals_rewarded"] == 1
    assert len(rewards(db)) == 2


@pytest.mark.parametrize("what", ["refund", "partial_refund", "dispute"])
def test_a_refunded_or_disputed_first_purchase_never_earns(api, container, clock, db, fake_stripe, pair, what):
    clock.advance(days=2)
    if what == "dispute":
        event = {"id": "evt_dispute_1", "object": "event", "type": "charge.dispute.created",
                 "created": int(clock.now().timestamp()),
                 "data": {"object": {"id": "dp_1", "object": "dispute", "payment_intent": pair["intent"],
                                     "charge": "ch_1", "amount": 500}}}
    else:
        refunded = 500 if what == "refund" else 100
        event = {"id": f"evt_refund_{what}", "object": "event", "type": "charge.refunded",
                 "created": int(clock.now().timestamp()),
                 "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": pair["intent"],
                                     "amount": 500, "amount_refunded": refunded, "refunded": refunded >= 500}}}
    deliver(api, event)
    assert container.referrals.grant_due()["referrals_refused"] == 1, "decided at once: it can never qualify"
    buy(api, fake_stripe, login(api, "fred@outlook.com", "203.0.113.9"), "fp_fred")  # not the first purchase
    clock.advance(days=30)
    assert container.referrals.grant_due()["referrals_rewarded"] == 0
    reason = "first_purchase_disputed" if what == "dispute" else "first_purchase_refunded"
    assert referral_rows(db) == [("refused", reason, 0, 0)]
    assert rewards(db) == []
    item = api.get("/v1/referrals", token=login(api, "rita@gmail.com", "198.51.100.1")).json["items"][0]
    assert item["status"] == "not_eligible"


def test_a_first_purchase_refunded_inside_the_holding_period_but_after_a_run_still_never_earns(
        api, container, clock, db, pair):
    clock.advance(days=3)
    assert container.referrals.grant_due()["referrals_refused"] == 0
    deliver(api, {"id": "evt_late_refund", "object": "event", "type": "charge.refunded",
                  "created": int(clock.now().timestamp()),
                  "data": {"object": {"id": "ch_2", "object": "charge", "payment_intent": pair["intent"],
                                      "amount": 500, "amount_refunded": 500, "refunded": True}}})
    clock.advance(days=5)
    assert container.referrals.grant_due()["referrals_rewarded"] == 0
    assert referral_rows(db) == [("refused", "first_purchase_refunded", 0, 0)]


FARMS = {
    # (referrer email, referrer's sign-up address, referred email, referred address, referrer card, referred card,
    #  shared Stripe customer)
    "same_mailbox": ("Rita.Smith+promo@gmail.com", "198.51.100.1", "ritasmith@googlemail.com", "203.0.113.9",
                     None, "fp_b", None),
    "same_email_domain": ("rita@rita-studio.io", "198.51.100.1", "fred@rita-studio.io", "203.0.113.9", None,
                          "fp_b", None),
    "same_card": ("rita@gmail.com", "198.51.100.1", "fred@outlook.com", "203.0.113.9", "fp_same", "fp_same",
                  None),
    "same_customer": ("rita@gmail.com", "198.51.100.1", "fred@outlook.com", "203.0.113.9", "fp_a", "fp_b",
                      "cus_shared"),
    "same_signup_address": ("rita@gmail.com", "198.51.100.1", "fred@outlook.com", "198.51.100.1", None, "fp_b",
                            None),
}


@pytest.mark.parametrize("reason", list(FARMS))
def test_accounts_that_look_like_one_persons_earn_nothing(api, container, clock, db, fake_stripe, reason):
    referrer, referrer_ip, referred, referred_ip, referrer_card, referred_card, customer = FARMS[reason]
    sign_up(api, referrer, referrer_ip)
    referrer_token = login(api, referrer, referrer_ip)
    if referrer_card:
        if customer:
            fake_stripe.customers.setdefault(customer, {"id": customer, "object": "customer", "email": None,
                                                        "card_fingerprint": referrer_card})
        buy(api, fake_stripe, referrer_token, referrer_card, customer)
    code = referral_code(api, referrer_token)
    assert sign_up(api, referred, referred_ip, code).status == 201
    buy(api, fake_stripe, login(api, referred, referred_ip), referred_card, customer)
    clock.advance(days=8)
    assert container.referrals.grant_due() == {"referrals_rewarded": 0, "referrals_capped": 0,
                                               "referrals_refused": 1}
    assert referral_rows(db) == [("refused", reason, 0, 0)]
    assert rewards(db) == []


def test_a_friend_at_another_address_with_their_own_card_is_rewarded(api, container, clock, db, fake_stripe):
    """The control of the case above: a referrer who paid too, with another card and customer."""
    sign_up(api, "rita@gmail.com", "198.51.100.1")
    token = login(api, "rita@gmail.com", "198.51.100.1")
    buy(api, fake_stripe, token, "fp_rita", "cus_rita")
    assert sign_up(api, "fred@gmail.com", "203.0.113.9", referral_code(api, token)).status == 201
    buy(api, fake_stripe, login(api, "fred@gmail.com", "203.0.113.9"), "fp_fred", "cus_fred")
    clock.advance(days=8)
    assert container.referrals.grant_due()["referrals_rewarded"] == 1


def test_the_monthly_cap_records_rewards_over_it_as_capped_even_when_runs_race(api, admin, container, clock, db,
                                                                                fake_stripe):
    reply = api.patch("/v1/admin/settings", {"referral_monthly_cap": 2, "referral_reward_referrer": 30,
                                             "referral_reward_referred": 20}, token=admin["access_token"])
    assert reply.status == 200, reply.body
    assert reply.json["referral_monthly_cap"] == 2
    sign_up(api, "rita@gmail.com", "198.51.100.1")
    code = referral_code(api, login(api, "rita@gmail.com", "198.51.100.1"))
    for n in range(4):
        email, ip = f"friend{n}@outlook.com", f"203.0.113.{10 + n}"
        assert sign_up(api, email, ip, code).status == 201
        buy(api, fake_stripe, login(api, email, ip), f"fp_friend_{n}")
    clock.advance(days=8)
    barrier = threading.Barrier(3)
    results: list[dict[str, int]] = []

    def run() -> None:
        barrier.wait()
        results.append(container.referrals.grant_due())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["referrals_rewarded"] for r in results) == 2
    assert sum(r["referrals_capped"] for r in results) == 2
    assert sorted(referral_rows(db)) == [("capped", "monthly_cap", 0, 0)] * 2 + [("rewarded", None, 30, 20)] * 2
    assert count(db, "SELECT coalesce(sum(delta), 0) FROM ledger WHERE kind = 'referral_reward'") == 2 * (30 + 20)
    body = api.get("/v1/referrals", token=login(api, "rita@gmail.com", "198.51.100.1")).json
    assert (body["invited"], body["rewarded"], body["earned_credits"], body["monthly_cap"]) == (4, 2, 60, 2)


def test_the_referral_settings_are_the_admins_within_bounds(api, admin):
    for body in ({"referral_holding_days": -1}, {"referral_holding_days": 366}, {"referral_monthly_cap": True},
                 {"referral_reward_referrer": 100_001}, {"referral_reward_referred": "10"}):
        reply = api.patch("/v1/admin/settings", body, token=admin["access_token"])
        assert reply.status == 400, body
        assert reply.json["error"]["details"]["field"] == next(iter(body))
    reply = api.patch("/v1/admin/settings", {"referral_holding_days": 14}, token=admin["access_token"])
    assert reply.json["referral_holding_days"] == 14


def test_the_holding_period_is_the_admins(api, admin, container, clock, db, pair):
    api.patch("/v1/admin/settings", {"referral_holding_days": 14}, token=admin["access_token"])
    clock.advance(days=8)
    assert container.referrals.grant_due()["referrals_rewarded"] == 0
    clock.advance(days=7)
    assert container.referrals.grant_due()["referrals_rewarded"] == 1


HOSTILE = ["NOPE2345", "'; DROP TABLE users; --", "<script>alert(1)</script>", "RITA\u202eCODE",
           "\uff21\uff22\uff23\uff24\uff25\uff26\uff27\uff28", "A" * 64, "%s%s%(x)s", "../../etc/passwd",
           "ref=XYZ&x=1", "\U0001F600" * 8, "abc\u0000def", "abc\ud800def"]


@pytest.mark.parametrize("code", HOSTILE)
def test_a_code_that_is_no_ones_is_a_400_naming_it_and_creates_nothing(api, db, code):
    sign_up(api, "rita@gmail.com", "198.51.100.1", verify=False)
    reply = sign_up(api, "fred@outlook.com", "203.0.113.9", code, verify=False)
    assert reply.status == 400, reply.body
    details = reply.json["error"]["details"]
    # NUL and lone surrogates are refused for any text of any body before a field is read (PostgreSQL cannot hold
    # them); everything else is named.
    assert details.get("field") == "referral_code" or details["reason"] in ("nul_character", "lone_surrogate")
    assert count(db, "SELECT count(*) FROM users") == 1
    assert count(db, "SELECT count(*) FROM referrals") == 0
    assert count(db, "SELECT count(*) FROM referral_codes") == 1


def test_a_code_longer_than_any_is_refused_at_the_edge(api, db):
    reply = sign_up(api, "fred@outlook.com", "203.0.113.9", "A" * 65, verify=False)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == "referral_code"
    assert count(db, "SELECT count(*) FROM users") == 0


def test_a_code_typed_in_lower_case_with_spaces_still_counts(api, db):
    sign_up(api, "rita@gmail.com", "198.51.100.1")
    code = referral_code(api, login(api, "rita@gmail.com", "198.51.100.1"))
    assert sign_up(api, "fred@outlook.com", "203.0.113.9", f"  {code.lower()} ").status == 201
    assert referral_rows(db) == [("pending", None, 0, 0)]


def test_a_replayed_registration_with_the_same_code_refers_once(api, db):
    sign_up(api, "rita@gmail.com", "198.51.100.1")
    code = referral_code(api, login(api, "rita@gmail.com", "198.51.100.1"))
    assert sign_up(api, "fred@outlook.com", "203.0.113.9", code, verify=False).status == 201
    replay = sign_up(api, "fred@outlook.com", "203.0.113.9", code, verify=False)
    assert replay.status == 409
    assert sign_up(api, "FRED@outlook.com", "203.0.113.9", code, verify=False).status == 409
    assert count(db, "SELECT count(*) FROM referrals") == 1


def test_the_fake_stripes_charge_is_shaped_as_the_sdk_has_it(fake_stripe):
    charge = fake_stripe.charge("pi_x", 500, "usd", "cus_x", "fp_x")
    assert set(charge) <= set(stripe.Charge.__annotations__)
    details = charge["payment_method_details"]
    assert set(details) <= set(stripe.Charge.PaymentMethodDetails.__annotations__)
    assert set(details["card"]) <= set(stripe.Charge.PaymentMethodDetails.Card.__annotations__)
    constructed = stripe.Charge.construct_from(charge, "sk_test_fake")
    assert constructed.payment_method_details.card.fingerprint == "fp_x"


def test_a_replayed_charge_event_is_recorded_once(api, db, fake_stripe):
    event = fake_stripe.event("charge.succeeded", fake_stripe.charge("pi_y", 500, "usd", None, "fp_y"))
    assert deliver(api, event) == "charge_recorded"
    assert deliver(api, event) == "duplicate"
    assert count(db, "SELECT count(*) FROM stripe_charges WHERE card_fingerprint = 'fp_y'") == 1


def test_a_first_subscription_invoice_counts_and_its_card_is_compared(api, container, clock, db, fake_stripe):
    """A plan's first invoice is a paid purchase too; charge.succeeded for it carries the card of the customer."""
    sign_up(api, "rita@gmail.com", "198.51.100.1")
    token = login(api, "rita@gmail.com", "198.51.100.1")
    buy(api, fake_stripe, token, "fp_shared_card")
    assert sign_up(api, "fred@outlook.com", "203.0.113.9", referral_code(api, token)).status == 201
    reply = api.post("/v1/billing/subscription", {"plan_id": "creator-monthly"},
                     token=login(api, "fred@outlook.com", "203.0.113.9"))
    assert reply.status == 201, reply.body
    events = fake_stripe.complete_subscription_checkout(reply.json["checkout_id"], card_fingerprint="fp_shared_card")
    for event in events:
        deliver(api, event)
    invoice_id = next(e["data"]["object"]["id"] for e in events if e["type"] == "invoice.paid")
    assert deliver(api, fake_stripe.invoice_charge(invoice_id)) == "charge_recorded"
    clock.advance(days=3)
    assert container.referrals.grant_due()["referrals_refused"] == 0, "the holding period runs from the invoice"
    clock.advance(days=5)
    assert container.referrals.grant_due()["referrals_refused"] == 1
    assert referral_rows(db) == [("refused", "same_card", 0, 0)]
