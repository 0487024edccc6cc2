"""Plans and subscriptions (issue 18): Stripe Checkout in subscription mode, the Customer Portal and plan changes.

Changing money matters needs a person signed in: API keys may read the subscription but not change it."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from . import bodies
from .api import api_view, authenticate
from .responses import CheckoutBody, PlansBody, PortalBody, plan_json, subscription_json

bp = Blueprint(__name__)


@bp.route("/v1/billing/plans", methods=["GET"])
@api_view
def plans() -> Response:
    body: PlansBody = {"items": [plan_json(plan) for plan in container().billing.plans()]}
    return Response(body, headers={"Cache-Control": "public, max-age=60"})


@bp.route("/v1/billing/subscription", methods=["POST", "GET", "PATCH"])
@api_view
def subscription() -> Response:
    request = bp.current_request
    if request.method == "GET":
        principal = authenticate(request)
        return Response(subscription_json(*container().billing.subscription(principal.user.id)))
    principal = authenticate(request, allow_api_key=False)
    if request.method == "POST":
        body = bodies.parse(bodies.SubscriptionRequest, request)
        started = container().billing.start_subscription(principal.user, body.plan_id)
        checkout: CheckoutBody = {"checkout_id": started.checkout_session_id, "checkout_url": started.checkout_url}
        return Response(checkout, status_code=201)
    change = bodies.parse(bodies.SubscriptionChangeRequest, request)
    changed = container().billing.change(principal.user.id, change.plan_id, change.cancel_at_period_end)
    return Response(subscription_json(*changed))


@bp.route("/v1/billing/portal", methods=["POST"])
@api_view
def portal() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body: PortalBody = {"url": container().billing.portal(principal.user.id)}
    return Response(body, status_code=201)
