"""The beta program (issue 22): invite-only sign-up, invite codes with a limit and an expiry, the waitlist approved
in batches, and the feedback widget's entries in the admin area."""

from __future__ import annotations

import threading
from datetime import timedelta

from tests.conftest import sent_emails
from tests.helpers import count

PASSWORD = "correct horse battery"  # pragma: allowlist secret


def invite_only(api, admin, on: bool = True) -> None:
    reply = api.patch("/v1/admin/settings", {"invite_only": on}, token=admin["access_token"])
    assert reply.status == 200 and reply.json["invite_only"] is on


def sign_up(api, email: str, code: str | None = None):
    body = {"email": email, "password": PASSWORD, **({"invite_code": code} if code is not None else {})}
    return api.post("/v1/auth/register", body)


def make_code(api, admin, **body) -> dict:
    reply = api.post("/v1/admin/invite-codes", {"uses": 1, **body}, token=admin["access_token"])
    assert reply.status == 201, reply.body
    return reply.json


def test_invite_only_mode_refuses_sign_up_without_a_valid_code(api, admin, db):
    assert sign_up(api, "early@example.com").status == 201, "open until an admin turns invite-only on"
    invite_only(api, admin)
    refused = sign_up(api, "late@example.com")
    assert refused.status == 403 and refused.error_code == "invite_required"
    assert refused.json["error"]["details"] == {"field": "invite_code", "reason": "missing"}
    wrong = sign_up(api, "late@example.com", "PIX-NOPE-NOPE")
    assert wrong.status == 403 and wrong.json["error"]["details"]["reason"] == "unknown"
    code = make_code(api, admin)
    welcome = sign_up(api, "late@example.com", code["code"].lower())  # typed in lower case
    assert welcome.status == 201
    assert count(db, "SELECT count(*) FROM users WHERE email = 'late@example.com'") == 1
    invite_only(api, admin, on=False)
    assert sign_up(api, "later@example.com").status == 201


def test_codes_respect_their_limit_and_expiry_and_can_be_withdrawn(api, admin, clock, db):
    invite_only(api, admin)
    multi = make_code(api, admin, uses=2, note="launch party")
    assert (multi["uses"], multi["used"], multi["note"]) == (2, 0, "launch party")
    assert sign_up(api, "one@example.com", multi["code"]).status == 201
    assert sign_up(api, "two@example.com", multi["code"]).status == 201
    used_up = sign_up(api, "three@example.com", multi["code"])
    assert used_up.status == 403 and used_up.json["error"]["details"]["reason"] == "used_up"
    assert count(db, "SELECT count(*) FROM users WHERE email = 'three@example.com'") == 0

    soon = make_code(api, admin, uses=5, expires_at=(clock.now() + timedelta(hours=1)).isoformat())
    clock.advance(hours=2)
    expired = sign_up(api, "four@example.com", soon["code"])
    assert expired.status == 403 and expired.json["error"]["details"]["reason"] == "expired"
    admin = api.post("/v1/auth/login", {"email": "boss@example.com", "password": "a long admin password"}).json

    withdrawn = make_code(api, admin, uses=5)
    assert api.delete(f"/v1/admin/invite-codes/{withdrawn['id']}", token=admin["access_token"]).status == 204
    revoked = sign_up(api, "five@example.com", withdrawn["code"])
    assert revoked.status == 403 and revoked.json["error"]["details"]["reason"] == "revoked"
    listed = api.get("/v1/admin/invite-codes", token=admin["access_token"]).json["items"]
    assert {c["code"]: c["used"] for c in listed}[multi["code"]] == 2
    past = api.post("/v1/admin/invite-codes", {"uses": 1, "expires_at": "2020-01-01T00:00:00Z"},
                    token=admin["access_token"])
    assert past.status == 400 and past.json["error"]["details"]["field"] == "expires_at"


