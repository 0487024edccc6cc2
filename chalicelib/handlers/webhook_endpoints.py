"""Developers' webhook endpoints, their delivery log and test events (the deliveries go out from the sweeper
schedule in AWS, and from a thread of the local stack)."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from . import bodies
from .api import api_view, authenticate, page_params
from .responses import WebhookDeliveryPageBody, WebhookEndpointPageBody, delivery_json, endpoint_json

bp = Blueprint(__name__)


@bp.route("/v1/webhook-endpoints", methods=["POST"])
@api_view
def create_endpoint() -> Response:
    principal = authenticate(bp.current_request)
    body = bodies.parse(bodies.WebhookEndpointRequest, bp.current_request)
    endpoint = container().webhook_endpoints.create(principal.user.id, body.url, list(body.events), body.description,
                                                    body.low_credits_threshold)
    return Response(endpoint_json(endpoint, with_secret=True), status_code=201)


@bp.route("/v1/webhook-endpoints", methods=["GET"])
@api_view
def list_endpoints() -> Response:
    principal = authenticate(bp.current_request)
    page: WebhookEndpointPageBody = {
        "items": [endpoint_json(e) for e in container().webhook_endpoints.endpoints(principal.user.id)],
        "next_cursor": None}
    return Response(page)


@bp.route("/v1/webhook-endpoints/{endpoint_id}", methods=["PATCH"])
@api_view
def update_endpoint(endpoint_id: str) -> Response:
    principal = authenticate(bp.current_request)
    body = bodies.parse(bodies.EnabledChange, bp.current_request)
    endpoint = container().webhook_endpoints.set_enabled(principal.user.id, endpoint_id, body.enabled)
    return Response(endpoint_json(endpoint))


@bp.route("/v1/webhook-endpoints/{endpoint_id}", methods=["DELETE"])
@api_view
def delete_endpoint(endpoint_id: str) -> Response:
    principal = authenticate(bp.current_request)
    container().webhook_endpoints.delete(principal.user.id, endpoint_id)
    return Response(body="", status_code=204)


@bp.route("/v1/webhook-endpoints/{endpoint_id}/deliveries", methods=["GET"])
@api_view
def list_deliveries(endpoint_id: str) -> Response:
    principal = authenticate(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    items, next_cursor = container().webhook_endpoints.deliveries(principal.user.id, endpoint_id, cursor, limit)
    page: WebhookDeliveryPageBody = {"items": [delivery_json(d) for d in items], "next_cursor": next_cursor}
    return Response(page)


@bp.route("/v1/webhook-endpoints/{endpoint_id}/test", methods=["POST"])
@api_view
def send_test(endpoint_id: str) -> Response:
    principal = authenticate(bp.current_request)
    delivery = container().webhook_endpoints.send_test(principal.user.id, endpoint_id)
    return Response(delivery_json(delivery), status_code=202)
