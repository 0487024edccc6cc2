"""OpenAI's Images API under /v1/openai, so the official SDKs work with base_url=<site>/v1/openai and a Pixmint API
key as api_key. Each call is an ordinary generation; the answer waits for it, and errors are in OpenAI's shape."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Literal

from chalice import Blueprint, Response
from chalice.app import Request

from ..bootstrap import container
from ..domain import errors
from ..domain.api_keys import KEY_PREFIX, require_scope
from ..domain.compatible_images import PARAMS, CompatibleRequest, Outcome, UnknownModel, Upload, from_openai
from ..domain.generation import Generation
from ..domain.idempotency import request_fingerprint
from ..domain.model import Principal
from . import bodies
from .api import (
    GENERATE,
    _request_id,
    authenticate,
    bearer_token,
    client_ip,
    error_response,
)
from .idempotency import answer_once
from .responses import (
    OpenAIErrorDetailBody,
    OpenAIImagesResponseBody,
    OpenAIModelListBody,
    OpenAIUsageBody,
    generation_json,
)

bp = Blueprint(__name__)
PREFIX = "/v1/openai/"
MAX_PARTS = 20
EDIT_FILES = ("image", "image[]", "mask")
# (status, OpenAI's error type, its code) for each kind of Pixmint failure; the first matching class wins.
ERRORS: list[tuple[type[errors.DomainError], int, str, str]] = [
    (errors.ContentRejected, 400, "invalid_request_error", "moderation_blocked"),
    (errors.InvalidRequest, 400, "invalid_request_error", "invalid_value"),
    (errors.InvalidToken, 400, "invalid_request_error", "invalid_value"),
    (errors.Unauthorized, 401, "invalid_request_error", "invalid_api_key"),
    (errors.InsufficientCredits, 402, "insufficient_quota", "insufficient_quota"),
    (errors.KeyCapReached, 402, "insufficient_quota", "insufficient_quota"),
    (errors.DailyCapReached, 402, "insufficient_quota", "insufficient_quota"),
    (errors.Forbidden, 403, "invalid_request_error", "permission_denied"),
    # OpenAI answers 404 for a model it has shut down; a 409 would also make the SDK retry.
    (errors.ModelUnavailable, 404, "invalid_request_error", "model_not_found"),
    (UnknownModel, 404, "invalid_request_error", "model_not_found"),
    (errors.NotFound, 404, "invalid_request_error", "not_found"),
    (errors.RateLimited, 429, "requests", "rate_limit_exceeded"),
]
CHALICE_TYPES = {401: "invalid_request_error", 403: "invalid_request_error", 404: "invalid_request_error",
                 405: "invalid_request_error", 413: "invalid_request_error", 415: "invalid_request_error"}


def openai_error(status: int, message: str, kind: str, code: str | None, param: str | None = None,
                 headers: Mapping[str, str | list[str]] | None = None, **extra: Any) -> Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code, **extra}}
    return Response(body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def error_for(exc: BaseException, request_id: str) -> Response:
    """An exception as OpenAI's error body; the status, Retry-After and logging come from the API's own mapping."""
    base = error_response(exc, request_id)
    headers = {k: v for k, v in base.headers.items() if k.lower() in ("retry-after", "www-authenticate")}
    found = next(((s, t, c) for cls, s, t, c in ERRORS if isinstance(exc, cls)), None)
    if found is not None and isinstance(exc, errors.DomainError):
        status, kind, code = found
        field = exc.details.get("field")
        param = PARAMS.get(field, field) if isinstance(field, str) else None
        if code == "moderation_blocked":
            param = "prompt"
        return openai_error(status, exc.message, kind, code, param, headers)
    envelope = base.body["error"]  # the API's envelope, built from this very exception
    status = base.status_code
    if status == 409:
        headers["x-should-retry"] = "false"  # a conflict here is an Idempotency-Key reused with another body
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return openai_error(status, envelope["message"], kind, envelope["code"], None, headers)


def openai_view(func: Callable[..., Response]) -> Callable[..., Response]:
    """Renders every failure of a view in OpenAI's error shape instead of the Pixmint envelope."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an OpenAI-shaped answer
            return error_for(exc, _request_id(bp.current_request))

    return wrapper


