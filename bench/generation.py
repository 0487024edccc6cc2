"""Generation benchmarks: worker overhead per image against the unavoidable work, and request-to-image latency."""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.scratch import local_stack, scratch_database

PROJECT_DIR = Path(__file__).resolve().parent.parent
IMAGES = 40


class InstantProvider:
    """A zero-latency provider: the bytes are made once, before timing starts."""

    name = "placeholder"

    def __init__(self, png: bytes) -> None:
        self._png = png

    def generate(self, request):
        from chalicelib.domain.imaging import ProviderImage, ProviderResult

        return ProviderResult([ProviderImage(self._png) for _ in range(request.n)])


def worker_overhead() -> dict[str, float]:
    """Seconds per stored 1024x1024 image through the worker, over decode + thumbnail + INSERT + S3 PUT."""
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_METRICS_DISABLED": "true"})
    from moto import mock_aws
    from PIL import Image

    from chalicelib import bootstrap
    from chalicelib.adapters.placeholder_images import PlaceholderImageProvider
    from chalicelib.config import load_settings
    from chalicelib.domain.imaging import ProviderRequest

    with scratch_database() as url:
        request = ProviderRequest("placeholder", "bench", "1024x1024", "standard", 1, 7)
        png = PlaceholderImageProvider().generate(request).images[0].data
        with mock_aws():
            import boto3

            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="pixmint-images")
            queue_url = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="pixmint-jobs")["QueueUrl"]
            settings = load_settings(environ={"PIXMINT_STAGE": "test", "DATABASE_URL": url, "JWT_SECRET": "b" * 40,
                                              "JOBS_QUEUE_URL": queue_url, "PIXMINT_DATA_DIR": tempfile.mkdtemp()},
                                     env_file=Path("/nonexistent"))
            container = bootstrap.build_container(settings, providers={"placeholder": InstantProvider(png)})
            with psycopg.connect(url) as conn:
                user_id = conn.execute("INSERT INTO users (email, display_name, password_hash, credits) "
                                       "VALUES ('bench@example.com', 'b', 'x', 1000000) "
                                       "RETURNING id::text").fetchone()[0]
            from chalicelib.domain.generation import GenerationRequest
            from chalicelib.domain.model import Role, User

            user = User(user_id, "bench@example.com", "b", Role.USER, False, 10**6, "x", datetime.now(UTC))
            ids = [container.generations.create(user, GenerationRequest("bench", "placeholder"), None, str(n),
                                                lambda g: {"id": g.id}).body["id"] for n in range(IMAGES + 5)]
            for generation_id in ids[:5]:  # warm-up
                container.worker.process(generation_id)
            started = time.perf_counter()
            for generation_id in ids[5:]:
                container.worker.process(generation_id)
            worker = (time.perf_counter() - started) / IMAGES

            with psycopg.connect(url) as conn:
                started = time.perf_counter()
                for n in range(IMAGES):
                    image = Image.open(io.BytesIO(png))
                    image.load()
                    image.thumbnail((256, 256))
                    thumb = io.BytesIO()
                    image.save(thumb, "WEBP", quality=80)
                    conn.execute("INSERT INTO image_blobs (image_id, data, thumbnail) SELECT id, %s, %s FROM images "
                                 "ORDER BY created_at LIMIT 1 OFFSET %s ON CONFLICT DO NOTHING",
                                 (png, thumb.getvalue(), n))
                    conn.commit()
                    s3.put_object(Bucket="pixmint-images", Key=f"bench/{n}.png", Body=png, ContentType="image/png")
                unavoidable = (time.perf_counter() - started) / IMAGES
            container.close()
        return {"worker_ms": worker * 1000, "unavoidable_ms": unavoidable * 1000, "ratio": worker / unavoidable}


def end_to_end(requests: int = 20) -> dict[str, float]:
    """p50 seconds from POST /v1/generations to succeeded, through the local stack (HTTP, SQS, worker)."""
    with local_stack(SIGNUP_BONUS_CREDITS="1000", PLACEHOLDER_STAGE_MS="0") as base:
        return _time_requests(base, requests)


