"""Response compression as CloudFront applies it in production: gzip or Brotli, chosen from the request's
Accept-Encoding, for compressible types between 1,000 bytes and 10 MB that aren't compressed already."""

from __future__ import annotations

import gzip
import importlib
import threading
from typing import Any

from .gateway import GatewayResponse

# CloudFront's own limits: smaller bodies gain nothing, larger ones are sent as they are.
MIN_BYTES = 1_000
MAX_BYTES = 10_000_000
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
                "application/manifest+json", "font/ttf", "font/otf", "application/vnd.ms-fontobject")


def _brotli() -> Any | None:
    """Brotli when the optional `brotli` package is installed; CloudFront prefers it, gzip does without."""
    try:
        return importlib.import_module("brotli")
    except ImportError:
        return None


BROTLI = _brotli()


def _accepted(accept_encoding: str) -> set[str]:
    accepted = set()
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if params.replace(" ", "").lower() in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        accepted.add(name.strip().lower())
    return accepted


def choose_encoding(accept_encoding: str | None) -> str | None:
    accepted = _accepted(accept_encoding or "")
    if BROTLI is not None and "br" in accepted:
        return "br"
    if "gzip" in accepted or "*" in accepted:
        return "gzip"
    return None


def _compressible(response: GatewayResponse) -> bool:
    headers = {name.lower(): value for name, value in response.headers.items()}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return (
        MIN_BYTES <= len(response.body) <= MAX_BYTES
        and "content-encoding" not in headers
        and "no-transform" not in headers.get("cache-control", "").lower()
        and content_type.startswith(COMPRESSIBLE)
    )


def _encode(body: bytes, encoding: str) -> bytes:
    if encoding == "br" and BROTLI is not None:  # only chosen when installed
        return bytes(BROTLI.compress(body, quality=5))
    return gzip.compress(body, compresslevel=6, mtime=0)


class StaticCache:
    """Compressed copies of the built frontend's files, made once per file version (path, size, mtime)."""

    def __init__(self, limit: int = 256) -> None:
        self._items: dict[tuple[str, int, int, str], bytes] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int], encoding: str, body: bytes) -> bytes:
        full = (*key, encoding)
        with self._lock:
            cached = self._items.get(full)
        if cached is not None:
            return cached
        encoded = _encode(body, encoding)
        with self._lock:
            if len(self._items) >= self._limit:
                self._items.pop(next(iter(self._items)))
            self._items[full] = encoded
        return encoded


def compress(response: GatewayResponse, accept_encoding: str | None, cache: StaticCache | None = None,
             cache_key: tuple[str, int, int] | None = None) -> GatewayResponse:
    """The response compressed for this client, with Vary: Accept-Encoding on everything that could be."""
    if not _compressible(response):
        return response
    headers = dict(response.headers)
    vary = headers.get("Vary")
    headers["Vary"] = f"{vary}, Accept-Encoding" if vary and "accept-encoding" not in vary.lower() else (
        vary or "Accept-Encoding")
    encoding = choose_encoding(accept_encoding)
    if encoding is None:
        return GatewayResponse(response.status, headers, response.body)
    if cache is not None and cache_key is not None:
        body = cache.get(cache_key, encoding, response.body)
    else:
        body = _encode(response.body, encoding)
    headers["Content-Encoding"] = encoding
    return GatewayResponse(response.status, headers, body)
