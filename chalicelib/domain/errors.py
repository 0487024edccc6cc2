"""Typed failures of the use cases; handlers map each one to an HTTP status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidRequest(DomainError):
    code = "invalid_request"


class Unauthorized(DomainError):
    code = "unauthorized"


class TwoFactorRequired(Unauthorized):
    code = "two_factor_required"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class WeakPassword(DomainError):
    code = "weak_password"


class InvalidToken(DomainError):
    code = "invalid_token"


class InvalidCode(InvalidRequest):
    code = "invalid_code"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, {"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    code = "unavailable"


class InsufficientCredits(DomainError):
    code = "insufficient_credits"

    def __init__(self, cost: int, balance: int) -> None:
        super().__init__(
            f"This costs {cost} credits and your balance is {balance}. Buy credits to continue.",
            {"cost": cost, "balance": balance},
        )


class InvalidSignature(DomainError):
    code = "invalid_signature"


class ContentRejected(DomainError):
    code = "content_rejected"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


class KeyCapReached(DomainError):
    code = "key_cap_reached"


class DailyCapReached(DomainError):
    code = "daily_cap_reached"


class ModelUnavailable(Conflict):
    code = "model_unavailable"