def _client(base: str, accept: str = "application/json") -> tuple[Callable[..., tuple[int, bytes]], str]:
    """An HTTP caller for the local stack and a new user's access token."""
    def call(method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json", "Accept": accept,
                   **({"Authorization": f"Bearer {token}"} if token else {})}
        data = json.dumps(body).encode() if body is not None else None
        with urllib.request.urlopen(urllib.request.Request(base + path, data, headers, method=method), timeout=10) as r:
            return r.status, r.read()

    from devstack.embedded import verification_token

    _, body = call("POST", "/v1/auth/register", {"email": "bench@example.com", "password": "bench password 1"})
    call("POST", "/v1/auth/verify-email", {"token": verification_token(base, "bench@example.com")})  # the bonus
    return call, json.loads(body)["access_token"]


def _time_requests(base: str, requests: int) -> dict[str, float]:
    call, token = _client(base)
    timings = []
    for n in range(requests):
        started = time.perf_counter()
        generation = json.loads(call("POST", "/v1/generations", {"prompt": f"benchmark {n}", "model": "placeholder"},
                                     token)[1])
        while generation["status"] not in ("succeeded", "failed"):
            time.sleep(0.02)
            generation = json.loads(call("GET", f"/v1/generations/{generation['id']}", token=token)[1])
        timings.append(time.perf_counter() - started)
    return {"p50_s": statistics.median(timings), "p95_s": sorted(timings)[int(len(timings) * 0.95) - 1]}


def first_preview(requests: int = 10, render_seconds: float = 0.6) -> dict[str, float]:
    """Seconds from POST /v1/generations until its first partial image is served, through the local stack with the
    real openai SDK streaming from the fake OpenAI server, over the fake's own time to its first partial image."""
    sys.path.insert(0, str(PROJECT_DIR))
    from tests.fake_openai import FakeOpenAI, openai_settings

    fake = FakeOpenAI(render_seconds=render_seconds)
    try:
        with local_stack(SIGNUP_BONUS_CREDITS="1000", **openai_settings(fake)) as base:
            timings = _time_first_previews(base, requests)
    finally:
        fake.close()
    # The provider's own part: from receiving the stream request to having sent its first partial image.
    streams = [r for r in fake.calls("/v1/images/generations") if r.event_times]
    unavoidable = statistics.median(r.event_times[0] - r.received_at for r in streams)
    median = statistics.median(timings)
    return {"p50_s": median, "unavoidable_s": unavoidable, "ratio": median / unavoidable}


def _time_first_previews(base: str, requests: int) -> list[float]:
    call, token = _client(base, accept="*/*")
    timings = []
    for n in range(requests):
        started = time.monotonic()
        generation = json.loads(call("POST", "/v1/generations", {"prompt": f"benchmark {n}",
                                                                 "model": "gpt-image-2.5-flare",
                                                                 "quality": "low"}, token)[1])
        while not generation["previews"]:
            if generation["status"] in ("succeeded", "failed"):
                raise RuntimeError(f"generation {generation['status']} without a preview")
            time.sleep(0.01)
            generation = json.loads(call("GET", f"/v1/generations/{generation['id']}", token=token)[1])
        status, _ = call("GET", generation["previews"][0]["url"], token=token)
        assert status == 200
        timings.append(time.monotonic() - started)
        while generation["status"] not in ("succeeded", "failed"):
            time.sleep(0.05)
            generation = json.loads(call("GET", f"/v1/generations/{generation['id']}", token=token)[1])
    return timings


def main() -> None:
    overhead = worker_overhead()
    print(f"worker overhead: {overhead['worker_ms']:.1f} ms per image / {overhead['unavoidable_ms']:.1f} ms "
          f"decode+thumbnail+INSERT+S3 PUT = {overhead['ratio']:.2f} (target <= 1.3)")
    latency = end_to_end()
    print(f"request to image: p50 {latency['p50_s'] * 1000:.0f} ms, p95 {latency['p95_s'] * 1000:.0f} ms "
          f"(placeholder renderer; target p50 < 1 s)")
    preview = first_preview()
    print(f"request to first preview: p50 {preview['p50_s'] * 1000:.0f} ms / {preview['unavoidable_s'] * 1000:.0f} ms "
          f"until the provider's first partial = {preview['ratio']:.2f} (target <= 1.5)")


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_DIR))
    main()
