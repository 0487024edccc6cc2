"""PostgreSQL adapters for the model catalogue, generations and images."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from ..domain.catalogue import CustomSizes, ModelSpec, Price, Rate, TokenRates
from ..domain.generation import Generation, GenerationFilters, ImageRecord, PendingUpload, PromptTemplate, StylePreset
from ..domain.imaging import TokenUsage

MODEL_COLUMNS = """id, provider, label, sizes, qualities, max_n, supports_edit, supports_mask, fallback_model, enabled,
    available, unavailable_reason, replacement_model, custom_sizes, backgrounds, output_formats, previews, position,
    usd_per_mtok_input_text, usd_per_mtok_input_image, usd_per_mtok_output_image, input_fidelity"""


def model_spec(row: dict[str, Any]) -> ModelSpec:
    """A catalogue row as the domain's ModelSpec."""
    row = dict(row)
    rates = TokenRates(row.pop("usd_per_mtok_input_text"), row.pop("usd_per_mtok_input_image"),
                       row.pop("usd_per_mtok_output_image"))
    custom = row.pop("custom_sizes")
    return ModelSpec(**{**row, "sizes": tuple(row["sizes"]), "qualities": tuple(row["qualities"]),
                        "backgrounds": tuple(row["backgrounds"]), "output_formats": tuple(row["output_formats"]),
                        "input_fidelity": tuple(row["input_fidelity"])},
                     custom_sizes=CustomSizes(**custom) if custom else None, token_rates=rates)


class PostgresCatalog:
    """Models, prices, token rates, presets, templates and settings, as the admins last saved them."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def models(self, include_disabled: bool = False) -> list[ModelSpec]:
        """The enabled models in display order, or every model with include_disabled."""
        rows = self._conn.execute(
            f"SELECT {MODEL_COLUMNS} FROM models WHERE enabled OR %s ORDER BY position, id", (include_disabled,),
        ).fetchall()
        return [model_spec(row) for row in rows]

    def rate(self, model: str, unit: str, quality: str) -> Rate | None:
        """The credits and provider cost per token unit of a model at a quality; None when not priced."""
        row = self._conn.execute(
            """SELECT model, unit, quality, credits, provider_cost_usd FROM model_rates
               WHERE model = %s AND unit = %s AND quality = %s""",
            (model, unit, quality),
        ).fetchone()
        return None if row is None else Rate(**row)

    def rates(self) -> list[Rate]:
        """Every token rate, ordered by model, unit and quality."""
        rows = self._conn.execute(
            "SELECT model, unit, quality, credits, provider_cost_usd FROM model_rates ORDER BY model, unit, quality"
        ).fetchall()
        return [Rate(**row) for row in rows]

    def mark_withdrawn(self, model: str, reason: str, now: datetime) -> bool:
        """Sets a model unavailable and audits it as the system; False when it already was unavailable."""
        row = self._conn.execute(
            """UPDATE models SET available = false, unavailable_reason = %s, withdrawn_at = %s
               WHERE id = %s AND available RETURNING id""",
            (reason, now, model),
        ).fetchone()
        if row is not None:
            self._conn.execute(
                """INSERT INTO audit_log (actor_id, actor_email, action, target_type, target_id, before, after,
                       created_at)
                   VALUES (NULL, 'system', 'model.withdrawn', 'model', %s, '{"available": true}'::jsonb,
                           jsonb_build_object('available', false, 'reason', %s::text), %s)""",
                (model, reason, now),
            )
        return row is not None

    def price(self, model: str, size: str, quality: str) -> Price | None:
        """The credits and provider cost of one image of a model at a size and quality; None when not priced."""
        row = self._conn.execute(
            """SELECT model, size, quality, credits, provider_cost_usd FROM prices
               WHERE model = %s AND size = %s AND quality = %s""",
            (model, size, quality),
        ).fetchone()
        return None if row is None else Price(**row)

    def presets(self) -> list[StylePreset]:
        """The active style presets in display order."""
        rows = self._conn.execute(
            "SELECT id, label, prompt_suffix FROM style_presets WHERE active ORDER BY position, id").fetchall()
        return [StylePreset(**row) for row in rows]

    def templates(self) -> list[PromptTemplate]:
        """The active prompt templates in display order."""
        rows = self._conn.execute(
            "SELECT id, label, template, variables FROM prompt_templates WHERE active ORDER BY position, id").fetchall()
        return [PromptTemplate(**{**row, "variables": tuple(row["variables"])}) for row in rows]

    def setting(self, key: str, default: Any) -> Any:
        """A setting's stored JSON value, or default when it is not set."""
        row = self._conn.execute("SELECT value FROM settings WHERE key = %s", (key,)).fetchone()
        return default if row is None else row["value"]