def openai_chalice_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice's own refusals on these paths (wrong method, wrong content type) in OpenAI's shape too."""
    response = get_response(event)
    path = getattr(event, "path", "") or ""  # the route's template, the same behind any API Gateway stage
    body = response.body
    if response.status_code < 400 or not path.startswith(PREFIX) or not isinstance(body, (str, bytes, dict)):
        return response
    try:
        data = json.loads(body) if isinstance(body, (str, bytes)) else body
    except ValueError:
        return response
    if not (isinstance(data, dict) and set(data) == {"Code", "Message"}):
        return response
    status = min(500, response.status_code)
    message = "Something went wrong on our side." if status >= 500 else str(data["Message"])[:500]
    kept = {k: v for k, v in response.headers.items() if k.lower() == "allow"}
    return openai_error(status, message, CHALICE_TYPES.get(status, "server_error" if status >= 500 else
                                                            "invalid_request_error"), None, None, kept)


bp.register_middleware(openai_chalice_errors, "http")


def _principal(request: Request, scopes: tuple[str, ...] = ()) -> Principal:
    """A Pixmint API key as the SDK sends it (Authorization: Bearer pxm_…); X-API-Key and a signed-in user's
    access token work as on every other route."""
    if "authorization" in request.headers and bearer_token(request).startswith(KEY_PREFIX):
        principal = container().api_keys.authenticate(bearer_token(request), client_ip(request))
        if principal.user.suspended:
            raise errors.Forbidden("This account is suspended.", {"reason": "suspended"})
        if scopes:
            require_scope(principal, *scopes)
        return principal
    return authenticate(request, scopes=scopes)


def _time_left() -> float | None:
    context = bp.lambda_context
    return None if context is None else context.get_remaining_time_in_millis() / 1000


@bp.route("/v1/openai/models", methods=["GET"])
@openai_view
def list_models() -> Response:
    _principal(bp.current_request)
    body: OpenAIModelListBody = {"object": "list", "data": [
        {"id": spec.id, "object": "model", "created": 0, "owned_by": spec.provider}
        for spec in container().openai_images.models()]}
    return Response(body)


@bp.route("/v1/openai/images/generations", methods=["POST"])
@openai_view
def generate() -> Response:
    request = bp.current_request
    principal = _principal(request, GENERATE)
    params = bodies.parse(bodies.OpenAIImageRequest, request).given()
    return _run(principal, from_openai(params), request_fingerprint(params), "image_generation")


@bp.route("/v1/openai/images/edits", methods=["POST"], content_types=["multipart/form-data"])
@openai_view
def edit() -> Response:
    request = bp.current_request
    principal = _principal(request, GENERATE)
    form, files = _multipart(request)
    params = bodies.validate(bodies.OpenAIEditRequest, _typed(form)).given()
    images = files.get("image", []) + files.get("image[]", [])
    if len(images) != 1:
        raise errors.InvalidRequest("Send exactly one image to edit.", {"field": "image"})
    masks = files.get("mask", [])
    if len(masks) > 1:
        raise errors.InvalidRequest("Send at most one mask.", {"field": "mask"})
    compatible = from_openai(params, images[0], masks[0] if masks else None)
    fingerprint = request_fingerprint({**form, "files": {name: [base64.b64encode(_digest(f)).decode() for f in items]
                                                         for name, items in files.items()}})
    return _run(principal, compatible, fingerprint, "image_edit")


def _digest(upload: Upload) -> bytes:
    return hashlib.sha256(upload.data).digest()


def _run(principal: Principal, compatible: CompatibleRequest, fingerprint: str, event_prefix: str) -> Response:
    service = container().openai_images
    answer = answer_once(bp.current_request, principal.user.id, "generation", fingerprint, 202,
                         lambda: generation_json(service.start(principal, compatible)))
    outcome = service.wait(principal.user.id, answer.body["id"], compatible, _time_left())
    headers = {"Pixmint-Generation-Id": outcome.generation_id}
    if compatible.stream:
        return Response(_events(outcome, event_prefix), status_code=200,
                        headers={**headers, "Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    if outcome.pending:
        return _pending(outcome, headers)
    generation = outcome.generation
    assert generation is not None
    if generation.status == "failed" or not outcome.images:
        return _failed(generation, headers)
    return Response(_images_response(generation, outcome), headers=headers)


def _pending_error(outcome: Outcome) -> OpenAIErrorDetailBody:
    return {"message": f"The images are still being made. Fetch GET /v1/generations/{outcome.generation_id} for "
                       "them; asking again would make and charge another generation.",
            "type": "timeout", "param": None, "code": "generation_pending", "generation_id": outcome.generation_id,
            "status_url": f"/v1/generations/{outcome.generation_id}"}


def _pending(outcome: Outcome, headers: dict[str, str]) -> Response:
    # x-should-retry: the SDKs retry a 5xx, which would charge a second generation while the first still runs.
    return Response({"error": _pending_error(outcome)}, status_code=504,
                    headers={**headers, "Content-Type": "application/json", "x-should-retry": "false",
                             "Location": f"/v1/generations/{outcome.generation_id}"})


def _refused(generation: Generation) -> bool:
    """The provider's safety system refused the prompt: OpenAI answers that as a 400, and so do we."""
    return generation.error_code == "content_refused"


