"""Stripe Checkout and webhook signatures through the official SDK."""

from __future__ import annotations

import json
from typing import Any

from ..domain.credits import CheckoutOrder, CheckoutSession
from ..domain.errors import InvalidSignature, Unavailable

SIGNATURE_TOLERANCE_SECONDS = 300


class StripeClientAdapter:
    """One lazily built stripe SDK client per adapter; `_call` turns every failure of Stripe into Unavailable."""

    unavailable = "Payments are unavailable right now; try again shortly."

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        self._api_key = api_key
        self._api_base = api_base
        self._client: Any = None

    def _stripe(self) -> Any:
        if self._client is None:
            import stripe

            self._client = stripe.StripeClient(self._api_key, max_network_retries=2,
                                               base_addresses={"api": self._api_base} if self._api_base else None)
        return self._client

    def _call(self, call: Any) -> Any:
        import stripe

        try:
            return call(self._stripe().v1)
        except stripe.StripeError as exc:
            raise Unavailable(self.unavailable) from exc


class StripeCheckout(StripeClientAdapter):
    """Creates Checkout Sessions in payment mode with inline price data (no pre-made Stripe prices)."""

    name = "stripe"

    def create_checkout(self, order: CheckoutOrder, idempotency_key: str) -> CheckoutSession:
        """A Checkout Session for the order, deduplicated by Stripe on idempotency_key; raises Unavailable when Stripe
        fails."""
        metadata = {"user_id": order.user_id, "credits": str(order.credits), "pack_id": order.pack_id or "custom"}
        params = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": order.currency,
                    "unit_amount": order.amount_cents,
                    "product_data": {"name": order.label},
                },
            }],
            "client_reference_id": order.user_id,
            "customer_email": order.email,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": order.success_url,
            "cancel_url": order.cancel_url,
        }
        session = self._call(lambda v1: v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key}))
        return CheckoutSession(id=session.id, url=session.url)


class StripeWebhookVerifier:
    """Checks Stripe-Signature over the raw body; nothing unverified is ever parsed."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event of a body whose signature is valid and at most 300 s old; raises InvalidSignature otherwise, or
        when the body is not a Stripe event."""
        import stripe

        if not signature:
            raise InvalidSignature("The Stripe-Signature header is missing.")
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature, self._secret, SIGNATURE_TOLERANCE_SECONDS)
            event = json.loads(text)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
            raise InvalidSignature("The Stripe signature does not match the body.") from None
        if not isinstance(event, dict) or not isinstance(event.get("data", {}).get("object"), dict) \
                or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
            raise InvalidSignature("The event is not a Stripe event.")
        return event
