"""A small Stripe-compatible HTTP server for the real stripe SDK: Checkout Sessions (payment and subscription mode),
Customer Portal sessions, subscriptions and their invoices, shaped as the installed SDK's API version has them.

What a request may carry is read from the SDK's own parameter types (stripe.params): a parameter the SDK does not
know is refused as Stripe refuses it ("Received unknown parameter"), and one the SDK knows but this fake does not
model is refused too, so no test passes by sending something the fake silently ignores."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"  # the version these payloads follow; tests fail when the SDK pins another

# Parameter paths this fake acts on ([] stands for a list index); any other parameter the SDK knows is a 400.
MODELLED = {
    "checkout.sessions.create": {
        "mode", "line_items", "line_items[].quantity", "line_items[].price_data", "line_items[].price_data.currency",
        "line_items[].price_data.unit_amount", "line_items[].price_data.product_data",
        "line_items[].price_data.product_data.name", "line_items[].price_data.recurring",
        "line_items[].price_data.recurring.interval", "line_items[].price_data.recurring.interval_count",
        "client_reference_id", "customer_email", "customer", "metadata", "payment_intent_data",
        "payment_intent_data.metadata", "subscription_data", "subscription_data.metadata", "success_url",
        "cancel_url",
    },
    "billing_portal.sessions.create": {"customer", "return_url"},
    "subscriptions.update": {
        "items", "items[].id", "items[].price_data", "items[].price_data.currency", "items[].price_data.product",
        "items[].price_data.unit_amount", "items[].price_data.recurring", "items[].price_data.recurring.interval",
        "items[].price_data.recurring.interval_count", "cancel_at_period_end", "metadata", "proration_behavior",
    },
    "subscriptions.retrieve": {"expand"},
    "invoices.list": {"subscription", "limit"},
}
_PARAM_TYPES = {
    "checkout.sessions.create": ("stripe.params.checkout._session_create_params", "SessionCreateParams"),
    "billing_portal.sessions.create": ("stripe.params.billing_portal._session_create_params", "SessionCreateParams"),
    "subscriptions.update": ("stripe.params._subscription_update_params", "SubscriptionUpdateParams"),
    "subscriptions.retrieve": ("stripe.params._subscription_retrieve_params", "SubscriptionRetrieveParams"),
    "invoices.list": ("stripe.params._invoice_list_params", "InvoiceListParams"),
}
# Request options that the SDK's non-client methods mix into the same TypedDicts; never sent as form fields.
_REQUEST_OPTIONS = {"api_key", "content_type", "headers", "idempotency_key", "max_network_retries", "stripe_account",
                    "stripe_context", "stripe_version"}
INTERVAL_SECONDS = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400, "year": 365 * 86_400}


class StripeRefusal(Exception):
    """What the real API answers with a 4xx: an invalid_request_error naming the parameter."""

    def __init__(self, message: str, param: str | None = None, status: int = 400, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": "invalid_request_error", "message": message, "param": param,
                               **({"code": code} if code else {})}}


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Turns Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node: Any = root
        for part, following in zip(parts, [*parts[1:], None], strict=True):
            if following is None:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_listify(node[k]) for k in sorted(node, key=int)]
        return {k: _listify(v) for k, v in node.items()}
    return node


def _typed_dict(module_name: str, annotation: Any) -> Any:
    """The SDK parameter TypedDict an annotation names, if any (the annotations are forward references)."""
    module = sys.modules[module_name]
    for name in re.findall(r"[A-Z]\w*Params\w*", str(annotation)):
        found = getattr(module, name, None)
        if isinstance(found, type) and hasattr(found, "__optional_keys__"):
            return found
    return None


def check_params(operation: str, params: dict[str, Any]) -> None:
    """Refuses what the SDK's types do not allow and what this fake does not model, naming the parameter."""
    import importlib

    module_name, class_name = _PARAM_TYPES[operation]
    root = getattr(importlib.import_module(module_name), class_name)
    modelled = MODELLED[operation]

    def walk(node: dict[str, Any], spec: Any, path: str, shown: str) -> None:
        keys = set(spec.__annotations__) - _REQUEST_OPTIONS
        for key, value in node.items():
            here, label = (f"{path}.{key}" if path else key), (f"{shown}[{key}]" if shown else key)
            if key not in keys:
                raise StripeRefusal(f"Received unknown parameter: {label}", label)
            if here not in modelled:
                raise StripeRefusal(f"The fake Stripe does not model the parameter {label}.", label)
            child = _typed_dict(module_name, spec.__annotations__[key])
            if child is None:
                continue
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        walk(item, child, f"{here}[]", f"{label}[{index}]")
            elif isinstance(value, dict):
                walk(value, child, here, label)

    walk(params, root, "", "")


