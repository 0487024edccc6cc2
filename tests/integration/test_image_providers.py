"""Image providers against their real SDKs: openai pointed at tests/fake_openai.py, boto3 through botocore's Stubber."""

from __future__ import annotations

import base64
import io
import json
import time

import pytest

from chalicelib.adapters.bedrock_images import NOVA_CANVAS, STABILITY_SD35_LARGE, BedrockImageProvider
from chalicelib.adapters.openai_images import OpenAIImageProvider, OpenAIModerator
from chalicelib.adapters.pillow_codec import PillowImageCodec
from chalicelib.domain.imaging import InvalidImage, ProviderError, ProviderRejected, ProviderRequest
from tests.fake_openai import FakeOpenAI, png

GENERATIONS, EDITS, MODERATIONS = "/v1/images/generations", "/v1/images/edits", "/v1/moderations"


def gpt_image(**changes) -> ProviderRequest:
    values = dict(model="gpt-image-1", prompt="a lighthouse at dusk", size="1024x1024", quality="low", n=1, seed=7)
    return ProviderRequest(**{**values, **changes})


@pytest.fixture
def fake_openai():
    fake = FakeOpenAI()
    yield fake
    fake.close()


@pytest.fixture
def make_provider(fake_openai):
    def make(timeout: float = 1, max_retries: int = 2) -> OpenAIImageProvider:
        return OpenAIImageProvider("sk-test", base_url=f"{fake_openai.url}/v1", timeout=timeout,
                                   max_retries=max_retries)

    return make


@pytest.fixture
def provider(make_provider) -> OpenAIImageProvider:
    return make_provider()


