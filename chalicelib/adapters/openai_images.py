"""OpenAI image generation, image edits and prompt moderation through the official SDK."""

from __future__ import annotations

import base64
import binascii
import email.utils
import time
from dataclasses import dataclass
from typing import Any

from ..domain.imaging import ProviderError, ProviderImage, ProviderRejected, ProviderRequest

MODERATION_MODEL = "omni-moderation-latest"
REJECTION_CODES = frozenset({"content_policy_violation", "moderation_blocked"})


@dataclass(frozen=True)
class _Model:
    sizes: frozenset[str]
    qualities: frozenset[str]
    max_n: int
    edits: bool
    legacy_response_format: bool


MODELS = {
    "gpt-image-1": _Model(frozenset({"1024x1024", "1536x1024", "1024x1536"}), frozenset({"low", "medium", "high"}),
                          max_n=4, edits=True, legacy_response_format=False),
    "dall-e-3": _Model(frozenset({"1024x1024", "1792x1024", "1024x1792"}), frozenset({"standard", "hd"}),
                       max_n=1, edits=False, legacy_response_format=True),
}


class OpenAIImageProvider:
    """Generates and edits images with OpenAI's image models; the SDK retries 429 and 5xx itself first."""

    name = "openai"

    def __init__(self, api_key: str, base_url: str | None = None, timeout: float = 60,
                 max_retries: int = 2) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = timeout
        self._max_retries = max_retries
        self._client: Any = None

    def _openai(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(api_key=self._api_key, base_url=self._base_url, timeout=self._timeout,
                                  max_retries=self._max_retries)
        return self._client

    def generate(self, request: ProviderRequest) -> list[ProviderImage]:
        """Returns exactly request.n images; an undecodable item fails that image alone."""
        import openai

        params = _params(request)
        try:
            if request.source_image is not None:
                files = {"image": _upload("image", request.source_image)}
                if request.mask_image is not None:
                    files["mask"] = _upload("mask", request.mask_image)
                response = self._openai().images.edit(**params, **files)
            else:
                response = self._openai().images.generate(**params)
        except openai.OpenAIError as exc:
            raise _provider_error(exc) from exc
        items = list(response.data or [])[:request.n]
        images = [_decode(item.b64_json) for item in items]
        missing = request.n - len(images)
        return images + [ProviderImage(None, error="OpenAI returned fewer images than requested")] * missing


class OpenAIModerator:
    """Asks OpenAI's moderation model whether a prompt may be used."""

    def __init__(self, api_key: str, base_url: str | None = None, timeout: float = 10, max_retries: int = 2) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = timeout
        self._max_retries = max_retries
        self._client: Any = None

    def _openai(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(api_key=self._api_key, base_url=self._base_url, timeout=self._timeout,
                                  max_retries=self._max_retries)
        return self._client

    def check(self, text: str) -> str | None:
        """The flagged categories as a short reason, or None; any SDK failure is a retryable ProviderError."""
        import openai

        try:
            response = self._openai().moderations.create(model=MODERATION_MODEL, input=text)
        except openai.OpenAIError as exc:
            raise ProviderError(f"OpenAI moderation failed: {type(exc).__name__}", retryable=True) from exc
        flagged = [result for result in response.results if result.flagged]
        if not flagged:
            return None
        categories = sorted({name for result in flagged
                             for name, hit in result.categories.model_dump(by_alias=True).items() if hit})
        return "Flagged by OpenAI moderation: " + (", ".join(categories) or "unspecified")


def _params(request: ProviderRequest) -> dict[str, Any]:
    model = MODELS.get(request.model)
    if model is None:
        raise ProviderError(f"OpenAI model {request.model!r} is not supported", retryable=False)
    if request.size not in model.sizes:
        raise ProviderError(f"{request.model} does not make {request.size} images", retryable=False)
    if request.quality not in model.qualities:
        raise ProviderError(f"{request.model} has no quality {request.quality!r}", retryable=False)
    if not 1 <= request.n <= model.max_n:
        raise ProviderError(f"{request.model} makes 1 to {model.max_n} images per call", retryable=False)
    if request.source_image is None and request.mask_image is not None:
        raise ProviderError("A mask needs a source image", retryable=False)
    if request.source_image is not None and not model.edits:
        raise ProviderError(f"{request.model} cannot edit images", retryable=False)
    params: dict[str, Any] = {"model": request.model, "prompt": request.prompt, "n": request.n,
                              "size": request.size, "quality": request.quality}
    if model.legacy_response_format:
        params["response_format"] = "b64_json"
    return params


def _upload(name: str, data: bytes) -> tuple[str, bytes, str]:
    if data.startswith(b"\xff\xd8\xff"):
        return f"{name}.jpg", data, "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return f"{name}.webp", data, "image/webp"
    return f"{name}.png", data, "image/png"


def _decode(b64: str | None) -> ProviderImage:
    if not b64:
        return ProviderImage(None, error="OpenAI returned an item without image data")
    try:
        return ProviderImage(base64.b64decode(b64, validate=True))
    except (binascii.Error, ValueError):
        return ProviderImage(None, error="OpenAI returned malformed base64 image data")


def _provider_error(exc: Any) -> ProviderError:
    import openai

    if isinstance(exc, openai.RateLimitError):
        return ProviderError("OpenAI rate limit (429)", retryable=True, retry_after=_retry_after(exc.response))
    if isinstance(exc, openai.BadRequestError) and exc.code in REJECTION_CODES:
        return ProviderRejected(f"OpenAI refused the request ({exc.code})")
    if isinstance(exc, openai.APIStatusError):
        return ProviderError(f"OpenAI returned {exc.status_code} ({exc.code or 'no code'})",
                             retryable=exc.status_code >= 500)
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("OpenAI timed out", retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError("Could not reach OpenAI", retryable=True)
    return ProviderError(f"OpenAI call failed: {type(exc).__name__}", retryable=False)


def _retry_after(response: Any) -> float | None:
    milliseconds = response.headers.get("retry-after-ms")
    value = response.headers.get("retry-after")
    try:
        if milliseconds is not None:
            return max(float(milliseconds) / 1000, 0.0)
        if value is not None:
            return max(float(value), 0.0)
    except ValueError:
        pass
    if value:
        parsed = email.utils.parsedate_tz(value)
        if parsed is not None:
            return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)
    return None
