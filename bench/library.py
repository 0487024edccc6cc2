"""Library benchmarks: listing a page among a million rows, and serving a cached variant."""

from __future__ import annotations

import os
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from bench.scratch import scratch_database

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOTAL_ROWS = 1_000_000
USER_ROWS = 10_000
RUNS = 200


def _seed(url: str) -> str:
    """1,000 users with 1,000 images each (one of them the subject with 10,000), all with generations."""
    with psycopg.connect(url) as conn:
        conn.execute("""INSERT INTO users (email, display_name, password_hash)
                        SELECT 'u' || n || '@bench.example', 'u' || n, 'x' FROM generate_series(1, 991) n""")
        subject = conn.execute("""INSERT INTO users (email, display_name, password_hash)
                                  VALUES ('subject@bench.example', 's', 'x') RETURNING id::text""").fetchone()[0]
        conn.execute("""
            WITH owners AS (
                SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email <> 'subject@bench.example'),
            slots AS (
                SELECT o.id AS user_id, s AS n FROM owners o, generate_series(1, 999) s
                UNION ALL SELECT %(subject)s::uuid, s FROM generate_series(1, %(user_rows)s) s)
            INSERT INTO generations (id, user_id, status, prompt, final_prompt, model, size, quality, n, seed,
                                     unit_credits, cost_credits, unit_cost_usd, created_at)
            SELECT gen_random_uuid(), user_id, 'succeeded', 'bench prompt ' || n, 'bench prompt', 'placeholder',
                   '1024x1024', 'standard', 1, n, 1, 1, 0, now() - n * interval '1 second' FROM slots""",
                     {"subject": subject, "user_rows": USER_ROWS})
        conn.execute("""
            INSERT INTO images (id, user_id, generation_id, kind, position, width, height, content_type, bytes, sha256,
                                s3_key, created_at, prompt, model)
            SELECT gen_random_uuid(), user_id, id, 'generated', 0, 1024, 1024, 'image/png', 1000, '\\x00', 'k',
                   created_at, prompt, model FROM generations""")
        conn.execute("ANALYZE")
        count = conn.execute("SELECT count(*) FROM images").fetchone()[0]
    assert count >= TOTAL_ROWS - 10_000, count
    return subject


def listing(url: str, subject: str) -> dict[str, float]:
    from chalicelib.adapters.postgres import PostgresUnitOfWork, create_pool
    from chalicelib.adapters.postgres_generation import IMAGE_COLUMNS
    from chalicelib.domain.library import ImageFilters, LibraryService

    pool = create_pool(url, max_size=1)
    library = LibraryService(lambda: PostgresUnitOfWork(pool), store=None, codec=None, clock=None, public_url="")
    try:
        cursor = library.list(subject, ImageFilters(), None, 50)[1]  # start on page two: a cursor is in play
        domain = []
        for _ in range(RUNS):
            started = time.perf_counter()
            library.list(subject, ImageFilters(), cursor, 50)
            domain.append(time.perf_counter() - started)
        with psycopg.connect(url, row_factory=dict_row) as conn:
            at, last = conn.execute("""SELECT created_at, id FROM images WHERE user_id = %s
                                       ORDER BY created_at DESC, id DESC OFFSET 49 LIMIT 1""",
                                    (subject,)).fetchone().values()
            raw = []
            for _ in range(RUNS):
                started = time.perf_counter()
                conn.execute(f"""SELECT {IMAGE_COLUMNS} FROM images i
                                 WHERE user_id = %s AND (created_at, id) < (%s, %s)
                                 ORDER BY created_at DESC, id DESC LIMIT 51""", (subject, at, last)).fetchall()
                conn.commit()
                raw.append(time.perf_counter() - started)
    finally:
        pool.close()
    return {"domain_ms": statistics.median(domain) * 1000, "raw_ms": statistics.median(raw) * 1000,
            "ratio": statistics.median(domain) / statistics.median(raw)}


def cached_variant(url: str, subject: str) -> dict[str, float]:
    """A cached 512 px WebP through the use case, against reading the same bytes with one SELECT."""
    # Photo-like detail (smooth noise), so the variant is the size of a real download rather than a flat drawing.
    import io

    from PIL import Image

    from chalicelib.adapters.pillow_codec import PillowImageCodec
    from chalicelib.adapters.postgres import PostgresUnitOfWork, create_pool
    from chalicelib.domain.library import LibraryService

    noise = Image.frombytes("RGB", (256, 256), os.urandom(256 * 256 * 3)).resize((1024, 1024), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    png = buffer.getvalue()
    with psycopg.connect(url) as conn:
        image_id = conn.execute("SELECT id::text FROM images WHERE user_id = %s LIMIT 1", (subject,)).fetchone()[0]
        conn.execute("UPDATE images SET bytes = %s WHERE id = %s", (len(png), image_id))
        conn.execute("INSERT INTO image_blobs (image_id, data, thumbnail) VALUES (%s, %s, %s)", (image_id, png, b"t"))

    class Clock:
        def now(self):
            return datetime.now(UTC)

    pool = create_pool(url, max_size=1)
    library = LibraryService(lambda: PostgresUnitOfWork(pool), store=None, codec=PillowImageCodec(), clock=Clock(),
                             public_url="")
    try:
        variant = library.download(subject, image_id, "jpeg", 1024, None)  # makes and caches the variant
        domain = []
        for _ in range(RUNS):
            started = time.perf_counter()
            library.download(subject, image_id, "jpeg", 1024, None)
            domain.append(time.perf_counter() - started)
        with psycopg.connect(url) as conn:
            raw = []
            for _ in range(RUNS):
                started = time.perf_counter()
                conn.execute("SELECT data FROM image_variants WHERE image_id = %s AND format = 'jpeg' AND width = 1024",
                             (image_id,)).fetchone()
                conn.commit()
                raw.append(time.perf_counter() - started)
    finally:
        pool.close()
    return {"domain_ms": statistics.median(domain) * 1000, "raw_ms": statistics.median(raw) * 1000,
            "ratio": statistics.median(domain) / statistics.median(raw), "bytes": len(variant.data or b"")}


_STATE: dict[str, object] = {}


def _prepared() -> tuple[str, str]:
    """The seeded million rows, made once for both library benchmarks."""
    if "url" not in _STATE:
        stack = ExitStack()
        url = stack.enter_context(scratch_database())
        _STATE.update(stack=stack, url=url, subject=_seed(url))
    return _STATE["url"], _STATE["subject"]


def close() -> None:
    if "stack" in _STATE:
        _STATE["stack"].close()
        _STATE.clear()


def measure_listing() -> dict[str, float]:
    return listing(*_prepared())


def measure_cached_variant() -> dict[str, float]:
    try:
        return cached_variant(*_prepared())
    finally:
        close()


def main() -> None:
    result = measure_listing()
    print(f"listing 50 of 10,000 among 1,000,000: {result['domain_ms']:.2f} ms / raw indexed SELECT "
          f"{result['raw_ms']:.2f} ms = {result['ratio']:.2f} (target <= 1.5)")
    result = measure_cached_variant()
    print(f"cached variant download ({result['bytes'] // 1024} KB JPEG): {result['domain_ms']:.2f} ms / "
          f"reading the bytes {result['raw_ms']:.2f} ms "
          f"= {result['ratio']:.2f} (target <= 1.2)")


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_DIR))
    main()
