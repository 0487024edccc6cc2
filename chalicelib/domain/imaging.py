"""Ports for making and handling pictures: image providers, moderation and the image codec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

OUTPUT_TYPES = {"png": "image/png", "webp": "image/webp", "jpeg": "image/jpeg", "gif": "image/gif",
                "svg": "image/svg+xml"}


@dataclass(frozen=True)
class ProviderRequest:
    """One call's worth of images; `on_partial(position, data)` receives streamed previews when given."""

    model: str
    prompt: str
    size: str
    quality: str
    n: int
    seed: int
    negative_prompt: str | None = None
    source_image: bytes | None = None
    mask_image: bytes | None = None
    background: str = "auto"
    output_format: str = "png"
    frame_count: int | None = None
    safety_identifier: str | None = None
    # What the call is for (generate, edit, inpaint, outpaint, upscale, remove_background, variation); providers
    # that have one edit call for all of them may ignore it.
    operation: str = "generate"
    input_fidelity: str | None = None
    on_partial: Callable[[int, bytes], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProviderImage:
    """One requested image: its bytes, or why that image alone failed."""

    data: bytes | None
    error: str | None = None


@dataclass(frozen=True)
class TokenUsage:
    """What a provider call consumed, as its API reports it; summed over the calls of one generation."""

    input_text_tokens: int = 0
    input_image_tokens: int = 0
    output_image_tokens: int = 0
    output_text_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(self.input_text_tokens + other.input_text_tokens,
                          self.input_image_tokens + other.input_image_tokens,
                          self.output_image_tokens + other.output_image_tokens,
                          self.output_text_tokens + other.output_text_tokens)


@dataclass(frozen=True)
class ProviderResult:
    """Exactly request.n images (some may have failed alone) and the call's usage, when the provider reports it."""

    images: list[ProviderImage]
    usage: TokenUsage | None = None


class ProviderError(Exception):
    """A provider call failed as a whole. Retryable failures (429, 5xx, timeouts) may succeed later."""

    def __init__(self, message: str, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """The provider refused the content (its safety system); retrying will not help."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class ModelWithdrawn(ProviderError):
    """The provider says the model does not exist (any more): OpenAI's 404 `model_not_found`."""

    def __init__(self, model: str, message: str) -> None:
        super().__init__(message, retryable=False)
        self.model = model




@dataclass(frozen=True)
class ImageInfo:
    """What decoding found: pixels, the detected content type, the frames of an animation and whether it has alpha."""

    width: int
    height: int
    content_type: str
    frames: int = 1
    has_alpha: bool = False
    # The 64-bit difference hash of the picture (signed, as PostgreSQL's bigint holds it), when it was computed.
    dhash: int | None = field(default=None, compare=False)


class InvalidImage(Exception):
    """Bytes that are not a supported, safe image."""

