"""A small OpenAI-compatible HTTP server: image generations, image edits and moderations for the real openai SDK.

Faults are scripted per HTTP call: `fake.script("500")` makes the next call fail once, then calls succeed again.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import io
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODERATION_CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent", "self-harm",
    "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence", "violence/graphic",
)
BEHAVIOURS = {"500", "429", "timeout", "bad_base64", "not_an_image", "fewer", "content_policy",
              "moderation_blocked", "bad_request", "flagged"}


@dataclass
class Behaviour:
    kind: str
    retry_after: str | None = None
    indexes: tuple[int, ...] = (0,)
    seconds: float = 3.0
    count: int = 0
    categories: tuple[str, ...] = ()


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    json: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str | None, str, bytes]] = field(default_factory=dict)


def png(width: int, height: int, colour: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG", compress_level=1)
    return out.getvalue()


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def script(self, kind: str, *, retry_after: str | None = None, indexes: tuple[int, ...] = (0,),
               seconds: float = 3.0, count: int = 0, categories: tuple[str, ...] = ()) -> None:
        """Queues how the next unscripted call behaves; each HTTP call, retries included, takes one entry."""
        if kind not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {kind!r}")
        with self._lock:
            self._script.append(Behaviour(kind, retry_after, tuple(indexes), seconds, count, tuple(categories)))

    def calls(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> Behaviour | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _images(self, request: RecordedRequest, behaviour: Behaviour | None) -> tuple[int, dict[str, Any]]:
        params = request.json or request.fields
        n = int(params.get("n") or 1)
        width, height = (int(v) for v in str(params.get("size") or "1024x1024").split("x"))
        data = []
        for index in range(n):
            encoded = base64.b64encode(png(width, height, (40 + 50 * index % 200, 120, 200))).decode()
            if behaviour and index in behaviour.indexes:
                if behaviour.kind == "bad_base64":
                    encoded = "%%not*base64%%" + encoded[:20]
                elif behaviour.kind == "not_an_image":
                    encoded = base64.b64encode(b"<html>definitely not a picture</html>").decode()
            data.append({"b64_json": encoded})
        if behaviour and behaviour.kind == "fewer":
            data = data[:behaviour.count]
        return 200, {"created": int(time.time()), "data": data, "output_format": "png",
                     "usage": {"input_tokens": 10, "output_tokens": 100, "total_tokens": 110}}

    def _moderation(self, request: RecordedRequest, behaviour: Behaviour | None) -> tuple[int, dict[str, Any]]:
        flagged = set(behaviour.categories) if behaviour and behaviour.kind == "flagged" else set()
        result = {
            "flagged": bool(flagged),
            "categories": {name: name in flagged for name in MODERATION_CATEGORIES},
            "category_scores": {name: 0.97 if name in flagged else 0.0001 for name in MODERATION_CATEGORIES},
            "category_applied_input_types": {name: ["text"] for name in MODERATION_CATEGORIES},
        }
        return 200, {"id": "modr-fake", "model": request.json.get("model"), "results": [result]}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _error(self, status: int, message: str, code: str | None, kind: str,
                       headers: dict[str, str] | None = None) -> None:
                self._reply(status, {"error": {"message": message, "type": kind, "param": None, "code": code}},
                            headers)

            def _record(self) -> RecordedRequest:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                content_type = self.headers.get("Content-Type", "")
                request = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()})
                if content_type.startswith("multipart/form-data"):
                    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        payload = part.get_payload(decode=True) or b""
                        if part.get_filename() is None:
                            request.fields[name] = payload.decode()
                        else:
                            request.files[name] = (part.get_filename(), part.get_content_type(), payload)
                elif body:
                    request.json = json.loads(body)
                with fake._lock:
                    fake.requests.append(request)
                return request

            def do_POST(self) -> None:
                request = self._record()
                behaviour = fake._next()
                kind = behaviour.kind if behaviour else None
                if kind == "timeout":
                    fake._closing.wait(behaviour.seconds)
                    kind = None
                if kind == "500":
                    self._error(500, "The server had an error while processing your request.", None, "server_error")
                elif kind == "429":
                    headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
                    self._error(429, "Rate limit reached for images.", "rate_limit_exceeded", "requests", headers)
                elif kind == "content_policy":
                    self._error(400, "Your request was rejected as a result of our safety system.",
                                "content_policy_violation", "invalid_request_error")
                elif kind == "moderation_blocked":
                    self._error(400, "Your request was rejected by the safety system.", "moderation_blocked",
                                "image_generation_user_error")
                elif kind == "bad_request":
                    self._error(400, "Invalid value for 'size'.", "invalid_value", "invalid_request_error")
                elif self.path in ("/v1/images/generations", "/v1/images/edits"):
                    self._reply(*fake._images(request, behaviour))
                elif self.path == "/v1/moderations":
                    self._reply(*fake._moderation(request, behaviour))
                else:
                    self._error(404, f"Unknown path {self.path}", "unknown_url", "invalid_request_error")

        return Handler


def openai_settings(server: FakeOpenAI) -> dict[str, str]:
    """Settings that point the real openai SDK at the fake."""
    return {"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": f"{server.url}/v1"}  # pragma: allowlist secret

