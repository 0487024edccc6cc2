"""Email preferences, unsubscribe links, and the SES bounce and complaint events (issue 22)."""

from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint, Response

from ..bootstrap import container
from ..observability import logger
from . import bodies
from .api import api_view, authenticate
from .responses import email_preferences_json

bp = Blueprint(__name__)
# The topic the stack's SES configuration set publishes to; infra/resources.yaml points the subscription at the
# stage's own topic (EmailEventsTopic), so this name only matters to `chalice package`.
EMAIL_EVENTS_TOPIC = "pixmint-email-events"


@bp.route("/v1/me/email-preferences", methods=["GET"])
@api_view
def get_email_preferences() -> Response:
    principal = authenticate(bp.current_request)
    preferences, suppressed = container().email_preferences.preferences(principal.user)
    return Response(email_preferences_json(preferences, suppressed))


@bp.route("/v1/me/email-preferences", methods=["PATCH"])
@api_view
def update_email_preferences() -> Response:
    principal = authenticate(bp.current_request)
    body = bodies.parse(bodies.EmailPreferencesChange, bp.current_request)
    preferences, suppressed = container().email_preferences.update(principal.user, body.given())
    return Response(email_preferences_json(preferences, suppressed))


@bp.route("/v1/email-preferences/unsubscribe", methods=["POST"])
@api_view
def unsubscribe() -> Response:
    body = bodies.parse(bodies.UnsubscribeRequest, bp.current_request)
    return Response({"category": container().email_preferences.unsubscribe(body.token)})


@bp.on_sns_message(topic=EMAIL_EVENTS_TOPIC)
def handle_email_events(event: Any) -> dict[str, Any]:
    """One SES event (a bounce, a complaint, a delivery) per SNS message; a message that is not JSON is logged and
    dropped, since delivering it again would not make it readable."""
    try:
        notification = json.loads(event.message)
    except ValueError:
        logger.warning("email event is not JSON; dropped", extra={"subject": getattr(event, "subject", None)})
        return {"suppressed": 0, "seen": 0}
    if not isinstance(notification, dict):
        return {"suppressed": 0, "seen": 0}
    return container().email_preferences.record_feedback(notification)
