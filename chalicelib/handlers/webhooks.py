"""Stripe's webhook: verified over the raw body, applied once, acknowledged only once stored."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..observability import logger
from .api import api_view
from .responses import WebhookAckBody

bp = Blueprint(__name__)


@bp.route("/v1/webhooks/stripe", methods=["POST"])
@api_view
def stripe_webhook() -> Response:
    request = bp.current_request
    services = container()
    event = services.webhooks.verify(request.raw_body or b"", request.headers.get("stripe-signature"))
    outcome = services.credits.handle_stripe_event(event)
    logger.info("stripe event", extra={"event_id": event["id"], "event_type": event["type"], "outcome": outcome})
    ack: WebhookAckBody = {"received": True, "outcome": outcome}
    return Response(ack)
