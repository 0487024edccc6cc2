"""Image generation: models and prices, the request path, the worker and the sweeper."""

from __future__ import annotations

import builtins  # ImageRecord has a field named bytes, which shadows the type in annotations after it
import contextlib
import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from .api_keys import ApiKeys, check_key_budget, check_key_model
from .catalogue import Catalog, ModelSpec, Options, Price, Rate, UnitPrice, check_options, safety_identifier, unit_price
from .credits import IdempotencyKeys, Ledger, Payments, StoredResponse, spend
from .errors import (
    Conflict,
    ContentRejected,
    DailyCapReached,
    InvalidRequest,
    ModelUnavailable,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from .idempotency import claim_key, released_on_failure
from .ids import is_uuid
from .imaging import (
    OUTPUT_TYPES,
    ImageCodec,
    ImageInfo,
    ImageProvider,
    InvalidImage,
    ModelWithdrawn,
    Moderator,
    ProviderError,
    ProviderImage,
    ProviderRejected,
    ProviderRequest,
    TokenUsage,
)
from .model import User
from .paging import decode_time_cursor, page_of

MAX_PROMPT = 4000
MAX_NEGATIVE_PROMPT = 2000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_SIDE = 4096
DEFAULT_UPLOAD_QUOTA = 200 * 1024 * 1024  # the admin setting upload_quota_bytes, when it is not set
UPLOAD_TICKET = timedelta(minutes=15)  # how long a presigned POST (and its reservation of quota) lasts
MAX_ATTEMPTS = 3
IMAGE_NAMESPACE = uuid.UUID("8a1d3c52-41f5-4c3e-9a57-1f0f0c7b6a10")
UPLOAD_TYPES = ("image/png", "image/jpeg", "image/webp")
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif", "image/svg+xml": "svg"}
CANCELLED = "Cancelled before it started; every credit was returned."
# Why a generation failed, for clients to branch on; `error` says it for people.
FAILURE_CODES = ("content_refused", "model_withdrawn", "provider_failed", "timed_out", "worker_failed",
                 "cancelled")
PREVIEW_GRACE = timedelta(minutes=2)
STATUSES = ("queued", "running", "succeeded", "failed")


@dataclass(frozen=True)
class StylePreset:
    id: str
    label: str
    prompt_suffix: str


@dataclass(frozen=True)
class PromptTemplate:
    id: str
    label: str
    template: str
    variables: tuple[str, ...]


class ImageRecord(NamedTuple):
    """An image's row; a named tuple because lists build fifty of these per page."""

    id: str
    user_id: str
    generation_id: str | None
    kind: str
    position: int
    width: int
    height: int
    content_type: str
    bytes: int
    sha256: builtins.bytes
    s3_key: str
    favorite: bool
    created_at: datetime
    prompt: str | None = None
    model: str | None = None
    share_slug: str | None = None
    frames: int = 1
    has_alpha: bool = False


@dataclass(frozen=True)
class Generation:
    id: str
    user_id: str
    status: str
    prompt: str
    final_prompt: str
    negative_prompt: str | None
    style_preset: str | None
    model: str
    provider: str | None
    size: str
    quality: str
    n: int
    seed: int
    source_image_id: str | None
    mask_image_id: str | None
    unit_credits: int
    cost_credits: int
    refunded_credits: int
    unit_cost_usd: Decimal
    provider_cost_usd: Decimal
    provider_latency_ms: int | None
    error: str | None
    attempts: int
    created_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    background: str = "auto"
    output_format: str = "png"
    frame_count: int | None = None
    usage: TokenUsage | None = None
    actual_cost_usd: Decimal | None = None
    images: tuple[ImageRecord, ...] = field(default=())
    previews: tuple[int, ...] = field(default=())
    error_code: str | None = None  # one of FAILURE_CODES when it failed

    @property
    def options(self) -> Options:
        return Options(self.size, self.quality, self.background, self.output_format, self.frame_count)


@dataclass(frozen=True)
class PendingUpload:
    """An upload handed a presigned POST: its declared size is held against the quota until it completes."""

    id: str
    user_id: str
    s3_key: str
    content_type: str
    bytes: int
    created_at: datetime
    expires_at: datetime
    image_id: str | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class UploadTicket:
    upload: PendingUpload
    url: str
    fields: dict[str, str]
    expires_in: int


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    model: str | None = None
    size: str | None = None
    quality: str | None = None
    n: int = 1
    style_preset: str | None = None
    negative_prompt: str | None = None
    source_image_id: str | None = None
    mask_image_id: str | None = None
    background: str | None = None
    output_format: str | None = None
    frame_count: int | None = None


@dataclass(frozen=True)
class GenerationFilters:
    status: str | None = None
    model: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Plan:
    """A validated request with its price: what quote shows and create charges."""

    spec: ModelSpec
    price: UnitPrice
    request: GenerationRequest
    options: Options
    final_prompt: str

    @property
    def size(self) -> str:
        return self.options.size

    @property
    def quality(self) -> str:
        return self.options.quality

    @property
    def cost(self) -> int:
        return self.price.credits * self.request.n


class Generations(Protocol):
    def add(self, generation: Generation, api_key_id: str | None = None) -> None: ...

    def lock_spender(self, user_id: str) -> None:
        """Serialises this user's spends until the transaction ends; sums read after it see every earlier one."""
        ...

    def spent_since(self, user_id: str, since: datetime) -> int: ...

    def get(self, generation_id: str, user_id: str | None = None) -> Generation | None: ...

    def claim(self, generation_id: str, now: datetime, lease: timedelta) -> Generation | None:
        """Marks a queued (or abandoned running) generation running; None when another worker has it or it is done."""
        ...

    def finish(self, generation: Generation, now: datetime) -> bool:
        """Closes a queued or running generation; False when it was already closed."""
        ...

    def release(self, generation_id: str) -> None:
        """Puts a running generation back to queued, so the next delivery of its job claims it at once."""
        ...

    def mark_enqueued(self, generation_id: str, now: datetime) -> None: ...

    def due_for_enqueue(self, now: datetime, unsent_after: timedelta, resend_after: timedelta) -> list[str]: ...

    def stuck(self, now: datetime, running_for: timedelta, queued_for: timedelta) -> list[str]: ...

    def cancel(self, generation_id: str, user_id: str, error: str, now: datetime) -> Generation | None:
        """Fails a generation that is still queued, refunding it in full; None when it is not queued (any more)."""
        ...

    def list_for_user(self, user_id: str, filters: GenerationFilters, before: tuple[datetime, str] | None,
                      limit: int) -> list[Generation]: ...


class Images(Protocol):
    def add(self, record: ImageRecord, data: bytes, thumbnail: bytes) -> bool:
        """Stores an image; False when its slot is taken or its generation is no longer running."""
        ...

    def get(self, image_id: str, user_id: str) -> ImageRecord | None: ...

    def data(self, image_id: str, user_id: str) -> bytes | None: ...

    def thumbnail(self, image_id: str, user_id: str) -> bytes | None: ...

    def for_generations(self, generation_ids: list[str]) -> dict[str, list[ImageRecord]]: ...

    def lock_uploads(self, user_id: str) -> None:
        """Serialises this user's uploads until the transaction ends, so the quota is checked one at a time."""
        ...

    def upload_bytes(self, user_id: str, now: datetime, excluding: str | None = None) -> int:
        """Bytes of the user's uploads plus the sizes reserved by open upload tickets (but `excluding`'s)."""
        ...

    def add_pending(self, upload: PendingUpload) -> None: ...

    def pending(self, upload_id: str, user_id: str) -> PendingUpload | None: ...

    def complete_pending(self, upload_id: str, image_id: str, now: datetime) -> None: ...

    def drop_pending(self, upload_id: str) -> None: ...


class Previews(Protocol):
    def put(self, generation_id: str, position: int, s3_key: str, content_type: str, now: datetime) -> bool:
        """Records the latest partial image of one image; False once the generation is no longer running."""
        ...

    def get(self, generation_id: str, user_id: str, position: int, finished_after: datetime) -> tuple[str, str] | None:
        """The S3 key and content type of a preview, for its owner only, while the generation renders or since
        finished_after (a page that saw the preview listed a moment ago may still fetch it)."""
        ...

    def positions(self, generation_ids: list[str]) -> dict[str, list[int]]: ...

    def prune(self, finished_before: datetime) -> int:
        """Forgets the previews of generations that finished before then; S3's lifecycle removes their bytes."""
        ...


class ImageStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes:
        """The object's bytes; KeyError when there is none."""
        ...


class UploadStore(ImageStore, Protocol):
    def delete(self, key: str) -> None: ...

    def presigned_post(self, key: str, content_type: str, max_bytes: int, seconds: int) -> tuple[str, dict[str, str]]:
        """A URL and form fields that let a browser POST one file of that type and at most max_bytes to key."""
        ...


class JobQueue(Protocol):
    def send(self, generation_id: str) -> None: ...


class GenerationEvents(Protocol):
    def generation_finished(self, uow: Any, generation: Generation) -> None:
        """Records what subscribers hear of a closed generation, inside the transaction that closed it."""
        ...

    def balance_changed(self, uow: Any, user_id: str) -> None:
        """Records what subscribers hear of a charge, inside the transaction that took it."""
        ...


class GenerationUnitOfWork(Protocol):
    @property
    def ledger(self) -> Ledger: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def generations(self) -> Generations: ...
    @property
    def images(self) -> Images: ...
    @property
    def previews(self) -> Previews: ...
    @property
    def idempotency(self) -> IdempotencyKeys: ...
    @property
    def payments(self) -> Payments: ...
    @property
    def api_keys(self) -> ApiKeys: ...

    def __enter__(self) -> GenerationUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


def image_id_for(generation_id: str, position: int) -> str:
    """Deterministic, so a redelivered job writes the same row and the same S3 object."""
    return str(uuid.uuid5(IMAGE_NAMESPACE, f"{generation_id}:{position}"))


def s3_key_for(user_id: str, image_id: str, content_type: str) -> str:
    return f"images/{user_id}/{image_id}.{EXTENSIONS[content_type]}"


def preview_key_for(generation_id: str, position: int, content_type: str) -> str:
    return f"previews/{generation_id}/{position}.{EXTENSIONS[content_type]}"


def _clean_text(value: str | None, field_name: str, limit: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InvalidRequest(f"The field {field_name} is required.", {"field": field_name})
        return None
    value = value.strip()
    if not value:
        if required:
            raise InvalidRequest(f"Write a {field_name.replace('_', ' ')}.", {"field": field_name})
        return None
    if len(value) > limit:
        raise InvalidRequest(f"The {field_name.replace('_', ' ')} is at most {limit} characters.",
                             {"field": field_name, "max_length": limit})
    return value


def _parse_uuid(value: str | None, field_name: str) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidRequest(f"The {field_name} is not a valid id.", {"field": field_name}) from None


class GenerationService:
    """Quotes, accepts, cancels and reads generations, and takes uploads."""

    def __init__(self, uow: Callable[[], GenerationUnitOfWork], queue: JobQueue, store: UploadStore,
                 codec: ImageCodec, moderators: list[Moderator], clock: Any, available_providers: set[str],
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None,
                 events: GenerationEvents | None = None) -> None:
        self._uow = uow
        self._events = events
        self._queue = queue
        self._store = store
        self._codec = codec
        self._moderators = moderators
        self._clock = clock
        self._providers = available_providers
        self._log = log

    def _offered(self, uow: GenerationUnitOfWork) -> list[ModelSpec]:
        return [m for m in uow.catalog.models() if m.provider in self._providers]

    def models(self) -> list[tuple[ModelSpec, list[Price], list[Rate]]]:
        """The models this deployment can run, available or withdrawn, with their prices and rates."""
        with self._uow() as uow:
            specs = self._offered(uow)
            rates = uow.catalog.rates()
            return [(m, [p for s in m.sizes for q in m.qualities if (p := uow.catalog.price(m.id, s, q))],
                     [r for r in rates if r.model == m.id]) for m in specs]

    def default_model(self) -> str | None:
        with self._uow() as uow:
            return next((m.id for m in self._offered(uow) if m.available), None)

    def presets(self) -> list[StylePreset]:
        with self._uow() as uow:
            return uow.catalog.presets()

    def templates(self) -> list[PromptTemplate]:
        with self._uow() as uow:
            return uow.catalog.templates()

    def plan(self, user: User, request: GenerationRequest, key_models: tuple[str, ...] | None = None) -> Plan:
        """Validates a request against the catalogue and prices it; quote and create share it. With an API key's
        model list, a model off it is refused here as the charge would refuse it."""
        prompt = _clean_text(request.prompt, "prompt", MAX_PROMPT, required=True)
        negative = _clean_text(request.negative_prompt, "negative_prompt", MAX_NEGATIVE_PROMPT)
        source_id = _parse_uuid(request.source_image_id, "source_image_id")
        mask_id = _parse_uuid(request.mask_image_id, "mask_image_id")
        with self._uow() as uow:
            specs = {m.id: m for m in self._offered(uow)}
            spec = _choose_model(specs, request.model)
            options = check_options(spec, request.size, request.quality, request.background, request.output_format,
                                    request.frame_count, request.n, editing=source_id is not None,
                                    masked=mask_id is not None)
            for image_id, name in ((source_id, "source_image_id"), (mask_id, "mask_image_id")):
                if image_id and uow.images.get(image_id, user.id) is None:
                    raise InvalidRequest("That image does not exist.", {"field": name})
            suffix = None
            if request.style_preset is not None:
                preset = next((p for p in uow.catalog.presets() if p.id == request.style_preset), None)
                if preset is None:
                    raise InvalidRequest("There is no such style preset.", {"field": "style_preset"})
                suffix = preset.prompt_suffix
            price = unit_price(spec, options, uow.catalog)
        assert prompt is not None
        final = f"{prompt}, {suffix}" if suffix else prompt
        cleaned = replace(request, prompt=prompt, negative_prompt=negative, source_image_id=source_id,
                          mask_image_id=mask_id, model=spec.id)
        check_key_model(key_models, spec.id)
        return Plan(spec, price, cleaned, options, final)

    def quote(self, user: User, request: GenerationRequest) -> int:
        return self.plan(user, request).cost

    def create(self, user: User, request: GenerationRequest, idempotency_key: str | None, request_hash: str,
               to_json: Callable[[Generation], dict[str, Any]], api_key_id: str | None = None) -> StoredResponse:
        """Charges and records a generation in one transaction, then queues it; 202 with status queued."""
        plan = self.plan(user, request)
        for text in filter(None, (plan.request.prompt, plan.request.negative_prompt)):
            for moderator in self._moderators:
                reason = moderator.check(text)
                if reason:
                    with self._uow() as uow:  # admins see accounts with moderation hits first
                        uow.payments.flag_user(user.id, "prompt refused by moderation", self._clock.now())
                        uow.commit()
                    raise ContentRejected(reason, {"field": "prompt"})
        now = self._clock.now()
        replay = claim_key(self._uow, user.id, "generation", idempotency_key, request_hash, now)
        if replay is not None:
            return replay
        options = plan.options
        generation = Generation(
            id=str(uuid.uuid4()), user_id=user.id, status="queued", prompt=plan.request.prompt,
            final_prompt=plan.final_prompt, negative_prompt=plan.request.negative_prompt,
            style_preset=plan.request.style_preset, model=plan.spec.id, provider=None, size=options.size,
            quality=options.quality, n=plan.request.n, seed=random.randrange(2**31),  # noqa: S311  # nosec B311 - an image seed
            source_image_id=plan.request.source_image_id, mask_image_id=plan.request.mask_image_id,
            unit_credits=plan.price.credits, cost_credits=plan.cost, refunded_credits=0,
            unit_cost_usd=plan.price.provider_cost_usd, provider_cost_usd=Decimal(0), provider_latency_ms=None,
            error=None, attempts=0, created_at=now, enqueued_at=None, started_at=None, completed_at=None,
            background=options.background, output_format=options.output_format, frame_count=options.frame_count,
        )
        response = StoredResponse(202, to_json(generation))
        with released_on_failure(self._uow, user.id, "generation", idempotency_key), self._uow() as uow:
            if api_key_id:
                check_key_budget(uow.api_keys, api_key_id, plan.cost, plan.spec.id, now)
            daily_cap = uow.catalog.setting("daily_spend_cap", None)
            if daily_cap is not None:
                uow.generations.lock_spender(user.id)
                spent = uow.generations.spent_since(user.id, now.replace(hour=0, minute=0, second=0, microsecond=0))
                if spent + plan.cost > daily_cap:
                    raise DailyCapReached(f"The daily spending limit is {daily_cap} credits; {spent} spent today.",
                                          {"cap": daily_cap, "spent": spent, "cost": plan.cost})
            spend(uow.ledger, user.id, plan.cost, f"generation:{generation.id}", now)
            uow.generations.add(generation, api_key_id)
            if self._events is not None:
                self._events.balance_changed(uow, user.id)
            if idempotency_key:
                uow.idempotency.complete(user.id, "generation", idempotency_key, response)
            uow.commit()
        self._enqueue(generation.id)
        return response

    def cancel(self, user_id: str, generation_id: str) -> Generation:
        """Fails a queued generation and gives every credit back, once; a started one runs to its end."""
        now = self._clock.now()
        with self._uow() as uow:
            cancelled = uow.generations.cancel(generation_id, user_id, CANCELLED, now) \
                if is_uuid(generation_id) else None
            if cancelled is None:
                current = uow.generations.get(generation_id, user_id) if is_uuid(generation_id) else None
                if current is None:
                    raise NotFound("No such generation.")
                raise Conflict(f"Only a queued generation can be cancelled; this one is {current.status}.",
                               {"status": current.status})
            uow.ledger.credit(user_id, cancelled.cost_credits, "generation_refund", f"refund:{cancelled.id}",
                              "system", now)
            if self._events is not None:
                self._events.generation_finished(uow, cancelled)
            uow.commit()
        self._log("generation cancelled", {"generation_id": generation_id, "refunded": cancelled.cost_credits})
        return cancelled

    def _enqueue(self, generation_id: str) -> None:
        try:
            self._queue.send(generation_id)
        except Exception as exc:  # noqa: BLE001 - the sweeper sends what was committed but not queued
            self._log("enqueue failed; the sweeper will resend", {"generation_id": generation_id,
                                                                   "error_type": type(exc).__name__})
            return
        try:
            with self._uow() as uow:
                uow.generations.mark_enqueued(generation_id, self._clock.now())
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - the charge is committed: an error now would invite a second one
            self._log("marking a job sent failed; the sweeper may send it again", {
                "generation_id": generation_id, "error_type": type(exc).__name__})

    def get(self, user_id: str, generation_id: str) -> Generation:
        with self._uow() as uow:
            generation = uow.generations.get(generation_id, user_id) if is_uuid(generation_id) else None
            if generation is None:
                raise NotFound("No such generation.")
            return _with_images(uow, [generation])[0]

    def preview(self, user_id: str, generation_id: str, position: int) -> tuple[bytes, str]:
        """The latest partial picture of one image of a generation that is still rendering, for its owner only."""
        with self._uow() as uow:
            found = uow.previews.get(generation_id, user_id, position, self._clock.now() - PREVIEW_GRACE) \
                if is_uuid(generation_id) else None
        if found is None:
            raise NotFound("No such preview.")
        key, content_type = found
        try:
            return self._store.get(key), content_type
        except KeyError:
            raise NotFound("No such preview.") from None

    def list(self, user_id: str, filters: GenerationFilters, cursor: str | None,
             limit: int) -> tuple[list[Generation], str | None]:
        before = decode_time_cursor(cursor)
        if filters.status is not None and filters.status not in STATUSES:
            raise InvalidRequest("status is one of queued, running, succeeded, failed.", {"field": "status"})
        with self._uow() as uow:
            rows = uow.generations.list_for_user(user_id, filters, before, limit + 1)
            page, next_cursor = page_of(rows, limit, lambda g: (g.created_at.isoformat(), g.id))
            return _with_images(uow, page), next_cursor

    def upload(self, user: User, data: bytes, content_type: str) -> ImageRecord:
        """Stores an uploaded picture, decoded and re-encoded without metadata, like a generated one, within the
        user's upload quota."""
        clean, info = self._sanitized(data, content_type)
        return self._keep_upload(user, clean, info)

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
        record = _record(str(uuid.uuid4()), user.id, None, "upload", 0, info, clean, now)
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

    def _check_quota(self, uow: GenerationUnitOfWork, user_id: str, size: int, now: datetime,
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


def _choose_model(specs: dict[str, ModelSpec], wanted: str | None) -> ModelSpec:
    """The model asked for (or the first available one); a withdrawn model answers with its replacement or a 409."""
    available = [m for m in specs.values() if m.available]
    if wanted is None:
        if not available:
            raise InvalidRequest("No image model is available right now.", {"field": "model"})
        return available[0]
    spec = specs.get(wanted)
    if spec is None:
        raise InvalidRequest("There is no such model.", {"field": "model", "allowed": [m.id for m in available]})
    if spec.available:
        return spec
    replacement = specs.get(spec.replacement_model or "")
    if replacement is not None and replacement.available:
        return replacement
    raise ModelUnavailable(f"{spec.label} is no longer available. {spec.unavailable_reason or ''}".strip(),
                           {"field": "model", "model": spec.id, "allowed": [m.id for m in available]})


def _with_images(uow: GenerationUnitOfWork, generations: list[Generation]) -> list[Generation]:
    ids = [g.id for g in generations]
    images = uow.images.for_generations(ids)
    rendering = [g.id for g in generations if g.status in ("queued", "running")]
    previews = uow.previews.positions(rendering) if rendering else {}
    return [replace(g, images=tuple(images.get(g.id, [])), previews=tuple(previews.get(g.id, [])))
            for g in generations]


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _record(image_id: str, user_id: str, generation_id: str | None, kind: str, position: int, info: ImageInfo,
            data: bytes, now: datetime) -> ImageRecord:
    return ImageRecord(
        id=image_id, user_id=user_id, generation_id=generation_id, kind=kind, position=position, width=info.width,
        height=info.height, content_type=info.content_type, bytes=len(data), sha256=hashlib.sha256(data).digest(),
        s3_key=s3_key_for(user_id, image_id, info.content_type), favorite=False, created_at=now,
        frames=info.frames, has_alpha=info.has_alpha,
    )


@dataclass(frozen=True)
class WorkerPolicy:
    lease: timedelta = timedelta(minutes=6)  # longer than the worker Lambda's 300 s timeout
    unsent_after: timedelta = timedelta(seconds=30)
    resend_after: timedelta = timedelta(minutes=15)
    running_deadline: timedelta = timedelta(minutes=15)
    queued_deadline: timedelta = timedelta(hours=1)


class GenerationWorker:
    """Turns one queued generation into stored images, refunding what could not be made."""

    def __init__(self, uow: Callable[[], GenerationUnitOfWork], providers: dict[str, ImageProvider],
                 codec: ImageCodec, store: ImageStore, queue: JobQueue, clock: Any,
                 policy: WorkerPolicy = WorkerPolicy(),
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None,
                 safety_secret: bytes = b"",
                 on_model_withdrawn: Callable[[str], None] = lambda model: None,
                 events: GenerationEvents | None = None) -> None:
        self._uow = uow
        self._events = events
        self._providers = providers
        self._codec = codec
        self._store = store
        self._queue = queue
        self._clock = clock
        self._policy = policy
        self._log = log
        self._safety_secret = safety_secret
        self._on_model_withdrawn = on_model_withdrawn
        self._catalogue_cache: tuple[float, dict[str, ModelSpec], bool] | None = None

    def process(self, generation_id: str) -> str:
        """Idempotent under redelivery: a generation already running elsewhere or finished is left alone."""
        with self._uow() as uow:
            generation = uow.generations.claim(generation_id, self._clock.now(), self._policy.lease)
            if generation is None:
                return "skipped"
            source = uow.images.data(generation.source_image_id, generation.user_id) \
                if generation.source_image_id else None
            mask = uow.images.data(generation.mask_image_id, generation.user_id) if generation.mask_image_id else None
            specs, fallback_on = self._catalogue(uow)
            uow.commit()
        if generation.attempts > MAX_ATTEMPTS:
            return self._finish(generation, None, Decimal(0), None, "Gave up after repeated worker failures.",
                                error_code="worker_failed")
        try:
            return self._make(generation, source, mask, specs, fallback_on)
        except Exception:
            # Without this the claim's lease would make every redelivery in the next minutes a no-op.
            self._release(generation.id)
            raise

    def _release(self, generation_id: str) -> None:
        try:
            with self._uow() as uow:
                uow.generations.release(generation_id)
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - the lease still expires, and the job is redelivered then
            self._log("could not release a failed claim", {"generation_id": generation_id,
                                                           "error_type": type(exc).__name__})

    def _make(self, generation: Generation, source: bytes | None, mask: bytes | None, specs: dict[str, ModelSpec],
              fallback_on: bool) -> str:
        # Images are written only by the transaction that closes a generation, so a claimed one has none yet.
        missing = list(range(generation.n))
        spec = specs[generation.model]
        if not spec.available:
            return self._finish(generation, spec.provider, Decimal(0), None,
                                f"{spec.label} is no longer available; every credit was returned.")
        streams = spec.previews and generation.output_format not in ("gif", "svg")
        request = ProviderRequest(model=generation.model, prompt=generation.final_prompt, size=generation.size,
                                  quality=generation.quality, n=len(missing), seed=generation.seed,
                                  negative_prompt=generation.negative_prompt,
                                  source_image=self._codec.to_png(source) if source is not None else None,
                                  mask_image=self._codec.to_png(mask) if mask is not None else None,
                                  background=generation.background, output_format=generation.output_format,
                                  frame_count=generation.frame_count,
                                  safety_identifier=safety_identifier(self._safety_secret, generation.user_id),
                                  on_partial=self._preview_writer(generation, missing) if streams else None)
        started = time.perf_counter()
        used, unit_cost = spec, generation.unit_cost_usd
        try:
            result = self._providers[spec.provider].generate(request)
        except ModelWithdrawn as exc:
            self._withdraw(spec, str(exc))
            return self._finish(generation, spec.provider, Decimal(0), None,
                                f"{spec.label} is no longer offered by its provider; every credit was returned.",
                                error_code="model_withdrawn")
        except ProviderRejected as exc:
            return self._finish(generation, spec.provider, Decimal(0), None, f"The provider refused the prompt: {exc}",
                                error_code="content_refused")
        except ProviderError as exc:
            chosen = self._fallback_for(spec, generation, specs, fallback_on, exc, source is not None)
            if chosen is None:
                return self._finish(generation, spec.provider, Decimal(0), None, "The image service is unavailable.",
                                    error_code="provider_failed")
            fallback, options = chosen
            self._log("provider failed; falling back", {"generation_id": generation.id, "from": spec.id,
                                                        "to": fallback.id})
            request = replace(request, model=fallback.id, n=min(len(missing), fallback.max_n), size=options.size,
                              quality=options.quality, on_partial=request.on_partial if fallback.previews else None)
            with self._uow() as uow, contextlib.suppress(InvalidRequest):
                unit_cost = unit_price(fallback, options, uow.catalog).provider_cost_usd
            used = fallback
            try:
                result = self._providers[fallback.provider].generate(request)
            except ProviderError:
                return self._finish(generation, spec.provider, Decimal(0), None, "The image service is unavailable.",
                                    error_code="provider_failed")
        latency_ms = int((time.perf_counter() - started) * 1000)
        made, errors = self._prepare_images(generation, missing, result.images)
        error = None if not errors else f"{len(errors)} of {generation.n} images failed: {errors[0]}"
        return self._finish(generation, used.provider, unit_cost * len(made), latency_ms, error, made,
                            result.usage, used)

    def _fallback_for(self, spec: ModelSpec, generation: Generation, specs: dict[str, ModelSpec], fallback_on: bool,
                      exc: ProviderError, editing: bool) -> tuple[ModelSpec, Options] | None:
        """A retryable failure may move to the fallback model, at the nearest size and quality it makes, when it
        makes the format and background asked for."""
        fallback = specs.get(spec.fallback_model or "")
        if not (exc.retryable and fallback_on and fallback and fallback.available
                and fallback.provider in self._providers and not editing):
            return None
        wanted = generation.options
        try:
            options = check_options(fallback, wanted.size if wanted.size in fallback.sizes else None,
                                    wanted.quality if wanted.quality in fallback.qualities else None,
                                    wanted.background, wanted.output_format, wanted.frame_count, 1, editing=False,
                                    masked=False)
        except InvalidRequest:
            return None
        return fallback, options

    def _withdraw(self, spec: ModelSpec, reason: str) -> None:
        """Marks the model unavailable so no new request is charged for it; the first worker to notice reports it."""
        with self._uow() as uow:
            first = uow.catalog.mark_withdrawn(spec.id, reason[:500], self._clock.now())
            uow.commit()
        self._catalogue_cache = None
        self._log("model withdrawn by its provider", {"model": spec.id, "first_report": first})
        if first:
            self._on_model_withdrawn(spec.id)

    def _preview_writer(self, generation: Generation, positions: list[int]) -> Callable[[int, bytes], None]:
        def write(index: int, data: bytes) -> None:
            if not 0 <= index < len(positions):
                return
            try:
                content_type = _sniff(data) or OUTPUT_TYPES[generation.output_format]
                key = preview_key_for(generation.id, positions[index], content_type)
                self._store.put(key, data, content_type)
                with self._uow() as uow:
                    uow.previews.put(generation.id, positions[index], key, content_type, self._clock.now())
                    uow.commit()
            except Exception as exc:  # noqa: BLE001 - a lost preview must never cost the image itself
                self._log("could not keep a preview", {"generation_id": generation.id,
                                                        "error_type": type(exc).__name__})
        return write

    def _catalogue(self, uow: GenerationUnitOfWork) -> tuple[dict[str, ModelSpec], bool]:
        """Models and the fallback switch, re-read at most every 30 s: admin changes reach workers quickly."""
        now = time.monotonic()
        if self._catalogue_cache is None or now - self._catalogue_cache[0] > 30:
            specs = {m.id: m for m in uow.catalog.models(include_disabled=True)}
            self._catalogue_cache = (now, specs, bool(uow.catalog.setting("provider_fallback", True)))
        return self._catalogue_cache[1], self._catalogue_cache[2]

    def _prepare_images(self, generation: Generation, positions: list[int], results: list[ProviderImage]
                        ) -> tuple[list[tuple[ImageRecord, bytes, bytes]], list[str]]:
        """Validates each image and writes its S3 backup; the rows are written when the generation closes."""
        made, errors = [], []
        for index, position in enumerate(positions):
            result = results[index] if index < len(results) else ProviderImage(None, "no image returned")
            if result.data is None:
                errors.append(result.error or "no image returned")
                continue
            try:
                info, thumbnail = self._codec.inspect_with_thumbnail(result.data)
            except InvalidImage:
                errors.append("the provider returned something that is not an image")
                continue
            record = _record(image_id_for(generation.id, position), generation.user_id, generation.id, "generated",
                             position, info, result.data, self._clock.now())
            self._store.put(record.s3_key, result.data, info.content_type)
            made.append((record, result.data, thumbnail))
        return made, errors

    def _finish(self, generation: Generation, provider: str | None, provider_cost: Decimal, latency_ms: int | None,
                error: str | None, made: list[tuple[ImageRecord, bytes, bytes]] | None = None,
                usage: TokenUsage | None = None, spec: ModelSpec | None = None, error_code: str | None = None) -> str:
        """Stores the new images, refunds what is missing once, and closes the generation, in one transaction."""
        now = self._clock.now()
        actual = spec.token_rates.cost(usage).quantize(Decimal("0.000001")) if usage and spec else None
        with self._uow() as uow:
            stored = sum(uow.images.add(record, data, thumbnail) for record, data, thumbnail in made or [])
            refund = (generation.n - stored) * generation.unit_credits
            status = "succeeded" if stored else "failed"
            finished = replace(
                generation, status=status, provider=provider, provider_cost_usd=provider_cost,
                provider_latency_ms=latency_ms, refunded_credits=refund,
                error=error if (error or not stored) else None, completed_at=now, usage=usage, actual_cost_usd=actual,
                error_code=None if stored else (error_code or "provider_failed"),
            )
            closed = uow.generations.finish(finished, now)
            if not closed:
                return "skipped"
            if refund:
                uow.ledger.credit(generation.user_id, refund, "generation_refund", f"refund:{generation.id}",
                                  "system", now)
            if self._events is not None:
                self._events.generation_finished(uow, finished)
            uow.commit()
        self._log("generation finished", {"generation_id": generation.id, "status": status, "stored": stored,
                                          "refunded": refund, "latency_ms": latency_ms})
        return status

    def sweep(self) -> dict[str, int]:
        """Resends what was committed but never queued, and fails generations stuck past their deadline."""
        now = self._clock.now()
        with self._uow() as uow:
            due = uow.generations.due_for_enqueue(now, self._policy.unsent_after, self._policy.resend_after)
            stuck = uow.generations.stuck(now, self._policy.running_deadline, self._policy.queued_deadline)
            pruned = uow.previews.prune(now - PREVIEW_GRACE)
            uow.commit()
        if pruned:
            self._log("previews of finished generations forgotten", {"previews": pruned})
        resent = 0
        for generation_id in due:
            if generation_id in stuck:
                continue
            try:
                self._queue.send(generation_id)
            except Exception:  # noqa: BLE001, S112  # nosec B112 - a failed send is tried again on the next sweep
                continue
            with self._uow() as uow:
                uow.generations.mark_enqueued(generation_id, now)
                uow.commit()
            resent += 1
        failed = 0
        for generation_id in stuck:
            with self._uow() as uow:
                generation = uow.generations.get(generation_id)
            if generation is not None and generation.status in ("queued", "running"):
                self._finish(generation, generation.provider, Decimal(0), None, "Timed out; the credits were returned.",
                             error_code="timed_out")
                failed += 1
        return {"resent": resent, "failed": failed}
