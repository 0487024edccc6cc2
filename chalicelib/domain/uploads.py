"""Uploads: pictures to edit, sent through the API or straight to S3, cleaned and kept within a quota."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .errors import Conflict, InvalidRequest, NotFound, PayloadTooLarge, UnsupportedMediaType
from .generation import ImageRecord, PendingUpload, UploadTicket, image_record
from .ids import is_uuid
from .imaging import ImageInfo, InvalidImage
from .library import DUPLICATE_DISTANCE
from .model import User
from .ports import ImageCodec, UploadStore, UploadsUnitOfWork

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_SIDE = 4096
DEFAULT_UPLOAD_QUOTA = 200 * 1024 * 1024  # the admin setting upload_quota_bytes, when it is not set
UPLOAD_TICKET = timedelta(minutes=15)  # how long a presigned POST (and its reservation of quota) lasts
UPLOAD_TYPES = ("image/png", "image/jpeg", "image/webp")


class UploadService:
    """Takes uploads, direct or through a presigned POST, decoded and re-encoded like generated images."""

    def __init__(self, uow: Callable[[], UploadsUnitOfWork], store: UploadStore, codec: ImageCodec, clock: Any,
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None) -> None:
        self._uow = uow
        self._store = store
        self._codec = codec
        self._clock = clock
        self._log = log

    def upload(self, user: User, data: bytes, content_type: str) -> ImageRecord:
        """Stores an uploaded picture, decoded and re-encoded without metadata, like a generated one, within the
        user's upload quota."""
        clean, info = self._sanitized(data, content_type)
        return self._keep_upload(user, clean, info)

    def upload_noting_duplicate(self, user: User, data: bytes, content_type: str) -> tuple[ImageRecord, str | None]:
        """upload(), and the id of an earlier image of the user's that is the same picture (resized or re-encoded
        alike), when there is one (issue 21)."""
        record = self.upload(user, data, content_type)
        return record, self.duplicate_of(record)

    def complete_noting_duplicate(self, user: User, upload_id: str) -> tuple[ImageRecord, str | None]:
        """complete_upload(), and the earlier image it duplicates, as upload_noting_duplicate()."""
        record = self.complete_upload(user, upload_id)
        return record, self.duplicate_of(record)

    def duplicate_of(self, record: ImageRecord) -> str | None:
        """The user's nearest other image within DUPLICATE_DISTANCE of this one's dHash, or None."""
        if record.dhash is None:
            return None
        with self._uow() as uow:
            return uow.images.lookalike(record.user_id, record.dhash, record.id, DUPLICATE_DISTANCE)

    def start_upload(self, user: User, content_type: str, size: int) -> UploadTicket:
        """Reserves `size` bytes of the quota and hands out a presigned POST for a file too large for the API's
        own payload limit; complete_upload then validates it like a direct upload."""
        if content_type not in UPLOAD_TYPES:
            raise UnsupportedMediaType("Upload a PNG, JPEG or WebP image.", {"allowed": sorted(UPLOAD_TYPES)})
        if size > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge("Images are at most 10 MB.", {"max_bytes": MAX_UPLOAD_BYTES})
        if size < 1:
            raise InvalidRequest("bytes is the file's size, at least 1.", {"field": "bytes"})
        now = self._clock.now()
        upload_id = str(uuid.uuid4())
        pending = PendingUpload(upload_id, user.id, f"uploads/{user.id}/{upload_id}", content_type, size, now,
                                now + UPLOAD_TICKET)
        with self._uow() as uow:
            uow.images.lock_uploads(user.id)
            self._check_quota(uow, user.id, size, now)
            uow.images.add_pending(pending)
            uow.commit()
        seconds = int(UPLOAD_TICKET.total_seconds())
        url, fields = self._store.presigned_post(pending.s3_key, content_type, size, seconds)
        return UploadTicket(pending, url, fields, seconds)

    def complete_upload(self, user: User, upload_id: str) -> ImageRecord:
        """Turns the file POSTed for a ticket into an image, checked and cleaned as a direct upload is; once done,
        asking again answers the same image."""
        with self._uow() as uow:
            pending = uow.images.pending(upload_id, user.id) if is_uuid(upload_id) else None
            done = uow.images.get(pending.image_id, user.id) if pending and pending.image_id else None
        if done is not None:
            return done
        if pending is None or pending.completed_at is not None:
            raise NotFound("No such upload.")
        try:
            data = self._store.get(pending.s3_key)
        except KeyError:
            raise Conflict("Nothing has arrived for this upload yet: POST the file to its url with its fields first.",
                           {"reason": "not_uploaded"}) from None
        try:
            if len(data) > pending.bytes:  # S3 enforces the policy's length range; this holds without it too
                raise PayloadTooLarge(f"The file is larger than the {pending.bytes} bytes its upload declared.",
                                      {"max_bytes": pending.bytes})
            clean, info = self._sanitized(data, pending.content_type)
        except (PayloadTooLarge, UnsupportedMediaType):
            self._forget_staged(pending, drop=True)
            raise
        record = self._keep_upload(user, clean, info, pending)
        self._forget_staged(pending)
        return record

    def _sanitized(self, data: bytes, content_type: str) -> tuple[bytes, ImageInfo]:
        if len(data) > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge("Images are at most 10 MB.", {"max_bytes": MAX_UPLOAD_BYTES})
        if content_type not in UPLOAD_TYPES:
            raise UnsupportedMediaType("Upload a PNG, JPEG or WebP image.", {"allowed": sorted(UPLOAD_TYPES)})
        try:
            info = self._codec.inspect(data)
        except InvalidImage:
            raise UnsupportedMediaType("That file is not a PNG, JPEG or WebP image we can read.") from None
        if info.width > MAX_UPLOAD_SIDE or info.height > MAX_UPLOAD_SIDE:
            raise PayloadTooLarge(f"Images are at most {MAX_UPLOAD_SIDE}x{MAX_UPLOAD_SIDE} pixels.",
                                  {"max_side": MAX_UPLOAD_SIDE})
        try:
            return self._codec.sanitize(data, MAX_UPLOAD_SIDE)
        except InvalidImage:
            raise UnsupportedMediaType("That file is not a PNG, JPEG or WebP image we can read.") from None

    def _keep_upload(self, user: User, clean: bytes, info: ImageInfo,
                     pending: PendingUpload | None = None) -> ImageRecord:
        now = self._clock.now()
        record = image_record(str(uuid.uuid4()), user.id, None, "upload", 0, info, clean, now)
        thumbnail = self._codec.thumbnail(clean)
        with self._uow() as uow:
            uow.images.lock_uploads(user.id)
            if pending is not None:
                current = uow.images.pending(pending.id, user.id)
                done = uow.images.get(current.image_id, user.id) if current and current.image_id else None
                if done is not None:
                    return done  # a concurrent completion of the same ticket got here first
                if current is None or current.completed_at is not None:
                    raise NotFound("No such upload.")
            self._check_quota(uow, user.id, len(clean), now, excluding=pending.id if pending else None)
            self._store.put(record.s3_key, clean, info.content_type)
            uow.images.add(record, clean, thumbnail)
            if pending is not None:
                uow.images.complete_pending(pending.id, record.id, now)
            uow.commit()
        return record

    def _check_quota(self, uow: UploadsUnitOfWork, user_id: str, size: int, now: datetime,
                     excluding: str | None = None) -> None:
        quota = int(uow.catalog.setting("upload_quota_bytes", DEFAULT_UPLOAD_QUOTA))
        used = uow.images.upload_bytes(user_id, now, excluding)
        if used + size > quota:
            raise PayloadTooLarge(
                f"Uploads may take {_megabytes(quota)} in all and {_megabytes(used)} are in use; delete some, or "
                "wait: uploads no generation uses are deleted after a day.",
                {"reason": "upload_quota", "quota_bytes": quota, "used_bytes": used, "bytes": size})

    def _forget_staged(self, pending: PendingUpload, drop: bool = False) -> None:
        """Deletes the raw file a ticket received (the uploads/ lifecycle rule catches any this misses)."""
        try:
            self._store.delete(pending.s3_key)
        except Exception as exc:  # noqa: BLE001 - S3 expires uploads/ after a day anyway
            self._log("could not delete a staged upload", {"upload_id": pending.id, "error_type": type(exc).__name__})
        if drop:
            with self._uow() as uow:
                uow.images.drop_pending(pending.id)
                uow.commit()


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB".replace(".0 MB", " MB")
