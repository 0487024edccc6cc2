"""The image library: listing, downloads in any format and width, favourites, deletion, sharing, publishing to
Community (likes, reports, moderation), restore."""

from __future__ import annotations

import builtins  # list() methods and Variant.bytes shadow the builtins in the annotations after them
import hashlib
import io
import math
import re
import secrets
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from .errors import Conflict, InvalidRequest, NotFound
from .generation import ImageRecord
from .ids import is_uuid
from .model import User
from .paging import decode_id_cursor, decode_time_cursor, encode_cursor, page_of
from .ports import BlobStore, Library, LibraryUnitOfWork

FORMATS = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
DEFAULT_QUALITY = {"png": 100, "jpeg": 90, "webp": 90}
# Scaled copies are made only at these widths (a request rounds up to the next), so an image has a bounded number
# of stored variants however many widths are asked for. Thumbnails and avatars (64-256), cards and feeds (512,
# 768), full-width and Retina layouts (1024-2048), 4K screens up to the largest upload side (3072, 4096), and 1200,
# the Open Graph width the share page asks for; no step is more than twice the one below.
WIDTH_LADDER = (64, 128, 256, 512, 768, 1024, 1200, 1536, 2048, 3072, 4096)
QUALITY_STEPS = (50, 75, 90)  # low, medium, high (the default); a request takes the nearest
VARIANT_S3_DAYS = 30  # the variants/ lifecycle rule; copies kept in S3 are remade before it deletes them
# Kept as made: a GIF's frames and an SVG's vectors would be lost by scaling, so they are only converted away from.
ORIGINAL_ONLY = {"image/gif": "gif", "image/svg+xml": "svg"}
MAX_INLINE_BYTES = 5 * 1024 * 1024  # under Lambda's 6 MB response once base64 and headers are counted
MAX_BULK = 100
LINK_SECONDS = 300
UNUSED_UPLOAD_LIFETIME = timedelta(days=1)  # also the uploads/ lifecycle rule, for files never completed
SWEEP_BATCH = 500


# How far the image page follows an image's lineage, and how many results of it it lists.
LINEAGE_DEPTH, LINEAGE_LIMIT = 20, 100

# Who a published image is credited to when its owner has no public handle yet (images published before handles
# existed); never anything taken from the email or the private display name.
ANONYMOUS_AUTHOR = "A Pixmint artist"
REPORT_REASONS = ("spam", "offensive", "copyright", "other")
MAX_REPORT_NOTE = 500
SHOWCASE_SIZE = 6  # the landing page shows two rows of three
MAX_COMMUNITY_QUERY = 200
SLUG = re.compile(r"[A-Za-z0-9_-]{8,64}")


# Recall (issue 21). An aspect is a shape or a ratio W:H, compared reduced (16:9 also finds 1920x1080).
ASPECT_SHAPES = ("square", "landscape", "portrait")
ASPECT_RATIO = re.compile(r"([1-9][0-9]{0,2}):([1-9][0-9]{0,2})")
SORTS = ("newest", "relevance")
MAX_QUERY = 200
# Hamming distances between 64-bit dHashes: within SIMILAR_DISTANCE pictures look alike (imagehash's usual
# threshold is about 10); within DUPLICATE_DISTANCE they are the same picture resized or re-encoded.
SIMILAR_DISTANCE, DUPLICATE_DISTANCE, SIMILAR_LIMIT = 12, 4, 24
HASH_BACKFILL_BATCH = 200


@dataclass(frozen=True)
class ImageFilters:
    """What a library list is narrowed to; None leaves a filter out. q is a full-text search of the prompt (its
    last word a prefix, as people type); aspect is a shape (ASPECT_SHAPES) or a reduced ratio such as "16:9"; sort
    "relevance" ranks by q."""

    favorite: bool | None = None
    q: str | None = None
    model: str | None = None
    board_id: str | None = None
    rating_min: int | None = None
    operation: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    aspect: str | None = None
    sort: str = "newest"


