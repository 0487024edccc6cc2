"""Test doubles named after what they are."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.argon2_hasher import Argon2PasswordHasher
from chalicelib.domain.emails import EmailPreferences
from chalicelib.domain.model import (
    FailureTally,
    LoginFailureCounts,
    OutboxItem,
    RefreshTokenRecord,
    Role,
    SessionInfo,
    TwoFactorState,
    User,
)

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


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
        self.details: list[dict] = []  # per email sent: its html, unsubscribe_url and kind

    def send(self, to: str, subject: str, text: str, html: str | None = None, unsubscribe_url: str | None = None,
             kind: str | None = None) -> None:
        self.sent.append((to, subject, text))
        self.details.append({"html": html, "unsubscribe_url": unsubscribe_url, "kind": kind})


class InlineEmailDelivery:
    """Delivers the outbox the moment it is woken, in the caller's thread: the unit tests' stand-in for the
    background thread, so an email can be read right after the use case returns."""

    def __init__(self) -> None:
        self.drain = None
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1
        if self.drain is not None:
            self.drain()


# --- In-memory persistence: the ports of chalicelib/domain/ports.py without a database. ---


@dataclass
class _FamilyRow:
    id: str
    user_id: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    user_agent: str | None = None
    ip: str | None = None


@dataclass
class _RefreshTokenRow:
    id: str
    family_id: str
    token_hash: bytes
    created_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    superseded_at: datetime | None = None


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
class _OutboxRow:
    id: int
    kind: str
    user_id: str | None
    email: str | None
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    done_at: datetime | None = None
    sent: bool = False
    last_error: str | None = None
    ref: str | None = None


@dataclass
class InMemoryState:
    """The rows of the tables the accounts use cases touch."""

    users: dict[str, User] = field(default_factory=dict)
    families: dict[str, _FamilyRow] = field(default_factory=dict)
    refresh_tokens: dict[str, _RefreshTokenRow] = field(default_factory=dict)
    password_resets: dict[str, _ResetRow] = field(default_factory=dict)
    login_attempts: list[_AttemptRow] = field(default_factory=list)
    verifications: dict[str, _ResetRow] = field(default_factory=dict)
    two_factor: dict[str, TwoFactorState] = field(default_factory=dict)
    recovery_codes: dict[tuple[str, bytes], datetime | None] = field(default_factory=dict)
    bonus_claims: dict[bytes, datetime] = field(default_factory=dict)
    signups: list[tuple[str, datetime]] = field(default_factory=list)
    outbox: dict[int, _OutboxRow] = field(default_factory=dict)
    ledger: list[tuple[str, str, int, str]] = field(default_factory=list)
    email_preferences: dict[str, EmailPreferences] = field(default_factory=dict)
    suppressions: dict[str, tuple[str, str, datetime]] = field(default_factory=dict)


class DuplicateKey(Exception):
    """What a UNIQUE constraint of the real schema would raise."""


class InMemoryStore:
    """The committed state shared by every InMemoryUnitOfWork built on it."""

    def __init__(self) -> None:
        self.state = InMemoryState()
        self.commits = 0
        self.settings: dict = {}

    def unit_of_work(self) -> InMemoryUnitOfWork:
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
        """Deletes the user and, like ON DELETE CASCADE, its sessions, tokens, codes and queued emails."""
        self._state.users.pop(user_id, None)
        gone = {f.id for f in self._state.families.values() if f.user_id == user_id}
        for family_id in gone:
            del self._state.families[family_id]
        for token in [t for t in self._state.refresh_tokens.values() if t.family_id in gone]:
            del self._state.refresh_tokens[token.id]
        for table in (self._state.password_resets, self._state.verifications):
            for row in [r for r in table.values() if r.user_id == user_id]:
                del table[row.id]
        self._state.two_factor.pop(user_id, None)
        for key in [k for k in self._state.recovery_codes if k[0] == user_id]:
            del self._state.recovery_codes[key]
        for row_id in [r.id for r in self._state.outbox.values() if r.user_id == user_id]:
            del self._state.outbox[row_id]

    def _change(self, user_id: str, **changes) -> None:
        if user_id in self._state.users:
            self._state.users[user_id] = replace(self._state.users[user_id], **changes)

    def mark_email_verified(self, user_id: str, now: datetime) -> bool:
        user = self._state.users.get(user_id)
        if user is None or user.email_verified:
            return False
        self._change(user_id, email_verified=True)
        return True

    def mark_signup_bonus(self, user_id: str, now: datetime) -> None:
        self._change(user_id, signup_bonus_at=now)

    def two_factor(self, user_id: str) -> TwoFactorState:
        return self._state.two_factor.get(user_id, TwoFactorState())

    def set_pending_totp(self, user_id: str, secret: str) -> None:
        self._state.two_factor[user_id] = replace(self.two_factor(user_id), pending_secret=secret)

    def enable_totp(self, user_id: str, secret: str, step: int) -> None:
        self._state.two_factor[user_id] = TwoFactorState(secret=secret, last_step=step)
        self._change(user_id, two_factor=True)

    def disable_totp(self, user_id: str) -> None:
        self._state.two_factor.pop(user_id, None)
        self._change(user_id, two_factor=False)

    def advance_totp_step(self, user_id: str, step: int) -> bool:
        state = self.two_factor(user_id)
        if state.last_step is not None and state.last_step >= step:
            return False
        self._state.two_factor[user_id] = replace(state, last_step=step)
        return True


class InMemoryRefreshTokens:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def start_family(self, user_id: str, now: datetime, user_agent: str | None = None, ip: str | None = None) -> str:
        family = _FamilyRow(id=_new_id(), user_id=user_id, created_at=now, last_used_at=now, user_agent=user_agent,
                            ip=ip)
        self._state.families[family.id] = family
        return family.id

    def touch_family(self, family_id: str, now: datetime) -> None:
        if family_id in self._state.families:
            self._state.families[family_id].last_used_at = now

    def live_families(self, user_id: str, now: datetime = START) -> list:
        """The user's live sessions as SessionInfo, newest first (as the port says)."""
        live = [f for f in self._state.families.values() if f.user_id == user_id and f.revoked_at is None
                and any(t.family_id == f.id and t.rotated_at is None and t.expires_at > now
                        for t in self._state.refresh_tokens.values())]
        return [SessionInfo(f.id, f.created_at, f.last_used_at or f.created_at, f.user_agent, f.ip)
                for f in sorted(live, key=lambda f: f.created_at, reverse=True)]

    def revoke_users_family(self, user_id: str, family_id: str, now: datetime) -> bool:
        family = self._state.families.get(family_id)
        if family is None or family.user_id != user_id or family.revoked_at is not None:
            return False
        family.revoked_at = now
        return True

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
        spent = row.rotated_at is not None and any(
            t.family_id == row.family_id and t.id != row.id and t.created_at >= row.rotated_at
            and t.rotated_at is not None for t in self._state.refresh_tokens.values())
        return RefreshTokenRecord(
            id=row.id, family_id=row.family_id, user_id=family.user_id, expires_at=row.expires_at,
            rotated_at=row.rotated_at, family_revoked=family.revoked_at is not None,
            superseded=row.superseded_at is not None, successor_spent=spent,
        )

    def mark_rotated(self, token_id: str, now: datetime) -> None:
        if token_id in self._state.refresh_tokens:
            self._state.refresh_tokens[token_id].rotated_at = now

    def supersede_live(self, family_id: str, now: datetime) -> None:
        for token in self._state.refresh_tokens.values():
            if token.family_id == family_id and token.rotated_at is None:
                token.rotated_at = token.superseded_at = now

    def revoke_family(self, family_id: str, now: datetime) -> None:
        family = self._state.families.get(family_id)
        if family is not None and family.revoked_at is None:
            family.revoked_at = now

    def revoke_all_for_user(self, user_id: str, now: datetime, keep_family_id: str | None = None) -> None:
        for family in self._state.families.values():
            if family.user_id == user_id and family.revoked_at is None and family.id != keep_family_id:
                family.revoked_at = now

    def unrevoked_ids(self, user_id: str) -> list[str]:
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

    def void_all(self, user_id: str, now: datetime) -> None:
        for row in self._state.password_resets.values():
            if row.user_id == user_id and row.used_at is None:
                row.used_at = now


