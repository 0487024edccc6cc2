"""What a generation is: its records, the request for one, its limits and where its images are kept."""

from __future__ import annotations

import builtins  # ImageRecord has a field named bytes, which shadows the type in annotations after it
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from .catalogue import ModelSpec, Options, UnitPrice
from .imaging import ImageInfo, TokenUsage
from .operations import OperationPlan

MAX_PROMPT = 4000
MAX_NEGATIVE_PROMPT = 2000
IMAGE_NAMESPACE = uuid.UUID("8a1d3c52-41f5-4c3e-9a57-1f0f0c7b6a10")
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif", "image/svg+xml": "svg"}
# Why a generation failed, for clients to branch on; `error` says it for people.
FAILURE_CODES = ("content_refused", "model_withdrawn", "provider_failed", "timed_out", "worker_failed",
                 "cancelled")
PREVIEW_GRACE = timedelta(minutes=2)
STATUSES = ("queued", "running", "succeeded", "failed")


@dataclass(frozen=True)
class StylePreset:
    """A style the user can pick; its suffix is appended to the prompt."""

    id: str
    label: str
    prompt_suffix: str


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt with named blanks for the user to fill in."""

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
    operation: str = "generate"  # how it was made (an upload's is "generate": it was made outside)
    parent_image_id: str | None = None  # the image it was made from, while that image exists
    published: bool = False  # listed on Community (shared is only an unlisted link)
    rating: int | None = None  # 1 to 5 stars, when the owner rated it
    dhash: int | None = None  # the picture's difference hash, for similar images (issue 21)


@dataclass(frozen=True)
class Generation:
    """One request for n images and its lifecycle (queued, running, succeeded, failed); credits and USD as charged and
    refunded."""

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
    operation: str = "generate"  # one of operations.OPERATIONS
    # The operation's own parameters as recorded: outpaint {left, right, top, bottom}, upscale {width, height},
    # input_fidelity; what the worker prepares the source with.
    operation_params: dict[str, Any] = field(default_factory=dict)

    @property
    def options(self) -> Options:
        """The size, quality, background, output format and frame count it was made with."""
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
    """A reserved upload and the presigned POST (URL and form fields) valid for expires_in seconds."""

    upload: PendingUpload
    url: str
    fields: dict[str, str]
    expires_in: int


@dataclass(frozen=True)
class GenerationRequest:
    """What a caller asks for. The prompt may be left out of an operation that has its own (outpaint, upscale,
    remove background) or of a variation, which takes its source's."""

    prompt: str | None
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
    operation: str | None = None  # None: generate, or edit when there is a source image
    outpaint: Any = None  # {left, right, top, bottom}, as the caller sent it; checked by plan_operation
    upscale: Any = None  # {factor} or {width, height}


@dataclass(frozen=True)
class GenerationFilters:
    """What a list of generations is narrowed to; None leaves a filter out, q is a full-text search of the prompt."""

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
    operation: OperationPlan

    @property
    def size(self) -> str:
        """The size the images will be made at."""
        return self.options.size

    @property
    def quality(self) -> str:
        """The quality the images will be made at."""
        return self.options.quality

    @property
    def cost(self) -> int:
        """What the whole request costs in credits: the unit price times n."""
        return self.price.credits * self.request.n


def image_id_for(generation_id: str, position: int) -> str:
    """Deterministic, so a redelivered job writes the same row and the same S3 object."""
    return str(uuid.uuid5(IMAGE_NAMESPACE, f"{generation_id}:{position}"))


def s3_key_for(user_id: str, image_id: str, content_type: str) -> str:
    """The S3 key of an image's backup copy; raises KeyError for a content type with no known extension."""
    return f"images/{user_id}/{image_id}.{EXTENSIONS[content_type]}"


def preview_key_for(generation_id: str, position: int, content_type: str) -> str:
    """The S3 key of a generation's latest partial image at one position."""
    return f"previews/{generation_id}/{position}.{EXTENSIONS[content_type]}"


def image_record(image_id: str, user_id: str, generation_id: str | None, kind: str, position: int, info: ImageInfo,
            data: bytes, now: datetime) -> ImageRecord:
    """A new, unfavourited image record of the bytes, with their size and SHA-256, keyed for S3 under the user."""
    return ImageRecord(
        id=image_id, user_id=user_id, generation_id=generation_id, kind=kind, position=position, width=info.width,
        height=info.height, content_type=info.content_type, bytes=len(data), sha256=hashlib.sha256(data).digest(),
        s3_key=s3_key_for(user_id, image_id, info.content_type), favorite=False, created_at=now,
        frames=info.frames, has_alpha=info.has_alpha, dhash=info.dhash,
    )
