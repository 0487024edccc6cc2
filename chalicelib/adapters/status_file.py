"""Where the status page's file is kept: the web app's bucket in AWS, the local data folder on a developer's
machine; and the probe of the API's health through its public address."""

from __future__ import annotations

import json
import os
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

STATUS_KEY = "status/status.json"
# CloudFront and browsers may keep it a minute: the schedule writes it every five.
CACHE_CONTROL = "public, max-age=60"


class S3StatusFile:
    """status/status.json in the web app's bucket, which CloudFront serves beside the page; the S3 client is made on
    first use."""

    def __init__(self, client_factory: Callable[[], Any], bucket: str, key: str = STATUS_KEY) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._bucket = bucket
        self._key = key

    def write(self, document: dict[str, Any]) -> None:
        """Replaces the file; S3 errors propagate."""
        self._s3().put_object(Bucket=self._bucket, Key=self._key, Body=json.dumps(document).encode(),
                              ContentType="application/json", CacheControl=CACHE_CONTROL)

    def read(self) -> dict[str, Any] | None:
        """The file as last written, None when there is none."""
        try:
            body = self._s3().get_object(Bucket=self._bucket, Key=self._key)["Body"].read()
        except self._s3().exceptions.NoSuchKey:
            return None
        document = json.loads(body)
        return document if isinstance(document, dict) else None

    def _s3(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client


class LocalStatusFile:
    """The file in the local data folder, which the local stack serves at /status/status.json."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def write(self, document: dict[str, Any]) -> None:
        """Replaces the file in one step, so a reader never sees half of it."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self._path.parent, prefix=".status-", suffix=".json")
        with os.fdopen(handle, "w") as out:
            json.dump(document, out)
        os.replace(temporary, self._path)

    def read(self) -> dict[str, Any] | None:
        """The file as last written, None when there is none."""
        try:
            document = json.loads(self._path.read_text())
        except (OSError, ValueError):
            return None
        return document if isinstance(document, dict) else None


class HttpHealthProbe:
    """GET <public URL>/v1/health, the way a visitor reaches the API: True for a 200 within the timeout."""

    def __init__(self, public_url: str, timeout: float = 5.0) -> None:
        self._url = public_url.rstrip("/") + "/v1/health"
        self._timeout = timeout

    def __call__(self) -> bool:
        """Whether the API answered healthy."""
        if not self._url.startswith(("https://", "http://")):
            return False
        try:
            # Our own public URL, http(s) only (checked above).
            with urllib.request.urlopen(self._url, timeout=self._timeout) as reply:  # noqa: S310  # nosec B310 - our own http(s) URL
                return bool(reply.status == 200)
        except Exception:  # noqa: BLE001 - any failure to answer is "down" to a health check
            return False