def normalise_aspect(raw: str) -> str:
    """A shape as given, or a W:H ratio reduced (16:9 stays 16:9, 2:2 becomes 1:1); raises InvalidRequest (field
    aspect)."""
    if raw in ASPECT_SHAPES:
        return raw
    match = ASPECT_RATIO.fullmatch(raw)
    if match is None:
        raise InvalidRequest("aspect is square, landscape, portrait or a ratio such as 16:9.",
                             {"field": "aspect", "allowed": [*ASPECT_SHAPES, "W:H"]})
    width, height = int(match[1]), int(match[2])
    divisor = math.gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits two hashes differ in."""
    return ((a ^ b) & (1 << 64) - 1).bit_count()


@dataclass(frozen=True)
class Variant:
    """A converted copy of an image; its bytes are inline (data) or in S3 (s3_key)."""

    content_type: str
    bytes: int
    sha256: builtins.bytes
    data: builtins.bytes | None
    s3_key: str | None
    format: str = ""
    width: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True)
class Download:
    """Bytes to send, or a short-lived URL to redirect to when they are too large for Lambda."""

    content_type: str
    filename: str
    etag: str
    data: bytes | None = None
    redirect_url: str | None = None
    expires_in: int = LINK_SECONDS


@dataclass(frozen=True)
class SharedImage:
    """A shared image as its public page shows it: a published one credited to its owner's public handle (or
    ANONYMOUS_AUTHOR), an unlisted one to the display name; like_count and liked_by_me (for the viewer) on Community."""

    image: ImageRecord
    slug: str
    shared_at: datetime
    author: str
    published_at: datetime | None = None
    like_count: int = 0
    liked_by_me: bool = False


@dataclass(frozen=True)
class CommunityReport:
    """An open report of a published image, with how many open reports that image has."""

    id: int
    slug: str
    image_id: str
    prompt: str | None
    reason: str
    note: str | None
    created_at: datetime
    open_reports: int


class Auditor(Protocol):
    """The audit log, in the caller's transaction."""

    def audit(self, actor: User, action: str, target_type: str, target_id: str | None, before: Any, after: Any,
              now: datetime) -> None:
        """Appends an audit row naming the actor, with the target's values before and after as JSON."""
        ...


class CommunityLibrary(Library, Protocol):
    """The library with publishing, likes and reports, in the caller's transaction."""

    def publish(self, user_id: str, image_id: str, slug: str, now: datetime) -> str | None:
        """Shares (keeping an existing slug) and lists the user's image; its slug, None when no such image or it was
        taken down."""
        ...

    def unpublish(self, user_id: str, image_id: str) -> bool:
        """Takes the user's image off Community, keeping its link; False when no such image."""
        ...

    def has_public_handle(self, user_id: str) -> bool:
        """Whether the user has chosen a public handle."""
        ...

    def like(self, slug: str, user_id: str, liked: bool, now: datetime) -> tuple[int, bool] | None:
        """Likes or unlikes a listed image, once per user; its like count and the user's mark, None when not listed."""
        ...

    def report(self, slug: str, user_id: str, reason: str, note: str | None, now: datetime) -> bool:
        """Files a report unless the user has one open on the image; False when the image is not listed."""
        ...

    def open_reports(self, before_id: int | None, limit: int) -> builtins.list[CommunityReport]:
        """Open reports newest first, those with ids below before_id when given."""
        ...

    def feature(self, slug: str, featured: bool, now: datetime) -> str | None:
        """Puts a listed image on the landing page's showcase or takes it off; its id, None when none is listed."""
        ...

    def showcase(self, limit: int) -> builtins.list[SharedImage]:
        """The featured Community images still listed, most recently featured first."""
        ...

    def take_down(self, slug: str, now: datetime) -> str | None:
        """Takes a shared image down (off Community, its link 404s) and closes its reports; its id, None when no
        image has that slug."""
        ...

    def listed(self, q: str | None, viewer_id: str | None, before: tuple[datetime, str] | None,
               limit: int) -> builtins.list[SharedImage]:
        """Published images not hidden nor taken down whose prompt contains q, most recently published first, before
        the (published_at, id) cursor; liked_by_me for the viewer."""
        ...


    def search(self, user_id: str, filters: ImageFilters, offset: int, limit: int) -> builtins.list[ImageRecord]:
        """The user's generated images matching the filters and q, best match first (ts_rank), then newest."""
        ...

    def owns_board(self, user_id: str, board_id: str) -> bool:
        """Whether the board is the user's."""
        ...

    def rate(self, user_id: str, image_id: str, stars: int | None) -> bool:
        """Sets or clears the rating of the user's image; False when no such image."""
        ...

    def set_dhash(self, image_id: str, dhash: int) -> None:
        """Stores an image's difference hash."""
        ...

    def similar(self, user_id: str, dhash: int, excluding: str, max_distance: int,
                limit: int) -> builtins.list[ImageRecord]:
        """The user's generated images whose hash is within max_distance bits of dhash, nearest then newest first."""
        ...

    def unhashed(self, limit: int) -> builtins.list[ImageRecord]:
        """Up to `limit` images without a difference hash, oldest first."""
        ...


