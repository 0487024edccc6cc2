"""The OpenAI-compatible routes in process, where the test drives the worker and the clock of the wait: a call
that runs out of time answers with its generation id, failures are refunded and not retried by the SDK, and
the idempotency, compression and usage of ordinary generations hold."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import boto3
import openai
import pytest
from PIL import Image

from chalicelib.adapters.aws_storage import S3ImageStore
from chalicelib.adapters.pillow_codec import PillowImageCodec
from chalicelib.adapters.postgres import PostgresUnitOfWork
from chalicelib.domain.compatible_images import CompatibleImages
from chalicelib.domain.imaging import ProviderError, ProviderRejected
from tests.helpers import balance
from tests.integration.test_generation import QUEUE_URL

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50
MODEL = "gpt-image-2.5-flare"


@pytest.fixture
def providers(scripted_providers):
    """openai_fake (tests/integration/conftest.py) beside the placeholder."""
    return scripted_providers


def drive_worker(container) -> None:
    """What the SQS trigger does, run in the wait's pauses: every queued job goes to the worker."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    for message in sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10).get("Messages", []):
        container.worker.process(json.loads(message["Body"])["generation_id"])
        sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"])


def waiting(container, ceiling: float = 30.0, worker: bool = True) -> CompatibleImages:
    """The use case with the test's hands on the wait: each pause runs the worker (or nothing)."""
    store = S3ImageStore(lambda: boto3.client("s3", region_name="us-east-1"), container.settings.images_bucket)
    return CompatibleImages(container.generations, container.uploads, uow=lambda: PostgresUnitOfWork(container.pool),
                            store=store, codec=PillowImageCodec(), wait_ceiling=ceiling, poll_seconds=0,
                            sleep=(lambda seconds: drive_worker(container)) if worker else (lambda seconds: None))


@pytest.fixture
def key(api) -> tuple[str, str]:
    session = api.register()
    created = api.post("/v1/api-keys", {"name": "sdk"}, token=session["access_token"])
    return session["access_token"], created.json["key"]


@pytest.fixture
def sdk(chalice_client, key):
    """The openai SDK with its default retries, its HTTP sent through Chalice's test client; requests counted."""
    import httpx2

    sent: list[str] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        sent.append(request.url.path)
        reply = chalice_client.http.request(request.method, request.url.raw_path.decode(),
                                            headers=dict(request.headers), body=request.content)
        return httpx2.Response(reply.status_code, headers=reply.headers, content=reply.body)

    client = openai.OpenAI(base_url="http://pixmint.test/v1/openai", api_key=key[1],
                           http_client=httpx2.Client(transport=httpx2.MockTransport(handle)))
    client.sent = sent
    return client


def post(api, token: str, body: dict[str, Any], headers: dict[str, str] | None = None):
    return api.post("/v1/openai/images/generations", body, headers={"Authorization": f"Bearer {token}",
                                                                      **(headers or {})})


def test_a_call_that_runs_out_of_time_answers_with_the_generation_id_and_is_not_retried(api, container, key, sdk,
                                                                                        chalice_client):
    container.openai_images = waiting(container, ceiling=0, worker=False)
    with pytest.raises(openai.InternalServerError) as pending:
        sdk.images.generate(prompt="a slow and careful painting")
    assert sdk.sent == ["/v1/openai/images/generations"], "x-should-retry: false keeps the SDK from paying twice"
    error = pending.value.body
    assert (pending.value.status_code, error["code"], error["type"]) == (504, "generation_pending", "timeout")
    assert pending.value.response.headers["location"] == error["status_url"] == \
        f"/v1/generations/{error['generation_id']}"
    token = key[0]
    assert api.get(error["status_url"], token=token).json["status"] == "queued"
    drive_worker(container)
    generation = api.get(error["status_url"], token=token).json
    assert generation["status"] == "succeeded" and len(generation["images"]) == 1


def test_a_streamed_call_that_runs_out_of_time_ends_with_an_error_event(api, container, key):
    container.openai_images = waiting(container, ceiling=0, worker=False)
    reply = post(api, key[1], {"prompt": "a slow painting", "stream": True})
    assert reply.status == 200 and reply.headers["content-type"] == "text/event-stream"
    event, data = reply.body.decode().strip().split("\n")
    assert event == "event: error"
    assert json.loads(data.removeprefix("data: "))["error"]["code"] == "generation_pending"


def test_a_failed_generation_is_refunded_and_raised_once_with_its_id(api, container, key, sdk, openai_fake):
    container.openai_images = waiting(container)
    openai_fake.steps = [ProviderError("the provider is down", retryable=False)]
    with pytest.raises(openai.InternalServerError) as failed:
        sdk.images.generate(prompt="a red fox", model=MODEL, quality="low")
    assert len(sdk.sent) == 1 and failed.value.code == "generation_failed"
    generation = api.get(f"/v1/generations/{failed.value.body['generation_id']}", token=key[0]).json
    assert generation["status"] == "failed" and generation["refunded_credits"] == generation["cost_credits"]
    assert balance(api, key[0]) == BONUS


