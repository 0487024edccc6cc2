"""The support desk (issue 22): the contact form signed in or not behind its throttle, the admins' queue and
replies (emailed), the customer's history, and a refund from a ticket that is exactly one ledger row, audited."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.conftest import sent_emails
from tests.helpers import balance, count

pytestmark = pytest.mark.usefixtures("ledger_invariant")


def write(api, token: str | None = None, headers: dict | None = None, **body):
    payload = {"subject": "Where is my image?", "message": "It said failed.\nCan you look?", **body}
    return api.post("/v1/support/tickets", payload, token=token, headers=headers)


def generated(api, chalice_client, token: str) -> dict:
    reply = api.post("/v1/generations", {"prompt": "a red fox in snow", "model": "placeholder"}, token=token)
    assert reply.status == 202, reply.body
    event = chalice_client.events.generate_sqs_event(queue_name="pixmint-jobs",
                                                     message_bodies=[json.dumps({"generation_id": reply.json["id"]})])
    chalice_client.lambda_.invoke("process_jobs", event)
    done = api.get(f"/v1/generations/{reply.json['id']}", token=token).json
    assert done["status"] == "succeeded", done
    return done


def test_anyone_may_write_and_a_guest_must_say_where_to_answer(api, admin):
    missing = write(api)
    assert missing.status == 400 and missing.json["error"]["details"]["field"] == "email"
    bad = write(api, email="not an address")
    assert bad.status == 400 and bad.json["error"]["details"]["field"] == "email"
    opened = write(api, email="Guest@Example.com", page="/generate")
    assert opened.status == 201 and opened.json["status"] == "open"
    queue = api.get("/v1/admin/support/tickets?status=open", token=admin["access_token"]).json["items"]
    assert [(t["id"], t["email"], t["page"]) for t in queue] == [(opened.json["id"], "Guest@Example.com", "/generate")]
    assert queue[0]["messages"][0]["body"] == "It said failed.\nCan you look?"
    assert write(api, token="not-a-token").status == 401, "credentials that are sent must be valid"
    signed_in = api.register("writer@example.com")["access_token"]
    assert write(api, token=signed_in, email="AAA").status == 400, "an address that is given must be one"


def test_the_honeypot_field_is_answered_as_a_person_would_be_and_stores_nothing(api, admin, db):
    bot = write(api, email="bot@example.com", website="http://spam.example")
    assert bot.status == 201 and bot.json["status"] == "open"
    assert count(db, "SELECT count(*) FROM support_tickets") == 0


def test_the_throttle_counts_tickets_per_address_and_per_email(api):
    for _ in range(3):
        assert write(api, email="eager@example.com").status == 201
    limited = write(api, email="EAGER@example.com")
    assert limited.status == 429 and int(limited.headers["retry-after"]) > 0
    assert write(api, email="other@example.com").status == 201
    assert write(api, email="third@example.com").status == 201
    from_address = write(api, email="fresh@example.com")
    assert from_address.status == 429, "five an hour from one address, whatever the email"


def test_a_signed_in_ticket_is_answered_by_email_and_kept_in_the_history(api, admin):
    session = api.register("ada@example.com", display_name="Ada Lovelace")
    token = session["access_token"]
    opened = write(api, token=token, email="ignored@example.com")
    assert opened.status == 201
    ticket_id = opened.json["id"]

    detail = api.get(f"/v1/admin/support/tickets/{ticket_id}", token=admin["access_token"])
    assert detail.status == 200 and detail.json["email"] == "ada@example.com"
    assert detail.json["account"]["matched_by"] == "account"
    assert detail.json["account"]["user"]["id"] == session["user"]["id"]

    answer = api.post(f"/v1/admin/support/tickets/{ticket_id}/replies",
                      {"message": "Found it: <b>refunded</b>.\nSorry!"}, token=admin["access_token"])
    assert answer.status == 201 and answer.json["author"] == "support"
    [mail] = [m for m in sent_emails() if m["subject"] == "Re: Where is my image?"]
    assert mail["to"] == ["ada@example.com"] and "Found it: <b>refunded</b>.\nSorry!" in mail["body"]
    assert "&lt;b&gt;refunded&lt;/b&gt;" in mail["html"] and "/support" in mail["html"]

    history = api.get("/v1/support/tickets", token=token).json["items"]
    assert [t["status"] for t in history] == ["answered"]
    assert [m["author"] for m in history[0]["messages"]] == ["customer", "support"]
    again = api.post(f"/v1/support/tickets/{ticket_id}/messages", {"message": "Thanks!"}, token=token)
    assert again.status == 201
    assert api.get("/v1/support/tickets", token=token).json["items"][0]["status"] == "open"

    other = api.register("eve@example.com")["access_token"]
    assert api.post(f"/v1/support/tickets/{ticket_id}/messages", {"message": "hi"}, token=other).status == 404
    assert api.get("/v1/support/tickets", token=other).json["items"] == []
    assert api.get("/v1/admin/support/tickets", token=other).status == 403


def test_a_guest_reply_goes_to_the_address_the_guest_gave_and_a_ticket_can_be_closed(api, admin):
    ticket_id = write(api, email="guest@example.com").json["id"]
    reply = api.post(f"/v1/admin/support/tickets/{ticket_id}/replies", {"message": "Hello!", "close": True},
                     token=admin["access_token"])
    assert reply.status == 201
    [mail] = [m for m in sent_emails() if m["to"] == ["guest@example.com"]]
    assert "contact form" in mail["body"] and "/contact" in mail["body"]
    detail = api.get(f"/v1/admin/support/tickets/{ticket_id}", token=admin["access_token"]).json
    assert detail["status"] == "closed" and detail["account"] is None
    reopened = api.patch(f"/v1/admin/support/tickets/{ticket_id}", {"status": "open"}, token=admin["access_token"])
    assert reopened.status == 200 and reopened.json["status"] == "open"
    assert api.get("/v1/admin/support/tickets/not-a-uuid", token=admin["access_token"]).status == 404


def test_a_refund_from_a_ticket_is_exactly_one_ledger_row_and_audited(api, chalice_client, admin, db):
    session = api.register("fox@example.com")
    token = session["access_token"]
    generation = generated(api, chalice_client, token)
    ticket_id = write(api, token=token).json["id"]
    detail = api.get(f"/v1/admin/support/tickets/{ticket_id}", token=admin["access_token"]).json
    assert [g["id"] for g in detail["account"]["generations"]] == [generation["id"]]
    before_rows = count(db, "SELECT count(*) FROM ledger")
    before = balance(api, token)

    refund = api.post(f"/v1/admin/support/tickets/{ticket_id}/refunds", {"generation_id": generation["id"]},
                      token=admin["access_token"])
    assert refund.status == 201, refund.body
    assert refund.json["kind"] == "generation_refund" and refund.json["delta"] == generation["cost_credits"]
    assert refund.json["generation_id"] == generation["id"]
    assert count(db, "SELECT count(*) FROM ledger") == before_rows + 1
    assert balance(api, token) == before + generation["cost_credits"]
    again = api.post(f"/v1/admin/support/tickets/{ticket_id}/refunds", {"generation_id": generation["id"]},
                     token=admin["access_token"])
    assert again.status == 409 and count(db, "SELECT count(*) FROM ledger") == before_rows + 1
    assert api.get(f"/v1/generations/{generation['id']}", token=token).json["refunded_credits"] == \
        generation["cost_credits"]
    with psycopg.connect(db) as conn:
        audited = conn.execute("SELECT target_id::text, after FROM audit_log WHERE action = 'support.refund'"
                               ).fetchall()
    assert audited == [(generation["id"], {"refunded_credits": generation["cost_credits"],
                                           "credits": generation["cost_credits"], "ticket_id": ticket_id,
                                           "user_id": session["user"]["id"]})]
    notes = api.get("/v1/support/tickets", token=token).json["items"][0]["messages"]
    assert notes[-1]["author"] == "support" and f"refunded {generation['cost_credits']:,} credits" in notes[-1]["body"]


def test_only_a_generation_of_the_tickets_account_can_be_refunded(api, chalice_client, admin, db):
    owner = api.register("owner@example.com")["access_token"]
    generation = generated(api, chalice_client, owner)
    stranger_ticket = write(api, token=api.register("stranger@example.com")["access_token"]).json["id"]
    guest_ticket = write(api, email="nobody@example.com").json["id"]
    for ticket_id in (stranger_ticket, guest_ticket):
        reply = api.post(f"/v1/admin/support/tickets/{ticket_id}/refunds", {"generation_id": generation["id"]},
                         token=admin["access_token"])
        assert reply.status == 404, reply.body
    assert count(db, "SELECT count(*) FROM ledger WHERE reference LIKE '%%:support'") == 0


def test_two_admins_refunding_at_once_make_one_ledger_row(api, chalice_client, admin, container, db):
    import threading

    from chalicelib.domain.errors import Conflict

    token = api.register("race@example.com")["access_token"]
    generation = generated(api, chalice_client, token)
    ticket_id = write(api, token=token).json["id"]
    principal = container.accounts.authenticate(admin["access_token"])
    gate, outcomes = threading.Barrier(2), []

    def refund() -> None:
        gate.wait()
        try:
            outcomes.append(container.support.refund_generation(principal, ticket_id, generation["id"]).delta)
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == sorted([generation["cost_credits"], "conflict"], key=str)
    assert count(db, "SELECT count(*) FROM ledger WHERE reference = %s", f"refund:{generation['id']}:support") == 1
