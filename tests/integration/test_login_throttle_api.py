"""Login throttling in PostgreSQL, with a controlled clock."""

from __future__ import annotations

PASSWORD = "correct horse battery"


def _login(api, password: str, ip: str | None = None):
    return api.post("/v1/auth/login", {"email": "ada@example.com", "password": password})


def test_repeated_failures_from_one_address_get_429_with_retry_after(api, clock):
    api.register()
    for _ in range(20):
        clock.advance(seconds=10)
        assert _login(api, "wrong password").status == 401
    blocked = _login(api, "wrong password")
    assert blocked.status == 429
    assert blocked.error_code == "rate_limited"
    # The first failure was 190 s ago, so it leaves the one-hour window 3410 s from now.
    assert int(blocked.headers["retry-after"]) == 3410
    assert _login(api, PASSWORD).status == 429, "the right password does not bypass the limit"


def test_throttle_lifts_when_the_window_passes(api, clock):
    api.register()
    for _ in range(20):
        _login(api, "wrong password")
    assert _login(api, PASSWORD).status == 429
    clock.advance(hours=1, seconds=1)
    assert _login(api, PASSWORD).status == 200


def test_a_successful_login_resets_the_count_for_that_address(api, clock):
    api.register()
    for _ in range(19):
        _login(api, "wrong password")
    assert _login(api, PASSWORD).status == 200
    for _ in range(19):
        assert _login(api, "wrong password").status == 401
    assert _login(api, PASSWORD).status == 200


def test_password_confirmation_failures_count_too(api):
    session = api.register()
    for _ in range(20):
        reply = api.delete("/v1/me", {"password": "wrong password"}, token=session["access_token"])
        assert reply.status == 403
    reply = api.delete("/v1/me", {"password": PASSWORD}, token=session["access_token"])
    assert reply.status == 429
    assert reply.headers["retry-after"]
