"""The status page's incidents and its file (issue 22); the page itself is static (frontend/status.html)."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.paging import decode_id_cursor, encode_cursor
from . import bodies
from .api import api_view, page_params, require_admin
from .responses import incident_body

bp = Blueprint(__name__)


@bp.route("/v1/admin/status/incidents", methods=["GET"])
@api_view
def incidents() -> Response:
    require_admin(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    offset = decode_id_cursor(cursor) if cursor else 0
    found = container().status.incidents(offset, limit + 1)
    next_cursor = encode_cursor(offset + limit) if len(found) > limit else None
    return Response({"items": [incident_body(i) for i in found[:limit]], "next_cursor": next_cursor})


@bp.route("/v1/admin/status/incidents", methods=["POST"])
@api_view
def open_incident() -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.IncidentRequest, bp.current_request)
    incident = container().status.open_incident(principal, body.title, list(body.components), body.impact,
                                                body.message)
    return Response(incident_body(incident), status_code=201)


@bp.route("/v1/admin/status/incidents/{incident_id}/updates", methods=["POST"])
@api_view
def update_incident(incident_id: str) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.IncidentUpdateRequest, bp.current_request)
    incident = container().status.update_incident(principal, incident_id, body.status, body.message)
    return Response(incident_body(incident), status_code=201)


@bp.route("/v1/admin/status/publish", methods=["POST"])
@api_view
def publish() -> Response:
    require_admin(bp.current_request)
    return Response(container().status.publish(api_up=True))
