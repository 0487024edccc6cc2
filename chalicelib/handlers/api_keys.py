"""Developer API keys: create (shown once), list with usage, revoke."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.api_keys import KeyLimits
from . import bodies
from .api import api_view, authenticate, parse_moment
from .responses import ApiKeyPageBody, key_json

bp = Blueprint(__name__)


@bp.route("/v1/api-keys", methods=["POST"])
@api_view
def create_key() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body = bodies.parse(bodies.ApiKeyRequest, bp.current_request)
    limits = KeyLimits(monthly_cap=body.monthly_cap_credits, rate_limit=body.rate_limit_per_minute,
                       scopes=body.scopes, allowed_models=body.allowed_models, allowed_ips=body.allowed_ips,
                       expires_at=parse_moment(body.expires_at, "expires_at"))
    key, secret = container().api_keys.create(principal.user, body.name, limits)
    created = key_json(key)
    created["key"] = secret
    return Response(created, status_code=201)


@bp.route("/v1/api-keys", methods=["GET"])
@api_view
def list_keys() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    page: ApiKeyPageBody = {"items": [key_json(k) for k in container().api_keys.list(principal.user.id)],
                            "next_cursor": None}
    return Response(page)


@bp.route("/v1/api-keys/{key_id}", methods=["DELETE"])
@api_view
def revoke_key(key_id: str) -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    container().api_keys.revoke(principal.user.id, key_id)
    return Response("", status_code=204)
