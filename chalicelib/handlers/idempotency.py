"""Idempotency-Key at the edge: the first answer to a key is stored as it was sent, and sent again to a retry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import Request

from ..domain import errors
from ..domain.idempotency import StoredResponse
from ..observability import logger


def idempotency_key(request: Request) -> str | None:
    """The Idempotency-Key header, trimmed; 1 to 255 characters when present."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key.strip()) <= 255:
        raise errors.InvalidRequest("Idempotency-Key must be 1 to 255 characters.", {"field": "Idempotency-Key"})
    return key.strip() if key else None


def answer_once(request: Request, user_id: str, scope: str, fingerprint: str, status: int,
                run: Callable[[], Mapping[str, Any]]) -> StoredResponse:
    """run()'s body with its status, or, for a retry with the same Idempotency-Key and body, the first answer
    without running anything again; a key reused with another body, or while its first request runs, is a 409."""
    key = idempotency_key(request)
    if key is None:
        return StoredResponse(status, dict(run()))
    from ..bootstrap import container

    replies = container().idempotency
    replay = replies.claim(user_id, scope, key, fingerprint)
    if replay is not None:
        return replay
    try:
        answer = StoredResponse(status, dict(run()))
    except Exception:
        replies.release(user_id, scope, key)
        raise
    try:
        replies.complete(user_id, scope, key, answer)
    except Exception as exc:  # noqa: BLE001 - the work is done: a retry now gets a 409, never a second charge
        logger.warning("could not keep an idempotent answer", extra={"scope": scope,
                                                                     "error_type": type(exc).__name__})
    return answer
