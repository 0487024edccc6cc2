"""PostgreSQL adapters for the model catalogue, generations and images."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg

from ..domain.generation import (Generation, GenerationFilters, ImageRecord, ModelSpec, Price, PromptTemplate,
                                 StylePreset)


class PostgresCatalog:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def models(self, include_disabled: bool = False) -> list[ModelSpec]:
        rows = self._conn.execute(
            """SELECT id, provider, label, sizes, qualities, max_n, supports_edit, supports_mask, fallback_model
               FROM models WHERE enabled OR %s ORDER BY position, id""",
            (include_disabled,),
        ).fetchall()
        return [ModelSpec(**{**row, "sizes": tuple(row["sizes"]), "qualities": tuple(row["qualities"])}) for row in rows]

    def price(self, model: str, size: str, quality: str) -> Price | None:
        row = self._conn.execute(
            """SELECT model, size, quality, credits, provider_cost_usd FROM prices
               WHERE model = %s AND size = %s AND quality = %s""",
            (model, size, quality),
        ).fetchone()
        return None if row is None else Price(**row)

    def presets(self) -> list[StylePreset]:
        rows = self._conn.execute(
            "SELECT id, label, prompt_suffix FROM style_presets WHERE active ORDER BY position, id").fetchall()
        return [StylePreset(**row) for row in rows]

    def templates(self) -> list[PromptTemplate]:
        rows = self._conn.execute(
            "SELECT id, label, template, variables FROM prompt_templates WHERE active ORDER BY position, id").fetchall()
        return [PromptTemplate(**{**row, "variables": tuple(row["variables"])}) for row in rows]

    def setting(self, key: str, default: Any) -> Any:
        row = self._conn.execute("SELECT value FROM settings WHERE key = %s", (key,)).fetchone()
        return default if row is None else row["value"]


_GENERATION_COLUMNS = """id::text AS id, user_id::text AS user_id, status, prompt, final_prompt, negative_prompt,
    style_preset, model, provider, size, quality, n, seed, source_image_id::text AS source_image_id,
    mask_image_id::text AS mask_image_id, unit_credits, cost_credits, refunded_credits, unit_cost_usd,
    provider_cost_usd, provider_latency_ms, error, attempts, created_at, enqueued_at, started_at, completed_at"""


def _generation(row: dict[str, Any] | None) -> Generation | None:
    return None if row is None else Generation(**row)


class PostgresGenerations:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(self, g: Generation, api_key_id: str | None = None) -> None:
        self._conn.execute(
            """INSERT INTO generations (id, user_id, status, prompt, final_prompt, negative_prompt, style_preset, model,
                   size, quality, n, seed, source_image_id, mask_image_id, unit_credits, cost_credits, unit_cost_usd,
                   created_at, api_key_id)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (g.id, g.user_id, g.status, g.prompt, g.final_prompt, g.negative_prompt, g.style_preset, g.model, g.size,
             g.quality, g.n, g.seed, g.source_image_id, g.mask_image_id, g.unit_credits, g.cost_credits,
             g.unit_cost_usd, g.created_at, api_key_id),
        )

    def get(self, generation_id: str, user_id: str | None = None) -> Generation | None:
        return _generation(self._conn.execute(
            f"""SELECT {_GENERATION_COLUMNS} FROM generations
                WHERE id = %s AND (%s::uuid IS NULL OR user_id = %s::uuid)""",
            (generation_id, user_id, user_id),
        ).fetchone())

    def claim(self, generation_id: str, now: datetime, lease: timedelta) -> Generation | None:
        return _generation(self._conn.execute(
            f"""UPDATE generations SET status = 'running', started_at = %s, attempts = attempts + 1
                WHERE id = %s AND (status = 'queued' OR (status = 'running' AND started_at < %s))
                RETURNING {_GENERATION_COLUMNS}""",
            (now, generation_id, now - lease),
        ).fetchone())

    def finish(self, g: Generation, now: datetime) -> bool:
        row = self._conn.execute(
            """UPDATE generations SET status = %s, provider = %s, provider_cost_usd = %s, provider_latency_ms = %s,
                   refunded_credits = %s, error = %s, completed_at = %s
               WHERE id = %s AND status IN ('queued', 'running') RETURNING id""",
            (g.status, g.provider, g.provider_cost_usd, g.provider_latency_ms, g.refunded_credits, g.error, now, g.id),
        ).fetchone()
        return row is not None

    def release(self, generation_id: str) -> None:
        self._conn.execute("UPDATE generations SET status = 'queued' WHERE id = %s AND status = 'running'",
                           (generation_id,))

    def spent_since(self, user_id: str, since: datetime) -> int:
        row = self._conn.execute(
            """SELECT coalesce(sum(cost_credits - refunded_credits), 0) AS n FROM generations
               WHERE user_id = %s AND created_at >= %s""",
            (user_id, since),
        ).fetchone()
        return int(row["n"])

    def mark_enqueued(self, generation_id: str, now: datetime) -> None:
        self._conn.execute("UPDATE generations SET enqueued_at = %s WHERE id = %s", (now, generation_id))

    def due_for_enqueue(self, now: datetime, unsent_after: timedelta, resend_after: timedelta) -> list[str]:
        rows = self._conn.execute(
            """SELECT id::text AS id FROM generations
               WHERE status = 'queued' AND ((enqueued_at IS NULL AND created_at < %s) OR enqueued_at < %s)
               ORDER BY created_at LIMIT 500""",
            (now - unsent_after, now - resend_after),
        ).fetchall()
        return [row["id"] for row in rows]

    def stuck(self, now: datetime, running_for: timedelta, queued_for: timedelta) -> list[str]:
        rows = self._conn.execute(
            """SELECT id::text AS id FROM generations
               WHERE (status = 'running' AND started_at < %s) OR (status = 'queued' AND created_at < %s)
               ORDER BY created_at LIMIT 500""",
            (now - running_for, now - queued_for),
        ).fetchall()
        return [row["id"] for row in rows]

    def list_for_user(self, user_id: str, filters: GenerationFilters, before: tuple[datetime, str] | None,
                      limit: int) -> list[Generation]:
        at, last_id = before if before else (None, None)
        rows = self._conn.execute(
            f"""SELECT {_GENERATION_COLUMNS} FROM generations
                WHERE user_id = %(user)s
                  AND (%(status)s::text IS NULL OR status = %(status)s)
                  AND (%(model)s::text IS NULL OR model = %(model)s)
                  AND (%(q)s::text IS NULL OR search @@ websearch_to_tsquery('english', %(q)s))
                  AND (%(since)s::timestamptz IS NULL OR created_at >= %(since)s)
                  AND (%(until)s::timestamptz IS NULL OR created_at < %(until)s)
                  AND (%(at)s::timestamptz IS NULL OR (created_at, id) < (%(at)s, %(last)s::uuid))
                ORDER BY created_at DESC, id DESC LIMIT %(limit)s""",
            {"user": user_id, "status": filters.status, "model": filters.model, "q": filters.q,
             "since": filters.since, "until": filters.until, "at": at, "last": last_id, "limit": limit},
        ).fetchall()
        return [Generation(**row) for row in rows]


