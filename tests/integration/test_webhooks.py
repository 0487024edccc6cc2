"""Developers' webhooks: endpoints, events written with what they tell of, signed deliveries checked by an
implementation of the Standard Webhooks specification written here, retries under one webhook-id, and the
address rules outside the local stage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.adapters.local_checkout import completed_event, encode, sign_webhook
from chalicelib.adapters.postgres import PostgresUnitOfWork
from chalicelib.domain.webhooks import RETRY_SCHEDULE, WebhookService
from tests.integration.test_generation import run_worker

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50


class Receiver:
    """A webhook receiver on localhost that answers from a script: a status, or "hang" to never answer."""

    def __init__(self, script: list[Any] | None = None) -> None:
        self.script = list(script or [])
        self.calls: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                receiver.calls.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                                       "path": self.path})
                answer = receiver.script.pop(0) if receiver.script else 200
                if answer == "hang":
                    time.sleep(3)
                    return
                self.send_response(answer)
                if 300 <= answer < 400:
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(call["body"]) for call in self.calls]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def verify_standard_webhook(secret: str, headers: dict[str, str], body: str) -> None:
    """The Standard Webhooks check, written from the specification: HMAC-SHA256 with the base64 key after
    "whsec_" over "{webhook-id}.{webhook-timestamp}.{body}", base64, under the "v1," prefix, one of a
    space-separated list."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert any(hmac.compare_digest(expected, given) for given in headers["webhook-signature"].split(" "))


def endpoint(api, token: str, url: str, events: list[str], **extra: Any) -> dict[str, Any]:
    reply = api.post("/v1/webhook-endpoints", {"url": url, "events": events, **extra}, token=token)
    assert reply.status == 201, reply.body
    return reply.json


def deliveries(api, token: str, endpoint_id: str) -> list[dict[str, Any]]:
    reply = api.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries", token=token)
    assert reply.status == 200, reply.body
    return reply.json["items"]


def sweep(chalice_client) -> None:
    """The one-minute sweeper schedule, as EventBridge invokes it; it also sends what the outbox holds."""
    event = chalice_client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    chalice_client.lambda_.invoke("sweep_generations", event)


def test_the_secret_is_shown_once_and_endpoints_belong_to_their_owner(api, receiver):
    ada = api.register()["access_token"]
    created = endpoint(api, ada, receiver.url, ["generation.succeeded", "generation.succeeded", "credits.low"],
                       description="  my   service ", low_credits_threshold=25)
    assert created["secret"].startswith("whsec_") and len(base64.b64decode(created["secret"][6:])) == 24
    assert created["events"] == ["generation.succeeded", "credits.low"]
    assert (created["description"], created["low_credits_threshold"]) == ("my service", 25)
    listed = api.get("/v1/webhook-endpoints", token=ada).json["items"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    bob = api.register("bob@example.com")["access_token"]
    assert api.get("/v1/webhook-endpoints", token=bob).json["items"] == []
    assert api.delete(f"/v1/webhook-endpoints/{created['id']}", token=bob).status == 404
    assert api.post(f"/v1/webhook-endpoints/{created['id']}/test", token=bob).status == 404
    assert api.get(f"/v1/webhook-endpoints/{created['id']}/deliveries", token=bob).status == 404
    assert api.delete(f"/v1/webhook-endpoints/{created['id']}", token=ada).status == 204
    assert api.delete(f"/v1/webhook-endpoints/{created['id']}", token=ada).status == 404


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://example.com/x", "events": ["credits.low"]}, "url"),
    ({"url": "http://user:pw@127.0.0.1/x", "events": ["credits.low"]}, "url"),  # pragma: allowlist secret
    ({"url": "http://127.0.0.1/x", "events": []}, "events"),
    ({"url": "http://127.0.0.1/x", "events": ["generation.started"]}, "events"),
    ({"url": "http://127.0.0.1/x", "events": ["credits.low"], "low_credits_threshold": 0}, "low_credits_threshold"),
    ({"url": "http://127.0.0.1/x", "events": ["credits.low"], "description": "x" * 201}, "description"),
])
def test_bad_endpoints_are_400_naming_the_field(api, body, field):
    token = api.register()["access_token"]
    reply = api.post("/v1/webhook-endpoints", body, token=token)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field
    assert api.get("/v1/webhook-endpoints", token=token).json["items"] == []


