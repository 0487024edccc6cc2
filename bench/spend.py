"""Spend path: spends per second through the domain use case, against the same guarded SQL issued raw."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import psycopg

from bench.scratch import scratch_database
from chalicelib.adapters.postgres import PostgresUnitOfWork, create_pool
from chalicelib.domain.credits import spend

SPENDS = 2000
RAW_SQL = """WITH spent AS (
                 UPDATE users SET credits = credits - %(cost)s WHERE id = %(user)s AND credits >= %(cost)s
                 RETURNING credits)
             INSERT INTO ledger (user_id, kind, delta, balance_after, reference, actor, created_at)
             SELECT %(user)s, 'generation', -%(cost)s, credits, %(ref)s, 'bench', %(now)s FROM spent
             RETURNING balance_after"""


def _user(url: str) -> str:
    with psycopg.connect(url) as conn:
        user_id = conn.execute(
            "INSERT INTO users (email, display_name, password_hash) VALUES (%s, 'bench', 'x') RETURNING id::text",
            (f"{uuid.uuid4().hex}@bench.example",),
        ).fetchone()[0]
        conn.execute("UPDATE users SET credits = %s WHERE id = %s", (10 * SPENDS, user_id))
    return user_id


def _through_domain(url: str, now: datetime) -> float:
    user_id = _user(url)
    pool = create_pool(url, max_size=1)
    try:
        started = time.perf_counter()
        for n in range(SPENDS):
            with PostgresUnitOfWork(pool) as uow:
                spend(uow.ledger, user_id, 1, f"domain-{user_id}-{n}", now)
                uow.commit()
        return SPENDS / (time.perf_counter() - started)
    finally:
        pool.close()


def _raw(url: str, now: datetime) -> float:
    user_id = _user(url)
    with psycopg.connect(url, prepare_threshold=None) as conn:
        started = time.perf_counter()
        for n in range(SPENDS):
            conn.execute(RAW_SQL, {"cost": 1, "user": user_id, "ref": f"raw-{user_id}-{n}", "now": now}).fetchone()
            conn.commit()
        return SPENDS / (time.perf_counter() - started)


def measure() -> dict[str, float]:
    with scratch_database() as url:
        now = datetime.now(UTC)
        _raw(url, now)  # warm-up: caches, plans, the WAL
        raw = _raw(url, now)
        domain = _through_domain(url, now)
        return {"domain_per_s": domain, "raw_per_s": raw, "ratio": domain / raw}


def main() -> None:
    result = measure()
    print(f"spend path: {result['domain_per_s']:.0f}/s through the use case / {result['raw_per_s']:.0f}/s raw SQL "
          f"= {result['ratio']:.2f} (target >= 0.7)")


if __name__ == "__main__":
    main()
