"""What the database holds of TOTP seeds and webhook signing secrets: sealed values only, which the app opens
to check codes and sign deliveries; rows written before sealing are sealed by `seal-secrets` and still work."""

from __future__ import annotations

import psycopg
import pyotp
import pytest

from chalicelib.adapters.sealed_secrets import is_sealed, seal_stored_secrets
from chalicelib.bootstrap import resolve_jwt_secret, secret_sealer
from tests.integration.test_account_safety_api import PASSWORD, turn_on_two_factor
from tests.integration.test_webhooks import Receiver, endpoint, verify_standard_webhook


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def stored(db: str, sql: str) -> list[str | None]:
    with psycopg.connect(db) as conn:
        return [value for (value,) in conn.execute(sql)]


def test_two_factor_seeds_are_stored_sealed_and_still_check_codes(api, clock, db):
    token = api.register()["access_token"]
    pending = api.post("/v1/me/2fa", token=token).json["secret"]
    [held] = stored(db, "SELECT totp_pending_secret FROM users")
    assert held and is_sealed(held) and pending not in held
    secret, _ = turn_on_two_factor(api, token, clock)
    [active] = stored(db, "SELECT totp_secret FROM users")
    assert active and is_sealed(active) and secret not in active
    clock.advance(seconds=30)
    login = {"email": "ada@example.com", "password": PASSWORD, "code": pyotp.TOTP(secret).at(clock.now())}
    assert api.post("/v1/auth/login", login).status == 200


def test_webhook_secrets_are_stored_sealed_and_deliveries_are_signed_with_the_real_one(api, db, receiver):
    token = api.register()["access_token"]
    hook = endpoint(api, token, receiver.url, ["credits.low"])
    [held] = stored(db, "SELECT secret FROM webhook_endpoints")
    assert is_sealed(held) and hook["secret"] not in held
    assert api.post(f"/v1/webhook-endpoints/{hook['id']}/test", token=token).status in (200, 202)
    [call] = receiver.calls
    verify_standard_webhook(hook["secret"], call["headers"], call["body"])


def test_a_sealed_value_copied_onto_another_account_does_not_open(api, clock, db):
    ada = api.register()["access_token"]
    secret, _ = turn_on_two_factor(api, ada, clock)
    api.register("bob@example.com")
    with psycopg.connect(db) as conn:  # someone with write access to the table, not to the key
        conn.execute("""UPDATE users SET totp_secret = (SELECT totp_secret FROM users WHERE email = 'ada@example.com'),
                               totp_last_step = 0 WHERE email = 'bob@example.com'""")
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now())
    login = api.post("/v1/auth/login", {"email": "bob@example.com", "password": PASSWORD, "code": code})
    assert login.status == 500 and login.error_code == "internal_error" and b"access_token" not in login.body


def test_rows_from_before_sealing_are_sealed_once_and_keep_working(api, container, clock, db, receiver):
    token = api.register()["access_token"]
    secret, _ = turn_on_two_factor(api, token, clock)
    hook = endpoint(api, token, receiver.url, ["credits.low"])
    sealer = secret_sealer(resolve_jwt_secret(container.settings))
    with psycopg.connect(db) as conn:  # as an older release wrote them
        conn.execute("UPDATE users SET totp_secret = %s", (secret,))
        conn.execute("UPDATE webhook_endpoints SET secret = %s", (hook["secret"],))
    assert seal_stored_secrets(container.pool, sealer) == {"totp": 1, "webhook": 1}
    assert seal_stored_secrets(container.pool, sealer) == {"totp": 0, "webhook": 0}
    assert all(v and is_sealed(v) for v in stored(db, "SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL"))
    assert is_sealed(stored(db, "SELECT secret FROM webhook_endpoints")[0])
    clock.advance(seconds=30)
    login = {"email": "ada@example.com", "password": PASSWORD, "code": pyotp.TOTP(secret).at(clock.now())}
    assert api.post("/v1/auth/login", login).status == 200
    assert api.post(f"/v1/webhook-endpoints/{hook['id']}/test", token=token).status in (200, 202)
    verify_standard_webhook(hook["secret"], receiver.calls[-1]["headers"], receiver.calls[-1]["body"])