def _failed_error(generation: Generation) -> OpenAIErrorDetailBody:
    if _refused(generation):
        return {"message": f"{generation.error or 'The request was refused by the safety system.'} Every credit "
                           "was returned.",
                "type": "invalid_request_error", "param": "prompt", "code": "moderation_blocked",
                "generation_id": generation.id}
    return {"message": generation.error or "The images could not be made; every credit was returned.",
            "type": "server_error", "param": None, "code": "generation_failed", "generation_id": generation.id}


def _failed(generation: Generation, headers: dict[str, str]) -> Response:
    # Refunded already; a retry would be a new charge for what may well fail the same way, so the client decides.
    return Response({"error": _failed_error(generation)}, status_code=400 if _refused(generation) else 500,
                    headers={**headers, "Content-Type": "application/json", "x-should-retry": "false"})


def _usage(generation: Generation) -> OpenAIUsageBody:
    usage = generation.usage
    text, image, out = (usage.input_text_tokens, usage.input_image_tokens, usage.output_image_tokens) \
        if usage else (0, 0, 0)
    return {"input_tokens": text + image, "input_tokens_details": {"text_tokens": text, "image_tokens": image},
            "output_tokens": out, "total_tokens": text + image + out}


def _background(generation: Generation) -> Literal["transparent", "opaque"]:
    return "transparent" if any(image.has_alpha for image in generation.images) else "opaque"


def _created(generation: Generation) -> int:
    return int((generation.completed_at or generation.created_at).timestamp())


