"""Amazon Bedrock image models (Nova Canvas, Stable Diffusion 3.5 Large) through bedrock-runtime InvokeModel."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from math import gcd
from typing import Any

from ..domain.imaging import (
    ModelWithdrawn,
    ProviderError,
    ProviderImage,
    ProviderRejected,
    ProviderRequest,
    ProviderResult,
)

# Bedrock's model lifecycle lists Nova Canvas v1 as Legacy from 2026-03-30 with end of life 2026-09-30: it now
# answers ModelWithdrawn. SD 3.5 Large was last listed Active, served on demand only in us-west-2.
NOVA_CANVAS = "amazon.nova-canvas-v1:0"
STABILITY_SD35_LARGE = "stability.sd3-5-large-v1:0"
MODEL_IDS = {"nova-canvas": NOVA_CANVAS, "sd3.5-large": STABILITY_SD35_LARGE}
RETRYABLE_CODES = frozenset({"ThrottlingException", "ServiceUnavailable", "ServiceUnavailableException",
                             "ModelTimeoutException", "InternalServerException", "ModelNotReadyException"})
NOVA_QUALITIES = frozenset({"standard", "premium"})
NOVA_MAX_IMAGES = 5
NOVA_MAX_TEXT = 1024
NOVA_MAX_SEED = 858_993_459
STABILITY_MAX_SEED = 4_294_967_294
WITHDRAWN_PHRASES = ("model identifier is invalid", "end of its life")
STABILITY_ASPECT_RATIOS = frozenset({"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"})


class BedrockImageProvider:
    """Generates images on Amazon Bedrock; the bedrock-runtime client comes from the factory on first use."""

    name = "bedrock"

    def __init__(self, client_factory: Callable[[], Any]) -> None:
        self._client_factory = client_factory
        self._client: Any = None

    def _bedrock(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def generate(self, request: ProviderRequest) -> ProviderResult:
        """Exactly request.n images: one Nova Canvas call, or one Stability call per image. Bedrock reports no usage.

        A model Bedrock no longer serves (past its end of life, or Legacy and idle on this account) raises
        ModelWithdrawn.
        """
        model_id = MODEL_IDS.get(request.model)
        if model_id is None:
            raise ProviderError(f"Bedrock model {request.model!r} is not supported", retryable=False)
        if request.source_image is not None or request.mask_image is not None:
            raise ProviderError(f"{request.model} cannot edit images here", retryable=False)
        if model_id == NOVA_CANVAS:
            return ProviderResult(self._nova_canvas(request))
        return ProviderResult([self._stability(request, index) for index in range(request.n)])

    def _nova_canvas(self, request: ProviderRequest) -> list[ProviderImage]:
        width, height = _dimensions(request.size)
        if request.quality not in NOVA_QUALITIES:
            raise ProviderError(f"Nova Canvas has no quality {request.quality!r}", retryable=False)
        if not 1 <= request.n <= NOVA_MAX_IMAGES:
            raise ProviderError(f"Nova Canvas makes 1 to {NOVA_MAX_IMAGES} images per call", retryable=False)
        if len(request.prompt) > NOVA_MAX_TEXT or len(request.negative_prompt or "") > NOVA_MAX_TEXT:
            raise ProviderError(f"Nova Canvas takes prompts of at most {NOVA_MAX_TEXT} characters", retryable=False)
        text: dict[str, str] = {"text": request.prompt}
        if request.negative_prompt:
            text["negativeText"] = request.negative_prompt
        body = {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": text,
            "imageGenerationConfig": {"numberOfImages": request.n, "width": width, "height": height,
                                      "quality": request.quality, "seed": request.seed % (NOVA_MAX_SEED + 1)},
        }
        reply = self._invoke(request, NOVA_CANVAS, body)
        images = [_decode(b64) for b64 in (reply.get("images") or [])[:request.n]]
        missing = request.n - len(images)
        reason = reply.get("error") or "Nova Canvas returned fewer images than requested"
        return images + [ProviderImage(None, error=str(reason))] * missing

    def _stability(self, request: ProviderRequest, index: int) -> ProviderImage:
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "mode": "text-to-image",
            "aspect_ratio": _aspect_ratio(request.size),
            # Consecutive seeds, so the n calls do not all draw the same picture.
            "seed": (request.seed + index) % (STABILITY_MAX_SEED + 1),
            "output_format": "png",
        }
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        reply = self._invoke(request, STABILITY_SD35_LARGE, body)
        reasons = reply.get("finish_reasons") or [None]
        if reasons[0]:
            return ProviderImage(None, error=str(reasons[0]))
        images = reply.get("images") or []
        if not images:
            return ProviderImage(None, error="Stability returned no image")
        return _decode(images[0])

    def _invoke(self, request: ProviderRequest, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._bedrock().invoke_model(modelId=model_id, body=json.dumps(body),
                                                    contentType="application/json", accept="application/json")
            reply = json.loads(response["body"].read())
        except ClientError as exc:
            raise _provider_error(request, model_id, exc) from exc
        except BotoCoreError as exc:
            raise ProviderError(f"Could not reach Bedrock: {type(exc).__name__}", retryable=True) from exc
        except ValueError as exc:
            raise ProviderError(f"{model_id} returned a body that is not JSON", retryable=True) from exc
        if not isinstance(reply, dict):
            raise ProviderError(f"{model_id} returned an unexpected body", retryable=True)
        return reply


def _provider_error(request: ProviderRequest, model_id: str, exc: Any) -> ProviderError:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", ""), error.get("Message", "")
    if code in RETRYABLE_CODES:
        return ProviderError(f"Bedrock {code} from {model_id}", retryable=True)
    # Bedrock signals a safety refusal only as a ValidationException whose message names the content filters.
    if code == "ValidationException" and "content filter" in message.lower():
        return ProviderRejected(f"{model_id} refused the request: {message}")
    # Past its end of life, or Legacy and idle on this account, a model answers ResourceNotFoundException; one
    # withdrawn from this Region answers only a ValidationException whose message calls the identifier invalid.
    if code == "ResourceNotFoundException" or (code == "ValidationException" and any(
            phrase in message.lower() for phrase in WITHDRAWN_PHRASES)):
        return ModelWithdrawn(request.model, f"Bedrock no longer serves {model_id}: {message}")
    return ProviderError(f"Bedrock {code or 'error'} from {model_id}: {message}", retryable=False)


def _dimensions(size: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in size.lower().split("x"))
    except ValueError:
        raise ProviderError(f"Size {size!r} is not WIDTHxHEIGHT", retryable=False) from None
    return width, height


def _aspect_ratio(size: str) -> str:
    if ":" in size:
        ratio = size
    else:
        width, height = _dimensions(size)
        divisor = gcd(width, height) or 1
        ratio = f"{width // divisor}:{height // divisor}"
    if ratio not in STABILITY_ASPECT_RATIOS:
        raise ProviderError(f"Stability has no aspect ratio for size {size!r}", retryable=False)
    return ratio


def _decode(b64: Any) -> ProviderImage:
    if not isinstance(b64, str) or not b64:
        return ProviderImage(None, error="Bedrock returned an item without image data")
    try:
        return ProviderImage(base64.b64decode(b64, validate=True))
    except (binascii.Error, ValueError):
        return ProviderImage(None, error="Bedrock returned malformed base64 image data")