def size_of(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_gpt_image_generates_n_pngs_of_the_requested_size(provider, fake_openai):
    images = provider.generate(gpt_image(n=3, size="1536x1024", quality="high"))

    assert [size_of(i.data) for i in images] == [(1536, 1024)] * 3
    assert all(i.error is None for i in images)
    sent = fake_openai.calls(GENERATIONS)[0]
    assert sent.json == {"model": "gpt-image-1", "prompt": "a lighthouse at dusk", "n": 3, "size": "1536x1024",
                         "quality": "high"}
    assert sent.headers["authorization"] == "Bearer sk-test"


def test_dalle3_asks_for_b64_json_one_image_at_a_time(provider, fake_openai):
    images = provider.generate(gpt_image(model="dall-e-3", size="1792x1024", quality="hd"))

    assert [size_of(i.data) for i in images] == [(1792, 1024)]
    assert fake_openai.calls(GENERATIONS)[0].json == {
        "model": "dall-e-3", "prompt": "a lighthouse at dusk", "n": 1, "size": "1792x1024", "quality": "hd",
        "response_format": "b64_json"}


@pytest.mark.parametrize("request_", [
    gpt_image(model="dall-e-3", size="1024x1024", quality="standard", n=2),
    gpt_image(size="1792x1024"),
    gpt_image(quality="hd"),
    gpt_image(n=5),
    gpt_image(model="dall-e-2"),
    gpt_image(model="dall-e-3", quality="standard", source_image=png(8, 8)),
    gpt_image(mask_image=png(8, 8)),
], ids=["dalle3-n2", "size", "quality", "n5", "model", "dalle3-edit", "mask-alone"])
def test_requests_a_model_cannot_serve_fail_without_a_call(provider, fake_openai, request_):
    with pytest.raises(ProviderError) as caught:
        provider.generate(request_)

    assert caught.value.retryable is False
    assert fake_openai.requests == []


def test_server_error_is_retried_by_the_sdk_then_succeeds(provider, fake_openai):
    fake_openai.script("500")

    images = provider.generate(gpt_image(n=2))

    assert [i.error for i in images] == [None, None]
    assert len(fake_openai.calls(GENERATIONS)) == 2


def test_rate_limit_with_retry_after_is_retried_then_succeeds(provider, fake_openai):
    fake_openai.script("429", retry_after="0.05")

    started = time.monotonic()
    images = provider.generate(gpt_image())

    assert images[0].data is not None
    assert len(fake_openai.calls(GENERATIONS)) == 2
    assert time.monotonic() - started < 0.45, "the SDK waited its own backoff instead of the Retry-After"


def test_rate_limit_that_outlasts_the_retries_is_retryable_with_retry_after(make_provider, fake_openai):
    fake_openai.script("429", retry_after="7")

    with pytest.raises(ProviderError) as caught:
        make_provider(max_retries=0).generate(gpt_image())

    assert caught.value.retryable is True
    assert caught.value.retry_after == 7.0
    assert not isinstance(caught.value, ProviderRejected)


def test_server_error_that_outlasts_the_retries_is_retryable(make_provider, fake_openai):
    fake_openai.script("500")
    fake_openai.script("500")

    with pytest.raises(ProviderError) as caught:
        make_provider(max_retries=1).generate(gpt_image())

    assert caught.value.retryable is True
    assert caught.value.retry_after is None
    assert len(fake_openai.calls(GENERATIONS)) == 2


def test_timeout_is_a_retryable_provider_error(make_provider, fake_openai):
    fake_openai.script("timeout", seconds=3)

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        make_provider(timeout=0.5, max_retries=0).generate(gpt_image())

    assert caught.value.retryable is True
    assert time.monotonic() - started < 2


def test_timeout_is_retried_by_the_sdk_then_succeeds(make_provider, fake_openai):
    fake_openai.script("timeout", seconds=3)

    images = make_provider(timeout=0.5, max_retries=2).generate(gpt_image())

    assert images[0].data is not None
    assert len(fake_openai.calls(GENERATIONS)) == 2


def test_malformed_base64_fails_only_those_images(provider, fake_openai):
    fake_openai.script("bad_base64", indexes=(1, 3))

    images = provider.generate(gpt_image(n=4))

    assert len(images) == 4
    assert [i.data is not None for i in images] == [True, False, True, False]
    assert all(i.error and "base64" in i.error for i in (images[1], images[3]))
    assert size_of(images[2].data) == (1024, 1024)


def test_fewer_items_than_requested_become_errors(provider, fake_openai):
    fake_openai.script("fewer", count=1)

    images = provider.generate(gpt_image(n=3))

    assert [i.data is not None for i in images] == [True, False, False]
    assert images[1].error and images[2].error


def test_valid_base64_that_is_not_a_picture_is_caught_by_the_codec(provider, fake_openai):
    fake_openai.script("not_an_image", indexes=(0,))

    first, second = provider.generate(gpt_image(n=2))

    with pytest.raises(InvalidImage):
        PillowImageCodec().inspect(first.data)
    assert PillowImageCodec().inspect(second.data).content_type == "image/png"


@pytest.mark.parametrize("fault", ["content_policy", "moderation_blocked"])
def test_safety_refusal_is_rejected_and_not_retried(provider, fake_openai, fault):
    fake_openai.script(fault)

    with pytest.raises(ProviderRejected) as caught:
        provider.generate(gpt_image())

    assert caught.value.retryable is False
    assert len(fake_openai.calls(GENERATIONS)) == 1


def test_other_bad_request_is_not_retryable(provider, fake_openai):
    fake_openai.script("bad_request")

    with pytest.raises(ProviderError) as caught:
        provider.generate(gpt_image())

    assert caught.value.retryable is False
    assert not isinstance(caught.value, ProviderRejected)


def test_unreachable_server_is_retryable():
    provider = OpenAIImageProvider("sk-test", base_url="http://127.0.0.1:9/v1", timeout=1, max_retries=0)

    with pytest.raises(ProviderError) as caught:
        provider.generate(gpt_image())

    assert caught.value.retryable is True


def test_edit_sends_the_image_and_mask_as_multipart(provider, fake_openai):
    source, mask = png(64, 64, (255, 0, 0)), png(64, 64, (0, 0, 0))

    images = provider.generate(gpt_image(n=2, size="1024x1536", quality="medium", source_image=source,
                                         mask_image=mask))

    assert [size_of(i.data) for i in images] == [(1024, 1536)] * 2
    sent = fake_openai.calls(EDITS)[0]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert sent.files["image"] == ("image.png", "image/png", source)
    assert sent.files["mask"] == ("mask.png", "image/png", mask)
    assert sent.fields == {"prompt": "a lighthouse at dusk", "model": "gpt-image-1", "n": "2", "size": "1024x1536",
                           "quality": "medium"}
    assert fake_openai.calls(GENERATIONS) == []


def test_edit_without_a_mask_sends_only_the_image(provider, fake_openai):
    provider.generate(gpt_image(source_image=png(32, 32)))

    assert set(fake_openai.calls(EDITS)[0].files) == {"image"}


@pytest.fixture
def moderator(fake_openai) -> OpenAIModerator:
    return OpenAIModerator("sk-test", base_url=f"{fake_openai.url}/v1", timeout=1, max_retries=0)


def test_flagged_prompt_gets_a_reason_naming_the_categories(moderator, fake_openai):
    fake_openai.script("flagged", categories=("violence", "harassment/threatening"))

    reason = moderator.check("something nasty")

    assert reason == "Flagged by OpenAI moderation: harassment/threatening, violence"
    assert fake_openai.calls(MODERATIONS)[0].json == {"model": "omni-moderation-latest", "input": "something nasty"}


def test_clean_prompt_passes_moderation(moderator):
    assert moderator.check("a lighthouse at dusk") is None


def test_moderation_outage_is_retryable(moderator, fake_openai):
    fake_openai.script("500")

    with pytest.raises(ProviderError) as caught:
        moderator.check("a lighthouse at dusk")

    assert caught.value.retryable is True


# Amazon Bedrock through botocore's Stubber: the real client, its parameter validation, no network.


def bedrock_request(**changes) -> ProviderRequest:
    values = dict(model="nova-canvas", prompt="a lighthouse at dusk", size="1280x720", quality="premium", n=2,
                  seed=2_000_000_000)
    return ProviderRequest(**{**values, **changes})


@pytest.fixture
def bedrock():
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    sent: list[dict] = []
    client.meta.events.register("provide-client-params.bedrock-runtime.InvokeModel",
                                lambda params, **_: sent.append(params))
    with Stubber(client) as stubber:
        yield client, stubber, sent
        stubber.assert_no_pending_responses()


def model_reply(body: dict) -> dict:
    from botocore.response import StreamingBody

    raw = json.dumps(body).encode()
    return {"body": StreamingBody(io.BytesIO(raw), len(raw)), "contentType": "application/json"}


def b64_png(width: int = 16, height: int = 16) -> str:
    return base64.b64encode(png(width, height)).decode()


def test_nova_canvas_generates_all_images_in_one_call(bedrock):
    client, stubber, sent = bedrock
    stubber.add_response("invoke_model", model_reply({"images": [b64_png(), b64_png()]}))
    made = []

    images = BedrockImageProvider(lambda: made.append(1) or client).generate(
        bedrock_request(negative_prompt="people"))

    assert [size_of(i.data) for i in images] == [(16, 16)] * 2
    assert sent[0]["modelId"] == NOVA_CANVAS
    assert json.loads(sent[0]["body"]) == {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a lighthouse at dusk", "negativeText": "people"},
        "imageGenerationConfig": {"numberOfImages": 2, "width": 1280, "height": 720, "quality": "premium",
                                  "seed": 2_000_000_000 % 858_993_460},
    }
    assert made == [1]


def test_bedrock_client_is_made_on_first_use_and_reused(bedrock):
    client, stubber, _ = bedrock
    stubber.add_response("invoke_model", model_reply({"images": [b64_png()]}))
    stubber.add_response("invoke_model", model_reply({"images": [b64_png()]}))
    made = []
    provider = BedrockImageProvider(lambda: made.append(1) or client)
    assert made == []

    provider.generate(bedrock_request(n=1))
    provider.generate(bedrock_request(n=1))

    assert made == [1]


def test_nova_canvas_short_reply_marks_the_missing_images(bedrock):
    client, stubber, _ = bedrock
    stubber.add_response("invoke_model", model_reply({"images": [b64_png()], "error": "1 image was filtered"}))

    images = BedrockImageProvider(lambda: client).generate(bedrock_request(n=3))

    assert [i.data is not None for i in images] == [True, False, False]
    assert images[1].error == "1 image was filtered"


@pytest.mark.parametrize("code", ["ThrottlingException", "ServiceUnavailableException", "ModelTimeoutException",
                                  "InternalServerException"])
def test_nova_canvas_throttling_and_outages_are_retryable(bedrock, code):
    client, stubber, _ = bedrock
    stubber.add_client_error("invoke_model", service_error_code=code, service_message="slow down",
                             http_status_code=429 if code == "ThrottlingException" else 503)

    with pytest.raises(ProviderError) as caught:
        BedrockImageProvider(lambda: client).generate(bedrock_request())

    assert caught.value.retryable is True


def test_nova_canvas_content_filter_is_rejected(bedrock):
    client, stubber, _ = bedrock
    stubber.add_client_error("invoke_model", service_error_code="ValidationException", http_status_code=400,
                             service_message="This request has been blocked by our content filters.")

    with pytest.raises(ProviderRejected):
        BedrockImageProvider(lambda: client).generate(bedrock_request())


def test_other_bedrock_validation_errors_are_not_retryable(bedrock):
    client, stubber, _ = bedrock
    stubber.add_client_error("invoke_model", service_error_code="ValidationException", http_status_code=400,
                             service_message="Malformed input request")

    with pytest.raises(ProviderError) as caught:
        BedrockImageProvider(lambda: client).generate(bedrock_request())

    assert caught.value.retryable is False
    assert not isinstance(caught.value, ProviderRejected)


def test_nova_canvas_refuses_prompts_over_its_limit_without_a_call(bedrock):
    client, _, sent = bedrock

    with pytest.raises(ProviderError) as caught:
        BedrockImageProvider(lambda: client).generate(bedrock_request(prompt="x" * 1025))

    assert caught.value.retryable is False
    assert sent == []


def test_stability_makes_one_call_per_image_with_consecutive_seeds(bedrock):
    client, stubber, sent = bedrock
    stubber.add_response("invoke_model", model_reply({"seeds": [5], "finish_reasons": [None],
                                                      "images": [b64_png(32, 32)]}))
    stubber.add_response("invoke_model", model_reply({"seeds": [6], "finish_reasons": ["Filter reason: output image"],
                                                      "images": []}))

    images = BedrockImageProvider(lambda: client).generate(
        bedrock_request(model="sd3.5-large", size="1024x1024", quality="standard", n=2, seed=5,
                        negative_prompt="blurry"))

    assert size_of(images[0].data) == (32, 32)
    assert images[1].data is None and images[1].error == "Filter reason: output image"
    bodies = [json.loads(call["body"]) for call in sent]
    assert {call["modelId"] for call in sent} == {STABILITY_SD35_LARGE}
    assert bodies[0] == {"prompt": "a lighthouse at dusk", "negative_prompt": "blurry", "mode": "text-to-image",
                         "aspect_ratio": "1:1", "seed": 5, "output_format": "png"}
    assert bodies[1]["seed"] == 6


def test_stability_throttling_is_retryable(bedrock):
    client, stubber, _ = bedrock
    stubber.add_client_error("invoke_model", service_error_code="ThrottlingException", http_status_code=429)

    with pytest.raises(ProviderError) as caught:
        BedrockImageProvider(lambda: client).generate(bedrock_request(model="sd3.5-large", size="1024x1024", n=1))

    assert caught.value.retryable is True


def test_unknown_bedrock_model_fails_without_a_call(bedrock):
    client, _, sent = bedrock

    with pytest.raises(ProviderError) as caught:
        BedrockImageProvider(lambda: client).generate(bedrock_request(model="titan-image"))

    assert caught.value.retryable is False
    assert sent == []