def test_a_generation_is_told_of_from_the_worker_side_signed_with_the_endpoints_secret(api, chalice_client,
                                                                                        receiver, clock):
    token = api.register()["access_token"]
    hook = endpoint(api, token, receiver.url, ["generation.succeeded", "generation.failed"])
    generation = api.post("/v1/generations", {"prompt": "a red fox in snow"}, token=token).json
    sweep(chalice_client)
    assert receiver.calls == [], "nothing is sent before the worker has finished the generation"
    run_worker(chalice_client, generation["id"])
    sweep(chalice_client)

    [call] = receiver.calls
    verify_standard_webhook(hook["secret"], call["headers"], call["body"])
    assert call["headers"]["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert call["headers"]["content-type"] == "application/json"
    event = json.loads(call["body"])
    assert event["type"] == "generation.succeeded"
    assert event["data"]["id"] == generation["id"] and event["data"]["status"] == "succeeded"
    assert len(event["data"]["images"]) == 1 and event["data"]["images"][0]["content_url"]
    [logged] = deliveries(api, token, hook["id"])
    assert logged["id"] == call["headers"]["webhook-id"]
    assert (logged["state"], logged["attempts"], logged["last_status"]) == ("delivered", 1, 200)
    sweep(chalice_client)
    assert len(receiver.calls) == 1, "a delivered event is sent once"


def test_a_cancelled_generation_is_told_of_as_failed(api, container, receiver):
    token = api.register()["access_token"]
    endpoint(api, token, receiver.url, ["generation.failed"])
    generation = api.post("/v1/generations", {"prompt": "a red fox in snow"}, token=token).json
    assert api.post(f"/v1/generations/{generation['id']}/cancel", token=token).status == 200
    container.webhook_endpoints.deliver_due()
    [event] = receiver.events()
    assert event["type"] == "generation.failed" and event["data"]["refunded_credits"] == 1


def test_a_receiver_that_fails_first_gets_the_same_webhook_id_again_after_the_backoff(api, container, receiver,
                                                                                       clock):
    token = api.register()["access_token"]
    hook = endpoint(api, token, receiver.url, ["credits.low"])
    receiver.script = [500, 200]
    reply = api.post(f"/v1/webhook-endpoints/{hook['id']}/test", token=token)
    assert reply.status == 202, reply.body
    assert (reply.json["state"], reply.json["attempts"], reply.json["last_status"]) == ("pending", 1, 500)
    container.webhook_endpoints.deliver_due()
    assert len(receiver.calls) == 1, "not due again before the backoff"
    clock.advance(seconds=RETRY_SCHEDULE[0].total_seconds())
    container.webhook_endpoints.deliver_due()

    first, second = receiver.calls
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"] == reply.json["id"]
    assert int(second["headers"]["webhook-timestamp"]) - int(first["headers"]["webhook-timestamp"]) == 30
    assert first["body"] == second["body"] and json.loads(first["body"])["type"] == "webhook.test"
    for call in (first, second):
        verify_standard_webhook(hook["secret"], call["headers"], call["body"])
    [logged] = deliveries(api, token, hook["id"])
    assert (logged["state"], logged["attempts"], logged["last_status"]) == ("delivered", 2, 200)


def test_a_receiver_that_never_answers_is_given_up_after_the_schedule(api, container, receiver, clock):
    from chalicelib.adapters.http_webhooks import HttpWebhookSender

    container.webhook_endpoints = WebhookService(
        uow=lambda: PostgresUnitOfWork(container.pool), clock=clock, resolve=lambda host, port: [],
        sender=HttpWebhookSender(allow_private=True, connect_timeout=0.3, total_timeout=0.3), allow_private=True)
    session = api.register()
    token = session["access_token"]
    hook = endpoint(api, token, receiver.url, ["credits.low"])
    receiver.script = ["hang"] * 20
    api.post(f"/v1/webhook-endpoints/{hook['id']}/test", token=token)
    for delay in RETRY_SCHEDULE:
        clock.advance(seconds=delay.total_seconds())
        container.webhook_endpoints.deliver_due()
    clock.advance(days=2)
    container.webhook_endpoints.deliver_due()

    assert len(receiver.calls) == 1 + len(RETRY_SCHEDULE)
    assert len({call["headers"]["webhook-id"] for call in receiver.calls}) == 1
    [logged], _ = container.webhook_endpoints.deliveries(session["user"]["id"], hook["id"], None, 10)
    assert logged.state == "failed" and logged.attempts == 1 + len(RETRY_SCHEDULE)
    assert logged.next_attempt_at is None and "no answer" in logged.last_error
    assert sum(RETRY_SCHEDULE, start=RETRY_SCHEDULE[0] * 0).total_seconds() / 3600 == pytest.approx(23.6, abs=0.5)


def test_credits_low_fires_once_per_crossing_and_a_purchase_is_told_with_its_ledger_row(api, chalice_client,
                                                                                         container, receiver):
    session = api.register()
    token = session["access_token"]
    endpoint(api, token, receiver.url, ["credits.low", "credits.purchased"], low_credits_threshold=BONUS)
    for _ in range(2):
        generation = api.post("/v1/generations", {"prompt": "a red fox in snow"}, token=token).json
        run_worker(chalice_client, generation["id"])
    container.webhook_endpoints.deliver_due()
    [low] = receiver.events()
    assert low["type"] == "credits.low" and low["data"] == {"balance": BONUS - 1, "threshold": BONUS}

    checkout = api.post("/v1/credits/checkout", {"pack_id": "starter"}, token=token).json
    payment = container.credits.checkout_order(checkout["checkout_id"])
    payload = encode(completed_event(checkout["checkout_id"], payment.amount_cents, payment.currency,
                                     payment.user_id))
    reply = api.request("POST", "/v1/webhooks/stripe", raw=payload,
                        headers={"Stripe-Signature": sign_webhook(payload, container.webhook_secret)})
    assert reply.json["outcome"] == "credited"
    container.webhook_endpoints.deliver_due()
    purchased = receiver.events()[-1]
    assert purchased["type"] == "credits.purchased"
    assert purchased["data"]["kind"] == "purchase" and purchased["data"]["delta"] == payment.credits
    assert purchased["data"]["balance_after"] == BONUS - 2 + payment.credits

    spend = api.post("/v1/generations", {"prompt": "a red fox in snow"}, token=token).json
    run_worker(chalice_client, spend["id"])
    container.webhook_endpoints.deliver_due()
    assert [e["type"] for e in receiver.events()] == ["credits.low", "credits.purchased"]


def test_credits_low_is_told_when_the_charge_takes_the_balance_under_not_when_the_worker_finishes(api, container,
                                                                                                   receiver):
    token = api.register()["access_token"]
    endpoint(api, token, receiver.url, ["credits.low"], low_credits_threshold=BONUS)
    assert api.post("/v1/generations", {"prompt": "a red fox in snow"}, token=token).status == 202
    container.webhook_endpoints.deliver_due()
    [low] = receiver.events()  # the job has not run: the charge itself crossed the threshold
    assert low["type"] == "credits.low" and low["data"] == {"balance": BONUS - 1, "threshold": BONUS}


def test_an_admin_debit_and_a_stripe_refund_each_tell_of_a_crossing_and_a_grant_re_arms(api, container, receiver):
    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    endpoint(api, token, receiver.url, ["credits.low"], low_credits_threshold=20)
    container.accounts.ensure_admin("boss@example.com", "a long admin password")
    boss = api.post("/v1/auth/login", {"email": "boss@example.com", "password": "a long admin password"}).json
    adjust = f"/v1/admin/users/{user_id}/credits"
    assert api.post(adjust, {"delta": -40, "reason": "test debit"}, token=boss["access_token"]).status == 201
    assert api.post(adjust, {"delta": 40, "reason": "test grant"}, token=boss["access_token"]).status == 201

    checkout = api.post("/v1/credits/checkout", {"pack_id": "starter"}, token=token).json
    payment = container.credits.checkout_order(checkout["checkout_id"])
    paid = completed_event(checkout["checkout_id"], payment.amount_cents, payment.currency, payment.user_id)
    paid["data"]["object"]["payment_intent"] = "pi_low"
    refunded = {"id": "evt_refund_low", "object": "event", "type": "charge.refunded", "created": int(time.time()),
                "data": {"object": {"id": "ch_low", "object": "charge", "payment_intent": "pi_low",
                                    "amount": payment.amount_cents, "amount_refunded": payment.amount_cents,
                                    "refunded": True}}}
    stripe = [encode(event) for event in (paid, refunded)]
    signed = {"Stripe-Signature": sign_webhook(stripe[0], container.webhook_secret)}
    assert api.request("POST", "/v1/webhooks/stripe", raw=stripe[0], headers=signed).status == 200
    assert api.post(adjust, {"delta": -520, "reason": "test debit"}, token=boss["access_token"]).status == 201
    signed = {"Stripe-Signature": sign_webhook(stripe[1], container.webhook_secret)}
    assert api.request("POST", "/v1/webhooks/stripe", raw=stripe[1], headers=signed).status == 200
    container.webhook_endpoints.deliver_due()
    # 50 -> 10 (low) -> 50 (re-armed) -> 550 -> 30 (not under 20) -> -470 when Stripe's refund takes 500 back
    assert [e["data"]["balance"] for e in receiver.events()] == [BONUS - 40, BONUS + 500 - 520 - 500]


def _owner_key(api, token: str) -> dict[str, str]:
    """An API key's header: unlike an access token it outlasts the days these tests move the clock by."""
    reply = api.post("/v1/api-keys", {"name": "webhook tests"}, token=token)
    assert reply.status == 201, reply.body
    return {"X-API-Key": reply.json["key"]}


def _fail_a_test_event(api, owner: dict[str, str], hook_id: str) -> dict[str, Any]:
    reply = api.post(f"/v1/webhook-endpoints/{hook_id}/test", headers=owner)
    assert reply.status == 202, reply.body
    return reply.json


def _endpoint_state(api, owner: dict[str, str], hook_id: str) -> dict[str, Any]:
    [listed] = [e for e in api.get("/v1/webhook-endpoints", headers=owner).json["items"] if e["id"] == hook_id]
    return listed


def test_an_endpoint_failing_for_three_days_is_turned_off_its_owner_emailed_and_turning_it_on_resumes(
        api, chalice_client, container, receiver, clock):
    from tests.conftest import sent_emails

    session = api.register()
    token = session["access_token"]
    hook = endpoint(api, token, receiver.url, ["generation.succeeded"])
    owner = _owner_key(api, token)
    receiver.script = [500] * 40
    _fail_a_test_event(api, owner, hook["id"])
    assert _endpoint_state(api, owner, hook["id"])["failing_since"] is not None
    for _ in range(6):  # two and a half days of retries and new failures: still on
        clock.advance(hours=10)
        container.webhook_endpoints.deliver_due()
        _fail_a_test_event(api, owner, hook["id"])
    assert _endpoint_state(api, owner, hook["id"])["enabled"] is True
    clock.advance(hours=12)
    last = _fail_a_test_event(api, owner, hook["id"])
    state = _endpoint_state(api, owner, hook["id"])
    assert state["enabled"] is False and state["disabled_reason"] == "Every delivery failed for three days."

    container.accounts.deliver_due_emails()
    [mail] = [m for m in sent_emails() if m["subject"] == "A Pixmint webhook endpoint was turned off"]
    assert mail["to"] == [session["user"]["email"]] and receiver.url in mail["body"]

    calls = len(receiver.calls)
    generation = api.post("/v1/generations", {"prompt": "a red fox in snow"}, headers=owner).json
    run_worker(chalice_client, generation["id"])
    clock.advance(days=1)
    container.webhook_endpoints.deliver_due()
    assert len(receiver.calls) == calls, "nothing is sent to a turned-off endpoint"
    logged = api.get(f"/v1/webhook-endpoints/{hook['id']}/deliveries", headers=owner).json["items"]
    assert "generation.succeeded" not in [d["event_type"] for d in logged]

    receiver.script = []
    turned_on = api.patch(f"/v1/webhook-endpoints/{hook['id']}", {"enabled": True}, headers=owner)
    assert turned_on.status == 200 and turned_on.json["enabled"] is True and turned_on.json["failing_since"] is None
    container.webhook_endpoints.deliver_due()
    logged = api.get(f"/v1/webhook-endpoints/{hook['id']}/deliveries", headers=owner).json["items"]
    assert [d["state"] for d in logged if d["id"] == last["id"]] == ["delivered"]


def test_one_success_ends_a_failing_streak(api, container, receiver, clock):
    token = api.register()["access_token"]
    hook = endpoint(api, token, receiver.url, ["credits.low"])
    owner = _owner_key(api, token)
    receiver.script = [500, 200, 500, 500]
    _fail_a_test_event(api, owner, hook["id"])
    clock.advance(days=2)
    api.post(f"/v1/webhook-endpoints/{hook['id']}/test", headers=owner)  # answered 200
    assert _endpoint_state(api, owner, hook["id"])["failing_since"] is None
    _fail_a_test_event(api, owner, hook["id"])
    clock.advance(days=2)
    _fail_a_test_event(api, owner, hook["id"])
    assert _endpoint_state(api, owner, hook["id"])["enabled"] is True


def test_an_owner_turns_an_endpoint_off_and_only_their_own(api, receiver):
    token = api.register()["access_token"]
    hook = endpoint(api, token, receiver.url, ["credits.low"])
    off = api.patch(f"/v1/webhook-endpoints/{hook['id']}", {"enabled": False}, token=token)
    assert off.status == 200 and off.json["enabled"] is False
    assert off.json["disabled_reason"] == "Turned off by its owner."
    assert api.patch(f"/v1/webhook-endpoints/{hook['id']}", {"enabled": "yes"}, token=token).status == 400
    assert api.request("PATCH", f"/v1/webhook-endpoints/{hook['id']}", raw="{}", token=token).status == 400
    other = api.register("eve@example.com")["access_token"]
    assert api.patch(f"/v1/webhook-endpoints/{hook['id']}", {"enabled": True}, token=other).status == 404
    assert api.patch("/v1/webhook-endpoints/not-a-uuid", {"enabled": True}, token=token).status == 404
    assert _endpoint_state(api, {"Authorization": f"Bearer {token}"}, hook["id"])["enabled"] is False


def test_outside_the_local_stage_private_addresses_are_refused_when_added(api, container):
    resolved = {"hooks.example.com": ["93.184.216.34"], "intranet.example.com": ["10.1.2.3"],
                "mixed.example.com": ["93.184.216.34", "127.0.0.1"]}
    container.webhook_endpoints = WebhookService(
        uow=lambda: PostgresUnitOfWork(container.pool), sender=None, clock=container.clock,
        resolve=lambda host, port: resolved.get(host, []), allow_private=False)
    token = api.register()["access_token"]
    for url in ("http://127.0.0.1:8000/hook", "https://127.0.0.1/hook", "https://169.254.169.254/latest/meta-data/",
                "https://[::1]/hook", "https://[::ffff:169.254.169.254]/hook", "https://intranet.example.com/hook",
                "https://mixed.example.com/hook", "https://nowhere.example.com/hook", "http://hooks.example.com/hook"):
        reply = api.post("/v1/webhook-endpoints", {"url": url, "events": ["credits.low"]}, token=token)
        assert reply.status == 400 and reply.json["error"]["details"]["field"] == "url", url
    accepted = api.post("/v1/webhook-endpoints", {"url": "https://hooks.example.com/hook", "events": ["credits.low"]},
                        token=token)
    assert accepted.status == 201 and accepted.json["url"] == "https://hooks.example.com/hook"
