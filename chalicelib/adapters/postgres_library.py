"""PostgreSQL adapter for the image library: lists, variants, sharing, Community and the S3 deletion queue."""

from __future__ import annotations

import builtins  # PostgresLibrary.list() shadows the builtin in the annotations after it
import re
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import DictRow, args_row

from ..domain.generation import ImageRecord
from ..domain.library import ANONYMOUS_AUTHOR, CommunityReport, ImageFilters, SharedImage, Variant
from .postgres_generation import IMAGE_COLUMNS

_BLOB_COLUMN = {True: "b.thumbnail", False: "b.data"}


def _image(row: dict[str, Any]) -> ImageRecord:
    return ImageRecord(**{k: row[k] for k in ImageRecord._fields})


def _shared(row: dict[str, Any]) -> SharedImage:
    # Published, an image is credited to the public handle; an unlisted link shows the display name its owner chose.
    author = (row["author_handle"] or ANONYMOUS_AUTHOR) if row["published_at"] else row["display_name"]
    return SharedImage(_image(row), row["share_slug"], row["shared_at"], author, row["published_at"],
                       row["like_count"], row.get("liked_by_me", False))


def _contains(text: str) -> str:
    """An ILIKE pattern matching text anywhere, its own %, _ and backslashes taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# The library's lists, built from the filters given out of these constant fragments (a "(%s IS NULL OR ...)" for
# each filter would keep the planner from using the index that filter has).
SELECT_IMAGES = "SELECT " + IMAGE_COLUMNS
FROM_IMAGES = " FROM images i"
# A board holds only its owner's images, so its list is narrowed by the board's owner rather than each image's:
# the planner then reads the board's listing index in order instead of joining every image of the user.
FROM_BOARD = " FROM boards b JOIN board_images bi ON bi.board_id = b.id JOIN images i ON i.id = bi.image_id"
IMAGE_ORDER = " ORDER BY i.created_at DESC, i.id DESC"
BOARD_ORDER = " ORDER BY bi.image_created_at DESC, bi.image_id DESC"
IMAGE_BEFORE = "(i.created_at, i.id) < (%(at)s, %(last)s::uuid)"
BOARD_BEFORE = "(bi.image_created_at, bi.image_id) < (%(at)s, %(last)s::uuid)"
# The words typed so far, the last one a prefix ("red pan" finds "a red panda"); a search of nothing but stop words
# finds nothing.
TS_QUERY = "(websearch_to_tsquery('english', %(q_words)s) && to_tsquery('english', %(q_prefix)s))"
RANKED = " ORDER BY ts_rank(i.search, " + TS_QUERY + ") DESC, i.created_at DESC, i.id DESC"
_LAST_WORD = re.compile(r"([^\W_]+)[\W_]*$")
_FILTER_SQL = {
    "favorite": "i.favorite",
    "not_favorite": "NOT i.favorite",
    "model": "i.model = %(model)s",
    "q": "i.search @@ " + TS_QUERY,
    "board_id": "b.id = %(board_id)s AND b.user_id = %(user)s AND bi.board_id = %(board_id)s",
    "rating_min": "i.rating IS NOT NULL AND i.rating >= %(rating_min)s",
    "operation": "i.operation = %(operation)s",
    "since": "i.created_at >= %(since)s",
    "until": "i.created_at < %(until)s",
    "shape": "i.orientation = %(aspect)s",
    "ratio": "i.aspect_ratio = %(aspect)s",
}


def _filters(user_id: str, filters: ImageFilters) -> tuple[builtins.list[str], dict[str, Any]]:
    """The WHERE clauses of the filters given, and their parameters."""
    # Searching a board, the user's own images are the narrower start (its index, then the search's).
    by_board = filters.board_id is not None and not filters.q
    clauses = ["i.kind = 'generated'"] if by_board else ["i.user_id = %(user)s", "i.kind = 'generated'"]
    params: dict[str, Any] = {"user": user_id}
    if filters.favorite is not None:
        clauses.append(_FILTER_SQL["favorite" if filters.favorite else "not_favorite"])
    for name in ("model", "board_id", "rating_min", "operation", "since", "until"):
        value = getattr(filters, name)
        if value is not None:
            clauses.append(_FILTER_SQL[name])
            params[name] = value
    if filters.aspect is not None:
        clauses.append(_FILTER_SQL["ratio" if ":" in filters.aspect else "shape"])
        params["aspect"] = filters.aspect
    if filters.q:
        clauses.append(_FILTER_SQL["q"])
        params["q_words"], params["q_prefix"] = _split_search(filters.q)
    return clauses, params


def _split_search(q: str) -> tuple[str, str]:
    """The text before the last word, for websearch_to_tsquery (which takes any text), and the last word as a
    to_tsquery prefix: letters and digits only, so nothing typed can be tsquery syntax."""
    match = _LAST_WORD.search(q)
    # A last word that is excluded (-panda) or closes a phrase ("red panda") is left to websearch_to_tsquery.
    if match is None or q[match.start() - 1:match.start()] == "-" or '"' in match.group(0):
        return q, ""
    return q[:match.start()], match.group(1) + ":*"


# Listed on Community: published, not hidden by an admin, not taken down.
LISTED = "i.published_at IS NOT NULL AND NOT i.hidden_from_community AND i.moderated_at IS NULL"


class PostgresLibrary:
    """The user's images as a library, shared pages, the community feed and the queue of S3 deletions."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def list(self, user_id: str, filters: ImageFilters, before: tuple[datetime, str] | None,
             limit: int) -> list[ImageRecord]:
        """The user's generated images matching the filters, newest first, those before the (created_at, id) cursor
        when given; a board's come from its own index in the same order."""
        clauses, params = _filters(user_id, filters)
        source, order = (FROM_BOARD, BOARD_ORDER) if filters.board_id else (FROM_IMAGES, IMAGE_ORDER)
        if before is not None:
            clauses.append(BOARD_BEFORE if filters.board_id else IMAGE_BEFORE)
            params["at"], params["last"] = before
        params["limit"] = limit
        query = SELECT_IMAGES + source + " WHERE " + " AND ".join(clauses) + order + " LIMIT %(limit)s"
        with self._conn.cursor(row_factory=args_row(ImageRecord)) as cursor:
            return cursor.execute(query, params).fetchall()

    def search(self, user_id: str, filters: ImageFilters, offset: int, limit: int) -> builtins.list[ImageRecord]:
        """The user's generated images matching the filters and q, best match first (ts_rank), then newest."""
        clauses, params = _filters(user_id, filters)
        params.update(offset=offset, limit=limit)
        source = FROM_BOARD if filters.board_id else FROM_IMAGES
        query = (SELECT_IMAGES + source + " WHERE " + " AND ".join(clauses) + RANKED +
                 " OFFSET %(offset)s LIMIT %(limit)s")
        with self._conn.cursor(row_factory=args_row(ImageRecord)) as cursor:
            return cursor.execute(query, params).fetchall()

    def owns_board(self, user_id: str, board_id: str) -> bool:
        """Whether the board is the user's."""
        return self._conn.execute("SELECT 1 FROM boards WHERE id = %s AND user_id = %s",
                                  (board_id, user_id)).fetchone() is not None

    def rate(self, user_id: str, image_id: str, stars: int | None) -> bool:
        """Sets or clears the rating of the user's image; False when no such image."""
        return self._conn.execute("UPDATE images SET rating = %s WHERE id = %s AND user_id = %s",
                                  (stars, image_id, user_id)).rowcount == 1

    def set_dhash(self, image_id: str, dhash: int) -> None:
        """Stores an image's difference hash."""
        self._conn.execute("UPDATE images SET dhash = %s WHERE id = %s", (dhash, image_id))

    def similar(self, user_id: str, dhash: int, excluding: str, max_distance: int,
                limit: int) -> builtins.list[ImageRecord]:
        """The user's generated images whose hash is within max_distance bits of dhash, nearest then newest first;
        the distances come from an index-only scan of the user's hashes."""
        with self._conn.cursor(row_factory=args_row(ImageRecord)) as cursor:
            return cursor.execute(
                f"""WITH near AS MATERIALIZED (
                        SELECT h.id, h.created_at, bit_count((h.dhash # %(hash)s::bigint)::bit(64)) AS distance
                        FROM images h
                        WHERE h.user_id = %(user)s AND h.dhash IS NOT NULL AND h.kind = 'generated'
                          AND h.id <> %(excluding)s
                          AND bit_count((h.dhash # %(hash)s::bigint)::bit(64)) <= %(max)s
                        ORDER BY distance, h.created_at DESC, h.id DESC LIMIT %(limit)s)
                    SELECT {IMAGE_COLUMNS} FROM near JOIN images i ON i.id = near.id
                    ORDER BY near.distance, near.created_at DESC, near.id DESC""",
                {"hash": dhash, "user": user_id, "excluding": excluding, "max": max_distance, "limit": limit},
            ).fetchall()

    def unhashed(self, limit: int) -> builtins.list[ImageRecord]:
        """Up to `limit` images without a difference hash, oldest first."""
        with self._conn.cursor(row_factory=args_row(ImageRecord)) as cursor:
            return cursor.execute(
                f"SELECT {IMAGE_COLUMNS} FROM images i WHERE i.dhash IS NULL ORDER BY i.created_at LIMIT %s",
                (limit,),
            ).fetchall()

    def lineage(self, user_id: str, image_id: str, depth: int,
                limit: int) -> tuple[builtins.list[ImageRecord], builtins.list[ImageRecord]] | None:
        """The user's image's ancestors (nearest first, up to `depth`) and what was made from it and from
        those (nearest first, then oldest, up to `depth` steps and `limit` images); None when the image is not
        theirs."""
        if self._conn.execute("SELECT 1 FROM images WHERE id = %s AND user_id = %s",
                              (image_id, user_id)).fetchone() is None:
            return None
        with self._conn.cursor(row_factory=args_row(ImageRecord)) as cursor:
            ancestors = cursor.execute(
                f"""WITH RECURSIVE up (id, depth) AS (
                        SELECT parent_image_id, 1 FROM images WHERE id = %(image)s AND parent_image_id IS NOT NULL
                        UNION ALL
                        SELECT i.parent_image_id, up.depth + 1 FROM images i JOIN up ON i.id = up.id
                        WHERE i.parent_image_id IS NOT NULL AND up.depth < %(depth)s)
                    SELECT {IMAGE_COLUMNS} FROM up JOIN images i ON i.id = up.id
                    WHERE i.user_id = %(user)s ORDER BY up.depth""",
                {"image": image_id, "user": user_id, "depth": depth},
            ).fetchall()
            descendants = cursor.execute(
                f"""WITH RECURSIVE down (id, depth) AS (
                        SELECT id, 1 FROM images WHERE parent_image_id = %(image)s
                        UNION ALL
                        SELECT i.id, down.depth + 1 FROM images i JOIN down ON i.parent_image_id = down.id
                        WHERE down.depth < %(depth)s)
                    SELECT {IMAGE_COLUMNS} FROM down JOIN images i ON i.id = down.id
                    WHERE i.user_id = %(user)s ORDER BY down.depth, i.created_at, i.id LIMIT %(limit)s""",
                {"image": image_id, "user": user_id, "depth": depth, "limit": limit},
            ).fetchall()
        return ancestors, descendants

    def set_favorite(self, user_id: str, image_ids: builtins.list[str], favorite: bool) -> builtins.list[str]:
        """Sets or clears the favourite mark on those of the images that are the user's; returns their ids."""
        rows = self._conn.execute(
            "UPDATE images SET favorite = %s WHERE user_id = %s AND id = ANY(%s::uuid[]) RETURNING id::text AS id",
            (favorite, user_id, image_ids),
        ).fetchall()
        return [row["id"] for row in rows]

    def delete(self, user_id: str, image_ids: builtins.list[str]) -> builtins.list[str]:
        """Deletes the user's images among image_ids (variants and blobs cascade); returns the S3 keys of them and their
        variants, to remove."""
        variant_keys = self._conn.execute(
            """SELECT v.s3_key FROM image_variants v JOIN images i ON i.id = v.image_id
               WHERE i.user_id = %s AND i.id = ANY(%s::uuid[]) AND v.s3_key IS NOT NULL""",
            (user_id, image_ids),
        ).fetchall()
        rows = self._conn.execute(
            "DELETE FROM images WHERE user_id = %s AND id = ANY(%s::uuid[]) RETURNING s3_key",
            (user_id, image_ids),
        ).fetchall()
        return [row["s3_key"] for row in rows] + [row["s3_key"] for row in variant_keys]

    def variant(self, image_id: str, fmt: str, width: int, quality: int) -> Variant | None:
        """A stored variant of the image at that format, width and quality, or None."""
        row = self._conn.execute(
            """SELECT content_type, bytes, sha256, data, s3_key, created_at FROM image_variants
               WHERE image_id = %s AND format = %s AND width = %s AND quality = %s""",
            (image_id, fmt, width, quality),
        ).fetchone()
        if row is None:
            return None
        return Variant(row["content_type"], row["bytes"], bytes(row["sha256"]),
                       None if row["data"] is None else bytes(row["data"]), row["s3_key"], fmt, width,
                       row["created_at"])

    def image_with_variant(self, user_id: str, image_id: str, fmt: str, width: int,
                           quality: int) -> tuple[ImageRecord, Variant | None] | None:
        """The user's image and its variant at that format, width and quality when already made; None when no such
        image."""
        row = self._conn.execute(
            f"""SELECT {IMAGE_COLUMNS}, v.content_type AS v_content_type, v.bytes AS v_bytes, v.sha256 AS v_sha256,
                       v.data AS v_data, v.s3_key AS v_s3_key, v.width AS v_width, v.created_at AS v_created_at
                FROM images i LEFT JOIN image_variants v
                  ON v.image_id = i.id AND v.format = %s AND v.width = %s AND v.quality = %s
                WHERE i.id = %s AND i.user_id = %s""",
            (fmt, width, quality, image_id, user_id),
        ).fetchone()
        if row is None:
            return None
        variant = None
        if row["v_content_type"] is not None:
            variant = Variant(row["v_content_type"], row["v_bytes"], row["v_sha256"], row["v_data"],
                              row["v_s3_key"], fmt, row["v_width"], row["v_created_at"])
        return _image(row), variant

    def add_variant(self, image_id: str, fmt: str, width: int, quality: int, variant: Variant, now: datetime) -> None:
        """Stores a variant, or replaces the one at the same format, width and quality."""
        self._conn.execute(
            """INSERT INTO image_variants (image_id, format, width, quality, content_type, bytes, sha256, data, s3_key,
                                           created_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (image_id, format, width, quality) DO UPDATE SET content_type = EXCLUDED.content_type,
                   bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256, data = EXCLUDED.data, s3_key = EXCLUDED.s3_key,
                   created_at = EXCLUDED.created_at""",
            (image_id, fmt, width, quality, variant.content_type, variant.bytes, variant.sha256, variant.data,
             variant.s3_key, now),
        )

    def share(self, user_id: str, image_id: str, slug: str, now: datetime) -> str | None:
        """Shares the user's image; returns its slug (an existing one and its time are kept), None when no such
        image or moderators took it down."""
        row = self._conn.execute(
            """UPDATE images SET share_slug = coalesce(share_slug, %s), shared_at = coalesce(shared_at, %s)
               WHERE id = %s AND user_id = %s AND moderated_at IS NULL RETURNING share_slug""",
            (slug, now, image_id, user_id),
        ).fetchone()
        return None if row is None else row["share_slug"]

    def unshare(self, user_id: str, image_id: str) -> bool:
        """Stops sharing and publishing the user's image and clears its hiding (a take-down stays); False when no
        such image."""
        row = self._conn.execute(
            """UPDATE images SET share_slug = NULL, shared_at = NULL, published_at = NULL,
                   hidden_from_community = false, featured_at = NULL
               WHERE id = %s AND user_id = %s RETURNING id""",
            (image_id, user_id),
        ).fetchone()
        return row is not None

    def share_slug(self, image_id: str) -> str | None:
        """The image's share slug, or None when it is not shared or does not exist."""
        row = self._conn.execute("SELECT share_slug FROM images WHERE id = %s", (image_id,)).fetchone()
        return None if row is None else row["share_slug"]

    _SHARED_COLUMNS = f"""{IMAGE_COLUMNS}, i.shared_at, i.published_at, u.public_handle AS author_handle,
        u.display_name,
        (SELECT count(*) FROM community_likes l WHERE l.image_id = i.id)::int AS like_count"""
    _SHARED = f"SELECT {_SHARED_COLUMNS} FROM images i JOIN users u ON u.id = i.user_id"

    def shared(self, slug: str) -> SharedImage | None:
        """The shared image with that slug, or None (also when taken down)."""
        row = self._conn.execute(f"{self._SHARED} WHERE i.share_slug = %s AND i.moderated_at IS NULL",
                                 (slug,)).fetchone()
        return None if row is None else _shared(row)

    def shared_data(self, slug: str, thumbnail: bool) -> bytes | None:
        """The bytes of a shared image, or its thumbnail; None when no image has that slug."""
        row = self._conn.execute(
            f"""SELECT {_BLOB_COLUMN[thumbnail]} AS data
                FROM image_blobs b JOIN images i ON i.id = b.image_id
                WHERE i.share_slug = %s AND i.moderated_at IS NULL""",
            (slug,),
        ).fetchone()
        return None if row is None else bytes(row["data"])

    def feature(self, slug: str, featured: bool, now: datetime) -> str | None:
        """Puts a Community image on the landing page's showcase (keeping when it first was) or takes it off; its id,
        None when no listed image has that slug."""
        row = self._conn.execute(
            f"""UPDATE images i SET featured_at = CASE WHEN %(on)s THEN coalesce(i.featured_at, %(now)s) END
                WHERE i.share_slug = %(slug)s AND {LISTED} RETURNING i.id::text AS id""",
            {"on": featured, "now": now, "slug": slug},
        ).fetchone()
        return None if row is None else row["id"]

    def showcase(self, limit: int) -> builtins.list[SharedImage]:
        """The featured Community images still listed, most recently featured first."""
        rows = self._conn.execute(
            f"""{self._SHARED} WHERE i.featured_at IS NOT NULL AND {LISTED}
                ORDER BY i.featured_at DESC, i.id DESC LIMIT %s""",
            (limit,),
        ).fetchall()
        return [_shared(row) for row in rows]

    def community(self, before: tuple[datetime, str] | None, limit: int) -> builtins.list[SharedImage]:
        """Images listed on Community, most recently published first, before the (published_at, id) cursor."""
        return self.listed(None, None, before, limit)

    def listed(self, q: str | None, viewer_id: str | None, before: tuple[datetime, str] | None,
               limit: int) -> builtins.list[SharedImage]:
        """Published images not hidden nor taken down whose prompt contains q, most recently published first, before
        the (published_at, id) cursor; liked_by_me for the viewer."""
        at, last_id = before if before else (None, None)
        rows = self._conn.execute(
            f"""SELECT {self._SHARED_COLUMNS},
                       EXISTS (SELECT 1 FROM community_likes l
                               WHERE l.image_id = i.id AND l.user_id = %(viewer)s::uuid) AS liked_by_me
                FROM images i JOIN users u ON u.id = i.user_id
                WHERE {LISTED}
                  AND (%(pattern)s::text IS NULL OR i.prompt ILIKE %(pattern)s ESCAPE '\\')
                  AND (%(at)s::timestamptz IS NULL OR (i.published_at, i.id) < (%(at)s, %(last)s::uuid))
                ORDER BY i.published_at DESC, i.id DESC LIMIT %(limit)s""",
            {"at": at, "last": last_id, "limit": limit, "viewer": viewer_id,
             "pattern": None if q is None else _contains(q)},
        ).fetchall()
        return [_shared(row) for row in rows]

    def publish(self, user_id: str, image_id: str, slug: str, now: datetime) -> str | None:
        """Shares (keeping an existing slug) and lists the user's image; its slug, None when no such image or it was
        taken down."""
        row = self._conn.execute(
            """UPDATE images SET share_slug = coalesce(share_slug, %(slug)s), shared_at = coalesce(shared_at, %(now)s),
                   published_at = coalesce(published_at, %(now)s)
               WHERE id = %(id)s AND user_id = %(user)s AND moderated_at IS NULL RETURNING share_slug""",
            {"slug": slug, "now": now, "id": image_id, "user": user_id},
        ).fetchone()
        return None if row is None else row["share_slug"]

    def unpublish(self, user_id: str, image_id: str) -> bool:
        """Takes the user's image off Community, keeping its link; False when no such image."""
        row = self._conn.execute(
            "UPDATE images SET published_at = NULL, featured_at = NULL WHERE id = %s AND user_id = %s RETURNING id",
            (image_id, user_id),
        ).fetchone()
        return row is not None

    def has_public_handle(self, user_id: str) -> bool:
        """Whether the user has chosen a public handle."""
        row = self._conn.execute("SELECT public_handle IS NOT NULL AS has FROM users WHERE id = %s",
                                 (user_id,)).fetchone()
        return bool(row and row["has"])

    def _listed_id(self, slug: str) -> str | None:
        row = self._conn.execute(f"SELECT i.id::text AS id FROM images i WHERE i.share_slug = %s AND {LISTED}",
                                 (slug,)).fetchone()
        return None if row is None else row["id"]

    def like(self, slug: str, user_id: str, liked: bool, now: datetime) -> tuple[int, bool] | None:
        """Likes or unlikes a listed image, once per user; its like count and the user's mark, None when not listed."""
        image_id = self._listed_id(slug)
        if image_id is None:
            return None
        if liked:
            self._conn.execute("""INSERT INTO community_likes (image_id, user_id, created_at) VALUES (%s, %s, %s)
                                  ON CONFLICT DO NOTHING""", (image_id, user_id, now))
        else:
            self._conn.execute("DELETE FROM community_likes WHERE image_id = %s AND user_id = %s", (image_id, user_id))
        row = self._conn.execute(
            """SELECT count(*)::int AS n, coalesce(bool_or(user_id = %s), false) AS mine
               FROM community_likes WHERE image_id = %s""", (user_id, image_id),
        ).fetchone()
        assert row is not None
        return row["n"], row["mine"]

    def report(self, slug: str, user_id: str, reason: str, note: str | None, now: datetime) -> bool:
        """Files a report unless the user has one open on the image; False when the image is not listed."""
        image_id = self._listed_id(slug)
        if image_id is None:
            return False
        self._conn.execute(
            """INSERT INTO community_reports (image_id, reporter_id, reason, note, created_at)
               VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (image_id, reporter_id) WHERE closed_at IS NULL DO NOTHING""",
            (image_id, user_id, reason, note, now),
        )
        return True

    def open_reports(self, before_id: int | None, limit: int) -> builtins.list[CommunityReport]:
        """Open reports newest first, those with ids below before_id when given."""
        rows = self._conn.execute(
            """SELECT r.id, i.share_slug AS slug, i.id::text AS image_id, i.prompt, r.reason, r.note, r.created_at,
                      (SELECT count(*) FROM community_reports o
                       WHERE o.image_id = r.image_id AND o.closed_at IS NULL)::int AS open_reports
               FROM community_reports r JOIN images i ON i.id = r.image_id
               WHERE r.closed_at IS NULL AND i.share_slug IS NOT NULL AND i.moderated_at IS NULL
                 AND (%(before)s::bigint IS NULL OR r.id < %(before)s)
               ORDER BY r.id DESC LIMIT %(limit)s""",
            {"before": before_id, "limit": limit},
        ).fetchall()
        return [CommunityReport(**row) for row in rows]

    def take_down(self, slug: str, now: datetime) -> str | None:
        """Takes a shared image down (off Community, its link 404s) and closes its reports; its id, None when no
        image has that slug."""
        row = self._conn.execute(
            """UPDATE images SET moderated_at = coalesce(moderated_at, %s), hidden_from_community = true
               WHERE share_slug = %s RETURNING id::text AS id""", (now, slug),
        ).fetchone()
        if row is None:
            return None
        self._conn.execute("UPDATE community_reports SET closed_at = %s WHERE image_id = %s AND closed_at IS NULL",
                           (now, row["id"]))
        return row["id"]

    def hide_from_community(self, image_id: str, hidden: bool) -> bool:
        """Hides a shared image from the community feed or shows it again; False when no shared image has that id."""
        row = self._conn.execute(
            "UPDATE images SET hidden_from_community = %s WHERE id = %s AND share_slug IS NOT NULL RETURNING id",
            (hidden, image_id),
        ).fetchone()
        return row is not None

    def queue_s3_deletions(self, keys: builtins.list[str], error: str, now: datetime) -> None:
        """Queues S3 keys whose deletion failed once, with the error, due again at now; keys queued already are kept."""
        for key in keys:
            self._conn.execute(
                """INSERT INTO s3_deletions (s3_key, attempts, last_error, next_attempt_at) VALUES (%s, 1, %s, %s)
                   ON CONFLICT (s3_key) DO NOTHING""",
                (key, error, now),
            )

    def due_s3_deletions(self, now: datetime, limit: int) -> builtins.list[str]:
        """Up to `limit` queued S3 keys due by now, longest waiting first."""
        rows = self._conn.execute(
            "SELECT s3_key FROM s3_deletions WHERE next_attempt_at <= %s ORDER BY next_attempt_at LIMIT %s",
            (now, limit),
        ).fetchall()
        return [row["s3_key"] for row in rows]

    def s3_deleted(self, key: str) -> None:
        """Takes a key off the deletion queue."""
        self._conn.execute("DELETE FROM s3_deletions WHERE s3_key = %s", (key,))

    def s3_deletion_failed(self, key: str, error: str, retry_at: datetime) -> None:
        """Counts a failed deletion and puts the key off until retry_at."""
        self._conn.execute(
            """UPDATE s3_deletions SET attempts = attempts + 1, last_error = %s, next_attempt_at = %s
               WHERE s3_key = %s""",
            (error, retry_at, key),
        )

    def missing_blobs(self, limit: int) -> builtins.list[ImageRecord]:
        """Up to `limit` images, oldest first, whose bytes are not in the database."""
        rows = self._conn.execute(
            f"""SELECT {IMAGE_COLUMNS} FROM images i
                WHERE NOT EXISTS (SELECT 1 FROM image_blobs b WHERE b.image_id = i.id)
                ORDER BY i.created_at LIMIT %s""",
            (limit,),
        ).fetchall()
        return [_image(row) for row in rows]

    def delete_unused_uploads(self, before: datetime, limit: int) -> builtins.list[str]:
        """Deletes up to `limit` uploads made before `before` that no generation took as source or mask, and that are
        neither favourites nor shared; returns the S3 keys to remove (variants' included); skips locked rows."""
        rows = self._conn.execute(
            """WITH doomed AS (
                   SELECT u.id FROM images u
                   WHERE u.kind = 'upload' AND u.created_at < %s AND NOT u.favorite AND u.share_slug IS NULL
                     AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.source_image_id = u.id)
                     AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.mask_image_id = u.id)
                   ORDER BY u.created_at LIMIT %s FOR UPDATE SKIP LOCKED),
               variant_keys AS (
                   SELECT v.s3_key FROM image_variants v JOIN doomed d ON d.id = v.image_id WHERE v.s3_key IS NOT NULL),
               gone AS (DELETE FROM images i USING doomed d WHERE i.id = d.id RETURNING i.s3_key)
               SELECT s3_key FROM gone UNION ALL SELECT s3_key FROM variant_keys""",
            (before, limit),
        ).fetchall()
        return [row["s3_key"] for row in rows]

    def delete_old_tickets(self, before: datetime, limit: int) -> builtins.list[str]:
        """Forgets up to `limit` upload tickets issued before `before`; returns the staging keys of those never
        completed."""
        rows = self._conn.execute(
            """DELETE FROM pending_uploads WHERE id IN (
                   SELECT id FROM pending_uploads WHERE created_at < %s ORDER BY created_at LIMIT %s
                   FOR UPDATE SKIP LOCKED)
               RETURNING s3_key, completed_at""",
            (before, limit),
        ).fetchall()
        return [row["s3_key"] for row in rows if row["completed_at"] is None]

    def restore_blob(self, image_id: str, data: bytes, thumbnail: bytes) -> None:
        """Puts an image's bytes and thumbnail back; an image that has them keeps its own."""
        self._conn.execute(
            "INSERT INTO image_blobs (image_id, data, thumbnail) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (image_id, data, thumbnail),
        )
