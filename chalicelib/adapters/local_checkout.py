"""The local test checkout used when no Stripe key is set: a page of the local stack plays Stripe."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from ..domain.credits import CheckoutOrder, CheckoutSession


class LocalTestCheckout:
    """A PaymentGateway whose checkout page is the local stack's /_dev/checkout."""

    name = "local"

    def __init__(self, public_url: str) -> None:
        self._public_url = public_url.rstrip("/")

    def create_checkout(self, order: CheckoutOrder, idempotency_key: str) -> CheckoutSession:
        """A session whose id derives from the idempotency key, so the same key gives the same session."""
        # The same key gives the same session, as Stripe's idempotency keys do.
        session_id = "cs_local_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        # The checkout page is on the site the purchase returns to, so the browser keeps its session throughout.
        site = urlsplit(order.success_url)
        base = f"{site.scheme}://{site.netloc}" if site.netloc else self._public_url
        return CheckoutSession(session_id, f"{base}/_dev/checkout/{session_id}")


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value for payload, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def completed_event(session_id: str, amount_cents: int, currency: str, user_id: str | None) -> dict[str, Any]:
    """The checkout.session.completed event Stripe would send for a paid local checkout."""
    return {
        "id": "evt_local_" + secrets.token_hex(12),
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "payment_status": "paid",
            "status": "complete",
            "amount_total": amount_cents,
            "currency": currency,
            "client_reference_id": user_id,
            "payment_intent": "pi_local_" + secrets.token_hex(12),
        }},
    }


def encode(event: dict[str, Any]) -> bytes:
    """The event as compact JSON bytes, the payload that sign_webhook() signs."""
    return json.dumps(event, separators=(",", ":")).encode()
