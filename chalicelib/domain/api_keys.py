"""Developer API keys: shown once, stored hashed, rate limited, and optionally capped per month, limited to some
scopes and models, to some addresses, and to a date."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .errors import Forbidden, InvalidRequest, KeyCapReached, NotFound, RateLimited, Unauthorized
from .model import Principal, User
from .ports import ApiKeys, GatewayKeys
from .throttle import ThrottlePolicy

KEY_PREFIX = "pxm_"
MAX_KEYS = 20
PRUNE_BATCH = 5000
SCOPES = ("generate", "library:read", "library:write")
MAX_LIST = 20  # models or address ranges on one key
MAX_LIFETIME = timedelta(days=3 * 365)


@dataclass(frozen=True)
class ApiKey:
    """A developer API key as its owner sees it; the secret itself is never stored, only its hash and prefix."""

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
    scopes: tuple[str, ...] = SCOPES
    allowed_models: tuple[str, ...] | None = None
    allowed_ips: tuple[str, ...] | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class KeyLimits:
    """What a new key may do besides its rate limit; None means no limit of that kind."""

    monthly_cap: int | None = None
    rate_limit: int | None = None
    scopes: Sequence[str] | None = None
    allowed_models: Sequence[str] | None = None
    allowed_ips: Sequence[str] | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class KeyBudget:
    """A key's limits and this month's spend, read under the key's lock."""

    cap: int | None
    used: int
    allowed_models: tuple[str, ...] | None
    expires_at: datetime | None
    revoked: bool




