"""Accounts end to end through the Chalice app and a real PostgreSQL."""

from __future__ import annotations

import re

import psycopg
import pytest

from tests.conftest import sent_emails

PASSWORD = "correct horse battery"


def test_register_returns_the_user_and_a_working_token_pair(api):
    session = api.register("Ada@Example.com", PASSWORD, display_name="Ada Lovelace")
    assert session["user"]["email"] == "Ada@Example.com"
    assert session["user"]["display_name"] == "Ada Lovelace"
    assert session["user"]["role"] == "user"
    assert session["expires_in"] == 900
    me = api.get("/v1/me", token=session["access_token"])
    assert me.status == 200
    assert me.json["id"] == session["user"]["id"]
    assert set(me.json) >= {"id", "email", "display_name", "role", "credits", "created_at"}


def test_emails_are_unique_whatever_their_case(api):
    api.register("ada@example.com")
    reply = api.post("/v1/auth/register", {"email": "ADA@example.COM", "password": PASSWORD})
    assert reply.status == 409
    assert reply.error_code == "conflict"


@pytest.mark.parametrize(
    "password, why",
    [("short1!", "too short"), ("x" * 129, "too long"), ("1234567890", "common"), ("qwertyuiop", "common"),
     ("aaaaaaaaaaaa", "no variety")],
)
def test_weak_passwords_are_refused_with_422_and_nothing_stored(api, db, password, why):
    reply = api.post("/v1/auth/register", {"email": "weak@example.com", "password": password})
    assert reply.status == 422, why
    assert reply.error_code == "weak_password"
    assert reply.json["error"]["details"]["field"] == "password"
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_login_is_case_insensitive_on_email(api):
    api.register("grace@example.com")
    reply = api.post("/v1/auth/login", {"email": "GRACE@example.com", "password": PASSWORD})
    assert reply.status == 200
    assert reply.json["user"]["email"] == "grace@example.com"


def test_wrong_password_and_unknown_email_get_the_same_401(api):
    api.register("grace@example.com")
    wrong = api.post("/v1/auth/login", {"email": "grace@example.com", "password": "not the password"})
    unknown = api.post("/v1/auth/login", {"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert wrong.json["error"] == unknown.json["error"]


def test_refresh_rotates_and_reuse_revokes_the_whole_family(api, clock):
    first = api.register()
    second = api.post("/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert second.status == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    clock.advance(seconds=31)  # past the grace for a refresh whose reply was lost
    replay = api.post("/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert replay.status == 401
    # The thief's replay ended the family: the legitimate newer token is dead too.
    assert api.post("/v1/auth/refresh", {"refresh_token": second.json["refresh_token"]}).status == 401
    assert api.get("/v1/me", token=second.json["access_token"]).status == 401


def test_a_refresh_redone_at_once_after_a_lost_reply_keeps_the_session(api):
    first = api.register()
    lost = api.post("/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    redone = api.post("/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert lost.status == redone.status == 200
    assert api.get("/v1/me", token=redone.json["access_token"]).status == 200
    assert api.post("/v1/auth/refresh", {"refresh_token": redone.json["refresh_token"]}).status == 200
    assert api.post("/v1/auth/refresh", {"refresh_token": lost.json["refresh_token"]}).status == 401


def test_logout_ends_the_session_at_once(api):
    session = api.register()
    assert api.post("/v1/auth/logout", {"refresh_token": session["refresh_token"]}).status == 204
    assert api.post("/v1/auth/refresh", {"refresh_token": session["refresh_token"]}).status == 401
    assert api.get("/v1/me", token=session["access_token"]).status == 401


def test_access_token_expires_after_fifteen_minutes(api, clock):
    session = api.register()
    clock.advance(minutes=14, seconds=59)
    assert api.get("/v1/me", token=session["access_token"]).status == 200
    clock.advance(seconds=1)
    reply = api.get("/v1/me", token=session["access_token"])
    assert reply.status == 401
    assert reply.error_code == "unauthorized"


def test_profile_update_changes_the_display_name(api):
    session = api.register()
    reply = api.patch("/v1/me", {"display_name": "  Countess   Ada "}, token=session["access_token"])
    assert reply.status == 200
    assert reply.json["display_name"] == "Countess Ada"
    assert api.get("/v1/me", token=session["access_token"]).json["display_name"] == "Countess Ada"


def test_profile_update_refuses_empty_and_unknown_fields(api):
    session = api.register()
    assert api.patch("/v1/me", {"display_name": "   "}, token=session["access_token"]).status == 400
    reply = api.patch("/v1/me", {"role": "admin"}, token=session["access_token"])
    assert reply.status == 400
    assert reply.json["error"]["details"]["field"] == "role"
    assert api.get("/v1/me", token=session["access_token"]).json["role"] == "user"


def test_password_change_keeps_this_session_and_ends_the_others(api):
    here = api.register()
    elsewhere = api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD}).json
    reply = api.post("/v1/me/password", {"current_password": PASSWORD, "new_password": "a brand new secret"},
                     token=here["access_token"])
    assert reply.status == 204
    assert api.get("/v1/me", token=here["access_token"]).status == 200
    assert api.get("/v1/me", token=elsewhere["access_token"]).status == 401
    assert api.post("/v1/auth/refresh", {"refresh_token": elsewhere["refresh_token"]}).status == 401
    assert api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD}).status == 401
    assert api.post("/v1/auth/login", {"email": "ada@example.com", "password": "a brand new secret"}).status == 200


def test_password_change_needs_the_current_password(api):
    session = api.register()
    reply = api.post("/v1/me/password", {"current_password": "wrong wrong", "new_password": "a brand new secret"},
                     token=session["access_token"])
    assert reply.status == 403
    assert reply.json["error"]["details"]["field"] == "current_password"
    assert api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD}).status == 200


