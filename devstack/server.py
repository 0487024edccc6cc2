"""One origin, as CloudFront serves it: the frontend at /, the API at /v1/, a dev outbox at /_dev/outbox (and as
JSON at /_dev/outbox.json)."""

from __future__ import annotations

import html
import json
import mimetypes
import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from .gateway import GatewayResponse, PixmintGateway

# The same policy CloudFront's response-headers policy sets in production.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
FRONTEND_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
NOT_BUILT = b"""<!doctype html><html lang="en"><title>Pixmint</title><h1>The frontend is not built</h1>
<p>Run <code>make dev</code>, which builds it into frontend/dist.</p></html>"""


def _page(title: str, body: str, status: int = 200) -> GatewayResponse:
    page = (f'<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>{body}</html>')
    return GatewayResponse(status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                                    **FRONTEND_HEADERS}, page.encode())


class LocalCheckout:
    """Plays Stripe Checkout for `make dev`: shows the order, and on Pay sends the signed webhook."""

    def __init__(self, gateway: PixmintGateway) -> None:
        self._gateway = gateway

    def show(self, checkout_id: str) -> GatewayResponse:
        from chalicelib.bootstrap import container
        from chalicelib.domain.errors import NotFound

        try:
            payment = container().credits.checkout_order(checkout_id)
        except NotFound:
            return _page("Checkout not found", "<h1>No such checkout</h1>", 404)
        amount = f"${payment.amount_cents / 100:,.2f}"
        if payment.status != "open":
            return _page("Checkout", f"<h1>This checkout is {html.escape(payment.status)}</h1>"
                                     f'<p><a href="/credits">Back to Pixmint</a></p>')
        return _page(
            "Pixmint test checkout",
            "<main><h1>Pixmint test checkout</h1>"
            "<p>This is the local stand-in for Stripe Checkout: no card is charged.</p>"
            f"<dl><dt>Credits</dt><dd>{payment.credits:,}</dd><dt>Total</dt><dd>{amount}</dd></dl>"
            f'<form method="post" action="/_dev/checkout/{html.escape(checkout_id)}/pay">'
            f'<button type="submit">Pay {amount}</button></form>'
            '<p><a href="/credits?cancelled=1">Cancel and go back</a></p></main>',
        )

    def pay(self, checkout_id: str) -> GatewayResponse:
        from chalicelib.adapters.local_checkout import completed_event, encode, sign_webhook
        from chalicelib.bootstrap import container
        from chalicelib.domain.errors import NotFound

        services = container()
        try:
            payment = services.credits.checkout_order(checkout_id)
        except NotFound:
            return _page("Checkout not found", "<h1>No such checkout</h1>", 404)
        body = encode(completed_event(checkout_id, payment.amount_cents, payment.currency, payment.user_id))
        headers = {"Content-Type": "application/json", "Stripe-Signature": sign_webhook(body, services.webhook_secret)}
        reply = self._gateway.handle("POST", "/v1/webhooks/stripe", headers, body)
        if reply.status != 200:
            return _page("Payment failed", f"<h1>The webhook answered {reply.status}</h1>", 502)
        return GatewayResponse(303, {"Location": f"/credits/return?checkout_id={checkout_id}",
                                     "Cache-Control": "no-store"}, b"")


