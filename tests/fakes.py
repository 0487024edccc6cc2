"""Test doubles named after what they are."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from chalicelib.adapters.argon2_hasher import Argon2PasswordHasher
from chalicelib.domain.model import FailureTally, LoginFailureCounts, RefreshTokenRecord, Role, User

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


# --- In-memory persistence: the ports of chalicelib/domain/ports.py without a database. ---


@dataclass
class _FamilyRow:
    id: str
    user_id: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass
class _RefreshTokenRow:
    id: str
    family_id: str
    token_hash: bytes
    created_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None


@dataclass
class _ResetRow:
    id: str
    user_id: str
    token_hash: bytes
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class _AttemptRow:
    email: str
    ip: str
    succeeded: bool
    attempted_at: datetime


@dataclass
class InMemoryState:
    """The rows of the tables the accounts use cases touch."""

    users: dict[str, User] = field(default_factory=dict)
    families: dict[str, _FamilyRow] = field(default_factory=dict)
    refresh_tokens: dict[str, _RefreshTokenRow] = field(default_factory=dict)
    password_resets: dict[str, _ResetRow] = field(default_factory=dict)
    login_attempts: list[_AttemptRow] = field(default_factory=list)


class DuplicateKey(Exception):
    """What a UNIQUE constraint of the real schema would raise."""


class InMemoryStore:
    """The committed state shared by every InMemoryUnitOfWork built on it."""

    def __init__(self) -> None:
        self.state = InMemoryState()
        self.commits = 0
        self.settings: dict = {}

    def unit_of_work(self) -> "InMemoryUnitOfWork":
        return InMemoryUnitOfWork(self)


def _new_id() -> str:
    return str(uuid.uuid4())


class InMemoryUsers:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def add(self, email: str, display_name: str, password_hash: str, role: Role, now: datetime) -> User | None:
        if self.by_email(email) is not None:
            return None
        user = User(
            id=_new_id(), email=email, display_name=display_name, role=role, suspended=False, credits=0,
            password_hash=password_hash, created_at=now,
        )
        self._state.users[user.id] = user
        return user

    def get(self, user_id: str) -> User | None:
        return self._state.users.get(user_id)

    def get_with_session(self, user_id: str, session_id: str) -> User | None:
        family = self._state.families.get(session_id)
        if family is None or family.user_id != user_id or family.revoked_at is not None:
            return None
        return self.get(user_id)

    def by_email(self, email: str) -> User | None:
        wanted = email.lower()
        return next((u for u in self._state.users.values() if u.email.lower() == wanted), None)

    def update_profile(self, user_id: str, display_name: str) -> User:
        user = replace(self._state.users[user_id], display_name=display_name)
        self._state.users[user_id] = user
        return user

    def set_password(self, user_id: str, password_hash: str) -> None:
        if user_id in self._state.users:
            self._state.users[user_id] = replace(self._state.users[user_id], password_hash=password_hash)

    def set_role(self, user_id: str, role: Role) -> None:
        if user_id in self._state.users:
            self._state.users[user_id] = replace(self._state.users[user_id], role=role)

    def delete(self, user_id: str) -> None:
        """Deletes the user and, like ON DELETE CASCADE, its sessions and reset tokens."""
        self._state.users.pop(user_id, None)
        gone = {f.id for f in self._state.families.values() if f.user_id == user_id}
        for family_id in gone:
            del self._state.families[family_id]
        for token in [t for t in self._state.refresh_tokens.values() if t.family_id in gone]:
            del self._state.refresh_tokens[token.id]
        for reset in [r for r in self._state.password_resets.values() if r.user_id == user_id]:
            del self._state.password_resets[reset.id]


class InMemoryRefreshTokens:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def start_family(self, user_id: str, now: datetime) -> str:
        family = _FamilyRow(id=_new_id(), user_id=user_id, created_at=now)
        self._state.families[family.id] = family
        return family.id

    def add(self, family_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        if family_id not in self._state.families:
            raise KeyError(f"no refresh-token family {family_id}")
        if any(t.token_hash == token_hash for t in self._state.refresh_tokens.values()):
            raise DuplicateKey("refresh_tokens.token_hash")
        row = _RefreshTokenRow(id=_new_id(), family_id=family_id, token_hash=token_hash, created_at=now,
                               expires_at=expires_at)
        self._state.refresh_tokens[row.id] = row

    def lock(self, token_hash: bytes) -> RefreshTokenRecord | None:
        row = next((t for t in self._state.refresh_tokens.values() if t.token_hash == token_hash), None)
        if row is None:
            return None
        family = self._state.families[row.family_id]
        return RefreshTokenRecord(
            id=row.id, family_id=row.family_id, user_id=family.user_id, expires_at=row.expires_at,
            rotated=row.rotated_at is not None, family_revoked=family.revoked_at is not None,
        )

    def mark_rotated(self, token_id: str, now: datetime) -> None:
        if token_id in self._state.refresh_tokens:
            self._state.refresh_tokens[token_id].rotated_at = now

    def revoke_family(self, family_id: str, now: datetime) -> None:
        family = self._state.families.get(family_id)
        if family is not None and family.revoked_at is None:
            family.revoked_at = now

    def revoke_all_for_user(self, user_id: str, now: datetime, keep_family_id: str | None = None) -> None:
        for family in self._state.families.values():
            if family.user_id == user_id and family.revoked_at is None and family.id != keep_family_id:
                family.revoked_at = now

    def live_families(self, user_id: str) -> list[str]:
        """Test helper: the ids of the user's unrevoked sessions."""
        return [f.id for f in self._state.families.values() if f.user_id == user_id and f.revoked_at is None]