def test_account_deletion_removes_the_user_and_its_sessions(api, db):
    session = api.register()
    assert api.delete("/v1/me", {"password": "wrong password"}, token=session["access_token"]).status == 403
    assert api.delete("/v1/me", {"password": PASSWORD}, token=session["access_token"]).status == 204
    assert api.get("/v1/me", token=session["access_token"]).status == 401
    assert api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD}).status == 401
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM refresh_tokens").fetchone()[0] == 0


def _reset_token() -> str:
    body = reset_emails()[0]["body"]
    match = re.search(r"/reset-password\?token=([A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def reset_emails() -> list[dict]:
    return [mail for mail in sent_emails() if mail["subject"] == "Reset your Pixmint password"]


def test_password_reset_by_emailed_single_use_token(api):
    session = api.register()
    assert api.post("/v1/auth/password-reset", {"email": "ADA@example.com"}).status == 202
    [mail] = reset_emails()
    assert mail["to"] == ["ada@example.com"]
    token = _reset_token()
    confirmed = api.post("/v1/auth/password-reset/confirm", {"token": token, "new_password": "fresh start 2026"})
    assert confirmed.status == 204
    assert api.post("/v1/auth/refresh", {"refresh_token": session["refresh_token"]}).status == 401
    assert api.post("/v1/auth/login", {"email": "ada@example.com", "password": "fresh start 2026"}).status == 200
    again = api.post("/v1/auth/password-reset/confirm", {"token": token, "new_password": "another one 2026"})
    assert again.status == 400
    assert again.error_code == "invalid_token"


def test_password_reset_for_unknown_email_looks_the_same_and_sends_nothing(api):
    reply = api.post("/v1/auth/password-reset", {"email": "nobody@example.com"})
    assert reply.status == 202
    assert sent_emails() == []


def test_expired_reset_token_is_refused(api, clock):
    api.register()
    api.post("/v1/auth/password-reset", {"email": "ada@example.com"})
    token = _reset_token()
    clock.advance(hours=1, seconds=1)
    reply = api.post("/v1/auth/password-reset/confirm", {"token": token, "new_password": "fresh start 2026"})
    assert reply.status == 400
    assert reply.error_code == "invalid_token"


def test_weak_new_password_does_not_burn_the_reset_token(api):
    api.register()
    api.post("/v1/auth/password-reset", {"email": "ada@example.com"})
    token = _reset_token()
    weak = api.post("/v1/auth/password-reset/confirm", {"token": token, "new_password": "1234567890"})
    assert weak.status == 422
    confirmed = api.post("/v1/auth/password-reset/confirm", {"token": token, "new_password": "fresh start 2026"})
    assert confirmed.status == 204


def test_reset_emails_are_capped_per_hour(api, clock):
    api.register()
    for _ in range(8):
        assert api.post("/v1/auth/password-reset", {"email": "ada@example.com"}).status == 202
    assert len(reset_emails()) == 5
    clock.advance(hours=1, seconds=1)
    api.post("/v1/auth/password-reset", {"email": "ada@example.com"})
    assert len(reset_emails()) == 6


def test_suspended_user_can_read_me_but_nothing_else(api, db):
    session = api.register()
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE users SET suspended = true")
    me = api.get("/v1/me", token=session["access_token"])
    assert me.status == 200
    assert me.json["suspended"] is True
    reply = api.patch("/v1/me", {"display_name": "x"}, token=session["access_token"])
    assert reply.status == 403
    assert reply.error_code == "forbidden"
