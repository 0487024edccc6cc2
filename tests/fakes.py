"""Test doubles named after what they are."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.adapters.argon2_hasher import Argon2PasswordHasher

START = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def cheap_hasher() -> Argon2PasswordHasher:
    """argon2id with tiny parameters, so suites that sign in often stay fast."""
    return Argon2PasswordHasher(memory_kib=1024, time_cost=1, parallelism=1)


class RecordingEmailSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, text: str) -> None:
        self.sent.append((to, subject, text))