def make_handler(gateway: PixmintGateway, static_dir: Path, outbox: Callable[[], list[dict]] | None,
                 checkout: LocalCheckout | None = None) -> type[BaseHTTPRequestHandler]:
    static_root = static_dir.resolve()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, keep-alive clients wait 40 ms for a delayed ACK.
        disable_nagle_algorithm = True
        server_version = "pixmint-dev"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:  # the app logs requests itself
            pass

        def _send(self, response: GatewayResponse, head_only: bool = False) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head_only:
                self.wfile.write(response.body)

        def _body(self) -> bytes | None:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else None

        def _dispatch(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/v1/") or path == "/v1":
                body = self._body()
                headers = {k: v for k, v in self.headers.items()}
                self._send(gateway.handle(self.command, self.path, headers, body, self.client_address[0]))
            elif checkout is not None and path.startswith("/_dev/checkout/"):
                parts = path.split("/")
                if self.command == "GET" and len(parts) == 4:
                    self._send(checkout.show(parts[3]))
                elif self.command == "POST" and len(parts) == 5 and parts[4] == "pay":
                    self._body()
                    self._send(checkout.pay(parts[3]))
                else:
                    self._send(GatewayResponse(404, {"Content-Type": "text/plain"}, b"Not found"))
            elif self.command in ("GET", "HEAD"):
                if path == "/_dev/outbox" and outbox is not None:
                    self._send(self._outbox())
                elif path == "/_dev/outbox.json" and outbox is not None:
                    self._send(self._outbox_json(), head_only=self.command == "HEAD")
                elif path.startswith("/_dev/"):
                    # Only what the local stack enables lives under /_dev/; never the app shell.
                    self._send(GatewayResponse(404, {"Content-Type": "text/plain; charset=utf-8",
                                                     **FRONTEND_HEADERS}, b"Not found"))
                else:
                    self._send(self._static(path), head_only=self.command == "HEAD")
            else:
                self._send(GatewayResponse(405, {"Allow": "GET, HEAD", **FRONTEND_HEADERS}, b""))

        def _static(self, path: str) -> GatewayResponse:
            index = static_root / "index.html"
            candidate = (static_root / path.lstrip("/")).resolve()
            if not candidate.is_relative_to(static_root) or not candidate.is_file():
                # Client-side routes fall back to the app shell; missing assets are real 404s.
                if path.startswith("/assets/") or not index.is_file():
                    body = NOT_BUILT if not index.is_file() else b"Not found"
                    return GatewayResponse(404, {"Content-Type": "text/html; charset=utf-8", **FRONTEND_HEADERS}, body)
                candidate = index
            content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
                content_type += "; charset=utf-8"
            immutable = candidate.parent.name == "assets"
            cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
            return GatewayResponse(
                200, {"Content-Type": content_type, "Cache-Control": cache, **FRONTEND_HEADERS}, candidate.read_bytes()
            )

        def _outbox(self) -> GatewayResponse:
            items = []
            for mail in outbox():  # type: ignore[misc]
                text = html.escape(mail["body"])
                text = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', text)
                items.append(
                    f"<article><h2>{html.escape(mail['subject'])}</h2><p>To: {html.escape(', '.join(mail['to']))}</p>"
                    f"<pre>{text}</pre></article>"
                )
            page = (
                '<!doctype html><html lang="en"><meta charset="utf-8"><title>Pixmint dev outbox</title>'
                "<h1>Emails sent by the local stack</h1>" + ("".join(items) or "<p>No email yet.</p>") + "</html>"
            )
            return GatewayResponse(200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                                         **FRONTEND_HEADERS}, page.encode())

        def _outbox_json(self) -> GatewayResponse:
            """Sent emails oldest first, for tests and scripts that follow emailed links."""
            mails = [{"to": ", ".join(mail["to"]), "subject": mail["subject"], "body": mail["body"],
                      "sent_at": mail.get("sent_at")} for mail in reversed(outbox())]  # type: ignore[misc]
            return GatewayResponse(200, {"Content-Type": "application/json", "Cache-Control": "no-store",
                                         **FRONTEND_HEADERS}, json.dumps(mails).encode())

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    return Handler


class LocalServer(ThreadingHTTPServer):
    # socketserver's backlog of 5 overflows, and clients see resets, when a burst arrives while requests wait.
    request_queue_size = 128


def serve(gateway: PixmintGateway, static_dir: Path, port: int, outbox: Callable[[], list[dict]] | None,
          host: str = "127.0.0.1", local_checkout: bool = False) -> ThreadingHTTPServer:
    checkout = LocalCheckout(gateway) if local_checkout else None
    server = LocalServer((host, port), make_handler(gateway, static_dir, outbox, checkout))
    server.daemon_threads = True
    return server
