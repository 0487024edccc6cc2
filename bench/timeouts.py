"""How long a hanging dependency holds us, as ratios of the limit that matters.

The tests assert what the code decides (the SQS client's attempts and timeouts, a provider call given up with an
APITimeoutError, one call when no retry is allowed); how long that takes on a real socket is measured here:

- SQS hang: the seconds a job send to an SQS that accepts connections and never answers holds the API request,
  with the client the app builds, over API Gateway's 29 s (clients retry a 504, and the charge has committed).
  Lower is better; target <= 0.5.
- provider timeout: the seconds OpenAIImageProvider takes to give up on an OpenAI that hangs, over the timeout it
  was given (no retries). 1.0 is giving up exactly at the timeout; target <= 1.5.

`python bench/timeouts.py` (or `make bench`) prints both.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

API_GATEWAY_LIMIT_S = 29.0
PROVIDER_TIMEOUT_S = 0.5
# Stand-in credentials: the requests only ever go to a socket on this machine, signed with nothing real.
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",  # pragma: allowlist secret
            "AWS_SESSION_TOKEN": "bench"}


@contextmanager
def _silent_endpoint() -> Iterator[str]:
    """A URL whose server takes every connection and never answers."""
    held: list[socket.socket] = []
    stop = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.1)

        def take() -> None:
            while not stop.is_set():
                try:
                    held.append(server.accept()[0])
                except TimeoutError:
                    continue

        taker = threading.Thread(target=take, daemon=True)
        taker.start()
        try:
            yield f"http://127.0.0.1:{server.getsockname()[1]}"
        finally:
            stop.set()
            taker.join(timeout=5)
            for conn in held:
                conn.close()


@contextmanager
def _fake_aws_credentials() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in FAKE_AWS}
    os.environ.update(FAKE_AWS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def sqs_hang() -> dict[str, float]:
    """One job send to a hanging SQS through the app's own client / API Gateway's 29 s."""
    from chalicelib.adapters.aws_storage import SqsJobQueue
    from chalicelib.bootstrap import aws_client

    with _fake_aws_credentials(), _silent_endpoint() as url:
        settings = SimpleNamespace(aws_region="us-east-1", aws_endpoint_url=url)
        queue = SqsJobQueue(lambda: aws_client(settings, "sqs"), f"{url}/123456789012/pixmint-jobs")
        started = time.perf_counter()
        try:
            queue.send("00000000-0000-0000-0000-000000000000")
        except Exception:  # noqa: BLE001 - the client giving up (a read timeout, as boto3 words it) is what is timed
            held = time.perf_counter() - started
        else:
            raise AssertionError("a send to a server that never answers succeeded")
    return {"held_s": held, "ratio": held / API_GATEWAY_LIMIT_S}


def provider_timeout(repeats: int = 3) -> dict[str, float]:
    """OpenAIImageProvider(timeout=0.5, max_retries=0) against a fake OpenAI that hangs 10 s / the 0.5 s."""
    from chalicelib.adapters.openai_images import OpenAIImageProvider
    from chalicelib.domain.imaging import ProviderError, ProviderRequest
    from tests.fake_openai import FakeOpenAI

    request = ProviderRequest(model="gpt-image-2.5-flare", prompt="a lighthouse at dusk", size="1024x1024",
                              quality="low", n=1, seed=7)
    timings = []
    fake = FakeOpenAI()
    try:
        for _ in range(repeats):
            fake.script("timeout", seconds=10)
            provider = OpenAIImageProvider("sk-bench", base_url=f"{fake.url}/v1", timeout=PROVIDER_TIMEOUT_S,
                                           max_retries=0)
            started = time.perf_counter()
            try:
                provider.generate(request)
            except ProviderError:
                timings.append(time.perf_counter() - started)
            else:
                raise AssertionError("the provider waited out a 10 s hang instead of timing out")
    finally:
        fake.close()
    gave_up = statistics.median(timings)
    return {"gave_up_s": gave_up, "ratio": gave_up / PROVIDER_TIMEOUT_S}


def main() -> None:
    hang = sqs_hang()
    print(f"SQS hang: a job send holds the request {hang['held_s']:.1f} s / API Gateway's "
          f"{API_GATEWAY_LIMIT_S:.0f} s = {hang['ratio']:.2f} (lower is better; target <= 0.5)")
    timeout = provider_timeout()
    print(f"provider timeout: gave up after {timeout['gave_up_s']:.2f} s / its {PROVIDER_TIMEOUT_S} s timeout "
          f"= {timeout['ratio']:.2f} (1.0 is exactly at the timeout; target <= 1.5)")


if __name__ == "__main__":
    main()
