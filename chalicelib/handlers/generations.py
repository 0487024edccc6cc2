"""Models, quotes, generation requests, uploads, presets and templates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.catalogue import ModelSpec, Price, Rate
from ..domain.credits import request_fingerprint
from ..domain.errors import InvalidRequest, NotFound
from ..domain.generation import Generation, GenerationFilters, GenerationRequest, ImageRecord
from .api import (
    GENERATE,
    GENERATION_READ,
    api_view,
    authenticate,
    fields,
    idempotency_key,
    json_body,
    page_params,
    parse_moment,
    query_of,
    rfc3339,
    whole_number,
)
from .images import image_json

bp = Blueprint(__name__)
UPLOAD_TYPES = ["image/png", "image/jpeg", "image/webp"]
REQUEST_FIELDS = {"prompt": str}
OPERATIONS = ("generate", "edit")
OPTIONAL_FIELDS = {"model": str, "size": str, "quality": str, "n": int, "style_preset": str, "negative_prompt": str,
                   "source_image_id": str, "mask_image_id": str, "background": str, "output_format": str,
                   "frame_count": int, "operation": str}


def generation_json(g: Generation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": g.id, "status": g.status, "prompt": g.prompt, "negative_prompt": g.negative_prompt,
        "style_preset": g.style_preset, "model": g.model, "size": g.size, "quality": g.quality, "n": g.n,
        "cost_credits": g.cost_credits, "refunded_credits": g.refunded_credits,
        "source_image_id": g.source_image_id, "mask_image_id": g.mask_image_id,
        "background": g.background, "output_format": g.output_format, "frame_count": g.frame_count,
        "operation": "edit" if g.source_image_id else "generate", "parent_image_id": g.source_image_id,
        "images": [image_json(i) for i in g.images],
        "previews": [{"index": i, "url": f"/v1/generations/{g.id}/previews/{i}"} for i in g.previews],
        "usage": None if g.usage is None else {
            "input_text_tokens": g.usage.input_text_tokens, "input_image_tokens": g.usage.input_image_tokens,
            "output_image_tokens": g.usage.output_image_tokens},
        "created_at": rfc3339(g.created_at), "completed_at": rfc3339(g.completed_at) if g.completed_at else None,
    }
    if g.error:
        body["error"] = g.error
    if g.error_code:
        body["error_code"] = g.error_code
    return body


def _request() -> tuple[GenerationRequest, dict[str, Any]]:
    raw = json_body(bp.current_request)
    body = fields(raw, REQUEST_FIELDS, OPTIONAL_FIELDS, max_length=20_000)
    operation = body.pop("operation", None)
    if operation is not None and operation not in OPERATIONS:
        raise InvalidRequest("operation is generate or edit.", {"field": "operation", "allowed": list(OPERATIONS)})
    if operation is not None and (operation == "edit") != ("source_image_id" in body):
        raise InvalidRequest("An edit needs a source_image_id, and only an edit takes one.", {"field": "operation"})
    return GenerationRequest(**body), raw


def model_json(spec: ModelSpec, prices: list[Price], rates: list[Rate], default: str | None) -> dict[str, Any]:
    return {
        "id": spec.id, "provider": spec.provider, "label": spec.label, "available": spec.available,
        "unavailable_reason": spec.unavailable_reason if not spec.available else None,
        "sizes": list(spec.sizes), "custom_sizes": spec.custom_sizes.as_dict() if spec.custom_sizes else None,
        "qualities": list(spec.qualities), "backgrounds": list(spec.backgrounds),
        "output_formats": list(spec.output_formats), "max_n": spec.max_n, "supports_edit": spec.supports_edit,
        "supports_mask": spec.supports_mask, "previews": spec.previews, "offline": spec.provider == "placeholder",
        "default": spec.id == default,
        "prices": [{"size": p.size, "quality": p.quality, "credits": p.credits} for p in prices],
        "rates": [{"unit": r.unit, "quality": r.quality, "credits": float(r.credits)} for r in rates],
    }


@bp.route("/v1/models", methods=["GET"])
@api_view
def models() -> Response:
    service = container().generations
    default = service.default_model()
    return Response({"items": [model_json(spec, prices, rates, default) for spec, prices, rates in service.models()]})


@bp.route("/v1/style-presets", methods=["GET"])
@api_view
def style_presets() -> Response:
    presets = container().generations.presets()
    items = [{"id": p.id, "label": p.label, "prompt_suffix": p.prompt_suffix} for p in presets]
    return Response({"items": items, "next_cursor": None})


@bp.route("/v1/prompt-templates", methods=["GET"])
@api_view
def prompt_templates() -> Response:
    items = [{"id": t.id, "label": t.label, "template": t.template, "variables": list(t.variables)}
             for t in container().generations.templates()]
    return Response({"items": items, "next_cursor": None})


@bp.route("/v1/generations/quote", methods=["POST"])
@api_view
def quote() -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATE)
    request, _ = _request()
    plan = container().generations.plan(principal.user, request, principal.key_models)
    options = plan.options
    return Response({"cost_credits": plan.cost, "unit_credits": plan.price.credits, "model": plan.spec.id,
                     "size": options.size, "quality": options.quality, "n": request.n,
                     "background": options.background, "output_format": options.output_format,
                     "frame_count": options.frame_count, "breakdown": plan.price.breakdown(request.n)})


@bp.route("/v1/generations", methods=["POST"])
@api_view
def create() -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATE)
    request, raw = _request()
    stored = container().generations.create(principal.user, request, idempotency_key(bp.current_request),
                                            request_fingerprint(raw), generation_json, principal.api_key_id)
    return Response(stored.body, status_code=stored.status)


@bp.route("/v1/generations/{generation_id}", methods=["GET"])
@api_view
def get_generation(generation_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATION_READ)
    return Response(generation_json(container().generations.get(principal.user.id, generation_id)))


@bp.route("/v1/generations/{generation_id}/cancel", methods=["POST"])
@api_view
def cancel_generation(generation_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATE)
    return Response(generation_json(container().generations.cancel(principal.user.id, generation_id)))


@bp.route("/v1/generations/{generation_id}/previews/{index}", methods=["GET"])
@api_view
def generation_preview(generation_id: str, index: str) -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATION_READ)
    if not whole_number(index) or int(index) > 64:
        raise NotFound("No such preview.")
    data, content_type = container().generations.preview(principal.user.id, generation_id, int(index))
    return Response(data, headers={"Content-Type": content_type, "Cache-Control": "private, no-store"})


def _moment(query: Mapping[str, str], name: str) -> datetime | None:
    return parse_moment(query.get(name) or None, name)


@bp.route("/v1/generations", methods=["GET"])
@api_view
def list_generations() -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATION_READ)
    limit, cursor = page_params(bp.current_request)
    query = query_of(bp.current_request)
    q = (query.get("q") or "").strip() or None
    if q and len(q) > 200:
        raise InvalidRequest("The search text is at most 200 characters.", {"field": "q"})
    filters = GenerationFilters(status=query.get("status") or None, model=query.get("model") or None, q=q,
                                since=_moment(query, "since"), until=_moment(query, "until"))
    items, next_cursor = container().generations.list(principal.user.id, filters, cursor, limit)
    return Response({"items": [generation_json(g) for g in items], "next_cursor": next_cursor})


def _upload_json(image: ImageRecord) -> dict[str, Any]:
    return {"id": image.id, "width": image.width, "height": image.height, "content_type": image.content_type,
            "bytes": image.bytes}


@bp.route("/v1/uploads", methods=["POST"], content_types=[*UPLOAD_TYPES, "application/json"])
@api_view
def upload() -> Response:
    """The image as the body (up to what Lambda's 6 MB payload allows), or JSON {content_type, bytes} for a
    presigned S3 POST of anything up to 10 MB."""
    principal = authenticate(bp.current_request, scopes=GENERATE)
    content_type = bp.current_request.headers.get("content-type", "").split(";")[0].strip().lower()
    service = container().generations
    if content_type == "application/json":
        body = fields(json_body(bp.current_request), {"content_type": str, "bytes": int})
        ticket = service.start_upload(principal.user, body["content_type"].strip().lower(), body["bytes"])
        return Response({"upload_id": ticket.upload.id, "url": ticket.url, "fields": ticket.fields,
                         "expires_in": ticket.expires_in}, status_code=201)
    data = bp.current_request.raw_body or b""
    assert isinstance(data, bytes)  # Chalice encodes a text body too, though its annotation allows str
    image = service.upload(principal.user, data, content_type)
    return Response(_upload_json(image), status_code=201)


@bp.route("/v1/uploads/{upload_id}/complete", methods=["POST"])
@api_view
def complete_upload(upload_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATE)
    return Response(_upload_json(container().generations.complete_upload(principal.user, upload_id)),
                    status_code=201)
