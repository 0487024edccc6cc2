"""The small interfaces through which the use cases reach the world."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .catalogue import Catalog
from .credits import Ledger
from .model import (
    LoginFailureCounts,
    OutboxItem,
    RefreshTokenRecord,
    Role,
    SessionInfo,
    StrengthEstimate,
    TwoFactorState,
    User,
)
from .webhooks import Webhooks


class Clock(Protocol):
    def now(self) -> datetime: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class AccessTokens(Protocol):
    lifetime_seconds: int

    def issue(self, user_id: str, session_id: str, now: datetime) -> str: ...

    def verify(self, token: str, now: datetime) -> tuple[str, str]:
        """Returns (user id, session id) of a valid access token or raises Unauthorized."""
        ...


class EmailSender(Protocol):
    def send(self, to: str, subject: str, text: str) -> None: ...


class OutboxWaker(Protocol):
    def wake(self) -> None:
        """Says that emails were just committed to the outbox; delivery happens after the caller's reply."""
        ...


class OneTimeCodes(Protocol):
    def new_secret(self) -> str: ...

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str: ...

    def matching_step(self, secret: str, code: str, now: datetime) -> int | None:
        """The time step a valid code belongs to (one step of clock drift either way), else None."""
        ...


class PasswordStrength(Protocol):
    def estimate(self, password: str, user_inputs: list[str]) -> StrengthEstimate: ...


class Users(Protocol):
    def add(self, email: str, display_name: str, password_hash: str, role: Role, now: datetime) -> User | None:
        """Inserts a user; None when the email is taken (compared case-insensitively)."""
        ...

    def get(self, user_id: str) -> User | None: ...

    def get_with_session(self, user_id: str, session_id: str) -> User | None:
        """The user, only while the named session (refresh-token family) is live."""
        ...

    def by_email(self, email: str) -> User | None: ...

    def update_profile(self, user_id: str, display_name: str) -> User: ...

    def set_password(self, user_id: str, password_hash: str) -> None: ...

    def set_role(self, user_id: str, role: Role) -> None: ...

    def delete(self, user_id: str) -> None: ...

    def mark_email_verified(self, user_id: str, now: datetime) -> bool:
        """Sets the verification time once; False when it was set already."""
        ...

    def mark_signup_bonus(self, user_id: str, now: datetime) -> None: ...

    def two_factor(self, user_id: str) -> TwoFactorState: ...

    def set_pending_totp(self, user_id: str, secret: str) -> None: ...

    def enable_totp(self, user_id: str, secret: str, step: int) -> None:
        """Makes the secret the active one, with its first accepted time step."""
        ...

    def disable_totp(self, user_id: str) -> None: ...

    def advance_totp_step(self, user_id: str, step: int) -> bool:
        """Records a code's time step; False when that step or a later one was used already (a replay)."""
        ...


class EmailVerifications(Protocol):
    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None: ...

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        """Marks an unused, unexpired token used and returns its user id, in one step."""
        ...

    def void_all(self, user_id: str, now: datetime) -> None: ...


class BonusClaims(Protocol):
    def claim(self, email_key: bytes, now: datetime) -> bool:
        """Records the key; False when it was recorded before (by any account, live or deleted)."""
        ...


class Signups(Protocol):
    def lock_recent(self, ip: str, since: datetime) -> list[datetime]:
        """Sign-ups from the address since then; holds a lock on the address for the rest of the transaction."""
        ...

    def record(self, ip: str, now: datetime) -> None: ...


class EmailOutbox(Protocol):
    def add(self, kind: str, user_id: str | None, email: str | None, now: datetime) -> int: ...

    def recent_for_user(self, user_id: str, kind: str, since: datetime) -> list[datetime]:
        """When the user's emails of that kind were queued since then; locks the user's row first."""
        ...

    def claim_due(self, now: datetime, lease_until: datetime, max_attempts: int) -> OutboxItem | None:
        """The oldest due item, leased until then so no other deliverer takes it meanwhile."""
        ...

    def finish(self, item_id: int, sent: bool, now: datetime) -> None: ...

    def failed(self, item_id: int, error: str) -> None: ...

    def prune(self, before: datetime) -> int: ...


class RecoveryCodes(Protocol):
    def replace(self, user_id: str, code_hashes: list[bytes], now: datetime) -> None: ...

    def consume(self, user_id: str, code_hash: bytes, now: datetime) -> bool: ...

    def delete_all(self, user_id: str) -> None: ...


class RefreshTokens(Protocol):
    def start_family(self, user_id: str, now: datetime, user_agent: str | None = None, ip: str | None = None) -> str:
        ...

    def touch_family(self, family_id: str, now: datetime) -> None: ...

    def live_families(self, user_id: str, now: datetime) -> list[SessionInfo]:
        """The user's sessions that are neither revoked nor expired, newest first."""
        ...

    def revoke_users_family(self, user_id: str, family_id: str, now: datetime) -> bool:
        """Revokes one live session of this user; False when the user has no such live session."""
        ...

    def add(self, family_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None: ...

    def lock(self, token_hash: bytes) -> RefreshTokenRecord | None:
        """Finds a token and locks it for the rest of the transaction."""
        ...

    def mark_rotated(self, token_id: str, now: datetime) -> None: ...

    def supersede_live(self, family_id: str, now: datetime) -> None:
        """Retires the family's unspent tokens: their reply never reached the browser."""
        ...

    def revoke_family(self, family_id: str, now: datetime) -> None: ...

    def revoke_all_for_user(self, user_id: str, now: datetime, keep_family_id: str | None = None) -> None: ...


class PasswordResets(Protocol):
    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None: ...

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        """Marks an unused, unexpired token used and returns its user id, in one step."""
        ...

    def count_since(self, user_id: str, since: datetime) -> int: ...

    def void_all(self, user_id: str, now: datetime) -> None:
        """Makes every unused reset token of the user unusable."""
        ...


class LoginAttempts(Protocol):
    def record(self, email: str, ip: str, succeeded: bool, now: datetime) -> None: ...

    def failures(self, email: str, ip: str, since: datetime, known_ip_since: datetime) -> LoginFailureCounts: ...


class UnitOfWork(Protocol):
    # Read-only members: an adapter's own repository classes then satisfy them (a plain attribute would have to
    # be of exactly the protocol's type).
    @property
    def users(self) -> Users: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def refresh_tokens(self) -> RefreshTokens: ...
    @property
    def password_resets(self) -> PasswordResets: ...
    @property
    def login_attempts(self) -> LoginAttempts: ...
    @property
    def email_verifications(self) -> EmailVerifications: ...
    @property
    def bonus_claims(self) -> BonusClaims: ...
    @property
    def signups(self) -> Signups: ...
    @property
    def email_outbox(self) -> EmailOutbox: ...
    @property
    def recovery_codes(self) -> RecoveryCodes: ...
    @property
    def webhooks(self) -> Webhooks: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...
