"""API Gateway in one process: Chalice's LocalGateway plus the gateway responses that infra/ configures."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from chalice import Chalice
from chalice.config import Config
from chalice.local import LocalChalice, LocalGateway, LocalGatewayException

from chalicelib.handlers.api import SECURITY_HEADERS

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit


@dataclass
class GatewayResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def _envelope(status: int, code: str, message: str) -> GatewayResponse:
    request_id = str(uuid.uuid4())
    body = {"error": {"code": code, "message": message, "details": {}}, "request_id": request_id}
    return GatewayResponse(
        status,
        {"Content-Type": "application/json", "X-Request-Id": request_id, "Cache-Control": "no-store",
         **SECURITY_HEADERS},
        json.dumps(body).encode(),
    )


class PerThreadChalice(LocalChalice):
    """What `chalice local` makes of an app: the current request (and, here, the Lambda context) kept per thread,
    so one app serves many requests at once, as many Lambda containers do."""

    _STATE = threading.local()

    @property
    def current_request(self) -> Any:  # None, not AttributeError, on a thread that has served nothing yet
        return getattr(self._STATE, "current_request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._STATE.current_request = value

    @property
    def lambda_context(self) -> Any:
        return getattr(self._STATE, "lambda_context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._STATE.lambda_context = value


def serve_concurrently(app: Chalice) -> Chalice:
    """Switches a Chalice app to per-thread request state, the way chalice.local.create_local_server does."""
    if not isinstance(app, PerThreadChalice):
        app.__class__ = type("ConcurrentChalice", (PerThreadChalice, app.__class__), {})
    return app


class PixmintGateway:
    """Routes HTTP requests to the Chalice app the way API Gateway does in production, many at a time.

    Unknown routes answer 404 in the envelope (infra/ sets the same gateway response). Each serving thread has
    its own LocalGateway (its event converter holds the caller's address) over one app whose request state is
    per thread.
    """

    def __init__(self, app: Chalice) -> None:
        self._app = serve_concurrently(app)
        self._config = Config.create(chalice_stage="local", app_name="pixmint", lambda_timeout=30,
                                     lambda_memory_size=1024)
        self._local = threading.local()

    def _gateway(self) -> LocalGateway:
        gateway = getattr(self._local, "gateway", None)
        if gateway is None:
            gateway = self._local.gateway = LocalGateway(self._app, self._config)
        return gateway

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes | None,
               source_ip: str = "127.0.0.1") -> GatewayResponse:
        if body is not None and len(body) > MAX_BODY_BYTES:
            return _envelope(413, "payload_too_large", "The request body is larger than 10 MB.")
        headers = {k: v for k, v in headers.items() if k.lower() != "x-forwarded-for"}
        try:
            gateway = self._gateway()
            gateway.event_converter.LOCAL_SOURCE_IP = source_ip  # this thread's converter only
            raw = gateway.handle_request(method=method, path=path, headers=headers, body=body)
        except LocalGatewayException as exc:
            if exc.CODE == 403:
                return _envelope(404, "not_found", "There is no such endpoint.")
            return _envelope(exc.CODE, "unauthorized" if exc.CODE == 401 else "forbidden", "Not allowed.")
        payload = raw.get("body") or b""
        if raw.get("isBase64Encoded"):
            payload = base64.b64decode(payload)
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        response_headers = dict(raw.get("headers") or {})
        for name, values in (raw.get("multiValueHeaders") or {}).items():
            response_headers[name] = ", ".join(values)
        return GatewayResponse(raw["statusCode"], response_headers, payload)
