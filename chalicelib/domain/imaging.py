"""Ports for making and handling pictures: image providers, moderation and the image codec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ProviderRequest:
    model: str
    prompt: str
    size: str
    quality: str
    n: int
    seed: int
    negative_prompt: str | None = None
    source_image: bytes | None = None
    mask_image: bytes | None = None


@dataclass(frozen=True)
class ProviderImage:
    """One requested image: its bytes, or why that image alone failed."""

    data: bytes | None
    error: str | None = None


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


class ImageProvider(Protocol):
    name: str

    def generate(self, request: ProviderRequest) -> list[ProviderImage]:
        """Returns exactly request.n entries, or raises ProviderError for the whole call."""
        ...


class Moderator(Protocol):
    def check(self, text: str) -> str | None:
        """The reason the text is refused, or None when it may be used."""
        ...


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    content_type: str


class InvalidImage(Exception):
    """Bytes that are not a supported, safe image."""


class ImageCodec(Protocol):
    def inspect(self, data: bytes) -> ImageInfo:
        """Decodes fully (so truncated or hostile files fail here) and describes the image."""
        ...

    def sanitize(self, data: bytes, max_side: int) -> tuple[bytes, ImageInfo]:
        """Re-encodes an upload in its own format without metadata; raises InvalidImage."""
        ...

    def thumbnail(self, data: bytes, max_side: int = 256) -> bytes:
        """A small WebP preview."""
        ...

    def inspect_with_thumbnail(self, data: bytes, max_side: int = 256) -> tuple[ImageInfo, bytes]:
        """inspect() and thumbnail() from one decode."""
        ...

    def to_png(self, data: bytes) -> bytes: ...

    def convert(self, data: bytes, fmt: str, width: int, quality: int) -> bytes:
        """The picture as png, jpeg or webp, scaled down to width keeping its aspect."""
        ...
