"""API Gateway in one process: Chalice's LocalGateway plus the gateway responses that infra/ configures."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field

from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

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


class PixmintGateway:
    """Routes HTTP requests to the Chalice app the way API Gateway does in production.

    Unknown routes answer 404 in the envelope (infra/ sets the same gateway response), and
    requests are serialised because a Chalice app keeps the current request on itself.
    """

    def __init__(self, app: object) -> None:
        config = Config.create(chalice_stage="local", app_name="pixmint", lambda_timeout=30, lambda_memory_size=1024)
        self._gateway = LocalGateway(app, config)  # type: ignore[arg-type]
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes | None,
               source_ip: str = "127.0.0.1") -> GatewayResponse:
        if body is not None and len(body) > MAX_BODY_BYTES:
            return _envelope(413, "payload_too_large", "The request body is larger than 10 MB.")
        headers = {k: v for k, v in headers.items() if k.lower() != "x-forwarded-for"}
        try:
            with self._lock:
                self._gateway.event_converter.LOCAL_SOURCE_IP = source_ip
                raw = self._gateway.handle_request(method=method, path=path, headers=headers, body=body)
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
