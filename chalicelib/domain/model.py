"""Account entities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class Role(str, Enum):  # noqa: UP042 - a StrEnum would print as its value in str() and format(), not as Role.X
    """What an account may do: admins also run the admin API."""

    USER = "user"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    """An account; credits is the balance as read, password_hash never leaves the server."""

    id: str
    email: str
    display_name: str
    role: Role
    suspended: bool
    credits: int
    password_hash: str
    created_at: datetime
    email_verified: bool = False
    two_factor: bool = False
    signup_bonus_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """True for the admin role, suspended or not."""
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class RefreshTokenRecord:
    """A refresh token as the refresh use case sees it, with its family's state."""

    id: str
    family_id: str
    user_id: str
    expires_at: datetime
    rotated_at: datetime | None
    family_revoked: bool
    superseded: bool = False  # retired unseen, when the token before it was spent again within the grace
    successor_spent: bool = False  # a token issued after this one has been spent or retired since

    @property
    def rotated(self) -> bool:
        """True once the token was exchanged (or retired): presenting it again is a replay unless its reply was lost."""
        return self.rotated_at is not None


@dataclass(frozen=True)
class TokenPair:
    """An access token valid for expires_in seconds and the refresh token that renews it."""

    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class Session:
    """A signed-in user and their tokens."""

    user: User
    tokens: TokenPair


@dataclass(frozen=True)
class Principal:
    """Who a request acts as, once its credentials are checked."""

    user: User
    session_id: str | None = None
    via_api_key: bool = False
    api_key_id: str | None = None
    key_scopes: tuple[str, ...] | None = None  # None: a person, who holds every scope
    key_models: tuple[str, ...] | None = None  # None: any model


@dataclass(frozen=True)
class FailureTally:
    """How many failed attempts, and when the oldest of them was (None when there are none)."""

    count: int
    oldest: datetime | None


@dataclass(frozen=True)
class LoginFailureCounts:
    """The failed sign-in attempts the throttle weighs, as LoginAttempts.failures() counts them."""

    account_from_ip: FailureTally
    account_from_unknown_ips: FailureTally
    ip: FailureTally
    ip_known_for_account: bool


@dataclass(frozen=True)
class TwoFactorState:
    """A user's TOTP secrets, active and pending, and the last time step accepted; secrets stay out of repr()."""

    secret: str | None = field(default=None, repr=False)
    pending_secret: str | None = field(default=None, repr=False)
    last_step: int | None = None


@dataclass(frozen=True)
class TwoFactorSetup:
    """A pending TOTP secret and its otpauth:// URL for the QR code; both stay out of repr()."""

    secret: str = field(repr=False)
    otpauth_url: str = field(repr=False)


@dataclass(frozen=True)
class SessionInfo:
    """A sign-in session: one refresh-token family."""

    id: str
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    ip: str | None


@dataclass(frozen=True)
class OutboxItem:
    """A claimed email of the outbox; attempts counts this one."""

    id: int
    kind: str
    user_id: str | None
    email: str | None
    attempts: int
    ref: str | None = None


@dataclass(frozen=True)
class AdminOutcome:
    """What ensure_admin did: "created", "promoted" or "unchanged"."""

    user: User
    action: str


@dataclass(frozen=True)
class StrengthEstimate:
    """A password's score from 0 (guessable) to 4, with a warning and suggestions to show."""

    score: int
    warning: str
    suggestions: tuple[str, ...]
