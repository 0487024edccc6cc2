"""Sends signed webhook deliveries over HTTP(S), refusing private addresses at connect time, and the local
stack's delivery loop."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ..domain.webhooks import SendResult, is_public_address

USER_AGENT = "Pixmint-Webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024


class RefusedAddress(Exception):
    """The receiver's name led to an address deliveries may not reach."""


def resolve(host: str, port: int) -> list[str]:
    """Every address a name resolves to for TCP; none when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _PinnedConnection(http.client.HTTPConnection):
    """Connects to the one address checked beforehand, never resolving the name again (no DNS rebinding), and
    checks the peer it reached once more."""

    def __init__(self, host: str, port: int, address: str, timeout: float, guard: Callable[[str], None]) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self._guard = guard

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self._guard(str(sock.getpeername()[0]))
        except RefusedAddress:
            sock.close()
            raise
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, guard: Callable[[str], None],
                 context: ssl.SSLContext) -> None:
        super().__init__(host, port, address, timeout, guard)
        self._tls = context

    def connect(self) -> None:
        self.sock = self._tls.wrap_socket(self._open(), server_hostname=self.host)


class HttpWebhookSender:
    """POSTs a delivery signed as Standard Webhooks says (through the standardwebhooks package): no redirects
    followed, short timeouts, at most 64 KiB of the answer read; outside the local stage only public addresses."""

    def __init__(self, allow_private: bool, connect_timeout: float = 3.0, total_timeout: float = 10.0,
                 resolver: Callable[[str, int], list[str]] = resolve,
                 tls: ssl.SSLContext | None = None) -> None:
        self._allow_private = allow_private
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._resolve = resolver
        self._tls = tls or ssl.create_default_context()

    def send(self, url: str, message_id: str, timestamp: datetime, body: str, secret: str) -> SendResult:
        """POSTs one signed delivery; a refused URL or address, a network failure or a timeout comes back as a
        SendResult without status, never raised."""
        from standardwebhooks import Webhook

        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http") or (scheme == "http" and not self._allow_private) or not parts.hostname:
            return SendResult(None, "only https URLs are delivered to")
        port = parts.port or (443 if scheme == "https" else 80)
        addresses = self._resolve(parts.hostname, port)
        if not addresses:
            return SendResult(None, f"{parts.hostname} does not resolve")
        try:
            for address in addresses:
                self._guard(address)
        except RefusedAddress as exc:
            return SendResult(None, str(exc))
        moment = timestamp.astimezone(UTC)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, moment, body),
        }
        connection: _PinnedConnection
        if scheme == "https":
            connection = _PinnedHTTPSConnection(parts.hostname, port, addresses[0], self._connect_timeout,
                                                self._guard, self._tls)
        else:
            connection = _PinnedConnection(parts.hostname, port, addresses[0], self._connect_timeout, self._guard)
        # The socket timeout bounds each read; this bounds the whole exchange against a receiver that trickles.
        deadline = threading.Timer(self._total_timeout, connection.close)
        deadline.start()
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", path, body=body.encode("utf-8"), headers=headers)
            response = connection.getresponse()
            response.read(MAX_RESPONSE_BYTES)
            status = response.status
        except RefusedAddress as exc:
            return SendResult(None, str(exc))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"[:200]
            return SendResult(None, f"no answer: {reason}")
        finally:
            deadline.cancel()
            connection.close()
        if 300 <= status < 400:
            return SendResult(status, f"answered {status}; redirects are not followed")
        return SendResult(status, None if 200 <= status < 300 else f"answered {status}")

    def _guard(self, address: str) -> None:
        if not self._allow_private and not is_public_address(address):
            raise RefusedAddress(f"{address} is not a public address")


class BackgroundWebhookDelivery:
    """`make dev`'s stand-in for the one-minute schedule that delivers webhooks in AWS: a daemon thread that
    drains the outbox every second, so local receivers hear of a generation as soon as it finishes."""

    def __init__(self, deliver: Callable[[], Any], on_error: Callable[[BaseException], None],
                 interval: float = 1.0) -> None:
        self._deliver = deliver
        self._on_error = on_error
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-deliveries", daemon=True)

    def start(self) -> None:
        """Starts the delivery thread; call it once."""
        self._thread.start()

    def close(self) -> None:
        """Stops the loop after the current turn, waiting up to 15 seconds for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._deliver()
            except Exception as exc:  # noqa: BLE001 - the outbox keeps what was not sent; the next turn retries
                self._on_error(exc)