def _required(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise StripeRefusal(f"Missing required param: {name}.", name)


def _int(value: Any, param: str) -> int:
    if not isinstance(value, str) or not value.isdigit():
        raise StripeRefusal(f"Invalid integer: {value}", param)
    return int(value)


def _listing(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": url}


class FakeStripe:
    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.portal_sessions: dict[str, dict[str, Any]] = {}
        self.pending_events: list[dict[str, Any]] = []  # what Stripe sends after an API call (a subscription update)
        self._session_params: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.failures_left = 0
        self.clock = time.time  # tests may move it to renew a period
        self._counter = 0
        self._by_idempotency_key: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}_test_{self._counter:06d}"

    def _now(self) -> int:
        return int(self.clock())

    # -- the HTTP API ---------------------------------------------------------------------------------------------

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        check_params("checkout.sessions.create", params)
        _required(params, "mode", "success_url")
        mode = params["mode"]
        if mode not in ("payment", "subscription"):
            raise StripeRefusal(f"Invalid mode: must be one of payment, setup or subscription; got {mode}.", "mode")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeRefusal("line_items is required in payment and subscription mode.", "line_items")
        recurring = []
        for index, item in enumerate(items):
            price = item.get("price_data")
            if not isinstance(price, dict):
                raise StripeRefusal("Each line item needs price_data (this fake has no saved prices).",
                                    f"line_items[{index}][price_data]")
            _required(price, "currency")
            _int(price.get("unit_amount"), f"line_items[{index}][price_data][unit_amount]")
            _int(item.get("quantity"), f"line_items[{index}][quantity]")
            if "recurring" in price:
                if price["recurring"].get("interval") not in INTERVAL_SECONDS:
                    raise StripeRefusal("Invalid recurring interval.",
                                        f"line_items[{index}][price_data][recurring][interval]")
                recurring.append(index)
        if mode == "payment" and recurring:
            raise StripeRefusal("You specified `payment` mode but passed a recurring price. Either switch to "
                                "`subscription` mode or use only one-time prices.", f"line_items[{recurring[0]}]")
        if mode == "subscription":
            if not recurring:
                raise StripeRefusal("You must provide at least one recurring price in `subscription` mode when using "
                                    "prices.", "line_items")
            if "payment_intent_data" in params:
                raise StripeRefusal("You can not pass `payment_intent_data` in `subscription` mode.",
                                    "payment_intent_data")
        if mode == "payment" and "subscription_data" in params:
            raise StripeRefusal("You can only pass `subscription_data` in `subscription` mode.", "subscription_data")
        if params.get("customer") and params.get("customer_email"):
            raise StripeRefusal("You may only specify one of these parameters: customer, customer_email.",
                                "customer_email")
        if params.get("customer") and params["customer"] not in self.customers:
            raise StripeRefusal(f"No such customer: '{params['customer']}'", "customer", 404, "resource_missing")
        session_id = f"cs_test_{len(self.sessions) + 1:04d}"
        item = items[0]
        amount = sum(int(i["price_data"]["unit_amount"]) * int(i["quantity"]) for i in items)
        session = {
            "id": session_id, "object": "checkout.session", "mode": mode, "status": "open",
            "payment_status": "unpaid", "amount_total": amount, "currency": item["price_data"]["currency"],
            "client_reference_id": params.get("client_reference_id"), "customer_email": params.get("customer_email"),
            "customer": params.get("customer"), "metadata": params.get("metadata", {}),
            "success_url": params["success_url"], "cancel_url": params.get("cancel_url"),
            "url": f"https://checkout.stripe.test/pay/{session_id}", "payment_intent": None, "subscription": None,
            "invoice": None, "created": self._now(),
        }
        self.sessions[session_id] = session
        self._session_params[session_id] = params
        return session

    def _create_portal_session(self, params: dict[str, Any]) -> dict[str, Any]:
        check_params("billing_portal.sessions.create", params)
        _required(params, "customer")
        if params["customer"] not in self.customers:
            raise StripeRefusal(f"No such customer: '{params['customer']}'", "customer", 404, "resource_missing")
        portal = {"id": self._id("bps"), "object": "billing_portal.session", "customer": params["customer"],
                  "return_url": params.get("return_url"), "created": self._now(), "livemode": False,
                  "configuration": "bpc_test_default", "flow": None, "locale": None, "on_behalf_of": None,
                  "url": f"https://billing.stripe.test/p/session/{len(self.portal_sessions) + 1}"}
        self.portal_sessions[portal["id"]] = portal
        return portal

    def _subscription(self, sub_id: str) -> dict[str, Any]:
        sub = self.subscriptions.get(sub_id)
        if sub is None:
            raise StripeRefusal(f"No such subscription: '{sub_id}'", "id", 404, "resource_missing")
        return sub

    def _update_subscription(self, sub_id: str, params: dict[str, Any]) -> dict[str, Any]:
        check_params("subscriptions.update", params)
        sub = self._subscription(sub_id)
        if sub["status"] == "canceled":
            raise StripeRefusal("A canceled subscription can only update its cancellation_details and metadata.",
                                None)
        for index, change in enumerate(params.get("items") or []):
            item = next((i for i in sub["items"]["data"] if i["id"] == change.get("id")), None)
            if item is None:
                raise StripeRefusal(f"No such subscription item: '{change.get('id')}'", f"items[{index}][id]")
            price_data = change.get("price_data")
            if price_data is not None:
                _required(price_data, "currency", "product")
                recurring = price_data.get("recurring") or {}
                if recurring.get("interval") not in INTERVAL_SECONDS:
                    raise StripeRefusal("Missing required param: items[0][price_data][recurring].",
                                        f"items[{index}][price_data][recurring]")
                item["price"] = self._price(price_data["currency"], _int(price_data.get("unit_amount"),
                                            f"items[{index}][price_data][unit_amount]"), recurring,
                                            price_data["product"])
        if "cancel_at_period_end" in params:
            if params["cancel_at_period_end"] not in ("true", "false"):
                raise StripeRefusal("Invalid boolean: " + params["cancel_at_period_end"], "cancel_at_period_end")
            sub["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
            sub["cancel_at"] = sub["items"]["data"][0]["current_period_end"] if sub["cancel_at_period_end"] else None
            sub["canceled_at"] = self._now() if sub["cancel_at_period_end"] else None
        if "metadata" in params:
            sub["metadata"] = {**sub["metadata"], **params["metadata"]}
        self.pending_events.append(self.event("customer.subscription.updated", sub))
        return sub

    def _list_invoices(self, query: dict[str, Any]) -> dict[str, Any]:
        check_params("invoices.list", query)
        found = [i for i in self.invoices.values()
                 if "subscription" not in query
                 or i["parent"]["subscription_details"]["subscription"] == query["subscription"]]
        return _listing(sorted(found, key=lambda i: i["created"], reverse=True), "/v1/invoices")

    # -- what happens on Stripe's side: tests call these and deliver the events they return -------------------------

    def event(self, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
        """An event as Stripe sends it to a webhook endpoint (API version API_VERSION), carrying a copy of obj."""
        return {"id": self._id("evt"), "object": "event", "api_version": API_VERSION, "created": self._now(),
                "livemode": False, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                "type": event_type, "data": {"object": json.loads(json.dumps(obj))}}

    def _price(self, currency: str, unit_amount: int, recurring: dict[str, Any], product: str) -> dict[str, Any]:
        return {"id": self._id("price"), "object": "price", "currency": currency, "unit_amount": unit_amount,
                "product": product, "type": "recurring", "active": True,
                "recurring": {"interval": recurring["interval"],
                              "interval_count": int(recurring.get("interval_count") or 1), "usage_type": "licensed"}}

    def complete_subscription_checkout(self, session_id: str, card_fingerprint: str = "fp_default",
                                       paid: bool = True) -> list[dict[str, Any]]:
        """The customer pays a subscription-mode session: a customer, a subscription and its first invoice are made.
        Returns the events Stripe would send, in the order it sends them."""
        with self._lock:
            session = self.sessions[session_id]
            params = self._session_params[session_id]
            if session["mode"] != "subscription":
                raise ValueError("not a subscription-mode session")
            customer_id = session["customer"] or self._new_customer(session["customer_email"], card_fingerprint)
            line = params["line_items"][0]
            price_data = line["price_data"]
            product = self._id("prod")
            price = self._price(price_data["currency"], int(price_data["unit_amount"]), price_data["recurring"],
                                product)
            now = self._now()
            sub_id = self._id("sub")
            item = {"id": self._id("si"), "object": "subscription_item", "price": price,
                    "quantity": int(line["quantity"]), "subscription": sub_id, "current_period_start": now,
                    "current_period_end": now + _period_seconds(price)}
            sub = {"id": sub_id, "object": "subscription", "customer": customer_id, "status": "incomplete",
                   "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None, "ended_at": None,
                   "created": now, "currency": price["currency"], "latest_invoice": None,
                   "metadata": (params.get("subscription_data") or {}).get("metadata", {}),
                   "items": _listing([item], f"/v1/subscription_items?subscription={sub_id}"), "livemode": False}
            self.subscriptions[sub_id] = sub
            events = [self.event("customer.subscription.created", sub)]
            invoice = self._invoice(sub, "subscription_create", paid)
            session.update(status="complete", payment_status="paid" if paid else "unpaid", customer=customer_id,
                           subscription=sub_id, invoice=invoice["id"])
            sub["status"] = "active" if paid else "incomplete"
            events.append(self.event("checkout.session.completed", session))
            events.append(self.event("invoice.paid" if paid else "invoice.payment_failed", invoice))
            events.append(self.event("customer.subscription.updated", sub))
            return events

    def charge(self, intent: str, amount: int, currency: str, customer: str | None,
               card_fingerprint: str = "fp_default") -> dict[str, Any]:
        """A succeeded card charge of a payment intent, shaped as stripe.Charge: the card's fingerprint is the same
        value for the same card number, whoever pays with it."""
        with self._lock:
            return {"id": self._id("ch"), "object": "charge", "amount": amount, "amount_captured": amount,
                    "amount_refunded": 0, "captured": True, "created": self._now(), "currency": currency,
                    "customer": customer, "disputed": False, "livemode": False, "metadata": {}, "paid": True,
                    "payment_intent": intent, "payment_method": self._id("pm"), "refunded": False,
                    "status": "succeeded", "failure_code": None, "failure_message": None,
                    "billing_details": {"address": None, "email": None, "name": None, "phone": None,
                                        "tax_id": None},
                    "payment_method_details": {"type": "card", "card": {
                        "brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2030,
                        "fingerprint": card_fingerprint, "funding": "credit", "last4": "4242", "network": "visa",
                        "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                   "cvc_check": "pass"}, "three_d_secure": None, "wallet": None}}}

    def complete_payment_checkout(self, session_id: str, card_fingerprint: str = "fp_default",
                                  customer: str | None = None) -> list[dict[str, Any]]:
        """The customer pays a payment-mode session by card: charge.succeeded, then checkout.session.completed."""
        with self._lock:
            session = self.sessions[session_id]
            if session["mode"] != "payment":
                raise ValueError("not a payment-mode session")
            intent = self._id("pi")
            charge = self.charge(intent, session["amount_total"], session["currency"], customer or session["customer"],
                                 card_fingerprint)
            session.update(status="complete", payment_status="paid", payment_intent=intent,
                           customer=customer or session["customer"])
            return [self.event("charge.succeeded", charge), self.event("checkout.session.completed", session)]

    def invoice_charge(self, invoice_id: str) -> dict[str, Any]:
        """charge.succeeded for the charge that paid an invoice, with the customer's card."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            customer = self.customers[invoice["customer"]]
            return self.event("charge.succeeded", self.charge(self.intent_of(invoice_id), invoice["amount_paid"],
                                                              invoice["currency"], invoice["customer"],
                                                              customer["card_fingerprint"]))

    def renew(self, sub_id: str, paid: bool = True) -> list[dict[str, Any]]:
        """The next period starts: a subscription_cycle invoice, paid or failed (the subscription is then past_due);
        a subscription set to cancel at period end ends instead."""
        with self._lock:
            sub = self._subscription(sub_id)
            item = sub["items"]["data"][0]
            if sub["cancel_at_period_end"]:
                return [self.cancel(sub_id)]
            item["current_period_start"] = item["current_period_end"]
            item["current_period_end"] = item["current_period_start"] + _period_seconds(item["price"])
            invoice = self._invoice(sub, "subscription_cycle", paid)
            sub["status"] = "active" if paid else "past_due"
            return [self.event("invoice.paid" if paid else "invoice.payment_failed", invoice),
                    self.event("customer.subscription.updated", sub)]

    def pay_invoice(self, invoice_id: str) -> list[dict[str, Any]]:
        """A retry of a failed invoice succeeds."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            intent = self._id("pi")
            invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
            invoice["payments"] = _listing([_invoice_payment(self._id("inpay"), invoice, intent)],
                                           f"/v1/invoice_payments?invoice={invoice_id}")
            invoice["status_transitions"]["paid_at"] = self._now()
            sub = self.subscriptions[invoice["parent"]["subscription_details"]["subscription"]]
            sub["status"] = "active"
            return [self.event("invoice.paid", invoice), self.event("customer.subscription.updated", sub)]

    def cancel(self, sub_id: str) -> dict[str, Any]:
        """The subscription ends now (or at its period end, when that comes): customer.subscription.deleted."""
        with self._lock:
            sub = self._subscription(sub_id)
            now = self._now()
            sub.update(status="canceled", ended_at=now, canceled_at=sub["canceled_at"] or now)
            return self.event("customer.subscription.deleted", sub)

    def intent_of(self, invoice_id: str) -> str:
        """The PaymentIntent that paid an invoice (from its payments list, where today's API puts it)."""
        return self.invoices[invoice_id]["payments"]["data"][0]["payment"]["payment_intent"]

    def refund_invoice(self, invoice_id: str, amount: int | None = None) -> dict[str, Any]:
        """A (partial) refund of the charge that paid the invoice: charge.refunded, with the cumulative amount."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            charge = invoice.setdefault("_charge", {"id": self._id("ch"), "object": "charge",
                                                    "payment_intent": self.intent_of(invoice_id),
                                                    "amount": invoice["amount_paid"], "amount_refunded": 0,
                                                    "currency": invoice["currency"], "refunded": False,
                                                    "customer": invoice["customer"]})
            charge["amount_refunded"] = min(charge["amount"], charge["amount_refunded"] + (amount or charge["amount"]))
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            return self.event("charge.refunded", charge)

    def dispute_invoice(self, invoice_id: str) -> dict[str, Any]:
        """The card holder disputes the invoice's payment: charge.dispute.created."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            dispute = {"id": self._id("dp"), "object": "dispute", "amount": invoice["amount_paid"],
                       "currency": invoice["currency"], "payment_intent": self.intent_of(invoice_id),
                       "charge": self._id("ch"), "status": "needs_response", "reason": "fraudulent"}
            return self.event("charge.dispute.created", dispute)

    def _new_customer(self, email: str | None, card_fingerprint: str) -> str:
        customer_id = self._id("cus")
        self.customers[customer_id] = {"id": customer_id, "object": "customer", "email": email,
                                       "card_fingerprint": card_fingerprint}
        return customer_id

    def _invoice(self, sub: dict[str, Any], reason: str, paid: bool) -> dict[str, Any]:
        item = sub["items"]["data"][0]
        price = item["price"]
        amount = price["unit_amount"] * item["quantity"]
        invoice_id = self._id("in")
        now = self._now()
        intent = self._id("pi") if paid else None
        invoice = {
            "id": invoice_id, "object": "invoice", "customer": sub["customer"], "currency": price["currency"],
            "status": "paid" if paid else "open", "billing_reason": reason, "amount_due": amount,
            "amount_paid": amount if paid else 0, "amount_remaining": 0 if paid else amount, "total": amount,
            "subtotal": amount, "created": now, "livemode": False, "attempt_count": 1, "attempted": True,
            # An invoice's own period is the one in which its items were added; the service period is on the line.
            "period_start": now, "period_end": now,
            "parent": {"type": "subscription_details", "quote_details": None,
                       "subscription_details": {"subscription": sub["id"], "metadata": dict(sub["metadata"]),
                                                "subscription_proration_date": None}},
            "lines": _listing([{
                "id": self._id("il"), "object": "line_item", "invoice": invoice_id, "amount": amount,
                "currency": price["currency"], "quantity": item["quantity"], "description": None,
                "metadata": dict(sub["metadata"]), "livemode": False,
                "period": {"start": item["current_period_start"], "end": item["current_period_end"]},
                "parent": {"type": "subscription_item_details", "invoice_item_details": None,
                           "subscription_item_details": {"subscription": sub["id"], "subscription_item": item["id"],
                                                         "invoice_item": None, "proration": False,
                                                         "proration_details": {"credited_items": None}}},
                "pricing": {"type": "price_details", "unit_amount_decimal": str(price["unit_amount"]),
                            "price_details": {"price": price["id"], "product": price["product"]}},
            }], f"/v1/invoices/{invoice_id}/lines"),
            "payments": _listing([], f"/v1/invoice_payments?invoice={invoice_id}"),
            "status_transitions": {"finalized_at": now, "paid_at": now if paid else None, "voided_at": None,
                                   "marked_uncollectible_at": None},
        }
        if intent:
            invoice["payments"]["data"].append(_invoice_payment(self._id("inpay"), invoice, intent))
        self.invoices[invoice_id] = invoice
        sub["latest_invoice"] = invoice_id
        return invoice

    def _route(self, method: str, path: str, params: dict[str, Any], key: str | None) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/checkout/sessions":
            if key and key in self._by_idempotency_key:
                return 200, self._by_idempotency_key[key]
            session = self._create_session(params)
            if key:
                self._by_idempotency_key[key] = session
            return 200, session
        if method == "POST" and path == "/v1/billing_portal/sessions":
            return 200, self._create_portal_session(params)
        match = re.fullmatch(r"/v1/subscriptions/([\w]+)", path)
        if match and method == "GET":
            check_params("subscriptions.retrieve", params)
            return 200, self._subscription(match[1])
        if match and method == "POST":
            return 200, self._update_subscription(match[1], params)
        if method == "GET" and path == "/v1/invoices":
            return 200, self._list_invoices(params)
        match = re.fullmatch(r"/v1/invoices/([\w]+)", path)
        if match and method == "GET":
            invoice = self.invoices.get(match[1])
            if invoice is None:
                raise StripeRefusal(f"No such invoice: '{match[1]}'", "id", 404, "resource_missing")
            return 200, {k: v for k, v in invoice.items() if not k.startswith("_")}
        raise StripeRefusal(f"Unrecognized request URL ({method}: {path}).", None, 404)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps({k: v for k, v in body.items() if not k.startswith("_")}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                url = urlsplit(self.path)
                form = self.rfile.read(length).decode() if method == "POST" else url.query
                params = _nest(parse_qsl(form, keep_blank_values=True))
                key = self.headers.get("Idempotency-Key")
                with fake._lock:
                    fake.requests.append({"path": url.path, "method": method, "params": params,
                                          "idempotency_key": key, "authorization": self.headers.get("Authorization"),
                                          "stripe_version": self.headers.get("Stripe-Version")})
                    if fake.failures_left:
                        fake.failures_left -= 1
                        self._reply(500, {"error": {"type": "api_error", "message": "injected failure"}})
                        return
                    try:
                        status, body = fake._route(method, url.path, params, key)
                    except StripeRefusal as refusal:
                        status, body = refusal.status, refusal.body
                self._reply(status, body)

            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

        return Handler


def _period_seconds(price: dict[str, Any]) -> int:
    return INTERVAL_SECONDS[price["recurring"]["interval"]] * price["recurring"]["interval_count"]


def _invoice_payment(payment_id: str, invoice: dict[str, Any], intent: str) -> dict[str, Any]:
    return {"id": payment_id, "object": "invoice_payment", "invoice": invoice["id"],
            "amount_paid": invoice["amount_due"], "amount_requested": invoice["amount_due"],
            "currency": invoice["currency"], "is_default": True,
            "livemode": False, "status": "paid", "created": invoice["created"],
            "payment": {"type": "payment_intent", "payment_intent": intent},
            "status_transitions": {"paid_at": invoice["created"], "canceled_at": None}}


WEBHOOK_SECRET = "whsec_test_" + "s" * 32  # pragma: allowlist secret - the fake's, known to the tests


def stripe_settings(server: FakeStripe) -> dict[str, str]:
    """Settings that point the real stripe SDK at the fake and sign webhooks with the tests' secret."""
    return {"STRIPE_SECRET_KEY": "sk_test_fake", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,  # pragma: allowlist secret
            "STRIPE_API_BASE": server.url}
