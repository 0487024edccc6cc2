"""Small helpers that many test modules use, in one place (fixtures and the test client stay in conftest.py)."""

from __future__ import annotations

import io
import os
from typing import Any

import psycopg


def balance(api: Any, token: str) -> int:
    """The caller's credit balance, as GET /v1/credits answers it through the Chalice test client."""
    return api.get("/v1/credits", token=token).json["balance"]


def count(db: str, sql: str, *params: Any) -> int:
    """The single number a query answers, e.g. a count(*), on its own connection."""
    with psycopg.connect(db) as conn:
        row = conn.execute(sql, params).fetchone()
        assert row is not None
        return row[0]


def noise_png(side: int) -> bytes:
    """A side x side PNG of random pixels: it barely compresses, so its size in bytes is about 3 * side²."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()
