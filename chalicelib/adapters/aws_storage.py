"""S3 for the image backup copies, downloads and direct uploads, and SQS for generation jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


class S3ImageStore:
    """Backup copies of every image, under keys derived from user and image id."""

    def __init__(self, client_factory: Callable[[], Any], bucket: str) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._bucket = bucket

    def _s3(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Stores the object, encrypted at rest (SSE-S3); the client is made on first use."""
        self._s3().put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type,
                              ServerSideEncryption="AES256")

    def get(self, key: str) -> bytes:
        """The object's bytes; KeyError when there is none."""
        from botocore.exceptions import ClientError

        try:
            return self._s3().get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(key) from None
            raise

    def delete(self, key: str) -> None:
        """Deletes the object; deleting a key that is not there succeeds too."""
        self._s3().delete_object(Bucket=self._bucket, Key=key)

    def presigned_url(self, key: str, filename: str, seconds: int) -> str:
        """A short-lived GET link that downloads under filename."""
        return self._s3().generate_presigned_url(
            "get_object", ExpiresIn=seconds,
            Params={"Bucket": self._bucket, "Key": key,
                    "ResponseContentDisposition": f'attachment; filename="{filename}"'},
        )

    def presigned_post(self, key: str, content_type: str, max_bytes: int, seconds: int) -> tuple[str, dict[str, str]]:
        """A browser form upload of one file to key: that Content-Type only, 1 to max_bytes long, encrypted."""
        fields = {"Content-Type": content_type, "x-amz-server-side-encryption": "AES256"}
        post = self._s3().generate_presigned_post(
            Bucket=self._bucket, Key=key, Fields=fields, ExpiresIn=seconds,
            Conditions=[{"Content-Type": content_type}, {"x-amz-server-side-encryption": "AES256"},
                        ["content-length-range", 1, max_bytes]],
        )
        return post["url"], dict(post["fields"])


class SqsJobQueue:
    """Generation jobs as SQS messages of the form {"generation_id": "..."}."""

    def __init__(self, client_factory: Callable[[], Any], queue_url: str) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._queue_url = queue_url

    def send(self, generation_id: str) -> None:
        """Sends one job message; the client is made on first use."""
        if self._client is None:
            self._client = self._client_factory()
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps({"generation_id": generation_id}))