_GENERATION_COLUMNS = """id::text AS id, user_id::text AS user_id, status, prompt, final_prompt, negative_prompt,
    style_preset, model, provider, size, quality, n, seed, source_image_id::text AS source_image_id,
    mask_image_id::text AS mask_image_id, unit_credits, cost_credits, refunded_credits, unit_cost_usd,
    provider_cost_usd, provider_latency_ms, error, attempts, created_at, enqueued_at, started_at, completed_at,
    background, output_format, frame_count, input_text_tokens, input_image_tokens, output_image_tokens,
    output_text_tokens, actual_cost_usd, error_code, operation, operation_params"""
_TOKEN_COLUMNS = ("input_text_tokens", "input_image_tokens", "output_image_tokens", "output_text_tokens")


def _generation(row: dict[str, Any] | None) -> Generation | None:
    if row is None:
        return None
    row = dict(row)
    tokens = [row.pop(name) for name in _TOKEN_COLUMNS]
    usage = None if all(t is None for t in tokens) else TokenUsage(*(t or 0 for t in tokens))
    return Generation(**row, usage=usage)


class PostgresGenerations:
    """Generations and their lifecycle: queued, running, then closed as succeeded or failed."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, g: Generation, api_key_id: str | None = None) -> None:
        """Inserts a new generation, attributed to the API key that asked for it when there is one."""
        self._conn.execute(
            """INSERT INTO generations (id, user_id, status, prompt, final_prompt, negative_prompt, style_preset, model,
                   size, quality, n, seed, source_image_id, mask_image_id, unit_credits, cost_credits, unit_cost_usd,
                   created_at, api_key_id, background, output_format, frame_count, operation, operation_params)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                       %s)""",
            (g.id, g.user_id, g.status, g.prompt, g.final_prompt, g.negative_prompt, g.style_preset, g.model, g.size,
             g.quality, g.n, g.seed, g.source_image_id, g.mask_image_id, g.unit_credits, g.cost_credits,
             g.unit_cost_usd, g.created_at, api_key_id, g.background, g.output_format, g.frame_count, g.operation,
             Jsonb(g.operation_params)),
        )

    def get(self, generation_id: str, user_id: str | None = None) -> Generation | None:
        """The generation, only when it is user_id's if that is given."""
        return _generation(self._conn.execute(
            f"""SELECT {_GENERATION_COLUMNS} FROM generations
                WHERE id = %s AND (%s::uuid IS NULL OR user_id = %s::uuid)""",
            (generation_id, user_id, user_id),
        ).fetchone())

    def claim(self, generation_id: str, now: datetime, lease: timedelta) -> Generation | None:
        """Marks a queued (or abandoned running) generation running and counts the attempt; None when another worker has
        it or it is done."""
        return _generation(self._conn.execute(
            f"""UPDATE generations SET status = 'running', started_at = %s, attempts = attempts + 1
                WHERE id = %s AND (status = 'queued' OR (status = 'running' AND started_at < %s))
                RETURNING {_GENERATION_COLUMNS}""",
            (now, generation_id, now - lease),
        ).fetchone())

    def finish(self, g: Generation, now: datetime) -> bool:
        """Closes a queued or running generation with its outcome, cost and token usage; False when it was already
        closed."""
        row = self._conn.execute(
            """UPDATE generations SET status = %s, provider = %s, provider_cost_usd = %s, provider_latency_ms = %s,
                   refunded_credits = %s, error = %s, completed_at = %s, input_text_tokens = %s,
                   input_image_tokens = %s, output_image_tokens = %s, output_text_tokens = %s, actual_cost_usd = %s,
                   error_code = %s
               WHERE id = %s AND status IN ('queued', 'running') RETURNING id""",
            (g.status, g.provider, g.provider_cost_usd, g.provider_latency_ms, g.refunded_credits, g.error, now,
             *(_tokens(g.usage)), g.actual_cost_usd, g.error_code, g.id),
        ).fetchone()
        return row is not None

    def cancel(self, generation_id: str, user_id: str, error: str, now: datetime) -> Generation | None:
        """Fails a generation that is still queued, refunding it in full; None when it is not queued (any more)."""
        return _generation(self._conn.execute(
            f"""UPDATE generations SET status = 'failed', refunded_credits = cost_credits, error = %s,
                    completed_at = %s, error_code = 'cancelled'
                WHERE id = %s AND user_id = %s AND status = 'queued'
                RETURNING {_GENERATION_COLUMNS}""",
            (error, now, generation_id, user_id),
        ).fetchone())

    def release(self, generation_id: str) -> None:
        """Puts a running generation back to queued, so the next delivery of its job claims it at once."""
        self._conn.execute("UPDATE generations SET status = 'queued' WHERE id = %s AND status = 'running'",
                           (generation_id,))

    def lock_spender(self, user_id: str) -> None:
        """Serialises this user's spends until the transaction ends; sums read after it see every earlier one."""
        # NO KEY UPDATE: waits for other spends of this user, but not for rows that merely reference the user.
        self._conn.execute("SELECT 1 FROM users WHERE id = %s FOR NO KEY UPDATE", (user_id,))

    def spent_since(self, user_id: str, since: datetime) -> int:
        """Credits the user's generations created since then cost, net of refunds."""
        row = self._conn.execute(
            """SELECT coalesce(sum(cost_credits - refunded_credits), 0) AS n FROM generations
               WHERE user_id = %s AND created_at >= %s""",
            (user_id, since),
        ).fetchone()
        assert row is not None
        return int(row["n"])

    def mark_enqueued(self, generation_id: str, now: datetime) -> None:
        """Records when the generation's job was last sent to the queue."""
        self._conn.execute("UPDATE generations SET enqueued_at = %s WHERE id = %s", (now, generation_id))

    def due_for_enqueue(self, now: datetime, unsent_after: timedelta, resend_after: timedelta) -> list[str]:
        """Ids of queued generations never sent for unsent_after, or last sent more than resend_after ago; 500 at most,
        oldest first."""
        rows = self._conn.execute(
            """SELECT id::text AS id FROM generations
               WHERE status = 'queued' AND ((enqueued_at IS NULL AND created_at < %s) OR enqueued_at < %s)
               ORDER BY created_at LIMIT 500""",
            (now - unsent_after, now - resend_after),
        ).fetchall()
        return [row["id"] for row in rows]

    def stuck(self, now: datetime, running_for: timedelta, queued_for: timedelta) -> list[str]:
        """Ids of generations running longer than running_for or queued longer than queued_for; 500 at most, oldest
        first."""
        rows = self._conn.execute(
            """SELECT id::text AS id FROM generations
               WHERE (status = 'running' AND started_at < %s) OR (status = 'queued' AND created_at < %s)
               ORDER BY created_at LIMIT 500""",
            (now - running_for, now - queued_for),
        ).fetchall()
        return [row["id"] for row in rows]

    def list_for_user(self, user_id: str, filters: GenerationFilters, before: tuple[datetime, str] | None,
                      limit: int) -> list[Generation]:
        """The user's generations matching the filters, newest first, those before the (created_at, id) cursor when
        given."""
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
        return [g for row in rows if (g := _generation(row))]


