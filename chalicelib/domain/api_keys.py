"""Developer API keys: shown once, stored hashed, rate limited and optionally capped per month."""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Protocol

from .errors import InvalidRequest, KeyCapReached, NotFound, RateLimited, Unauthorized
from .model import Principal, User
from .throttle import ThrottlePolicy

KEY_PREFIX = "pxm_"
MAX_KEYS = 20
PRUNE_BATCH = 5000


@dataclass(frozen=True)
class ApiKey:
    id: str
    user_id: str
    name: str
    prefix: str
    rate_limit_per_minute: int
    monthly_cap_credits: int | None
    gateway_key_id: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    used_this_month: int = 0


class ApiKeys(Protocol):
    def add(self, user_id: str, name: str, prefix: str, key_hash: bytes, rate_limit: int, cap: int | None,
            now: datetime) -> ApiKey: ...

    def for_user(self, user_id: str, month_start: datetime) -> list[ApiKey]: ...

    def count_active(self, user_id: str) -> int: ...

    def revoke(self, user_id: str, key_id: str, now: datetime) -> ApiKey | None: ...

    def set_gateway_key(self, key_id: str, gateway_key_id: str) -> None: ...

    def by_hash(self, key_hash: bytes) -> tuple[ApiKey, User] | None: ...

    def count_request(self, key_id: str, window_start: datetime, now: datetime) -> int:
        """Counts one request in the key's minute window and returns the window's total."""
        ...

    def prune_windows(self, before: datetime, limit: int) -> int:
        """Deletes up to `limit` per-minute windows that started before `before`; returns how many."""
        ...

    def lock_usage(self, key_id: str, month_start: datetime) -> tuple[int | None, int]:
        """Locks the key for the transaction, then reads (monthly cap, credits used this month) as committed once
        the lock is held, so concurrent spends through one key are checked one after another."""
        ...


class GatewayKeys(Protocol):
    def create(self, name: str, value: str) -> str: ...

    def delete(self, gateway_key_id: str) -> None: ...


def key_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def check_monthly_cap(keys: ApiKeys, key_id: str, cost: int, now: datetime) -> None:
    """Raises KeyCapReached when this spend would take the key past its monthly cap (key row locked)."""
    cap, used = keys.lock_usage(key_id, month_start(now))
    if cap is not None and used + cost > cap:
        raise KeyCapReached(
            f"This key's monthly cap of {cap} credits would be exceeded ({used} used, this costs {cost}).",
            {"cap": cap, "used": used, "cost": cost},
        )


class ApiKeyService:
    def __init__(self, uow: Callable[[], Any], clock: Any, gateway: GatewayKeys | None = None,
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._log = log

    def create(self, user: User, name: str, monthly_cap: int | None, rate_limit: int | None) -> tuple[ApiKey, str]:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 80:
            raise InvalidRequest("Give the key a name of 1 to 80 characters.", {"field": "name"})
        if monthly_cap is not None and not 1 <= monthly_cap <= 10_000_000:
            raise InvalidRequest("monthly_cap_credits is from 1 to 10,000,000.", {"field": "monthly_cap_credits"})
        rate_limit = 60 if rate_limit is None else rate_limit
        if not 1 <= rate_limit <= 600:
            raise InvalidRequest("rate_limit_per_minute is from 1 to 600.", {"field": "rate_limit_per_minute"})
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._uow() as uow:
            if uow.api_keys.count_active(user.id) >= MAX_KEYS:
                raise InvalidRequest(f"You can have at most {MAX_KEYS} active keys; revoke one first.",
                                     {"field": "name", "max": MAX_KEYS})
            key = uow.api_keys.add(user.id, name, secret[:12], key_digest(secret), rate_limit, monthly_cap,
                                   self._clock.now())
            uow.commit()
        if self._gateway is not None:
            try:
                gateway_id = self._gateway.create(f"pixmint-{key.id}", secret)
                with self._uow() as uow:
                    uow.api_keys.set_gateway_key(key.id, gateway_id)
                    uow.commit()
            except Exception as exc:  # noqa: BLE001 - the application's own limits still hold
                self._log("API Gateway key not created", {"key_id": key.id, "error_type": type(exc).__name__})
        return key, secret

    def list(self, user_id: str) -> list[ApiKey]:
        with self._uow() as uow:
            return uow.api_keys.for_user(user_id, month_start(self._clock.now()))

    def revoke(self, user_id: str, key_id: str) -> None:
        try:
            key_id = str(uuid.UUID(key_id))
        except ValueError:
            raise NotFound("No such key.") from None
        with self._uow() as uow:
            key = uow.api_keys.revoke(user_id, key_id, self._clock.now())
            uow.commit()
        if key is None:
            raise NotFound("No such key.")
        if self._gateway is not None and key.gateway_key_id:
            try:
                self._gateway.delete(key.gateway_key_id)
            except Exception as exc:  # noqa: BLE001 - the key is already refused by the application
                self._log("API Gateway key not deleted", {"key_id": key.id, "error_type": type(exc).__name__})

    def authenticate(self, secret: str) -> Principal:
        """The key's owner, after counting this request against the key's per-minute limit."""
        if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
            raise Unauthorized("The API key is not valid.")
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.api_keys.by_hash(key_digest(secret))
            if found is None or found[0].revoked_at is not None:
                raise Unauthorized("The API key is not valid or was revoked.")
            key, user = found
            window = now.replace(second=0, microsecond=0)
            used = uow.api_keys.count_request(key.id, window, now)
            uow.commit()
        if used > key.rate_limit_per_minute:
            wait = math.ceil((window + timedelta(minutes=1) - now).total_seconds())
            raise RateLimited(f"This key allows {key.rate_limit_per_minute} requests a minute.", max(wait, 1))
        return Principal(user=user, via_api_key=True, api_key_id=key.id)

    def prune_throttle_records(self, throttle: ThrottlePolicy = ThrottlePolicy(), batches: int = 20) -> dict[str, int]:
        """Forgets what no rate limit reads any more: key windows older than an hour, failed sign-ins older than a
        day (the throttle looks back one hour) and successful ones past the throttle's memory of known addresses."""
        now = self._clock.now()
        prunes = {
            "key_windows": lambda uow: uow.api_keys.prune_windows(now - timedelta(hours=1), PRUNE_BATCH),
            "login_attempts": lambda uow: uow.admin.prune_login_attempts(
                now - max(throttle.window, timedelta(days=1)), now - throttle.known_ip_memory, PRUNE_BATCH),
        }
        counts = dict.fromkeys(prunes, 0)
        for name, prune in prunes.items():
            for _ in range(batches):  # batches of their own transactions: a first run may meet a long backlog
                with self._uow() as uow:
                    deleted = prune(uow)
                    uow.commit()
                counts[name] += deleted
                if deleted < PRUNE_BATCH:
                    break
        return counts
