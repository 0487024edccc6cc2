"""Models, quotes, generation requests, uploads, presets and templates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.errors import InvalidRequest, NotFound
from ..domain.generation import GenerationFilters, GenerationRequest
from ..domain.idempotency import request_fingerprint
from ..domain.uploads import UPLOAD_TYPES
from . import bodies
from .api import GENERATE, GENERATION_READ, api_view, authenticate, page_params, parse_moment, query_of, whole_number
from .idempotency import answer_once
from .responses import (
    GenerationPageBody,
    ModelsBody,
    PromptTemplatesBody,
    StylePresetsBody,
    UploadTicketBody,
    generation_json,
    model_json,
    quote_json,
    upload_json,
)

bp = Blueprint(__name__)


def _request() -> tuple[GenerationRequest, dict[str, Any]]:
    """The request as the use case takes it, and what was sent (for the idempotency fingerprint)."""
    sent = bodies.parse(bodies.GenerationRequest, bp.current_request).given()
    return GenerationRequest(**{"prompt": None, **sent}), sent


@bp.route("/v1/models", methods=["GET"])
@api_view
def models() -> Response:
    service = container().generations
    default = service.default_model()
    body: ModelsBody = {"items": [model_json(spec, prices, rates, default) for spec, prices, rates in service.models()]}
    return Response(body)


@bp.route("/v1/style-presets", methods=["GET"])
@api_view
def style_presets() -> Response:
    presets = container().generations.presets()
    body: StylePresetsBody = {"items": [{"id": p.id, "label": p.label, "prompt_suffix": p.prompt_suffix}
                                        for p in presets], "next_cursor": None}
    return Response(body)


@bp.route("/v1/prompt-templates", methods=["GET"])
@api_view
def prompt_templates() -> Response:
    templates = container().generations.templates()
    body: PromptTemplatesBody = {"items": [{"id": t.id, "label": t.label, "template": t.template,
                                            "variables": list(t.variables)} for t in templates], "next_cursor": None}
    return Response(body)


@bp.route("/v1/generations/quote", methods=["POST"])
@api_view
def quote() -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATE)
    request, _ = _request()
    return Response(quote_json(container().generations.plan(principal.user, request, principal.key_models),
                               request.n))


@bp.route("/v1/generations", methods=["POST"])
@api_view
def create() -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATE)
    request, sent = _request()
    answer = answer_once(bp.current_request, principal.user.id, "generation", request_fingerprint(sent), 202,
                         lambda: generation_json(container().generations.create(principal.user, request,
                                                                                principal.api_key_id)))
    return Response(answer.body, status_code=answer.status)


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
    page: GenerationPageBody = {"items": [generation_json(g) for g in items], "next_cursor": next_cursor}
    return Response(page)


@bp.route("/v1/uploads", methods=["POST"], content_types=[*UPLOAD_TYPES, "application/json"])
@api_view
def upload() -> Response:
    """The image as the body (up to what Lambda's 6 MB payload allows), or JSON {content_type, bytes} for a
    presigned S3 POST of anything up to 10 MB."""
    principal = authenticate(bp.current_request, scopes=GENERATE)
    content_type = bp.current_request.headers.get("content-type", "").split(";")[0].strip().lower()
    service = container().uploads
    if content_type == "application/json":
        body = bodies.parse(bodies.UploadTicketRequest, bp.current_request)
        ticket = service.start_upload(principal.user, body.content_type.strip().lower(), body.bytes)
        answer: UploadTicketBody = {"upload_id": ticket.upload.id, "url": ticket.url, "fields": ticket.fields,
                                    "expires_in": ticket.expires_in}
        return Response(answer, status_code=201)
    data = bp.current_request.raw_body or b""
    assert isinstance(data, bytes)  # Chalice encodes a text body too, though its annotation allows str
    image, duplicate_of = service.upload_noting_duplicate(principal.user, data, content_type)
    return Response(upload_json(image, duplicate_of), status_code=201)


@bp.route("/v1/uploads/{upload_id}/complete", methods=["POST"])
@api_view
def complete_upload(upload_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=GENERATE)
    image, duplicate_of = container().uploads.complete_noting_duplicate(principal.user, upload_id)
    return Response(upload_json(image, duplicate_of), status_code=201)