class CommunityUnitOfWork(LibraryUnitOfWork, Protocol):
    """A library transaction that also reaches the community tables and the audit log."""

    @property
    def library(self) -> CommunityLibrary:
        """The library, in this transaction."""
        ...

    @property
    def admin(self) -> Auditor:
        """The audit log, in this transaction."""
        ...

    def __enter__(self) -> CommunityUnitOfWork: ...




def snap_width(width: int) -> int:
    """The smallest ladder width at least as wide as asked (the widest step for anything wider)."""
    return next((step for step in WIDTH_LADDER if step >= width), WIDTH_LADDER[-1])


def snap_quality(quality: int) -> int:
    """The nearest quality step; halfway rounds up."""
    return min(QUALITY_STEPS, key=lambda step: (abs(step - quality), -step))


def etag_of(sha256: bytes) -> str:
    """A strong ETag from the first 128 bits of a SHA-256, quoted."""
    return '"' + sha256.hex()[:32] + '"'


def download_name(prompt: str | None, image_id: str, extension: str) -> str:
    """A file name such as pixmint-a-red-fox-1a2b3c4d.png: the prompt as a slug of at most 60 characters, then the id's
    start."""
    slug = re.sub(r"[^a-z0-9]+", "-", (prompt or "image").lower()).strip("-")[:60].rstrip("-") or "image"
    return f"pixmint-{slug}-{image_id[:8]}.{extension}"


def _ids(image_ids: list[str]) -> list[str]:
    if not 1 <= len(image_ids) <= MAX_BULK:
        raise InvalidRequest(f"Send 1 to {MAX_BULK} image ids.", {"field": "ids", "max": MAX_BULK})
    clean = []
    for value in image_ids:
        try:
            clean.append(str(uuid.UUID(value)))
        except (ValueError, TypeError, AttributeError):
            raise InvalidRequest("Every id must be an image id.", {"field": "ids"}) from None
    return list(dict.fromkeys(clean))


