"""Idempotency-Key handling shared by the use cases that take one."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from .errors import Conflict

WINDOW = timedelta(hours=24)


def claim_key(uow: Callable[[], Any], user_id: str, scope: str, key: str | None, request_hash: str,
              now: datetime) -> Any:
    """Claims the key for this request; returns the first response to replay, or None to go ahead.

    Raises Conflict while the first request is still running or when the key came with another body.
    """
    if not key:
        return None
    with uow() as unit:
        claim = unit.idempotency.claim(user_id, scope, key, request_hash, now, WINDOW)
        unit.commit()
    if claim is True:
        return None
    if claim is None:
        raise Conflict("A request with this Idempotency-Key is still in progress or had another body.")
    return claim


@contextlib.contextmanager
def released_on_failure(uow: Callable[[], Any], user_id: str, scope: str, key: str | None) -> Iterator[None]:
    """Frees a claimed key when the request fails, so that a retry with it can run."""
    try:
        yield
    except Exception:
        if key:
            with uow() as unit:
                unit.idempotency.release(user_id, scope, key)
                unit.commit()
        raise
