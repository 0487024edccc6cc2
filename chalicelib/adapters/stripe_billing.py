"""Stripe Billing through the official SDK: Checkout in subscription mode, the Customer Portal, subscription changes.

Prices are inline (`price_data` with `recurring`), as for packs: plans live in our database, not in Stripe."""

from __future__ import annotations

from typing import Any

from ..domain.billing import SubscriptionChange, SubscriptionCheckoutOrder
from ..domain.credits import CheckoutSession
from .stripe_payments import StripeClientAdapter


class StripeBilling(StripeClientAdapter):
    """A BillingGateway on the stripe SDK's client; every failure of Stripe is Unavailable (safe to retry)."""

    unavailable = "Billing is unavailable right now; try again shortly."

    def create_subscription_checkout(self, order: SubscriptionCheckoutOrder, idempotency_key: str) -> CheckoutSession:
        """A Checkout Session in subscription mode whose subscription carries our reference and the plan."""
        plan = order.plan
        metadata = {"pixmint_subscription": order.reference, "plan_id": plan.id, "user_id": order.user_id}
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": plan.currency, "unit_amount": plan.amount_cents,
                "product_data": {"name": f"Pixmint {plan.name} ({plan.interval}ly)"},
                "recurring": {"interval": plan.interval}}}],
            "client_reference_id": order.user_id,
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": order.success_url,
            "cancel_url": order.cancel_url,
        }
        if order.customer_id:
            params["customer"] = order.customer_id
        else:
            params["customer_email"] = order.email
        session = self._call(lambda v1: v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key}))
        return CheckoutSession(id=session.id, url=session.url)

    def portal_url(self, customer_id: str, return_url: str) -> str:
        """A Customer Portal session for the customer, returning to return_url."""
        portal = self._call(lambda v1: v1.billing_portal.sessions.create(
            {"customer": customer_id, "return_url": return_url}))
        return str(portal.url)

    def change_subscription(self, change: SubscriptionChange, idempotency_key: str) -> None:
        """Moves the subscription's one item to the new plan's price (no proration: the next invoice charges it) and
        the plan id in its metadata, and/or sets cancel_at_period_end."""
        params: dict[str, Any] = {}
        if change.plan is not None:
            plan = change.plan
            current = self._call(lambda v1: v1.subscriptions.retrieve(change.stripe_subscription_id))
            item = current["items"].data[0]
            params.update(items=[{"id": item.id, "price_data": {
                "currency": plan.currency, "product": item.price.product, "unit_amount": plan.amount_cents,
                "recurring": {"interval": plan.interval}}}], metadata={"plan_id": plan.id},
                proration_behavior="none")
        if change.cancel_at_period_end is not None:
            params["cancel_at_period_end"] = change.cancel_at_period_end
        self._call(lambda v1: v1.subscriptions.update(change.stripe_subscription_id, params,
                                                      {"idempotency_key": idempotency_key}))