class InMemoryEmailVerifications:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        row = _ResetRow(id=_new_id(), user_id=user_id, token_hash=token_hash, created_at=now, expires_at=expires_at)
        self._state.verifications[row.id] = row

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        for row in self._state.verifications.values():
            if row.token_hash == token_hash and row.used_at is None and row.expires_at > now:
                row.used_at = now
                return row.user_id
        return None

    def void_all(self, user_id: str, now: datetime) -> None:
        for row in self._state.verifications.values():
            if row.user_id == user_id and row.used_at is None:
                row.used_at = now


class InMemoryBonusClaims:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def claim(self, email_key: bytes, now: datetime) -> bool:
        if email_key in self._state.bonus_claims:
            return False
        self._state.bonus_claims[email_key] = now
        return True


class InMemorySignups:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def lock_recent(self, ip: str, since: datetime) -> list[datetime]:
        return [at for who, at in self._state.signups if who == ip and at > since]

    def record(self, ip: str, now: datetime) -> None:
        self._state.signups.append((ip, now))


class InMemoryEmailOutbox:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def add(self, kind: str, user_id: str | None, email: str | None, now: datetime, ref: str | None = None) -> int:
        row_id = max(self._state.outbox, default=0) + 1
        self._state.outbox[row_id] = _OutboxRow(row_id, kind, user_id, email, now, now, ref=ref)
        return row_id

    def recent_for_user(self, user_id: str, kind: str, since: datetime) -> list[datetime]:
        return [r.created_at for r in self._state.outbox.values()
                if r.user_id == user_id and r.kind == kind and r.created_at > since]

    def claim_due(self, now: datetime, lease_until: datetime, max_attempts: int) -> OutboxItem | None:
        due = sorted((r for r in self._state.outbox.values()
                      if r.done_at is None and r.next_attempt_at <= now and r.attempts < max_attempts),
                     key=lambda r: (r.next_attempt_at, r.id))
        if not due:
            return None
        row = due[0]
        row.attempts += 1
        row.next_attempt_at = lease_until
        return OutboxItem(row.id, row.kind, row.user_id, row.email, row.attempts, row.ref)

    def finish(self, item_id: int, sent: bool, now: datetime) -> None:
        row = self._state.outbox[item_id]
        row.done_at, row.sent, row.email, row.last_error = now, sent, None, None

    def failed(self, item_id: int, error: str) -> None:
        self._state.outbox[item_id].last_error = error

    def prune(self, before: datetime) -> int:
        gone = [r.id for r in self._state.outbox.values() if r.done_at is not None and r.done_at < before]
        for row_id in gone:
            del self._state.outbox[row_id]
        return len(gone)