def test_a_prompt_the_provider_refuses_is_a_400_moderation_blocked_refunded(api, container, key, sdk, openai_fake):
    container.openai_images = waiting(container)
    openai_fake.steps = [ProviderRejected("OpenAI refused the request (moderation_blocked)")]
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.images.generate(prompt="something the safety system refuses", model=MODEL, quality="low")
    assert len(sdk.sent) == 1 and refused.value.status_code == 400
    assert (refused.value.code, refused.value.param) == ("moderation_blocked", "prompt")
    generation = api.get(f"/v1/generations/{refused.value.body['generation_id']}", token=key[0]).json
    assert generation["error_code"] == "content_refused"
    assert generation["refunded_credits"] == generation["cost_credits"]
    assert balance(api, key[0]) == BONUS


def test_a_failure_says_why_as_a_code_on_the_generation(api, container, key, sdk, openai_fake):
    container.openai_images = waiting(container)
    openai_fake.steps = [ProviderError("the provider is down", retryable=False)]
    with pytest.raises(openai.InternalServerError) as failed:
        sdk.images.generate(prompt="a red fox", model=MODEL, quality="low")
    generation = api.get(f"/v1/generations/{failed.value.body['generation_id']}", token=key[0]).json
    assert generation["error_code"] == "provider_failed"


def test_a_streamed_failure_is_an_error_event_the_sdk_raises(container, sdk, openai_fake):
    container.openai_images = waiting(container)
    openai_fake.steps = [ProviderError("the provider is down", retryable=False)]
    with pytest.raises(openai.APIError) as failed:
        list(sdk.images.generate(prompt="a red fox", model=MODEL, quality="low", stream=True))
    assert failed.value.body["code"] == "generation_failed"


def test_images_that_are_made_come_back_and_the_rest_are_refunded(api, container, key, openai_fake):
    container.openai_images = waiting(container)
    openai_fake.steps = [1]
    reply = post(api, key[1], {"prompt": "two foxes", "model": MODEL, "n": 2, "quality": "low"})
    assert reply.status == 200, reply.body
    assert len(reply.json["data"]) == 1
    assert reply.json["pixmint"]["refunded_credits"] == reply.json["pixmint"]["cost_credits"] // 2


def test_usage_is_the_providers_and_the_answer_describes_the_images(api, container, key):
    container.openai_images = waiting(container)
    reply = post(api, key[1], {"prompt": "a red fox", "model": MODEL, "size": "1536x1024", "quality": "low",
                               "background": "opaque"})
    assert reply.status == 200, reply.body
    assert reply.json["usage"] == {"input_tokens": 100, "output_tokens": 1536 * 1024 // 1000,
                                   "total_tokens": 100 + 1536 * 1024 // 1000,
                                   "input_tokens_details": {"text_tokens": 100, "image_tokens": 0}}
    assert (reply.json["size"], reply.json["quality"], reply.json["background"]) == ("1536x1024", "low", "opaque")
    assert reply.headers["pixmint-generation-id"] == reply.json["pixmint"]["generation_id"]


def test_output_compression_re_encodes_jpeg(api, container, key):
    container.openai_images = waiting(container)
    sizes = []
    for compression in (100, 5):
        reply = post(api, key[1], {"prompt": "a red fox", "model": "placeholder", "output_format": "jpeg",
                                   "output_compression": compression})
        data = base64.b64decode(reply.json["data"][0]["b64_json"])
        assert Image.open(io.BytesIO(data)).format == "JPEG"
        sizes.append(len(data))
    assert sizes[1] < sizes[0]
    refused = post(api, key[1], {"prompt": "a red fox", "output_format": "png", "output_compression": 50})
    assert refused.status == 400 and refused.json["error"]["param"] == "output_compression"


def test_the_same_idempotency_key_answers_the_same_generation_and_charges_once(api, container, key):
    container.openai_images = waiting(container)
    body = {"prompt": "a red fox", "model": "placeholder"}
    first = post(api, key[1], body, {"Idempotency-Key": "fox-1"})
    again = post(api, key[1], body, {"Idempotency-Key": "fox-1"})
    assert first.headers["pixmint-generation-id"] == again.headers["pixmint-generation-id"]
    assert first.json["data"] == again.json["data"]
    assert balance(api, key[0]) == BONUS - 1
    other = post(api, key[1], {"prompt": "a grey wolf"}, {"Idempotency-Key": "fox-1"})
    assert other.status == 409 and other.headers["x-should-retry"] == "false"


def test_chalices_own_refusals_are_in_openais_shape_too(api, key):
    wrong_type = api.request("POST", "/v1/openai/images/edits", raw="prompt=x",
                             headers={"Authorization": f"Bearer {key[1]}", "Content-Type": "text/plain"})
    assert wrong_type.status == 415 and set(wrong_type.json) == {"error"}
    assert wrong_type.json["error"]["type"] == "invalid_request_error"
    wrong_method = api.request("PUT", "/v1/openai/models", headers={"Authorization": f"Bearer {key[1]}"})
    assert wrong_method.status == 405 and "GET" in wrong_method.headers["allow"]
    assert set(wrong_method.json) == {"error"}


def test_a_signed_in_user_may_use_the_compatible_api_with_an_access_token(api, container, key):
    container.openai_images = waiting(container)
    reply = post(api, key[0], {"prompt": "a red fox"})
    assert reply.status == 200 and len(reply.json["data"]) == 1
    missing = api.post("/v1/openai/images/generations", {"prompt": "a red fox"})
    assert missing.status == 401 and missing.json["error"]["code"] == "invalid_api_key"
