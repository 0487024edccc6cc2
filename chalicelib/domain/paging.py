"""Cursor pagination shared by every list: opaque cursors, newest first, one extra row to know if more exist."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from .errors import InvalidRequest

T = TypeVar("T")


def encode_cursor(*parts: object) -> str:
    """An opaque URL-safe cursor of the parts, joined with "|"."""
    raw = "|".join(str(p) for p in parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[str]:
    """The `count` non-empty parts of a cursor; raises InvalidRequest (field cursor) for anything else."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidRequest("The cursor is not valid.", {"field": "cursor"}) from None
    parts = raw.split("|")
    if len(parts) != count or not all(parts):
        raise InvalidRequest("The cursor is not valid.", {"field": "cursor"})
    return parts


def decode_id_cursor(cursor: str) -> int:
    """The row id (or offset) of a cursor; raises InvalidRequest (field cursor) unless it is a non-negative integer."""
    value = decode_cursor(cursor, 1)[0]
    # ASCII digits that fit a bigint: "²".isdigit() is true, and a larger number fails in SQL, not here.
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise InvalidRequest("The cursor is not valid.", {"field": "cursor"})
    return int(value)


def decode_time_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """(timestamp, uuid) of the last row seen, for keyset pagination; None for the first page."""
    if not cursor:
        return None
    at, row_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(at), str(uuid.UUID(row_id))
    except ValueError:
        raise InvalidRequest("The cursor is not valid.", {"field": "cursor"}) from None


def page_of(rows: Sequence[T], limit: int, cursor_of: Callable[[T], tuple[Any, ...]]) -> tuple[list[T], str | None]:
    """The first `limit` rows, and a cursor when the query (asked for limit + 1) found more."""
    page = list(rows[:limit])
    return page, (encode_cursor(*cursor_of(page[-1])) if len(rows) > limit else None)
