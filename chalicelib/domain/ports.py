"""The small interfaces through which the use cases reach the world."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from .model import LoginFailureCounts, RefreshTokenRecord, Role, User


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


class RefreshTokens(Protocol):
    def start_family(self, user_id: str, now: datetime) -> str: ...

    def add(self, family_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None: ...

    def lock(self, token_hash: bytes) -> RefreshTokenRecord | None:
        """Finds a token and locks it for the rest of the transaction."""
        ...

    def mark_rotated(self, token_id: str, now: datetime) -> None: ...

    def revoke_family(self, family_id: str, now: datetime) -> None: ...

    def revoke_all_for_user(self, user_id: str, now: datetime, keep_family_id: str | None = None) -> None: ...


class PasswordResets(Protocol):
    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None: ...

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        """Marks an unused, unexpired token used and returns its user id, in one step."""
        ...

    def count_since(self, user_id: str, since: datetime) -> int: ...


class LoginAttempts(Protocol):
    def record(self, email: str, ip: str, succeeded: bool, now: datetime) -> None: ...

    def failures(self, email: str, ip: str, since: datetime, known_ip_since: datetime) -> LoginFailureCounts: ...


class UnitOfWork(Protocol):
    users: Users
    ledger: Any
    refresh_tokens: RefreshTokens
    password_resets: PasswordResets
    login_attempts: LoginAttempts

    def __enter__(self) -> "UnitOfWork": ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...
