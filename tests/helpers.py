"""Small helpers that many test modules use, in one place (fixtures and the test client stay in conftest.py)."""

from __future__ import annotations

import io
import os
from typing import Any

import psycopg
import pytest


def balance(api: Any, token: str) -> int:
    """The caller's credit balance, as GET /v1/credits answers it through the Chalice test client."""
    reply = api.get("/v1/credits", token=token)
    assert reply.status == 200, reply.body
    return reply.json["balance"]


def count(db: str, sql: str, *params: Any) -> int:
    """The single number a query answers, e.g. a count(*), on its own connection."""
    with psycopg.connect(db) as conn:
        row = conn.execute(sql, params).fetchone()
        assert row is not None
        return row[0]


def room_for_connections(db: str, wanted: int) -> None:
    """Skips the test unless the PostgreSQL server has room for `wanted` more connections (a race holding dozens
    at once, run with @pytest.mark.xdist_group("many-connections") so that such races take turns)."""
    room = count(db, "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity")
    if room < wanted:
        pytest.skip(f"the PostgreSQL server has room for {room} more connections; this race needs {wanted}")


def noise_png(side: int) -> bytes:
    """A side x side PNG of random pixels: it barely compresses, so its size in bytes is about 3 * side²."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()
