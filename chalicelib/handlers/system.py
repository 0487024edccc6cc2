"""Health and the OpenAPI document."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..config import get_settings
from .api import api_view
from .responses import HealthBody

bp = Blueprint(__name__)


@bp.route("/v1/health", methods=["GET"])
@api_view
def health() -> Response:
    version = get_settings().version
    try:
        ok = container().database_ok()
    except Exception:  # noqa: BLE001 - a container that cannot be built means the database is unreachable
        ok = False
    body: HealthBody = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unavailable",
                        "version": version}
    return Response(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


@bp.route("/v1/openapi.json", methods=["GET"])
@api_view
def openapi() -> Response:
    from ..openapi import openapi_document  # built on the first request for it, not at every cold start

    return Response(openapi_document(), headers={"Cache-Control": "public, max-age=300"})