def key_digest(secret: str) -> bytes:
    """The SHA-256 of a key's secret, as stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).digest()


def month_start(moment: datetime) -> datetime:
    """Midnight on the first of the moment's month, in the moment's timezone: where monthly caps restart."""
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def check_key_budget(keys: ApiKeys, key_id: str, cost: int, model: str, now: datetime) -> None:
    """Raises unless the key, locked for the rest of the transaction, may still spend `cost` on `model`: revoked or
    expired since the request was let in, a model off its list, or past its monthly cap."""
    budget = keys.lock_usage(key_id, month_start(now))
    if budget is None or budget.revoked:
        raise Unauthorized("The API key is not valid or was revoked.")
    if budget.expires_at is not None and budget.expires_at <= now:
        raise Unauthorized("The API key has expired.", {"reason": "key_expired"})
    check_key_model(budget.allowed_models, model)
    if budget.cap is not None and budget.used + cost > budget.cap:
        raise KeyCapReached(
            f"This key's monthly cap of {budget.cap} credits would be exceeded "
            f"({budget.used} used, this costs {cost}).",
            {"cap": budget.cap, "used": budget.used, "cost": cost},
        )


def check_key_model(allowed_models: tuple[str, ...] | None, model: str) -> None:
    """Raises Forbidden (field model) when the key is limited to other models."""
    if allowed_models is not None and model not in allowed_models:
        raise Forbidden(f"This API key may not use {model}; it may use {', '.join(allowed_models)}.",
                        {"field": "model", "reason": "model_not_allowed", "allowed": list(allowed_models)})


def require_scope(principal: Principal, *scopes: str) -> None:
    """Raises Forbidden when the caller is an API key holding none of `scopes` (people hold every scope)."""
    if principal.key_scopes is not None and not set(scopes) & set(principal.key_scopes):
        raise Forbidden(f"This API key lacks the {' or '.join(scopes)} scope.",
                        {"reason": "scope_missing", "scopes": list(scopes)})


def _listed(values: Any, field: str, what: str) -> list[Any]:
    if not isinstance(values, (list, tuple)) or not 1 <= len(values) <= MAX_LIST \
            or not all(isinstance(v, str) and 0 < len(v) <= 100 for v in values):
        raise InvalidRequest(f"{field} is null or a list of 1 to {MAX_LIST} {what}.", {"field": field})
    return list(dict.fromkeys(values))


def _checked_limits(limits: KeyLimits, known_models: set[str], now: datetime) -> KeyLimits:
    if limits.monthly_cap is not None and not 1 <= limits.monthly_cap <= 10_000_000:
        raise InvalidRequest("monthly_cap_credits is from 1 to 10,000,000.", {"field": "monthly_cap_credits"})
    rate_limit = 60 if limits.rate_limit is None else limits.rate_limit
    if not 1 <= rate_limit <= 600:
        raise InvalidRequest("rate_limit_per_minute is from 1 to 600.", {"field": "rate_limit_per_minute"})
    scopes: tuple[str, ...] = SCOPES
    if limits.scopes is not None:
        picked = _listed(limits.scopes, "scopes", "scopes")
        unknown = [s for s in picked if s not in SCOPES]
        if unknown:
            raise InvalidRequest(f"Unknown scope {unknown[0]!r}; scopes are {', '.join(SCOPES)}.",
                                 {"field": "scopes", "allowed": list(SCOPES)})
        scopes = tuple(s for s in SCOPES if s in picked)
    models = None
    if limits.allowed_models is not None:
        models = tuple(_listed(limits.allowed_models, "allowed_models", "model ids"))
        unknown = [m for m in models if m not in known_models]
        if unknown:
            raise InvalidRequest(f"There is no model {unknown[0]!r}.", {"field": "allowed_models"})
    ips = None
    if limits.allowed_ips is not None:
        try:
            ips = tuple(dict.fromkeys(str(ipaddress.ip_network(v.strip(), strict=False))
                                      for v in _listed(limits.allowed_ips, "allowed_ips", "addresses or CIDR ranges")))
        except ValueError:
            raise InvalidRequest("allowed_ips holds IPv4 or IPv6 addresses or CIDR ranges, like 203.0.113.0/24.",
                                 {"field": "allowed_ips"}) from None
    if limits.expires_at is not None and not now < limits.expires_at <= now + MAX_LIFETIME:
        raise InvalidRequest("expires_at is a moment in the future, at most three years from now.",
                             {"field": "expires_at"})
    return KeyLimits(limits.monthly_cap, rate_limit, scopes, models, ips, limits.expires_at)


def address_allowed(allowed_ips: tuple[str, ...] | None, address: str | None) -> bool:
    """True when the key has no address list, or the address (IPv4-mapped IPv6 as IPv4) is in one of its networks; False
    for a missing or malformed address."""
    if allowed_ips is None:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(network) for network in allowed_ips)


class ApiKeyService:
    """Creating, listing and revoking API keys, mirrored to API Gateway when one is configured (best effort: the app's
    own limits hold without it)."""

    def __init__(self, uow: Callable[[], Any], clock: Any, gateway: GatewayKeys | None = None,
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None,
                 known_models: Callable[[], set[str]] = set) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._log = log
        self._known_models = known_models

    def create(self, user: User, name: str, limits: KeyLimits = KeyLimits()) -> tuple[ApiKey, str]:
        """The new key and its secret, shown this once; raises InvalidRequest (field name) for a bad name or too many
        active keys, or naming the limit that is out of range."""
        name = " ".join(name.split())
        if not 1 <= len(name) <= 80:
            raise InvalidRequest("Give the key a name of 1 to 80 characters.", {"field": "name"})
        now = self._clock.now()
        limits = _checked_limits(limits, self._known_models() if limits.allowed_models is not None else set(), now)
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        with self._uow() as uow:
            if uow.api_keys.count_active(user.id) >= MAX_KEYS:
                raise InvalidRequest(f"You can have at most {MAX_KEYS} active keys; revoke one first.",
                                     {"field": "name", "max": MAX_KEYS})
            key = uow.api_keys.add(user.id, name, secret[:12], key_digest(secret), limits, now)
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
        """The user's keys with this month's usage, live ones first."""
        with self._uow() as uow:
            return uow.api_keys.for_user(user_id, month_start(self._clock.now()))

    def revoke(self, user_id: str, key_id: str) -> None:
        """Revokes the user's key; raises NotFound when it is not theirs. Revoking twice is no error."""
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

    def authenticate(self, secret: str, address: str | None = None) -> Principal:
        """The key's owner, after checking the key's date and addresses and counting this request against its
        per-minute limit."""
        if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
            raise Unauthorized("The API key is not valid.")
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.api_keys.by_hash(key_digest(secret))
            if found is None or found[0].revoked_at is not None:
                raise Unauthorized("The API key is not valid or was revoked.")
            key, user = found
            if key.expires_at is not None and key.expires_at <= now:
                raise Unauthorized("The API key has expired.", {"reason": "key_expired"})
            if not address_allowed(key.allowed_ips, address):
                raise Forbidden("This API key cannot be used from this address.", {"reason": "address_not_allowed"})
            window = now.replace(second=0, microsecond=0)
            used = uow.api_keys.count_request(key.id, window, now)
            uow.commit()
        if used > key.rate_limit_per_minute:
            wait = math.ceil((window + timedelta(minutes=1) - now).total_seconds())
            raise RateLimited(f"This key allows {key.rate_limit_per_minute} requests a minute.", max(wait, 1))
        return Principal(user=user, via_api_key=True, api_key_id=key.id, key_scopes=key.scopes,
                         key_models=key.allowed_models)

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
