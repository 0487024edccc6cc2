"""Keys with budgets: scopes, a model list, addresses and an expiry, each refused in the API envelope with nothing
charged, and checked again under the key's lock when the charge is made."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from chalicelib.adapters.postgres_credits import PostgresLedger
from chalicelib.domain.api_keys import KeyLimits
from chalicelib.domain.errors import Forbidden, Unauthorized
from chalicelib.domain.generation import GenerationRequest
from tests.conftest import assert_ledger_matches_balances
from tests.helpers import balance, count, room_for_connections
from tests.integration.test_api_keys import BONUS, new_key

pytestmark = pytest.mark.usefixtures("ledger_invariant")

ORIGIN_SECRET = "origin-secret-" + "k" * 30  # pragma: allowlist secret - a test value
OTHER_MODEL = "gpt-image-2.5-flare"


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"PIXMINT_ORIGIN_SECRET": ORIGIN_SECRET}


@pytest.fixture
def providers(scripted_providers):
    """openai_fake (tests/integration/conftest.py) beside the placeholder."""
    return scripted_providers


def as_key(key: str, viewer: str | None = None) -> dict[str, str]:
    headers = {"X-API-Key": key}
    if viewer:
        headers |= {"X-Viewer-Address": viewer, "X-Origin-Secret": ORIGIN_SECRET}
    return headers


PICTURE = {"prompt": "a lighthouse at dusk", "model": "placeholder"}


def test_a_key_shows_its_limits_and_defaults_to_every_scope_and_any_model(api, clock):
    token = api.register()["access_token"]
    plain = new_key(api, token)
    assert plain["scopes"] == ["generate", "library:read", "library:write"]
    assert plain["allowed_models"] is None and plain["allowed_ips"] is None and plain["expires_at"] is None
    limited = new_key(api, token, scopes=["library:write", "generate", "generate"], allowed_models=["placeholder"],
                      allowed_ips=["203.0.113.7", " 2001:db8::/32", "198.51.100.9/24"],
                      expires_at=f"{clock.now().year + 1}-01-31T12:00:00+01:00")
    listed = {k["id"]: k for k in api.get("/v1/api-keys", token=token).json["items"]}[limited["id"]]
    assert listed["scopes"] == ["generate", "library:write"]
    assert listed["allowed_models"] == ["placeholder"]
    assert listed["allowed_ips"] == ["203.0.113.7/32", "2001:db8::/32", "198.51.100.0/24"]
    assert listed["expires_at"] == f"{clock.now().year + 1}-01-31T11:00:00Z"


@pytest.mark.parametrize("body, field", [
    ({"scopes": []}, "scopes"), ({"scopes": ["admin"]}, "scopes"), ({"scopes": "generate"}, "scopes"),
    ({"scopes": [1]}, "scopes"), ({"allowed_models": []}, "allowed_models"),
    ({"allowed_models": ["dall-e-9"]}, "allowed_models"), ({"allowed_models": ["placeholder"] * 21}, "allowed_models"),
    ({"allowed_ips": ["10.0.0.0/33"]}, "allowed_ips"), ({"allowed_ips": ["example.com"]}, "allowed_ips"),
    ({"allowed_ips": [""]}, "allowed_ips"), ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ({"expires_at": "2031-01-01T00:00:00"}, "expires_at"), ({"expires_at": "next week"}, "expires_at"),
    ({"expires_at": "2099-01-01T00:00:00Z"}, "expires_at"),
])
def test_bad_limits_are_a_400_naming_the_field_and_create_no_key(api, body, field):
    token = api.register()["access_token"]
    reply = api.post("/v1/api-keys", {"name": "k", **body}, token=token)
    assert reply.status == 400 and reply.error_code == "invalid_request", reply.body
    assert reply.json["error"]["details"]["field"] == field
    assert api.get("/v1/api-keys", token=token).json["items"] == []


def test_a_key_without_the_generate_scope_cannot_quote_create_or_upload(api):
    token = api.register()["access_token"]
    reader = as_key(new_key(api, token, scopes=["library:read"])["key"])
    for path in ("/v1/generations/quote", "/v1/generations"):
        refused = api.post(path, PICTURE, headers=reader)
        assert refused.status == 403 and refused.json["error"]["details"]["reason"] == "scope_missing", path
    assert api.post("/v1/uploads", {"content_type": "image/png", "size_bytes": 10}, headers=reader).status == 403
    compatible = api.post("/v1/openai/images/generations", {"prompt": "x", "model": "placeholder"},
                          headers={"Authorization": f"Bearer {reader['X-API-Key']}"})
    assert compatible.status == 403 and compatible.json["error"]["code"] == "permission_denied"
    assert api.get("/v1/images", headers=reader).status == 200
    assert balance(api, token) == BONUS


def test_library_scopes_split_reading_from_changing(api, chalice_client):
    from tests.integration.test_generation import run_worker

    token = api.register()["access_token"]
    maker = as_key(new_key(api, token, scopes=["generate"])["key"])
    reader = as_key(new_key(api, token, scopes=["library:read"])["key"])
    made = api.post("/v1/generations", PICTURE, headers=maker)
    assert made.status == 202
    run_worker(chalice_client, made.json["id"])
    assert api.get(f"/v1/generations/{made.json['id']}", headers=maker).status == 200, "progress is part of making"
    assert api.get("/v1/images", headers=maker).status == 403
    image_id = api.get("/v1/images", headers=reader).json["items"][0]["id"]
    assert api.get(f"/v1/images/{image_id}/content", headers={**reader, "Accept": "image/png"}).status == 200
    for method, path in (("PUT", f"/v1/images/{image_id}/favorite"), ("POST", f"/v1/images/{image_id}/share"),
                         ("DELETE", f"/v1/images/{image_id}")):
        reply = api.request(method, path, {} if method == "POST" else None, headers=reader)
        assert reply.status == 403 and reply.json["error"]["details"]["scopes"] == ["library:write"], path
    assert api.get(f"/v1/images/{image_id}", token=token).json["favorite"] is False


def test_a_model_off_the_keys_list_is_refused_at_quote_and_create_with_nothing_charged(api):
    token = api.register()["access_token"]
    key = as_key(new_key(api, token, allowed_models=[OTHER_MODEL])["key"])
    for path in ("/v1/generations/quote", "/v1/generations"):
        refused = api.post(path, PICTURE, headers=key)
        assert refused.status == 403, (path, refused.body)
        assert refused.json["error"]["details"] == {"field": "model", "reason": "model_not_allowed",
                                                    "allowed": [OTHER_MODEL]}
    assert balance(api, token) == BONUS
    assert api.post("/v1/generations", PICTURE, token=token).status == 202, "the owner's session has no model list"


def test_a_key_works_only_from_its_addresses(api):
    token = api.register()["access_token"]
    key = new_key(api, token, allowed_ips=["203.0.113.0/24", "2001:db8::/32"])["key"]
    for viewer in ("203.0.113.200", "2001:db8::1", "::ffff:203.0.113.5"):
        assert api.get("/v1/images", headers=as_key(key, viewer)).status == 200, viewer
    for viewer in ("198.51.100.1", "203.0.114.1", None):  # None: API Gateway's own view, 127.0.0.1 here
        refused = api.get("/v1/images", headers=as_key(key, viewer))
        assert refused.status == 403 and refused.json["error"]["details"]["reason"] == "address_not_allowed", viewer
    spoofed = api.get("/v1/images", headers={"X-API-Key": key, "X-Viewer-Address": "203.0.113.9"})
    assert spoofed.status == 403, "without the origin secret the viewer header is not believed"


def test_an_expired_key_gets_401_and_charges_nothing(api, clock):
    token = api.register()["access_token"]
    expiry = clock.now() + timedelta(hours=1)
    key = as_key(new_key(api, token, expires_at=expiry.isoformat())["key"])
    assert api.post("/v1/generations", PICTURE, headers=key).status == 202
    clock.advance(hours=1)
    refused = api.post("/v1/generations", PICTURE, headers=key)
    assert refused.status == 401 and refused.json["error"]["details"] == {"reason": "key_expired"}
    again = api.post("/v1/auth/login", {"email": "ada@example.com", "password": "correct horse battery"})
    assert balance(api, again.json["access_token"]) == BONUS - 1


def test_the_charge_checks_the_key_again_under_its_lock(api, container, clock):
    """A key that expires or is revoked after the request was let in, or whose model list says no, charges
    nothing: the check is in the charging transaction, not only at the door."""
    token = api.register()["access_token"]
    expiring = new_key(api, token, expires_at=(clock.now() + timedelta(minutes=5)).isoformat())
    revoked = new_key(api, token)
    listed = new_key(api, token, allowed_models=[OTHER_MODEL])
    principal = container.api_keys.authenticate(revoked["key"])
    user = principal.user
    assert api.delete(f"/v1/api-keys/{revoked['id']}", token=token).status == 204
    clock.advance(minutes=5)
    cases = [(expiring, Unauthorized), (revoked, Unauthorized), (listed, Forbidden)]
    for key, refusal in cases:
        with pytest.raises(refusal):
            container.generations.create(user, GenerationRequest(prompt="a kite", model="placeholder"), key["id"])
    assert balance(api, token) == BONUS


# --- a key that stops working while it is in use (issue 16) ---

CALLERS = 30
ATTEMPTS = 15  # each caller's most before the stop: 30 x 16 stays within the key's 600 requests a minute
TOP_UP = 1000
ONE_CREDIT = GenerationRequest(prompt="a lighthouse at dusk", model="placeholder")


@pytest.mark.xdist_group("many-connections")  # with the other races that hold dozens of connections at once
class TestAKeyThatStopsWorkingWhileCallersSpendThroughIt:
    """30 callers spend through one key, each again and again until refused, and the key is revoked (or its expiry
    passes) once 30 spends went through: every request is let through (202) or refused with a 401, none errors
    (as a 500), none is charged once the key has stopped, and the ledger still sums to the balance."""

    @pytest.fixture
    def settings_overrides(self, settings_overrides):
        return {**settings_overrides, "DB_POOL_SIZE": str(CALLERS + 4)}

    @pytest.fixture
    def spender(self, api, container, db, clock) -> dict[str, Any]:
        room_for_connections(db, CALLERS + 10)
        session = api.register("racer@example.com")
        with psycopg.connect(db, row_factory=dict_row) as conn:
            PostgresLedger(conn).credit(session["user"]["id"], TOP_UP, "admin_grant", "top-up", "test", clock.now())
            conn.commit()
        user = container.accounts.authenticate(session["access_token"]).user
        assert container.generations.quote(user, ONE_CREDIT) == 1
        return {"user": user, "token": session["access_token"]}

    @staticmethod
    def race(container, secret: str, stop: Callable[[], None]) -> list[tuple[bool, int, str | None]]:
        """Each caller spends as POST /v1/generations does (the key checked at the door, then the charge), again
        and again, until it has made a request after the stop; once CALLERS spends went through, stop() runs on a
        thread of its own. Returns every attempt as (began after stop() had returned, the status the API answers,
        the error's reason)."""
        from chalicelib.handlers.api import error_response

        barrier = threading.Barrier(CALLERS + 1)
        accepted = threading.Semaphore(0)
        stopped = threading.Event()
        lock = threading.Lock()
        attempts: list[tuple[bool, int, str | None]] = []

        def spend_once() -> tuple[int, str | None]:
            try:
                principal = container.api_keys.authenticate(secret)
                container.generations.create(principal.user, ONE_CREDIT, principal.api_key_id)
            except Exception as exc:  # noqa: BLE001 - answered as the API answers it: a 401, or a 500
                reply = error_response(exc, "race")
                return reply.status_code, reply.body["error"]["details"].get("reason")
            return 202, None

        def attempt() -> bool:
            after = stopped.is_set()
            status, reason = spend_once()
            with lock:
                attempts.append((after, status, reason))
            if status == 202:
                accepted.release()
            return after

        def caller() -> None:
            barrier.wait()
            for _ in range(ATTEMPTS):
                if attempt():
                    return
            stopped.wait(timeout=90)
            attempt()  # each caller tries once more after the stop

        def stopper() -> None:
            barrier.wait()
            for _ in range(CALLERS):
                if not accepted.acquire(timeout=60):
                    break
            stop()
            stopped.set()

        threads = [threading.Thread(target=caller) for _ in range(CALLERS)] + [threading.Thread(target=stopper)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a caller is stuck"
        return attempts

    @staticmethod
    def assert_refused_from_the_stop(attempts: list[tuple[bool, int, str | None]]) -> int:
        statuses = Counter(status for _, status, _ in attempts)
        assert set(statuses) == {202, 401}, f"only let through or refused, never an error: {statuses}"
        late = [status for after, status, _ in attempts if after]
        assert len(late) == CALLERS, "each caller made one request after the key stopped working"
        assert set(late) == {401}, "a request made after the key stopped working was let through"
        assert statuses[202] >= CALLERS
        return statuses[202]

    def test_a_key_revoked_mid_race_takes_no_spend_once_the_revocation_commits(self, api, container, db, spender):
        key, secret = container.api_keys.create(spender["user"], "racing script", KeyLimits(rate_limit=600))
        through_key = "SELECT count(*) FROM generations WHERE api_key_id = %s"
        committed_at_revocation: list[int] = []

        def revoke() -> None:
            container.api_keys.revoke(spender["user"].id, key.id)  # committed when it returns
            committed_at_revocation.append(count(db, through_key, key.id))

        attempts = self.race(container, secret, revoke)

        accepted = self.assert_refused_from_the_stop(attempts)
        assert count(db, through_key, key.id) == committed_at_revocation[0] == accepted, \
            "every charge through the key committed before the revocation did, and none after"
        assert balance(api, spender["token"]) == BONUS + TOP_UP - accepted
        assert_ledger_matches_balances(db)

    def test_a_key_expiring_mid_race_takes_no_spend_dated_from_its_expiry(self, api, container, db, clock, spender):
        expiry = clock.now() + timedelta(minutes=1)
        key, secret = container.api_keys.create(spender["user"], "racing script",
                                                KeyLimits(rate_limit=600, expires_at=expiry))

        attempts = self.race(container, secret, lambda: clock.advance(minutes=1))

        accepted = self.assert_refused_from_the_stop(attempts)
        assert {reason for after, _, reason in attempts if after} == {"key_expired"}
        assert count(db, "SELECT count(*) FROM generations WHERE api_key_id = %s", key.id) == accepted
        assert count(db, "SELECT count(*) FROM generations WHERE api_key_id = %s AND created_at >= %s",
                     key.id, expiry) == 0, "a spend was dated at or after the key's expiry"
        assert balance(api, spender["token"]) == BONUS + TOP_UP - accepted
        assert_ledger_matches_balances(db)
