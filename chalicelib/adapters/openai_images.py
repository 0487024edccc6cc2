"""OpenAI image generation, image edits and prompt moderation through the official SDK."""

from __future__ import annotations

import base64
import binascii
import email.utils
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..domain.imaging import (
    ModelWithdrawn,
    ProviderError,
    ProviderImage,
    ProviderRejected,
    ProviderRequest,
    ProviderResult,
    TokenUsage,
)

MODERATION_MODEL = "omni-moderation-latest"
REJECTION_CODES = frozenset({"content_policy_violation", "moderation_blocked"})
PARTIAL_IMAGES = 2
UNSTREAMABLE_FORMATS = frozenset({"gif", "svg"})


class OpenAIImageProvider:
    """Generates and edits images with OpenAI's GPT image models; the SDK retries 429 and 5xx itself first.

    The catalogue (which model takes which size, quality, background and format) is data the domain checks before
    a call; this adapter only translates a request into the API's parameters and the reply back.
    """

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

    def generate(self, request: ProviderRequest) -> ProviderResult:
        """Exactly request.n images and the calls' summed token usage; an undecodable item fails that image alone.

        With `request.on_partial` (and a format that streams), each image is its own streaming call, made
        concurrently, and `on_partial(position, data)` is called from those threads as previews arrive; an
        exception it raises fails the call. Otherwise one call makes all n images.
        """
        import openai

        if request.source_image is None and request.mask_image is not None:
            raise ProviderError("A mask needs a source image", retryable=False)
        client = self._openai()
        if request.on_partial is not None and request.output_format not in UNSTREAMABLE_FORMATS:
            return self._streamed(client, request)
        try:
            response = self._call(client, request, request.n, stream=False)
        except openai.OpenAIError as exc:
            raise _provider_error(request, exc) from exc
        items = list(response.data or [])[:request.n]
        images = [_decode(item.b64_json) for item in items]
        missing = request.n - len(images)
        images += [ProviderImage(None, error="OpenAI returned fewer images than requested")] * missing
        return ProviderResult(images, _usage(response.usage))

    def _streamed(self, client: Any, request: ProviderRequest) -> ProviderResult:
        import openai

        # Stream events carry no image index, so one n=1 stream per image is what ties a preview to its position.
        with ThreadPoolExecutor(max_workers=request.n, thread_name_prefix="openai-stream") as pool:
            futures = [pool.submit(self._stream_one, client, request, position) for position in range(request.n)]
        images: list[ProviderImage] = []
        total: TokenUsage | None = None
        failures: list[tuple[ProviderError, Exception]] = []
        for future in futures:
            try:
                image, used = future.result()
            except openai.OpenAIError as exc:
                failure = _provider_error(request, exc)
                failures.append((failure, exc))
                images.append(ProviderImage(None, error=str(failure)))
                continue
            images.append(image)
            if used is not None:
                total = used if total is None else total + used
        # Only a failure of every stream is the call's failure; otherwise the images made are kept.
        if len(failures) == len(futures):
            failure, cause = failures[0]
            raise failure from cause
        return ProviderResult(images, total)

    def _stream_one(self, client: Any, request: ProviderRequest, position: int
                    ) -> tuple[ProviderImage, TokenUsage | None]:
        image = ProviderImage(None, error="OpenAI's stream ended without the final image")
        used: TokenUsage | None = None
        with self._call(client, request, 1, stream=True) as events:
            for event in events:
                if event.type.endswith(".partial_image"):
                    preview = _decode(event.b64_json)
                    if preview.data is not None and request.on_partial is not None:
                        request.on_partial(position, preview.data)
                elif event.type.endswith(".completed"):
                    image, used = _decode(event.b64_json), _usage(event.usage)
        return image, used

    def _call(self, client: Any, request: ProviderRequest, n: int, stream: bool) -> Any:
        params: dict[str, Any] = {"model": request.model, "prompt": request.prompt, "n": n, "size": request.size,
                                  "quality": request.quality, "output_format": request.output_format}
        if request.background != "auto":
            params["background"] = request.background
        if request.output_format == "gif" and request.frame_count is not None:
            params["frame_count"] = request.frame_count
        if request.safety_identifier:
            params["safety_identifier"] = request.safety_identifier
        if stream:
            params.update(stream=True, partial_images=PARTIAL_IMAGES)
        if request.source_image is None:
            return client.images.generate(**params)
        params["image"] = _upload("image", request.source_image)
        if request.input_fidelity is not None:  # only for models that take it (the catalogue's input_fidelity)
            params["input_fidelity"] = request.input_fidelity
        if request.mask_image is not None:
            params["mask"] = _upload("mask", request.mask_image)
        return client.images.edit(**params)


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


def _usage(usage: Any) -> TokenUsage | None:
    if usage is None:
        return None
    inputs = usage.input_tokens_details
    # A stream's completed event has no output details: all its output tokens are the image's.
    outputs = getattr(usage, "output_tokens_details", None)
    return TokenUsage(input_text_tokens=inputs.text_tokens, input_image_tokens=inputs.image_tokens,
                      output_image_tokens=outputs.image_tokens if outputs else usage.output_tokens,
                      output_text_tokens=outputs.text_tokens if outputs else 0)


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


def _provider_error(request: ProviderRequest, exc: Any) -> ProviderError:
    import openai

    if isinstance(exc, openai.NotFoundError) and exc.code == "model_not_found":
        return ModelWithdrawn(request.model, f"OpenAI no longer serves {request.model}: {_message(exc)}")
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
    if isinstance(exc, openai.APIError):
        # An error event inside a stream: no HTTP status, only the event's own error type.
        if exc.code in REJECTION_CODES:
            return ProviderRejected(f"OpenAI refused the request ({exc.code})")
        return ProviderError(f"OpenAI's stream failed ({exc.code or exc.type or 'no code'})",
                             retryable=exc.type == "server_error")
    return ProviderError(f"OpenAI call failed: {type(exc).__name__}", retryable=False)


def _message(exc: Any) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    return str(body.get("message") or exc.message)


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
