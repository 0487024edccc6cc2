"""Short-lived access tokens as JWTs with one pinned algorithm."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import jwt

from ..domain.errors import Unauthorized

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
MIN_SECRET_BYTES = 32
CLOCK_SKEW_SECONDS = 60


class JwtAccessTokens:
    """HS256 access tokens naming the user and the session; the secret must be at least 32 bytes (ValueError)."""

    def __init__(self, secret: str, issuer: str, audience: str, lifetime_seconds: int = 900) -> None:
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self.lifetime_seconds = lifetime_seconds

    def issue(self, user_id: str, session_id: str, now: datetime) -> str:
        """A signed token for the user's session, valid for lifetime_seconds from now."""
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": user_id,
            "sid": session_id,
            "typ": ACCESS_TYPE,
            "jti": uuid.uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.lifetime_seconds)).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str, now: datetime) -> tuple[str, str]:
        """Returns (user id, session id) of a valid access token or raises Unauthorized; expiry and issue time are
        checked against now, allowing 60 s of skew on the issue time."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "sid", "typ"], "verify_exp": False,
                         "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("The access token is invalid.") from exc
        # exp and iat are checked against the injected clock, not PyJWT's wall clock.
        if not isinstance(claims["exp"], (int, float)) or claims["exp"] <= now.timestamp():
            raise Unauthorized("The access token has expired.")
        if not isinstance(claims["iat"], (int, float)) or claims["iat"] > now.timestamp() + CLOCK_SKEW_SECONDS:
            raise Unauthorized("The access token is not valid yet.")
        if claims["typ"] != ACCESS_TYPE:
            raise Unauthorized("The access token is invalid.")
        if not isinstance(claims["sub"], str) or not isinstance(claims["sid"], str):
            raise Unauthorized("The access token is invalid.")
        return claims["sub"], claims["sid"]
