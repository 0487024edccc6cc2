"""Login throttling: slows guessing without letting strangers lock a real user out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import RateLimited
from .model import FailureTally, LoginFailureCounts


@dataclass(frozen=True)
class ThrottlePolicy:
    """Sign-in failure limits per window: per account, per account and address, per address; an address that signed in
    within known_ip_memory escapes the per-account limit."""

    window: timedelta = timedelta(hours=1)
    known_ip_memory: timedelta = timedelta(days=30)
    per_account: int = 100
    per_account_and_ip: int = 20
    per_ip: int = 300


def check_login_allowed(counts: LoginFailureCounts, now: datetime, policy: ThrottlePolicy) -> None:
    """Raises RateLimited when another attempt would exceed a limit.

    The account-wide limit does not apply from an address that has signed in to the
    account before, so a distributed attack cannot keep the owner out.
    """
    limits: list[tuple[FailureTally, int]] = [
        (counts.account_from_ip, policy.per_account_and_ip),
        (counts.ip, policy.per_ip),
    ]
    if not counts.ip_known_for_account:
        limits.append((counts.account_from_unknown_ips, policy.per_account))
    waits = [
        _seconds_until_window_frees(tally, now, policy.window)
        for tally, limit in limits
        if tally.count >= limit
    ]
    if waits:
        retry_after = max(waits)
        raise RateLimited("Too many failed sign-in attempts. Try again later.", retry_after)


def _seconds_until_window_frees(tally: FailureTally, now: datetime, window: timedelta) -> int:
    if tally.oldest is None:
        return int(window.total_seconds())
    remaining = (tally.oldest + window - now).total_seconds()
    return max(1, math.ceil(remaining))