IMAGE_COLUMNS = """i.id::text AS id, i.user_id::text AS user_id, i.generation_id::text AS generation_id, i.kind,
    i.position, i.width, i.height, i.content_type, i.bytes, i.sha256, i.s3_key, i.favorite, i.created_at,
    i.prompt, i.model, i.share_slug"""


class PostgresImages:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(self, r: ImageRecord, data: bytes, thumbnail: bytes) -> bool:
        row = self._conn.execute(
            """INSERT INTO images (id, user_id, generation_id, kind, position, width, height, content_type, bytes,
                   sha256, s3_key, created_at, prompt, model)
               SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, g.prompt, g.model
               FROM (SELECT 1) AS one LEFT JOIN generations g ON g.id = %s::uuid
               WHERE %s::uuid IS NULL OR g.status = 'running'
               ON CONFLICT DO NOTHING RETURNING id""",
            (r.id, r.user_id, r.generation_id, r.kind, r.position, r.width, r.height, r.content_type, r.bytes,
             r.sha256, r.s3_key, r.created_at, r.generation_id, r.generation_id),
        ).fetchone()
        if row is None:
            return False
        self._conn.execute("INSERT INTO image_blobs (image_id, data, thumbnail) VALUES (%s, %s, %s)",
                           (r.id, data, thumbnail))
        return True

    def get(self, image_id: str, user_id: str) -> ImageRecord | None:
        row = self._conn.execute(
            f"""SELECT {IMAGE_COLUMNS} FROM images i WHERE i.id = %s AND i.user_id = %s""",
            (image_id, user_id),
        ).fetchone()
        return None if row is None else ImageRecord(**row)

    def data(self, image_id: str, user_id: str) -> bytes | None:
        row = self._conn.execute(
            """SELECT b.data FROM image_blobs b JOIN images i ON i.id = b.image_id
               WHERE i.id = %s AND i.user_id = %s""",
            (image_id, user_id),
        ).fetchone()
        return None if row is None else bytes(row["data"])

    def thumbnail(self, image_id: str, user_id: str) -> bytes | None:
        row = self._conn.execute(
            """SELECT b.thumbnail FROM image_blobs b JOIN images i ON i.id = b.image_id
               WHERE i.id = %s AND i.user_id = %s""",
            (image_id, user_id),
        ).fetchone()
        return None if row is None else bytes(row["thumbnail"])

    def for_generations(self, generation_ids: list[str]) -> dict[str, list[ImageRecord]]:
        if not generation_ids:
            return {}
        rows = self._conn.execute(
            f"""SELECT {IMAGE_COLUMNS} FROM images i
                WHERE i.generation_id = ANY(%s::uuid[]) ORDER BY i.generation_id, i.position""",
            (generation_ids,),
        ).fetchall()
        grouped: dict[str, list[ImageRecord]] = {}
        for row in rows:
            grouped.setdefault(row["generation_id"], []).append(ImageRecord(**row))
        return grouped
