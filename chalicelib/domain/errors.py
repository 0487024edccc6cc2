"""Typed failures of the use cases; handlers map each one to an HTTP status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A failure the caller is told about: `code` names its kind, `message` is for people, `details` for programs."""

    code = "error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidRequest(DomainError):
    """The request is malformed or out of range; details["field"] names the input at fault where there is one."""

    code = "invalid_request"


class Unauthorized(DomainError):
    """No valid credentials, or the session behind them has ended."""

    code = "unauthorized"


class TwoFactorRequired(Unauthorized):
    """The password was right but a code is needed, or the code given was wrong (details["reason"] says which)."""

    code = "two_factor_required"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class NotFound(DomainError):
    """No such thing, or not the caller's: the two are not told apart."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (done already, or not allowed from here)."""

    code = "conflict"


class WeakPassword(DomainError):
    """The password is too short, common or guessable; details carry the estimator's feedback."""

    code = "weak_password"


class InvalidToken(DomainError):
    """An emailed link's token is unknown, used or expired."""

    code = "invalid_token"


class InvalidCode(InvalidRequest):
    """A two-factor or recovery code is wrong."""

    code = "invalid_code"


class RateLimited(DomainError):
    """Too many attempts; retry_after_seconds says when the next one may succeed."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, {"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    """A service this depends on is down or not configured; trying later may work."""

    code = "unavailable"


class InsufficientCredits(DomainError):
    """The balance does not cover the cost; details hold both, in credits."""

    code = "insufficient_credits"

    def __init__(self, cost: int, balance: int) -> None:
        super().__init__(
            f"This costs {cost} credits and your balance is {balance}. Buy credits to continue.",
            {"cost": cost, "balance": balance},
        )


class InvalidSignature(DomainError):
    """A webhook body's signature is missing or does not match."""

    code = "invalid_signature"


class ContentRejected(DomainError):
    """Moderation refused the prompt; nothing was charged."""

    code = "content_rejected"


class PayloadTooLarge(DomainError):
    """An upload or body is over its size limit."""

    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """An upload is not one of the accepted image types."""

    code = "unsupported_media_type"


class KeyCapReached(DomainError):
    """The API key's monthly credit cap would be exceeded."""

    code = "key_cap_reached"


class DailyCapReached(DomainError):
    """The account's daily spending limit would be exceeded."""

    code = "daily_cap_reached"


class ModelUnavailable(Conflict):
    """The model was withdrawn and has no available replacement; details["allowed"] lists the models to use."""

    code = "model_unavailable"


class InviteRequired(Forbidden):
    """Sign-up is by invitation (the admin setting invite_only) and no valid invite code came with it;
    details["reason"] says what was wrong with the one given."""

    code = "invite_required"
