"""Changing the email address (issue 20): the new address confirms with a single-use link, the old one is told, and
until then nothing about the account changes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import emailed_token, sent_emails

PASSWORD = "correct horse battery"  # pragma: allowlist secret


def ask(api, token: str, new_email: str, password: str = PASSWORD):
    return api.post("/v1/me/email", {"new_email": new_email, "password": password}, token=token)


def login(api, email: str):
    return api.post("/v1/auth/login", {"email": email, "password": PASSWORD})


def mails_to(address: str) -> list[dict]:
    return [m for m in sent_emails() if m["to"] == [address]]


def test_the_new_address_confirms_the_change_and_the_old_one_is_told(api):
    session = api.register("old@example.com")
    token = session["access_token"]
    assert ask(api, token, "New.Address@Example.com").status == 202

    [notice] = [m for m in mails_to("old@example.com") if "being changed" in m["subject"]]
    assert "n***@example.com" in notice["body"].lower() and "new.address@example.com" not in notice["body"].lower()
    assert "/settings" in notice["body"] and "/contact" in notice["body"]
    assert api.get("/v1/me", token=token).json["email"] == "old@example.com", "nothing moves before the link"
    assert login(api, "old@example.com").status == 200

    link = emailed_token("new.address@example.com", "/confirm-email")
    confirmed = api.post("/v1/me/email/confirm", {"token": link})
    assert confirmed.status == 200, confirmed.body
    assert confirmed.json["email"] == "New.Address@Example.com" and confirmed.json["email_verified"] is True
    assert login(api, "new.address@example.com").status == 200
    assert login(api, "old@example.com").status == 401
    again = api.post("/v1/me/email/confirm", {"token": link})
    assert again.status == 400 and again.json["error"]["code"] == "invalid_token"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"new_email": "other@example.com", "password": "not my password"}, 403, "password"),  # pragma: allowlist secret
    ({"new_email": "me@example.com", "password": PASSWORD}, 400, "new_email"),
    ({"new_email": "not an address", "password": PASSWORD}, 400, "new_email"),
    ({"new_email": "x@example.com\r\nBcc: victim@example.com", "password": PASSWORD}, 400, "new_email"),
    ({"new_email": "taken@example.com", "password": PASSWORD}, 409, "new_email"),
    ({"password": PASSWORD}, 400, "new_email"),
])
def test_a_refused_change_sends_nothing_and_changes_nothing(api, body, status, field):
    api.register("taken@example.com")
    token = api.register("me@example.com")["access_token"]
    before = len(sent_emails())
    reply = api.post("/v1/me/email", body, token=token)
    assert reply.status == status, reply.body
    assert reply.json["error"]["details"]["field"] == field
    assert len(sent_emails()) == before
    assert api.get("/v1/me", token=token).json["email"] == "me@example.com"


def test_an_address_taken_before_the_link_is_opened_is_a_conflict_and_the_account_keeps_its_own(api):
    token = api.register("first@example.com")["access_token"]
    ask(api, token, "wanted@example.com")
    link = emailed_token("wanted@example.com", "/confirm-email")
    api.register("Wanted@example.com", verify=False)
    reply = api.post("/v1/me/email/confirm", {"token": link})
    assert reply.status == 409 and reply.json["error"]["details"]["field"] == "new_email"
    assert api.get("/v1/me", token=token).json["email"] == "first@example.com"


def test_confirming_one_link_voids_the_others_and_the_old_password_reset_links(api):
    token = api.register("many@example.com")["access_token"]
    api.post("/v1/auth/password-reset", {"email": "many@example.com"})
    reset = emailed_token("many@example.com", "/reset-password")
    ask(api, token, "one@example.com")
    ask(api, token, "two@example.com")
    first = emailed_token("one@example.com", "/confirm-email")
    second = emailed_token("two@example.com", "/confirm-email")
    assert api.post("/v1/me/email/confirm", {"token": second}).json["email"] == "two@example.com"
    assert api.post("/v1/me/email/confirm", {"token": first}).status == 400
    new_password = "a brand new passphrase"  # pragma: allowlist secret
    assert api.post("/v1/auth/password-reset/confirm", {"token": reset, "password": new_password}
                    ).status == 400, "a reset link mailed to the old address no longer works"


def test_two_clicks_on_one_link_at_once_change_the_address_once(api):
    token = api.register("race@example.com")["access_token"]
    ask(api, token, "raced@example.com")
    link = emailed_token("raced@example.com", "/confirm-email")
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: api.post("/v1/me/email/confirm", {"token": link}).status, range(8)))
    assert statuses == [200] + [400] * 7


def test_api_keys_cannot_change_the_address_and_requests_are_limited(api):
    token = api.register("keyed@example.com")["access_token"]
    key = api.post("/v1/api-keys", {"name": "script"}, token=token).json["key"]
    reply = api.post("/v1/me/email", {"new_email": "k@example.com", "password": PASSWORD},
                     headers={"X-API-Key": key})
    assert reply.status == 403
    statuses = [ask(api, token, f"n{i}@example.com").status for i in range(7)]
    assert statuses[:5] == [202] * 5 and statuses[5:] == [429, 429]