def _tokens(usage: TokenUsage | None) -> tuple[int | None, ...]:
    if usage is None:
        return (None, None, None, None)
    return (usage.input_text_tokens, usage.input_image_tokens, usage.output_image_tokens, usage.output_text_tokens)


class PostgresPreviews:
    """The latest partial image of each image of a running generation; the bytes are in S3."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def put(self, generation_id: str, position: int, s3_key: str, content_type: str, now: datetime) -> bool:
        """Records or replaces the latest partial image of one image; False once the generation is no longer running."""
        row = self._conn.execute(
            """INSERT INTO generation_previews (generation_id, position, s3_key, content_type, updated_at)
               SELECT id, %s, %s, %s, %s FROM generations WHERE id = %s AND status = 'running'
               ON CONFLICT (generation_id, position) DO UPDATE
                   SET s3_key = excluded.s3_key, content_type = excluded.content_type, updated_at = excluded.updated_at
               RETURNING position""",
            (position, s3_key, content_type, now, generation_id),
        ).fetchone()
        return row is not None

    def get(self, generation_id: str, user_id: str, position: int, finished_after: datetime) -> tuple[str, str] | None:
        """The S3 key and content type of a preview, for its owner only, while the generation renders or since
        finished_after."""
        row = self._conn.execute(
            """SELECT p.s3_key, p.content_type FROM generation_previews p JOIN generations g ON g.id = p.generation_id
               WHERE p.generation_id = %s AND g.user_id = %s AND p.position = %s
                 AND (g.status IN ('queued', 'running') OR g.completed_at > %s)""",
            (generation_id, user_id, position, finished_after),
        ).fetchone()
        return None if row is None else (row["s3_key"], row["content_type"])

    def positions(self, generation_ids: list[str]) -> dict[str, list[int]]:
        """The positions that have previews, by generation id; generations without any are absent."""
        rows = self._conn.execute(
            """SELECT generation_id::text AS generation_id, position FROM generation_previews
               WHERE generation_id = ANY(%s::uuid[]) ORDER BY generation_id, position""",
            (generation_ids,),
        ).fetchall()
        grouped: dict[str, list[int]] = {}
        for row in rows:
            grouped.setdefault(row["generation_id"], []).append(row["position"])
        return grouped

    def prune(self, finished_before: datetime) -> int:
        """Forgets the previews of generations that finished before then; returns how many."""
        return self._conn.execute(
            """DELETE FROM generation_previews p USING generations g
               WHERE g.id = p.generation_id AND g.completed_at < %s""",
            (finished_before,),
        ).rowcount


IMAGE_COLUMNS = """i.id::text AS id, i.user_id::text AS user_id, i.generation_id::text AS generation_id, i.kind,
    i.position, i.width, i.height, i.content_type, i.bytes, i.sha256, i.s3_key, i.favorite, i.created_at,
    i.prompt, i.model, i.share_slug, i.frames, i.has_alpha, i.operation, i.parent_image_id::text AS parent_image_id,
    i.published_at IS NOT NULL AS published, i.rating, i.dhash"""


class PostgresImages:
    """Image rows with their bytes and thumbnail (in image_blobs), and upload tickets."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, r: ImageRecord, data: bytes, thumbnail: bytes) -> bool:
        """Stores an image with its generation's prompt, model and source; False when its slot is taken or its
        generation is no longer running."""
        row = self._conn.execute(
            """INSERT INTO images (id, user_id, generation_id, kind, position, width, height, content_type, bytes,
                   sha256, s3_key, created_at, frames, has_alpha, dhash, prompt, model, operation, parent_image_id)
               SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, g.prompt, g.model,
                      COALESCE(g.operation, 'generate'), (SELECT p.id FROM images p WHERE p.id = g.source_image_id)
               FROM (SELECT 1) AS one LEFT JOIN generations g ON g.id = %s::uuid
               WHERE %s::uuid IS NULL OR g.status = 'running'
               ON CONFLICT DO NOTHING RETURNING id""",
            (r.id, r.user_id, r.generation_id, r.kind, r.position, r.width, r.height, r.content_type, r.bytes,
             r.sha256, r.s3_key, r.created_at, r.frames, r.has_alpha, r.dhash, r.generation_id, r.generation_id),
        ).fetchone()
        if row is None:
            return False
        self._conn.execute("INSERT INTO image_blobs (image_id, data, thumbnail) VALUES (%s, %s, %s)",
                           (r.id, data, thumbnail))
        return True

    def lookalike(self, user_id: str, dhash: int, excluding: str, max_distance: int) -> str | None:
        """The id of the user's image (generated or uploaded, not `excluding`) whose dHash is nearest to dhash within
        max_distance bits, the newest of equals; None when there is none (issue 21)."""
        row = self._conn.execute(
            """SELECT id::text AS id FROM images
               WHERE user_id = %(user)s AND dhash IS NOT NULL AND id <> %(excluding)s
                 AND bit_count((dhash # %(hash)s::bigint)::bit(64)) <= %(max)s
               ORDER BY bit_count((dhash # %(hash)s::bigint)::bit(64)), created_at DESC LIMIT 1""",
            {"user": user_id, "excluding": excluding, "hash": dhash, "max": max_distance},
        ).fetchone()
        return None if row is None else row["id"]

    def get(self, image_id: str, user_id: str) -> ImageRecord | None:
        """The user's image, or None when it is not theirs."""
        row = self._conn.execute(
            f"""SELECT {IMAGE_COLUMNS} FROM images i WHERE i.id = %s AND i.user_id = %s""",
            (image_id, user_id),
        ).fetchone()
        return None if row is None else ImageRecord(**row)

    def data(self, image_id: str, user_id: str) -> bytes | None:
        """The image's bytes, for its owner only."""
        row = self._conn.execute(
            """SELECT b.data FROM image_blobs b JOIN images i ON i.id = b.image_id
               WHERE i.id = %s AND i.user_id = %s""",
            (image_id, user_id),
        ).fetchone()
        return None if row is None else bytes(row["data"])

    def thumbnail(self, image_id: str, user_id: str) -> bytes | None:
        """The image's thumbnail, for its owner only."""
        row = self._conn.execute(
            """SELECT b.thumbnail FROM image_blobs b JOIN images i ON i.id = b.image_id
               WHERE i.id = %s AND i.user_id = %s""",
            (image_id, user_id),
        ).fetchone()
        return None if row is None else bytes(row["thumbnail"])

    def for_generations(self, generation_ids: list[str]) -> dict[str, list[ImageRecord]]:
        """The images of those generations by generation id, in position order; generations without any are absent."""
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

    def lock_uploads(self, user_id: str) -> None:
        """Serialises this user's uploads until the transaction ends (an advisory lock), so the quota is checked one at
        a time."""
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 11))", (f"uploads:{user_id}",))

    def upload_bytes(self, user_id: str, now: datetime, excluding: str | None = None) -> int:
        """Bytes of the user's uploads plus the sizes reserved by open, unexpired upload tickets (but `excluding`'s)."""
        row = self._conn.execute(
            """SELECT (SELECT coalesce(sum(bytes), 0) FROM images WHERE user_id = %(user)s AND kind = 'upload')
                    + (SELECT coalesce(sum(bytes), 0) FROM pending_uploads
                       WHERE user_id = %(user)s AND completed_at IS NULL AND expires_at > %(now)s
                         AND id IS DISTINCT FROM %(excluding)s::uuid) AS n""",
            {"user": user_id, "now": now, "excluding": excluding},
        ).fetchone()
        assert row is not None
        return int(row["n"])

    def add_pending(self, upload: PendingUpload) -> None:
        """Stores an upload ticket."""
        self._conn.execute(
            """INSERT INTO pending_uploads (id, user_id, s3_key, content_type, bytes, created_at, expires_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s)""",
            (upload.id, upload.user_id, upload.s3_key, upload.content_type, upload.bytes, upload.created_at,
             upload.expires_at),
        )

    def pending(self, upload_id: str, user_id: str) -> PendingUpload | None:
        """The user's upload ticket, completed or not; None when it is not theirs."""
        row = self._conn.execute(
            """SELECT id::text AS id, user_id::text AS user_id, s3_key, content_type, bytes, created_at, expires_at,
                      image_id::text AS image_id, completed_at
               FROM pending_uploads WHERE id = %s AND user_id = %s""",
            (upload_id, user_id),
        ).fetchone()
        return None if row is None else PendingUpload(**row)

    def complete_pending(self, upload_id: str, image_id: str, now: datetime) -> None:
        """Marks a ticket completed with the image it became."""
        self._conn.execute("UPDATE pending_uploads SET image_id = %s, completed_at = %s WHERE id = %s",
                           (image_id, now, upload_id))

    def drop_pending(self, upload_id: str) -> None:
        """Deletes a ticket."""
        self._conn.execute("DELETE FROM pending_uploads WHERE id = %s", (upload_id,))