class InMemoryEmailPreferences:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def get(self, user_id: str) -> EmailPreferences:
        return self._state.email_preferences.get(user_id, EmailPreferences())

    def save(self, user_id: str, preferences: EmailPreferences, now: datetime) -> EmailPreferences:
        self._state.email_preferences[user_id] = preferences
        return preferences

    def set_low_notified(self, user_id: str, notified: bool, now: datetime) -> bool:
        current = self.get(user_id)
        if current.low_balance_notified == notified:
            return False
        self._state.email_preferences[user_id] = replace(current, low_balance_notified=notified)
        return True


class InMemoryEmailSuppressions:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def add(self, address: str, reason: str, detail: str, now: datetime) -> bool:
        if address.lower() in self._state.suppressions:
            return False
        self._state.suppressions[address.lower()] = (reason, detail, now)
        return True

    def is_suppressed(self, address: str) -> bool:
        return address.lower() in self._state.suppressions

    def remove(self, address: str) -> bool:
        return self._state.suppressions.pop(address.lower(), None) is not None


class InMemoryRecoveryCodes:
    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def replace(self, user_id: str, code_hashes: list[bytes], now: datetime) -> None:
        self.delete_all(user_id)
        for code_hash in code_hashes:
            self._state.recovery_codes[(user_id, code_hash)] = None

    def consume(self, user_id: str, code_hash: bytes, now: datetime) -> bool:
        if (user_id, code_hash) not in self._state.recovery_codes or self._state.recovery_codes[(user_id, code_hash)]:
            return False
        self._state.recovery_codes[(user_id, code_hash)] = now
        return True

    def delete_all(self, user_id: str) -> None:
        for key in [k for k in self._state.recovery_codes if k[0] == user_id]:
            del self._state.recovery_codes[key]


class InMemoryAccountLedger:
    """The ledger as the accounts use cases credit it: a balance on the user and one row per credit."""

    def __init__(self, state: InMemoryState) -> None:
        self._state = state

    def credit(self, user_id, amount, kind, reference, actor, now):
        if any(row[1] == kind and row[3] == reference for row in self._state.ledger):
            raise DuplicateKey("ledger (kind, reference)")
        user = self._state.users[user_id]
        self._state.users[user_id] = replace(user, credits=user.credits + amount)
        self._state.ledger.append((user_id, kind, amount, reference))
        return user.credits + amount


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
    email_verifications: InMemoryEmailVerifications
    bonus_claims: InMemoryBonusClaims
    signups: InMemorySignups
    email_outbox: InMemoryEmailOutbox
    recovery_codes: InMemoryRecoveryCodes

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def __enter__(self) -> InMemoryUnitOfWork:
        self._state = copy.deepcopy(self._store.state)
        self.users = InMemoryUsers(self._state)
        self.refresh_tokens = InMemoryRefreshTokens(self._state)
        self.password_resets = InMemoryPasswordResets(self._state)
        self.login_attempts = InMemoryLoginAttempts(self._state)
        self.email_verifications = InMemoryEmailVerifications(self._state)
        self.bonus_claims = InMemoryBonusClaims(self._state)
        self.signups = InMemorySignups(self._state)
        self.email_outbox = InMemoryEmailOutbox(self._state)
        self.recovery_codes = InMemoryRecoveryCodes(self._state)
        self.email_preferences = InMemoryEmailPreferences(self._state)
        self.email_suppressions = InMemoryEmailSuppressions(self._state)
        self.ledger = InMemoryAccountLedger(self._state)
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
        from chalicelib.domain.imaging import ProviderImage, ProviderResult

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