def _images_response(generation: Generation, outcome: Outcome) -> OpenAIImagesResponseBody:
    return {
        "created": _created(generation),
        "data": [{"b64_json": base64.b64encode(data).decode()} for data in outcome.images],
        "background": _background(generation), "output_format": generation.output_format,
        "quality": generation.quality, "size": generation.size, "usage": _usage(generation),
        "pixmint": {"generation_id": generation.id, "model": generation.model,
                    "cost_credits": generation.cost_credits, "refunded_credits": generation.refunded_credits},
    }


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _events(outcome: Outcome, prefix: str) -> str:
    """The server-sent events OpenAI streams, all at once: Lambda behind API Gateway answers whole responses, so
    the partial images the worker kept come first, then one completed event per image (or an error event)."""
    generation = outcome.generation
    described = {"background": _background(generation) if generation else "auto",
                 "output_format": generation.output_format if generation else "png",
                 "quality": generation.quality if generation else "auto",
                 "size": generation.size if generation else "auto"}
    chunks = []
    for partial in outcome.partials:
        created = _created(generation) if generation else 0
        chunks.append(_sse(f"{prefix}.partial_image", {
            "type": f"{prefix}.partial_image", "b64_json": base64.b64encode(partial.data).decode(),
            "created_at": created, "partial_image_index": partial.index, **described}))
    if outcome.pending or generation is None:
        chunks.append(_sse("error", {"error": _pending_error(outcome)}))
    elif generation.status == "failed" or not outcome.images:
        chunks.append(_sse("error", {"error": _failed_error(generation)}))
    else:
        for data in outcome.images:
            chunks.append(_sse(f"{prefix}.completed", {
                "type": f"{prefix}.completed", "b64_json": base64.b64encode(data).decode(),
                "created_at": _created(generation), "usage": _usage(generation), **described}))
    return "".join(chunks)


@functools.cache
def _form_types() -> dict[str, set[str]]:
    """Each edit parameter's JSON types, from its body model."""
    properties = bodies.OpenAIEditRequest.model_json_schema()["properties"]
    return {name: {option.get("type") for option in prop.get("anyOf", [prop])} for name, prop in properties.items()}


def _typed(form: dict[str, str]) -> dict[str, Any]:
    """Form fields as the JSON types the parameters have (multipart carries only text)."""
    typed: dict[str, Any] = {}
    for name, value in form.items():
        kind = _form_types().get(name, set())
        if "integer" in kind:
            typed[name] = int(value) if value.strip().lstrip("-").isdigit() and value.isascii() else value
        elif "boolean" in kind:
            lowered = value.strip().lower()
            typed[name] = True if lowered in ("true", "1") else False if lowered in ("false", "0") else value
        else:
            typed[name] = value
    return typed


def _multipart(request: Request) -> tuple[dict[str, str], dict[str, list[Upload]]]:
    """The text fields and the files of a multipart/form-data body, as the OpenAI SDK sends them."""
    content_type = request.headers.get("content-type", "")
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
                                                  + raw)
    if not message.is_multipart() or message.get_boundary() is None:
        raise errors.InvalidRequest("Send the image as multipart/form-data.", {"field": "image"})
    form: dict[str, str] = {}
    files: dict[str, list[Upload]] = {}
    assert isinstance(message, EmailMessage)  # what BytesParser makes under an EmailPolicy such as HTTP
    parts = list(message.iter_parts())
    if len(parts) > MAX_PARTS:
        raise errors.InvalidRequest(f"Send at most {MAX_PARTS} form fields.", {"field": "image"})
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        payload = _payload(part)
        if part.get_filename() is not None or name in EDIT_FILES:
            if name not in EDIT_FILES:
                raise errors.InvalidRequest(f"Unknown file: {name}.", {"field": name})
            files.setdefault(name, []).append(Upload(payload, _image_type(part, payload)))
        elif name in form:
            raise errors.InvalidRequest(f"Send the field {name} once.", {"field": name})
        else:
            try:
                form[name] = payload.decode("utf-8")
            except UnicodeDecodeError:
                raise errors.InvalidRequest(f"The field {name} is not UTF-8 text.", {"field": name}) from None
    return form, files


def _payload(part: MIMEPart) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _image_type(part: MIMEPart, data: bytes) -> str:
    """The part's declared type, or what its bytes say when the SDK could only send application/octet-stream."""
    declared = part.get_content_type()
    if declared in ("image/png", "image/jpeg", "image/webp"):
        return declared
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return declared