def test_the_last_use_of_a_code_goes_to_exactly_one_of_two_sign_ups_at_once(api, admin, db):
    invite_only(api, admin)
    code = make_code(api, admin)["code"]
    gate, outcomes = threading.Barrier(2), []

    def attempt(email: str) -> None:
        gate.wait()
        outcomes.append(sign_up(api, email, code).status)

    threads = [threading.Thread(target=attempt, args=(f"racer{n}@example.com",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [201, 403]
    assert count(db, "SELECT count(*) FROM users WHERE email LIKE 'racer%%'") == 1
    assert count(db, "SELECT used FROM invite_codes") == 1


def test_a_waitlisted_address_is_accepted_once_approved(api, admin, clock):
    invite_only(api, admin)
    for email in ("first@example.com", "second@example.com", "third@example.com"):
        assert api.post("/v1/waitlist", {"email": email}).status == 202
        clock.advance(minutes=1)
    assert api.post("/v1/waitlist", {"email": "FIRST@example.com"}).status == 202, "the same answer again"
    pending = api.get("/v1/admin/waitlist", token=admin["access_token"]).json["items"]
    assert [e["email"] for e in pending] == ["first@example.com", "second@example.com", "third@example.com"]
    assert sign_up(api, "first@example.com").status == 403, "waiting is not yet an invitation"

    approved = api.post("/v1/admin/waitlist/approve", {"count": 2}, token=admin["access_token"])
    assert approved.status == 200
    assert [(e["email"], e["status"]) for e in approved.json["items"]] == [
        ("first@example.com", "approved"), ("second@example.com", "approved")]
    [mail] = [m for m in sent_emails() if m["to"] == ["first@example.com"]]
    assert mail["subject"] == "You're invited to Pixmint"
    code = mail["body"].split("invite code is ")[1].split(";")[0]
    assert f"/signup?invite={code}" in mail["body"] and f"/signup?invite={code}" in mail["html"]

    stolen = sign_up(api, "thief@example.com", code)
    assert stolen.status == 403 and stolen.json["error"]["details"]["reason"] == "other_email"
    assert sign_up(api, "first@example.com", code).status == 201
    joined = api.get("/v1/admin/waitlist?status=joined", token=admin["access_token"]).json["items"]
    assert [e["email"] for e in joined] == ["first@example.com"]
    rest = api.post("/v1/admin/waitlist/approve", {"ids": [pending[2]["id"], pending[0]["id"]]},
                    token=admin["access_token"]).json["items"]
    assert [e["email"] for e in rest] == ["third@example.com"], "an approved entry is not approved twice"
    assert api.post("/v1/admin/waitlist/approve", {"count": 1, "ids": [pending[2]["id"]]},
                    token=admin["access_token"]).status == 400


def test_feedback_reaches_the_admin_area_tagged_with_page_and_user(api, admin):
    session = api.register("talker@example.com")
    assert api.post("/v1/feedback", {"page": "/generate", "message": "Love the previews!", "rating": 5},
                    token=session["access_token"]).status == 202
    assert api.post("/v1/feedback", {"page": "/", "message": "What does a credit buy?"}).status == 202
    assert api.post("/v1/feedback", {"page": "/", "message": "bad", "rating": 9}).status == 400
    items = api.get("/v1/admin/feedback", token=admin["access_token"]).json["items"]
    assert [(f["page"], f["message"], f["rating"], f["user_email"]) for f in items] == [
        ("/", "What does a credit buy?", None, None), ("/generate", "Love the previews!", 5, "talker@example.com")]
    only = api.get("/v1/admin/feedback?page=/generate", token=admin["access_token"]).json["items"]
    assert [f["user_id"] for f in only] == [session["user"]["id"]]
    assert api.get("/v1/admin/feedback", token=session["access_token"]).status == 403


def test_the_public_forms_are_throttled_per_address(api):
    for n in range(10):
        assert api.post("/v1/waitlist", {"email": f"w{n}@example.com"}).status == 202
    limited = api.post("/v1/waitlist", {"email": "w10@example.com"})
    assert limited.status == 429 and int(limited.headers["retry-after"]) > 0
    for _ in range(20):
        assert api.post("/v1/feedback", {"page": "/", "message": "hi"}).status == 202
    assert api.post("/v1/feedback", {"page": "/", "message": "hi"}).status == 429