class InMemoryPasswordResets:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        if any(r.token_hash == token_hash for r in self._state.password_resets.values()):
            raise DuplicateKey("password_reset_tokens.token_hash")
        row = _ResetRow(id=_new_id(), user_id=user_id, token_hash=token_hash, created_at=now, expires_at=expires_at)
        self._state.password_resets[row.id] = row

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        for row in self._state.password_resets.values():
            if row.token_hash == token_hash and row.used_at is None and row.expires_at > now:
                row.used_at = now
                return row.user_id
        return None

    def count_since(self, user_id: str, since: datetime) -> int:
        return sum(1 for r in self._state.password_resets.values() if r.user_id == user_id and r.created_at >= since)


class InMemoryLoginAttempts:
    """Counts failures exactly as PostgresLoginAttempts.failures does in SQL."""

    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def record(self, email: str, ip: str, succeeded: bool, now: datetime) -> None:
        self._state.login_attempts.append(_AttemptRow(email.lower(), ip, succeeded, now))

    def failures(self, email: str, ip: str, since: datetime, known_ip_since: datetime) -> LoginFailureCounts:
        email = email.lower()
        account = [a for a in self._state.login_attempts if a.email == email and a.attempted_at >= known_ip_since]
        known_ips = {a.ip for a in account if a.succeeded}
        # Insertion order stands in for the table's id order.
        positions = {id(a): n for n, a in enumerate(self._state.login_attempts)}
        last_success = max((positions[id(a)] for a in account if a.succeeded and a.ip == ip), default=-1)
        failed = [a for a in account if not a.succeeded and a.attempted_at >= since]
        pair = [a.attempted_at for a in failed if a.ip == ip and positions[id(a)] > last_success]
        unknown = [a.attempted_at for a in failed if a.ip not in known_ips]
        by_ip = [a.attempted_at for a in self._state.login_attempts
                 if a.ip == ip and not a.succeeded and a.attempted_at >= since]
        return LoginFailureCounts(
            account_from_ip=_tally(pair),
            account_from_unknown_ips=_tally(unknown),
            ip=_tally(by_ip),
            ip_known_for_account=ip in known_ips,
        )


def _tally(times: list[datetime]) -> FailureTally:
    return FailureTally(len(times), min(times, default=None))


class InMemorySettings:
    """The admin settings part of the catalogue port."""

    def __init__(self, values: dict) -> None:
        self._values = values

    def setting(self, key: str, default):
        return self._values.get(key, default)


class InMemoryUnitOfWork:
    """Works on a private copy of the store; commit() publishes it, leaving without commit() discards it."""

    users: InMemoryUsers
    refresh_tokens: InMemoryRefreshTokens
    password_resets: InMemoryPasswordResets
    login_attempts: InMemoryLoginAttempts

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def __enter__(self) -> "InMemoryUnitOfWork":
        self._state = copy.deepcopy(self._store.state)
        self.users = InMemoryUsers(self._state)
        self.refresh_tokens = InMemoryRefreshTokens(self._state)
        self.password_resets = InMemoryPasswordResets(self._state)
        self.login_attempts = InMemoryLoginAttempts(self._state)
        self.catalog = InMemorySettings(self._store.settings)
        return self

    def commit(self) -> None:
        self._store.state = copy.deepcopy(self._state)
        self._store.commits += 1

    def __exit__(self, *exc: object) -> None:
        del self._state


class InMemoryLedger:
    """The Ledger port over a dict of balances and a list of rows, with the same guard as the SQL."""

    def __init__(self, balances: dict[str, int] | None = None) -> None:
        self.balances = dict(balances or {})
        self.rows: list[tuple[str, str, int, int, str]] = []

    def _append(self, user_id: str, kind: str, delta: int, reference: str) -> int:
        self.balances[user_id] = self.balances.get(user_id, 0) + delta
        self.rows.append((user_id, kind, delta, self.balances[user_id], reference))
        return self.balances[user_id]

    def spend(self, user_id, cost, kind, reference, actor, now):
        if self.balances.get(user_id, 0) < cost:
            return None
        return self._append(user_id, kind, -cost, reference)

    def credit(self, user_id, amount, kind, reference, actor, now):
        return self._append(user_id, kind, amount, reference)

    def take_back(self, user_id, amount, kind, reference, actor, now):
        return self._append(user_id, kind, -amount, reference)

    def balance(self, user_id):
        return self.balances.get(user_id, 0)

    def entries(self, user_id, before_id, limit):
        return []


class ScriptedImageProvider:
    """An ImageProvider that answers from a script: each call takes the next step.

    A step is "ok" (every image), an int k (the first k images, the rest fail), or a ProviderError to raise.
    """

    def __init__(self, name: str, steps: list | None = None) -> None:
        from chalicelib.adapters.placeholder_images import PlaceholderImageProvider

        self.name = name
        self.steps = list(steps or [])
        self.calls: list = []
        self._renderer = PlaceholderImageProvider()

    def generate(self, request):
        from chalicelib.domain.imaging import ProviderImage, ProviderResult, TokenUsage

        self.calls.append(request)
        step = self.steps.pop(0) if self.steps else "ok"
        if isinstance(step, Exception):
            raise step
        images = self._renderer.generate(request).images
        if isinstance(step, int):
            images = images[:step] + [ProviderImage(None, "the provider lost this one")] * (request.n - step)
        return ProviderResult(images, self.usage(request))

    @staticmethod
    def usage(request):
        """Token usage that grows with the picture, as OpenAI reports it: 100 text tokens, 1,000 per megapixel."""
        from chalicelib.domain.imaging import TokenUsage

        width, height = (int(side) for side in request.size.split("x"))
        return TokenUsage(input_text_tokens=100, input_image_tokens=500 if request.source_image else 0,
                          output_image_tokens=request.n * width * height // 1000)
