"""JwtAccessTokens accepts only its own HS256 access tokens, checked against the injected clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from chalicelib.adapters.jwt_tokens import JwtAccessTokens
from chalicelib.domain.errors import Unauthorized
from tests.fakes import START

SECRET = "unit-test-secret-" + "k" * 40
ISSUER = "pixmint"
AUDIENCE = "pixmint-api"
NOW = START


@pytest.fixture
def tokens() -> JwtAccessTokens:
    return JwtAccessTokens(SECRET, ISSUER, AUDIENCE, lifetime_seconds=900)


def claims(**changes) -> dict:
    good = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "sid": "session-1", "typ": "access",
        "jti": "j1", "iat": int(NOW.timestamp()), "exp": int((NOW + timedelta(minutes=15)).timestamp()),
    }
    good.update(changes)
    return {k: v for k, v in good.items() if v is not None}


def b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def hand_made(header: dict, body: dict, key: str | None = None) -> str:
    signing_input = f"{b64url(header)}.{b64url(body)}"
    if key is None:
        return signing_input + "."
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def test_a_token_it_issued_verifies_to_user_and_session(tokens):
    token = tokens.issue("user-1", "session-1", NOW)
    assert tokens.verify(token, NOW + timedelta(minutes=1)) == ("user-1", "session-1")


def test_a_token_signed_by_hand_with_the_right_claims_verifies(tokens):
    assert tokens.verify(hand_made({"alg": "HS256", "typ": "JWT"}, claims(), SECRET), NOW) == ("user-1", "session-1")


def test_a_token_is_valid_until_just_before_its_lifetime_ends(tokens):
    token = tokens.issue("user-1", "session-1", NOW)
    assert tokens.verify(token, NOW + timedelta(seconds=899)) == ("user-1", "session-1")


def test_a_token_expires_after_its_lifetime_by_the_injected_clock(tokens):
    token = tokens.issue("user-1", "session-1", NOW)
    with pytest.raises(Unauthorized):
        tokens.verify(token, NOW + timedelta(seconds=900))


def test_an_alg_none_token_is_refused(tokens):
    with pytest.raises(Unauthorized):
        tokens.verify(hand_made({"alg": "none", "typ": "JWT"}, claims()), NOW)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS512", "HS384"])
def test_a_token_signed_with_the_right_secret_but_another_algorithm_is_refused(tokens, algorithm):
    with pytest.raises(Unauthorized):
        tokens.verify(jwt.encode(claims(), SECRET, algorithm=algorithm), NOW)


def test_an_rs256_header_over_an_hmac_signature_is_refused(tokens):
    with pytest.raises(Unauthorized):
        tokens.verify(hand_made({"alg": "RS256", "typ": "JWT"}, claims(), SECRET), NOW)


def test_a_real_rs256_token_is_refused(tokens):
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthorized):
        tokens.verify(jwt.encode(claims(), key, algorithm="RS256"), NOW)


def test_a_token_for_another_audience_is_refused(tokens):
    with pytest.raises(Unauthorized):
        tokens.verify(jwt.encode(claims(aud="another-api"), SECRET, algorithm="HS256"), NOW)


def test_a_token_from_another_issuer_is_refused(tokens):
    with pytest.raises(Unauthorized):
        tokens.verify(jwt.encode(claims(iss="someone-else"), SECRET, algorithm="HS256"), NOW)


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub", "sid", "typ"])
def test_a_token_missing_a_required_claim_is_refused(tokens, missing):
    body = claims()
    del body[missing]
    with pytest.raises(Unauthorized):
        tokens.verify(jwt.encode(body, SECRET, algorithm="HS256"), NOW)


@pytest.mark.parametrize("typ", ["refresh", "ACCESS", ""])
def test_a_token_that_is_not_an_access_token_is_refused(tokens, typ):
    with pytest.raises(Unauthorized):
        tokens.verify(jwt.encode(claims(typ=typ), SECRET, algorithm="HS256"), NOW)


@pytest.mark.parametrize("claim, value", [("sub", 42), ("sid", 42), ("exp", "99999999999"), ("sid", ["s"])])
def test_a_token_with_a_claim_of_the_wrong_type_is_refused(tokens, claim, value):
    with pytest.raises(Unauthorized):
        tokens.verify(jwt.encode(claims(**{claim: value}), SECRET, algorithm="HS256"), NOW)


def test_a_token_signed_with_another_secret_is_refused(tokens):
    with pytest.raises(Unauthorized):
        tokens.verify(jwt.encode(claims(), "another-secret-" + "z" * 40, algorithm="HS256"), NOW)


def test_a_token_from_another_instance_with_another_secret_is_refused(tokens):
    other = JwtAccessTokens("another-secret-" + "z" * 40, ISSUER, AUDIENCE)
    with pytest.raises(Unauthorized):
        tokens.verify(other.issue("user-1", "session-1", NOW), NOW)


def test_a_tampered_payload_is_refused(tokens):
    header, _, signature = tokens.issue("user-1", "session-1", NOW).split(".")
    forged = f"{header}.{b64url(claims(sub='admin-user'))}.{signature}"
    with pytest.raises(Unauthorized):
        tokens.verify(forged, NOW)


@pytest.mark.parametrize(
    "garbage", ["", "abc", "a.b.c", "...", "Bearer abc.def.ghi", "eyJhbGciOiJIUzI1NiJ9..", "\x00\xff", "é.é.é"]
)
def test_garbage_is_refused(tokens, garbage):
    with pytest.raises(Unauthorized):
        tokens.verify(garbage, NOW)


def test_an_opaque_refresh_token_is_refused(tokens):
    with pytest.raises(Unauthorized):
        tokens.verify(secrets.token_urlsafe(32), NOW)


@pytest.mark.parametrize("secret", ["", "short", "k" * 31, "é" * 15 + "k"])
def test_secrets_shorter_than_32_bytes_are_refused_at_construction(secret):
    assert len(secret.encode()) < 32
    with pytest.raises(ValueError):
        JwtAccessTokens(secret, ISSUER, AUDIENCE)


@pytest.mark.parametrize("secret", ["k" * 32, "é" * 16])
def test_a_secret_of_32_bytes_is_accepted(secret):
    tokens = JwtAccessTokens(secret, ISSUER, AUDIENCE)
    assert tokens.verify(tokens.issue("user-1", "session-1", NOW), NOW) == ("user-1", "session-1")


def test_validity_follows_the_injected_clock_not_the_wall_clock(tokens):
    later = datetime.now(UTC) + timedelta(days=2)
    token = tokens.issue("user-1", "session-1", later)
    assert tokens.verify(token, later + timedelta(minutes=1)) == ("user-1", "session-1")


def test_a_token_issued_in_the_future_beyond_clock_skew_is_refused(tokens):
    now = datetime.now(UTC)
    token = tokens.issue("user-1", "session-1", now + timedelta(minutes=5))
    with pytest.raises(Unauthorized):
        tokens.verify(token, now)
