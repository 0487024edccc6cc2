"""A small Stripe-compatible HTTP server: enough of the API for the real stripe SDK to create Checkout Sessions."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


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


class FakeStripe:
    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.failures_left = 0
        self._by_idempotency_key: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        session_id = f"cs_test_{len(self.sessions) + 1:04d}"
        item = params["line_items"][0]
        amount = int(item["price_data"]["unit_amount"]) * int(item["quantity"])
        session = {
            "id": session_id, "object": "checkout.session", "mode": params["mode"], "status": "open",
            "payment_status": "unpaid", "amount_total": amount, "currency": item["price_data"]["currency"],
            "client_reference_id": params.get("client_reference_id"), "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata", {}), "success_url": params["success_url"],
            "cancel_url": params["cancel_url"], "url": f"https://checkout.stripe.test/pay/{session_id}",
            "payment_intent": None,
        }
        self.sessions[session_id] = session
        return session

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = _nest(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                key = self.headers.get("Idempotency-Key")
                with fake._lock:
                    fake.requests.append({"path": self.path, "params": params, "idempotency_key": key,
                                          "authorization": self.headers.get("Authorization")})
                    if fake.failures_left:
                        fake.failures_left -= 1
                        self._reply(500, {"error": {"type": "api_error", "message": "injected failure"}})
                        return
                    if self.path != "/v1/checkout/sessions":
                        self._reply(404, {"error": {"type": "invalid_request_error", "message": "unknown path"}})
                        return
                    if key and key in fake._by_idempotency_key:
                        self._reply(200, fake._by_idempotency_key[key])
                        return
                    session = fake._create_session(params)
                    if key:
                        fake._by_idempotency_key[key] = session
                self._reply(200, session)

        return Handler


WEBHOOK_SECRET = "whsec_test_" + "s" * 32  # pragma: allowlist secret - the fake's, known to the tests


def stripe_settings(server: FakeStripe) -> dict[str, str]:
    """Settings that point the real stripe SDK at the fake and sign webhooks with the tests' secret."""
    return {"STRIPE_SECRET_KEY": "sk_test_fake", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,  # pragma: allowlist secret
            "STRIPE_API_BASE": server.url}

