"""Idempotency-Key bookkeeping: the first answer to a key is kept for a day and given again to the same request."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .errors import Conflict

if TYPE_CHECKING:
    from .ports import Clock, IdempotencyUnitOfWork

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class StoredResponse:
    """The first answer given to a key, as the edge rendered it; the domain keeps it without reading it."""

    status: int
    body: dict[str, Any]


def request_fingerprint(body: Any) -> str:
    """A digest of a request's content (any JSON value), so that a key reused with another body is told apart."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class IdempotencyService:
    """Claims, completes and releases Idempotency-Keys; each step is its own short transaction."""

    def __init__(self, uow: Callable[[], IdempotencyUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def claim(self, user_id: str, scope: str, key: str, fingerprint: str) -> StoredResponse | None:
        """Claims the key for this request; returns the first answer to replay, or None to go ahead.

        Raises Conflict while the first request is still running or when the key came with another body.
        """
        with self._uow() as uow:
            claim = uow.idempotency.claim(user_id, scope, key, fingerprint, self._clock.now(), WINDOW)
            uow.commit()
        if claim is True:
            return None
        if claim is None or claim is False:
            raise Conflict("A request with this Idempotency-Key is still in progress or had another body.")
        return claim

    def complete(self, user_id: str, scope: str, key: str, response: StoredResponse) -> None:
        """Keeps the answer that later requests with the key get again."""
        with self._uow() as uow:
            uow.idempotency.complete(user_id, scope, key, response)
            uow.commit()

    def release(self, user_id: str, scope: str, key: str) -> None:
        """Frees a claimed key after its request failed, so that a retry with it can run."""
        with self._uow() as uow:
            uow.idempotency.release(user_id, scope, key)
            uow.commit()
