"""Ids as the API sees them: opaque strings that are UUIDs inside."""

from __future__ import annotations

import uuid


def is_uuid(value: str) -> bool:
    """Whether a client-supplied id can name a row; anything else is simply not found."""
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False