class LibraryService:
    """Everything a user does with images after they exist; each use case is one transaction."""

    def __init__(self, uow: Callable[[], CommunityUnitOfWork], store: BlobStore, codec: Any, clock: Any,
                 public_url: str, log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None) -> None:
        self._uow = uow
        self._store = store
        self._codec = codec
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        self._log = log

    def list(self, user_id: str, filters: ImageFilters, cursor: str | None,
             limit: int) -> tuple[list[ImageRecord], str | None]:
        """A page of the user's generated images (uploads are not the gallery), newest first or, with q and sort
        relevance, best match first; raises InvalidRequest (field cursor or sort) and NotFound (no such board)."""
        if filters.sort == "relevance" and not filters.q:
            raise InvalidRequest("sort=relevance needs a search: send q as well.", {"field": "sort"})
        if filters.board_id is not None and not is_uuid(filters.board_id):
            raise InvalidRequest("board_id must be a board's id.", {"field": "board_id"})
        if filters.sort == "relevance":
            # Ranks are not a stable key to page on; the offset of a search's ranked results is.
            offset = decode_id_cursor(cursor) if cursor else 0
            with self._uow() as uow:
                self._check_board(uow, user_id, filters.board_id)
                rows = uow.library.search(user_id, filters, offset, limit + 1)
            page = rows[:limit]
            return page, (encode_cursor(offset + limit) if len(rows) > limit else None)
        with self._uow() as uow:
            self._check_board(uow, user_id, filters.board_id)
            rows = uow.library.list(user_id, filters, decode_time_cursor(cursor), limit + 1)
        return page_of(rows, limit, lambda image: (image.created_at.isoformat(), image.id))

    @staticmethod
    def _check_board(uow: Any, user_id: str, board_id: str | None) -> None:
        if board_id is not None and not uow.library.owns_board(user_id, board_id):
            raise NotFound("No such board.", {"field": "board_id"})

    def rate(self, user_id: str, image_id: str, stars: int | None) -> None:
        """Rates the user's image 1 to 5 stars, or clears its rating (None); raises NotFound. Idempotent."""
        with self._uow() as uow:
            if not (is_uuid(image_id) and uow.library.rate(user_id, image_id, stars)):
                raise NotFound("No such image.")
            uow.commit()

    def similar(self, user_id: str, image_id: str) -> builtins.list[ImageRecord]:
        """The user's generated images that look like this one (dHash within SIMILAR_DISTANCE), most alike first,
        then newest, without the image itself; an image stored before hashes existed is hashed now. Raises
        NotFound."""
        with self._uow() as uow:
            image = self._owned(uow, user_id, image_id)
        dhash = image.dhash
        if dhash is None:
            dhash = self._codec.dhash(self._original(image))
            with self._uow() as uow:
                uow.library.set_dhash(image.id, dhash)
                uow.commit()
        with self._uow() as uow:
            return uow.library.similar(user_id, dhash, image.id, SIMILAR_DISTANCE, SIMILAR_LIMIT)

    def backfill_hashes(self, limit: int = HASH_BACKFILL_BATCH) -> dict[str, int]:
        """Computes the dHash of up to `limit` images stored before hashes existed, oldest first; one that cannot be
        decoded is skipped (and counted) until then."""
        hashed = failed = 0
        with self._uow() as uow:
            images = uow.library.unhashed(limit)
        for image in images:
            try:
                dhash = self._codec.dhash(self._original(image))
            except Exception:  # noqa: BLE001 - a damaged or missing original must not stop the others
                failed += 1
                continue
            with self._uow() as uow:
                uow.library.set_dhash(image.id, dhash)
                uow.commit()
            hashed += 1
        return {"hashes_backfilled": hashed, "hashes_failed": failed}

    def _owned(self, uow: Any, user_id: str, image_id: str) -> ImageRecord:
        image = uow.images.get(image_id, user_id) if is_uuid(image_id) else None
        if image is None:
            raise NotFound("No such image.")
        return image

    def image(self, user_id: str, image_id: str) -> ImageRecord:
        """The user's image; raises NotFound."""
        with self._uow() as uow:
            return self._owned(uow, user_id, image_id)

    def lineage(self, user_id: str, image_id: str) -> tuple[builtins.list[ImageRecord], builtins.list[ImageRecord]]:
        """What an image of the user's was made from (nearest first) and what was made from it (nearest first, then
        oldest)."""
        with self._uow() as uow:
            found = uow.library.lineage(user_id, image_id, LINEAGE_DEPTH, LINEAGE_LIMIT) if is_uuid(image_id) else None
        if found is None:
            raise NotFound("No such image.")
        return found

    def thumbnail(self, user_id: str, image_id: str) -> tuple[ImageRecord, bytes]:
        """The user's image and its thumbnail bytes; raises NotFound."""
        with self._uow() as uow:
            image = self._owned(uow, user_id, image_id)
            data = uow.images.thumbnail(image.id, user_id)
        if data is None:
            raise NotFound("No such image.")
        return image, data

    def share_slug(self, user_id: str, image_id: str) -> str | None:
        """The slug of the user's image when it is shared, else None; raises NotFound."""
        with self._uow() as uow:
            self._owned(uow, user_id, image_id)
            return uow.library.share_slug(image_id)

    def download(self, user_id: str, image_id: str, fmt: str | None, width: int | None,
                 quality: int | None, as_link: bool = False) -> Download:
        """The original, or a converted and scaled variant made once and cached; with as_link, always a
        short-lived URL instead of the bytes."""
        try:
            image_id = str(uuid.UUID(image_id))
        except ValueError:
            raise NotFound("No such image.") from None
        fmt, width, quality = self._normalise(fmt, width, quality)
        with self._uow() as uow:
            # One round trip for the common case: the image (ownership checked) and its cached variant.
            found = uow.library.image_with_variant(user_id, image_id, fmt or "", width or 0, quality or 0)
        if found is None:
            raise NotFound("No such image.")
        image, variant = found
        return self._download(image, fmt, width, quality, lambda: self._original(image), variant, as_link)

    def _original(self, image: ImageRecord) -> bytes:
        with self._uow() as uow:
            data = uow.images.data(image.id, image.user_id)
        if data is None:
            data = self._store.get(image.s3_key)  # the backup stands in until restore-images runs
        return data

    @staticmethod
    def _normalise(fmt: str | None, width: int | None,
                   quality: int | None) -> tuple[str | None, int | None, int | None]:
        if fmt is not None and fmt not in FORMATS:
            raise InvalidRequest("format is png, jpeg or webp (or the image's own gif or svg).",
                                 {"field": "format", "allowed": sorted(FORMATS)})
        if width is not None and not 16 <= width <= 8192:
            raise InvalidRequest("width is from 16 to 8192 pixels.", {"field": "width"})
        if quality is not None and not 1 <= quality <= 100:
            raise InvalidRequest("quality is from 1 to 100.", {"field": "quality"})
        if fmt is not None:
            quality = snap_quality(quality) if (quality is not None and fmt != "png") else DEFAULT_QUALITY[fmt]
        return fmt, None if width is None else snap_width(width), quality

    def _download(self, image: ImageRecord, fmt: str | None, width: int | None, quality: int | None,
                  original: Callable[[], bytes], cached: Variant | None = None, as_link: bool = False) -> Download:
        if image.content_type in ORIGINAL_ONLY and fmt in (None, ORIGINAL_ONLY[image.content_type]):
            filename = download_name(image.prompt, image.id, ORIGINAL_ONLY[image.content_type])
            return self._deliver(image.content_type, filename, image.sha256, image.bytes, image.s3_key, original,
                                 as_link)
        fmt, width, quality = self._normalise(fmt, width, quality)
        original_fmt = image.content_type.split("/")[1]
        fmt = fmt or original_fmt
        width = min(width or image.width, image.width)  # scale down only, never up
        quality = quality if (quality is not None and fmt != "png") else DEFAULT_QUALITY[fmt]
        filename = download_name(image.prompt, image.id, "jpg" if fmt == "jpeg" else fmt)
        if fmt == original_fmt and width == image.width:
            return self._deliver(FORMATS[fmt], filename, image.sha256, image.bytes, image.s3_key, original, as_link)
        variant = cached if cached is not None and (cached.width, cached.format) == (width, fmt) else None
        if variant is None:
            with self._uow() as uow:
                variant = uow.library.variant(image.id, fmt, width, quality)
        if variant is not None and variant.s3_key and self._expiring(variant):
            variant = None
        if variant is None:
            data = self._codec.convert(original(), fmt, width, quality)
            digest = hashlib.sha256(data).digest()
            key = None
            if len(data) > MAX_INLINE_BYTES:
                key = f"variants/{image.user_id}/{image.id}/{width}-{quality}.{fmt}"
                self._store.put(key, data, FORMATS[fmt])
            variant = Variant(FORMATS[fmt], len(data), digest, None if key else data, key, fmt, width)
            with self._uow() as uow:
                uow.library.add_variant(image.id, fmt, width, quality, variant, self._clock.now())
                uow.commit()
        data_of = variant.data
        link_key = f"exports/links/{image.user_id}/{image.id}/{width}-{quality}.{fmt}"
        return self._deliver(variant.content_type, filename, variant.sha256, variant.bytes, variant.s3_key,
                             lambda: data_of or b"", as_link, link_key)

    def _expiring(self, variant: Variant) -> bool:
        """An S3 copy the lifecycle rule deletes within a day: remade now rather than linked to."""
        return variant.created_at is None or \
            self._clock.now() - variant.created_at > timedelta(days=VARIANT_S3_DAYS - 1)

    def _deliver(self, content_type: str, filename: str, sha256: bytes, size: int, s3_key: str | None,
                 data: Callable[[], bytes], as_link: bool = False, link_key: str | None = None) -> Download:
        if (as_link or size > MAX_INLINE_BYTES) and s3_key:
            return Download(content_type, filename, etag_of(sha256),
                            redirect_url=self._store.presigned_url(s3_key, filename, LINK_SECONDS))
        if as_link and link_key:
            # Kept in PostgreSQL only: a copy under exports/, which S3 deletes after a day, backs the link.
            self._store.put(link_key, data(), content_type)
            return Download(content_type, filename, etag_of(sha256),
                            redirect_url=self._store.presigned_url(link_key, filename, LINK_SECONDS))
        return Download(content_type, filename, etag_of(sha256), data=data())

    def set_favorite(self, user_id: str, image_ids: builtins.list[str], favorite: bool) -> builtins.list[str]:
        """Sets or clears the favourite mark on those of 1 to MAX_BULK images that are the user's; returns their ids;
        raises InvalidRequest (field ids)."""
        with self._uow() as uow:
            done = uow.library.set_favorite(user_id, _ids(image_ids), favorite)
            uow.commit()
        return done

    def favorite(self, user_id: str, image_id: str, favorite: bool) -> None:
        """Sets or clears the favourite mark on one image; raises NotFound. Idempotent."""
        try:
            ids = _ids([image_id])
        except InvalidRequest:
            raise NotFound("No such image.") from None
        if not self.set_favorite(user_id, ids, favorite):
            raise NotFound("No such image.")

    def delete(self, user_id: str, image_ids: builtins.list[str]) -> builtins.list[str]:
        """Deletes images and their variants now; S3 copies are removed now or by the retry schedule."""
        ids = _ids(image_ids)
        with self._uow() as uow:
            keys = uow.library.delete(user_id, ids)
            uow.commit()
        self._delete_from_s3(keys)
        return ids if keys else []

    def delete_one(self, user_id: str, image_id: str) -> None:
        """Deletes one image as delete() does; raises NotFound."""
        try:
            ids = _ids([image_id])
        except InvalidRequest:
            raise NotFound("No such image.") from None
        if not self.delete(user_id, ids):
            raise NotFound("No such image.")

    def _delete_from_s3(self, keys: builtins.list[str]) -> None:
        failed = []
        for key in keys:
            try:
                self._store.delete(key)
            except Exception as exc:  # noqa: BLE001 - the schedule retries what failed
                failed.append((key, type(exc).__name__))
        if failed:
            with self._uow() as uow:
                for key, error in failed:
                    uow.library.queue_s3_deletions([key], error, self._clock.now())
                uow.commit()

    def retry_s3_deletions(self, limit: int = 200) -> dict[str, int]:
        """Deletes up to `limit` due S3 keys of the deletion queue, putting a failed one off 15 minutes; returns
        {"deleted": n, "failed": n}."""
        now = self._clock.now()
        with self._uow() as uow:
            keys = uow.library.due_s3_deletions(now, limit)
        done = failed = 0
        for key in keys:
            try:
                self._store.delete(key)
            except Exception as exc:  # noqa: BLE001
                with self._uow() as uow:
                    uow.library.s3_deletion_failed(key, type(exc).__name__, now + timedelta(minutes=15))
                    uow.commit()
                failed += 1
                continue
            with self._uow() as uow:
                uow.library.s3_deleted(key)
                uow.commit()
            done += 1
        return {"deleted": done, "failed": failed}

    def sweep_uploads(self, batches: int = 20) -> dict[str, int]:
        """Deletes uploads unused a day after they were made, and upload tickets (with any file they received)
        a day after they were issued; S3 copies go now or through the deletion retry schedule."""
        before = self._clock.now() - UNUSED_UPLOAD_LIFETIME
        counts = {"uploads_deleted": 0, "abandoned_uploads": 0}
        for counter, sweep in (("uploads_deleted", lambda uow: uow.library.delete_unused_uploads),
                               ("abandoned_uploads", lambda uow: uow.library.delete_old_tickets)):
            for _ in range(batches):
                with self._uow() as uow:
                    keys = sweep(uow)(before, SWEEP_BATCH)
                    uow.commit()
                self._delete_from_s3(keys)
                counts[counter] += len(keys)
                if len(keys) < SWEEP_BATCH:
                    break
        return counts

    def zip(self, user_id: str, image_ids: builtins.list[str], as_link: bool = False) -> Download:
        """A ZIP of the originals; large archives (or any, with as_link) go through S3 and a short-lived link."""
        ids = _ids(image_ids)
        buffer = io.BytesIO()
        names: set[str] = set()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for image_id in ids:
                with self._uow() as uow:
                    image = uow.images.get(image_id, user_id)
                if image is None:
                    raise NotFound("No such image.", {"id": image_id})
                name = download_name(image.prompt, image.id, image.content_type.split("/")[1].replace("jpeg", "jpg"))
                names.add(name)
                archive.writestr(name, self._original(image))
        data = buffer.getvalue()
        digest = hashlib.sha256(data).digest()
        filename = f"pixmint-{len(ids)}-images.zip"
        if len(data) > MAX_INLINE_BYTES or as_link:
            key = f"exports/{user_id}/{digest.hex()[:32]}.zip"
            self._store.put(key, data, "application/zip")
            return Download("application/zip", filename, etag_of(digest),
                            redirect_url=self._store.presigned_url(key, filename, 900), expires_in=900)
        return Download("application/zip", filename, etag_of(digest), data=data)

    def share(self, user_id: str, image_id: str) -> tuple[str, str]:
        """Shares the user's image; returns its slug and public URL (sharing again keeps both); raises NotFound."""
        with self._uow() as uow:
            self._owned(uow, user_id, image_id)
            slug = uow.library.share(user_id, image_id, secrets.token_urlsafe(12), self._clock.now())
            if slug is None:
                raise Conflict("Moderators took this image down; it cannot be shared.", {"reason": "taken_down"})
            uow.commit()
        return slug, f"{self._public_url}/s/{slug}"

    def unshare(self, user_id: str, image_id: str) -> None:
        """Stops sharing the user's image, which also takes it off Community; raises NotFound. Idempotent."""
        with self._uow() as uow:
            self._owned(uow, user_id, image_id)
            uow.library.unshare(user_id, image_id)
            uow.commit()

    def shared(self, slug: str) -> SharedImage:
        """The image shared under that slug; raises NotFound."""
        with self._uow() as uow:
            shared = uow.library.shared(slug) if SLUG.fullmatch(slug) else None
        if shared is None:
            raise NotFound("This image is not shared.")
        return shared

    def shared_download(self, slug: str, fmt: str | None, width: int | None, as_link: bool = False) -> Download:
        """A shared image for anyone, on the same width ladder as the owner's downloads."""
        shared = self.shared(slug)
        return self._download(shared.image, fmt, width, None, lambda: self._original(shared.image), None, as_link)

    def shared_thumbnail(self, slug: str) -> bytes:
        """The thumbnail of the image shared under that slug; raises NotFound."""
        self.shared(slug)
        with self._uow() as uow:
            data = uow.library.shared_data(slug, thumbnail=True)
        if data is None:
            raise NotFound("This image is not shared.")
        return data

    def community(self, cursor: str | None, limit: int, q: str | None = None,
                  viewer_id: str | None = None) -> tuple[builtins.list[SharedImage], str | None]:
        """A page of Community: published images, most recently published first, whose prompt contains q (at most
        MAX_COMMUNITY_QUERY characters); raises InvalidRequest (field q or cursor)."""
        q = (q or "").strip() or None
        if q is not None and len(q) > MAX_COMMUNITY_QUERY:
            raise InvalidRequest(f"The search text is at most {MAX_COMMUNITY_QUERY} characters.",
                                 {"field": "q", "max_length": MAX_COMMUNITY_QUERY})
        with self._uow() as uow:
            rows = uow.library.listed(q, viewer_id, decode_time_cursor(cursor), limit + 1)
        return page_of(rows, limit, lambda shared: ((shared.published_at or shared.shared_at).isoformat(),
                                                    shared.image.id))

    def publish(self, user_id: str, image_id: str) -> tuple[str, str]:
        """Lists the user's image on Community, sharing it first when it is not; returns its slug and link. Raises
        NotFound, and Conflict (field public_handle) when the user has no public handle yet. Idempotent."""
        with self._uow() as uow:
            self._owned(uow, user_id, image_id)
            if not uow.library.has_public_handle(user_id):
                raise Conflict("Choose a public handle before publishing to Community.", {"field": "public_handle"})
            slug = uow.library.publish(user_id, image_id, secrets.token_urlsafe(12), self._clock.now())
            if slug is None:
                raise Conflict("Moderators took this image down; it cannot be published.", {"reason": "taken_down"})
            uow.commit()
        return slug, f"{self._public_url}/s/{slug}"

    def unpublish(self, user_id: str, image_id: str) -> None:
        """Takes the user's image off Community; its private link keeps working. Raises NotFound. Idempotent."""
        with self._uow() as uow:
            self._owned(uow, user_id, image_id)
            uow.library.unpublish(user_id, image_id)
            uow.commit()

    def like(self, user_id: str, slug: str, liked: bool) -> tuple[int, bool]:
        """Likes or unlikes an image on Community, counted once per user; returns (like_count, liked_by_me). Raises
        NotFound. Idempotent."""
        with self._uow() as uow:
            found = uow.library.like(slug, user_id, liked, self._clock.now()) if SLUG.fullmatch(slug) else None
            if found is None:
                raise NotFound("This image is not on Community.")
            uow.commit()
        return found

    def report(self, user_id: str, slug: str, reason: str, note: str | None) -> None:
        """Reports an image on Community to the moderators; a user has at most one open report per image (another
        is accepted and dropped). Raises InvalidRequest (field reason or note) and NotFound."""
        if reason not in REPORT_REASONS:
            raise InvalidRequest("reason is spam, offensive, copyright or other.",
                                 {"field": "reason", "allowed": list(REPORT_REASONS)})
        note = " ".join((note or "").split()) or None
        if note is not None and len(note) > MAX_REPORT_NOTE:
            raise InvalidRequest(f"The note is at most {MAX_REPORT_NOTE} characters.",
                                 {"field": "note", "max_length": MAX_REPORT_NOTE})
        with self._uow() as uow:
            if not (SLUG.fullmatch(slug) and uow.library.report(slug, user_id, reason, note, self._clock.now())):
                raise NotFound("This image is not on Community.")
            uow.commit()

    def open_reports(self, cursor: str | None, limit: int) -> tuple[builtins.list[CommunityReport], str | None]:
        """A page of open reports, newest first, for the moderators; raises InvalidRequest (field cursor)."""
        with self._uow() as uow:
            rows = uow.library.open_reports(decode_id_cursor(cursor) if cursor else None, limit + 1)
        return page_of(rows, limit, lambda report: (report.id,))

    def showcase(self) -> builtins.list[SharedImage]:
        """What the landing page shows: the Community images admins featured, newest choice first."""
        with self._uow() as uow:
            return uow.library.showcase(SHOWCASE_SIZE)

    def feature(self, actor: User, slug: str, featured: bool) -> None:
        """Features a Community image on the landing page, or stops; audited. Raises NotFound when no image is
        listed on Community under that slug (only listed images can be featured)."""
        now = self._clock.now()
        with self._uow() as uow:
            image_id = uow.library.feature(slug, featured, now) if SLUG.fullmatch(slug) else None
            if image_id is None:
                raise NotFound("No image is listed on Community under that slug.")
            uow.admin.audit(actor, "community.feature", "image", image_id, {"slug": slug}, {"featured": featured}, now)
            uow.commit()

    def take_down(self, actor: User, slug: str) -> None:
        """Takes a shared image down for an admin: off Community, its link answers 404, its reports are closed;
        audited. Raises NotFound. Idempotent."""
        now = self._clock.now()
        with self._uow() as uow:
            image_id = uow.library.take_down(slug, now) if SLUG.fullmatch(slug) else None
            if image_id is None:
                raise NotFound("No image is shared under that slug.")
            uow.admin.audit(actor, "community.take_down", "image", image_id, {"slug": slug}, {"taken_down": True}, now)
            uow.commit()

    def restore_missing(self, limit: int = 1000) -> dict[str, int]:
        """Rebuilds bytea lost from PostgreSQL out of the S3 backup, byte for byte (sha256 checked)."""
        restored = mismatched = missing = 0
        with self._uow() as uow:
            images = uow.library.missing_blobs(limit)
        for image in images:
            try:
                data = self._store.get(image.s3_key)
            except Exception:  # noqa: BLE001 - reported, the rest go on
                missing += 1
                continue
            if hashlib.sha256(data).digest() != image.sha256:
                mismatched += 1
                continue
            with self._uow() as uow:
                uow.library.restore_blob(image.id, data, self._codec.thumbnail(data))
                uow.commit()
            restored += 1
        return {"restored": restored, "checksum_mismatch": mismatched, "missing_in_s3": missing}

