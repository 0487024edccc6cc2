"""Image providers against their real SDKs: openai pointed at tests/fake_openai.py, boto3 through botocore's Stubber."""

from __future__ import annotations

import base64
import io
import json
import threading
import time

import openai
import pytest

from chalicelib.adapters.bedrock_images import NOVA_CANVAS, STABILITY_SD35_LARGE, BedrockImageProvider
from chalicelib.adapters.openai_images import OpenAIImageProvider, OpenAIModerator
from chalicelib.adapters.pillow_codec import PillowImageCodec
from chalicelib.domain.imaging import (
    InvalidImage,
    ModelWithdrawn,
    ProviderError,
    ProviderRejected,
    ProviderRequest,
    TokenUsage,
)
from tests.fake_openai import FakeOpenAI, png

GENERATIONS, EDITS, MODERATIONS = "/v1/images/generations", "/v1/images/edits", "/v1/moderations"
PROMPT = "a lighthouse at dusk"  # 20 characters: 5 text tokens to the fake


def gpt_image(**changes) -> ProviderRequest:
    values = dict(model="gpt-image-2.5-flare", prompt=PROMPT, size="1024x1024", quality="low", n=1, seed=7)
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


def opened(data: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def size_of(data: bytes) -> tuple[int, int]:
    return opened(data).size


class Previews:
    """An on_partial callback that records what arrived, for which position, and when."""

    def __init__(self) -> None:
        self.received: list[tuple[int, bytes, float]] = []
        self._lock = threading.Lock()

    def __call__(self, position: int, data: bytes) -> None:
        with self._lock:
            self.received.append((position, data, time.monotonic()))

    def positions(self) -> list[int]:
        return sorted(position for position, _, _ in self.received)


def test_generates_n_images_of_the_requested_size_with_only_todays_parameters(provider, fake_openai):
    result = provider.generate(gpt_image(n=3, size="1536x1024", quality="high", safety_identifier="user-hash"))

    assert [size_of(i.data) for i in result.images] == [(1536, 1024)] * 3
    assert all(i.error is None for i in result.images)
    sent = fake_openai.calls(GENERATIONS)[0]
    assert sent.json == {"model": "gpt-image-2.5-flare", "prompt": PROMPT, "n": 3, "size": "1536x1024",
                         "quality": "high", "output_format": "png", "safety_identifier": "user-hash"}
    assert "response_format" not in sent.json and "style" not in sent.json
    assert sent.headers["authorization"] == "Bearer sk-test"


def test_token_usage_is_reported_as_the_api_counts_it(provider):
    result = provider.generate(gpt_image(n=2))

    assert result.usage == TokenUsage(input_text_tokens=5, input_image_tokens=0, output_image_tokens=2 * 272)


def test_usage_grows_with_size_quality_and_count(provider):
    def output_tokens(**changes) -> int:
        return provider.generate(gpt_image(**changes)).usage.output_image_tokens

    base = output_tokens()
    assert output_tokens(size="1536x1024") > base
    assert output_tokens(quality="max") > output_tokens(quality="high") > base
    assert output_tokens(n=3) == 3 * base


def test_custom_size_with_a_transparent_background_comes_back_with_alpha(provider, fake_openai):
    result = provider.generate(gpt_image(size="1536x864", background="transparent", output_format="webp"))

    image = opened(result.images[0].data)
    assert (image.format, image.size, image.mode) == ("WEBP", (1536, 864), "RGBA")
    assert image.getchannel("A").getextrema()[0] == 0, "some pixels are really transparent"
    assert fake_openai.calls(GENERATIONS)[0].json["background"] == "transparent"


def test_auto_background_is_left_to_the_api_and_no_safety_identifier_is_invented(provider, fake_openai):
    provider.generate(gpt_image(background="auto", output_format="jpeg"))

    sent = fake_openai.calls(GENERATIONS)[0].json
    assert "background" not in sent and "safety_identifier" not in sent
    assert sent["output_format"] == "jpeg"


def test_gif_sends_its_frame_count_and_comes_back_animated(provider, fake_openai):
    previews = Previews()

    result = provider.generate(gpt_image(output_format="gif", frame_count=5, on_partial=previews))

    image = opened(result.images[0].data)
    assert (image.format, image.n_frames, image.size) == ("GIF", 5, (1024, 1024))
    sent = fake_openai.calls(GENERATIONS)[0].json
    assert sent["frame_count"] == 5 and "stream" not in sent, "GIF output cannot stream"
    assert previews.received == []


def test_frame_count_is_not_sent_for_still_images(provider, fake_openai):
    provider.generate(gpt_image(output_format="png", frame_count=5))

    assert "frame_count" not in fake_openai.calls(GENERATIONS)[0].json


def test_svg_comes_back_as_an_svg_document(provider):
    import xml.etree.ElementTree as ElementTree

    result = provider.generate(gpt_image(output_format="svg", size="1024x1536", on_partial=Previews()))

    root = ElementTree.fromstring(result.images[0].data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("1024", "1536")
    assert result.usage.output_text_tokens > 0


@pytest.mark.parametrize("model", ["gpt-image-1", "dall-e-3", "dall-e-2"])
def test_a_retired_model_is_withdrawn_not_retried(provider, fake_openai, model):
    with pytest.raises(ModelWithdrawn) as caught:
        provider.generate(gpt_image(model=model))

    assert caught.value.model == model
    assert caught.value.retryable is False
    assert len(fake_openai.calls(GENERATIONS)) == 1


def test_a_retired_model_is_withdrawn_for_edits_and_streams_too(provider, fake_openai):
    with pytest.raises(ModelWithdrawn):
        provider.generate(gpt_image(model="gpt-image-1", source_image=png(32, 32)))
    with pytest.raises(ModelWithdrawn):
        provider.generate(gpt_image(model="gpt-image-1", n=2, on_partial=Previews()))

    assert len(fake_openai.calls(EDITS)) == 1 and len(fake_openai.calls(GENERATIONS)) == 2


@pytest.mark.parametrize("request_", [
    gpt_image(model="gpt-image-1.5", size="1536x864"),
    gpt_image(size="1792x1024"),
    gpt_image(quality="hd"),
    gpt_image(model="gpt-image-2", quality="xhigh"),
    gpt_image(background="transparent", output_format="jpeg"),
    gpt_image(model="gpt-image-2", background="transparent"),
    gpt_image(output_format="svg", n=2),
], ids=["custom-size-on-1.5", "legacy-size", "legacy-quality", "xhigh-on-2", "transparent-jpeg",
        "transparent-on-2-preview", "svg-n2"])
def test_options_the_model_does_not_take_are_refused_and_not_retried(provider, fake_openai, request_):
    with pytest.raises(ProviderError) as caught:
        provider.generate(request_)

    assert caught.value.retryable is False
    assert not isinstance(caught.value, (ProviderRejected, ModelWithdrawn))
    assert len(fake_openai.calls(GENERATIONS)) == 1


def test_a_mask_without_a_source_image_fails_without_a_call(provider, fake_openai):
    with pytest.raises(ProviderError) as caught:
        provider.generate(gpt_image(mask_image=png(8, 8)))

    assert caught.value.retryable is False
    assert fake_openai.requests == []


def test_server_error_is_retried_by_the_sdk_then_succeeds(provider, fake_openai):
    fake_openai.script("500")

    result = provider.generate(gpt_image(n=2))

    assert [i.error for i in result.images] == [None, None]
    assert len(fake_openai.calls(GENERATIONS)) == 2


class _SleepRecorder:
    """The time module as the openai SDK sees it, noting each pause it takes between tries."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __getattr__(self, name: str):
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        time.sleep(seconds)


def test_rate_limit_with_retry_after_is_retried_then_succeeds(provider, fake_openai, monkeypatch):
    import openai._base_client

    recorder = _SleepRecorder()
    monkeypatch.setattr(openai._base_client, "time", recorder)
    fake_openai.script("429", retry_after="0.05")

    result = provider.generate(gpt_image())

    assert result.images[0].data is not None
    assert len(fake_openai.calls(GENERATIONS)) == 2
    assert recorder.pauses == [0.05], "the SDK waited its own backoff instead of the Retry-After"


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
    # The fake holds the call 3 s, then answers it with an image: only a client that gave up at its own timeout
    # fails it, and fails it once (bench/timeouts.py measures how soon after the timeout it gives up).
    fake_openai.script("timeout", seconds=3)

    with pytest.raises(ProviderError) as caught:
        make_provider(timeout=0.5, max_retries=0).generate(gpt_image())

    assert caught.value.retryable is True
    assert isinstance(caught.value.__cause__, openai.APITimeoutError), repr(caught.value.__cause__)
    assert str(caught.value) == "OpenAI timed out"
    assert len(fake_openai.calls(GENERATIONS)) == 1, "max_retries=0: no second call"


def test_timeout_is_retried_by_the_sdk_then_succeeds(make_provider, fake_openai):
    fake_openai.script("timeout", seconds=3)

    result = make_provider(timeout=0.5, max_retries=2).generate(gpt_image())

    assert result.images[0].data is not None
    assert len(fake_openai.calls(GENERATIONS)) == 2


def test_malformed_base64_fails_only_those_images(provider, fake_openai):
    fake_openai.script("bad_base64", indexes=(1, 3))

    images = provider.generate(gpt_image(n=4)).images

    assert len(images) == 4
    assert [i.data is not None for i in images] == [True, False, True, False]
    assert all(i.error and "base64" in i.error for i in (images[1], images[3]))
    assert size_of(images[2].data) == (1024, 1024)


def test_fewer_items_than_requested_become_errors(provider, fake_openai):
    fake_openai.script("fewer", count=1)

    images = provider.generate(gpt_image(n=3)).images

    assert [i.data is not None for i in images] == [True, False, False]
    assert images[1].error and images[2].error


def test_valid_base64_that_is_not_a_picture_is_caught_by_the_codec(provider, fake_openai):
    fake_openai.script("not_an_image", indexes=(0,))

    first, second = provider.generate(gpt_image(n=2)).images

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

    result = provider.generate(gpt_image(model="gpt-image-1.5", n=2, size="1024x1536", quality="medium",
                                         source_image=source, mask_image=mask, safety_identifier="user-hash"))

    assert [size_of(i.data) for i in result.images] == [(1024, 1536)] * 2
    assert result.usage.input_image_tokens > 0, "the source image counts as input"
    sent = fake_openai.calls(EDITS)[0]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert sent.files["image"] == ("image.png", "image/png", source)
    assert sent.files["mask"] == ("mask.png", "image/png", mask)
    assert sent.fields == {"prompt": PROMPT, "model": "gpt-image-1.5", "n": "2", "size": "1024x1536",
                           "quality": "medium", "output_format": "png", "safety_identifier": "user-hash"}
    assert fake_openai.calls(GENERATIONS) == []


def test_edit_without_a_mask_sends_only_the_image(provider, fake_openai):
    provider.generate(gpt_image(source_image=png(32, 32)))

    assert set(fake_openai.calls(EDITS)[0].files) == {"image"}


def test_an_upscale_sends_input_fidelity_where_the_model_takes_it_and_the_api_refuses_it_elsewhere(provider,
                                                                                                fake_openai):
    provider.generate(gpt_image(model="gpt-image-1.5", source_image=png(64, 64), operation="upscale",
                                input_fidelity="high"))
    assert fake_openai.calls(EDITS)[0].fields["input_fidelity"] == "high"
    for model, fidelity in (("gpt-image-2", "high"), ("gpt-image-1-mini", "high")):
        with pytest.raises(ProviderError) as caught:
            provider.generate(gpt_image(model=model, source_image=png(64, 64), input_fidelity=fidelity))
        assert caught.value.retryable is False and "400" in str(caught.value)
    provider.generate(gpt_image(model="gpt-image-2", source_image=png(64, 64), operation="upscale"))
    assert "input_fidelity" not in fake_openai.calls(EDITS)[-1].fields


def test_edit_with_a_mask_of_another_size_is_refused(provider, fake_openai):
    with pytest.raises(ProviderError) as caught:
        provider.generate(gpt_image(source_image=png(64, 64), mask_image=png(32, 32)))

    assert caught.value.retryable is False


# Streaming: one n=1 stream per image, previews handed to on_partial as they arrive.


def test_streamed_previews_arrive_per_position_before_the_images_are_done(make_provider, fake_openai):
    fake_openai.render_seconds = 0.6
    previews = Previews()

    result = make_provider(timeout=5).generate(gpt_image(n=3, size="1536x1024", on_partial=previews))
    finished = time.monotonic()

    assert previews.positions() == [0, 0, 1, 1, 2, 2], "two partial images for each of the three"
    assert all(size_of(data) == (1536, 1024) for _, data, _ in previews.received)
    first_preview = min(at for _, _, at in previews.received)
    # The fake sends each stream's completion two pauses (0.4 s) after its first partial image; load only delays
    # when things arrive, so a preview handed over only at the end would leave no gap (no wall-clock budget here).
    assert finished - first_preview > 0.15, "a preview came well before the final images"
    assert [size_of(i.data) for i in result.images] == [(1536, 1024)] * 3
    calls = fake_openai.calls(GENERATIONS)
    assert len(calls) == 3
    assert all(c.json["n"] == 1 and c.json["stream"] is True and c.json["partial_images"] == 2 for c in calls)
    assert fake_openai.peak_in_flight == 3, "the three streams ran at once"


def test_streamed_usage_is_summed_over_the_streams(provider):
    result = provider.generate(gpt_image(n=3, on_partial=Previews()))

    assert result.usage == TokenUsage(input_text_tokens=3 * 5, input_image_tokens=0, output_image_tokens=3 * 272)


def test_streamed_edit_uses_the_edit_events(provider, fake_openai):
    previews = Previews()

    result = provider.generate(gpt_image(source_image=png(48, 32), on_partial=previews))

    assert previews.positions() == [0, 0]
    assert result.images[0].data is not None
    assert fake_openai.calls(EDITS)[0].fields["stream"] == "true"


def test_a_stream_that_fails_midway_fails_only_its_image(provider, fake_openai):
    fake_openai.script("stream_error")

    result = provider.generate(gpt_image(n=3, on_partial=Previews()))

    failed = [i for i in result.images if i.data is None]
    assert len(failed) == 1 and "stream" in failed[0].error
    assert result.usage.output_image_tokens == 2 * 272, "only the finished images are counted"


def test_a_stream_that_fails_for_every_image_is_a_retryable_failure(provider, fake_openai):
    fake_openai.script("stream_error")

    with pytest.raises(ProviderError) as caught:
        provider.generate(gpt_image(on_partial=Previews()))

    assert caught.value.retryable is True


def test_a_rejected_stream_is_rejected(provider, fake_openai):
    fake_openai.script("content_policy")

    with pytest.raises(ProviderRejected):
        provider.generate(gpt_image(on_partial=Previews()))


def test_a_malformed_final_image_in_a_stream_fails_that_image(provider, fake_openai):
    fake_openai.script("bad_base64", indexes=(0,))

    [image] = provider.generate(gpt_image(on_partial=Previews())).images

    assert image.data is None and "base64" in image.error


@pytest.fixture
def moderator(fake_openai) -> OpenAIModerator:
    return OpenAIModerator("sk-test", base_url=f"{fake_openai.url}/v1", timeout=1, max_retries=0)


def test_flagged_prompt_gets_a_reason_naming_the_categories(moderator, fake_openai):
    fake_openai.script("flagged", categories=("violence", "harassment/threatening"))

    reason = moderator.check("something nasty")

    assert reason == "Flagged by OpenAI moderation: harassment/threatening, violence"
    assert fake_openai.calls(MODERATIONS)[0].json == {"model": "omni-moderation-latest", "input": "something nasty"}


def test_clean_prompt_passes_moderation(moderator):
    assert moderator.check(PROMPT) is None


def test_moderation_outage_is_retryable(moderator, fake_openai):
    fake_openai.script("500")

    with pytest.raises(ProviderError) as caught:
        moderator.check(PROMPT)

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

    result = BedrockImageProvider(lambda: made.append(1) or client).generate(
        bedrock_request(negative_prompt="people"))

    assert [size_of(i.data) for i in result.images] == [(16, 16)] * 2
    assert result.usage is None, "Bedrock reports no token usage"
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

    images = BedrockImageProvider(lambda: client).generate(bedrock_request(n=3)).images

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


@pytest.mark.parametrize("code, message", [
    ("ResourceNotFoundException", "This model version has reached the end of its life. Please refer to the AWS "
                                  "documentation for more details."),
    ("ResourceNotFoundException", "Access denied. This Model is marked by provider as Legacy and you have not been "
                                  "actively using the model in the last 15 days. Please upgrade to an active model "
                                  "on Amazon Bedrock"),
    ("ValidationException", "The provided model identifier is invalid."),
], ids=["end-of-life", "legacy-and-idle", "gone-from-region"])
def test_a_model_bedrock_no_longer_serves_is_withdrawn(bedrock, code, message):
    client, stubber, _ = bedrock
    stubber.add_client_error("invoke_model", service_error_code=code, service_message=message,
                             http_status_code=404 if code == "ResourceNotFoundException" else 400)

    with pytest.raises(ModelWithdrawn) as caught:
        BedrockImageProvider(lambda: client).generate(bedrock_request())

    assert caught.value.model == "nova-canvas"
    assert caught.value.retryable is False


def test_a_withdrawn_stability_model_is_withdrawn_on_its_first_call(bedrock):
    client, stubber, sent = bedrock
    stubber.add_client_error("invoke_model", service_error_code="ResourceNotFoundException", http_status_code=404,
                             service_message="This model version has reached the end of its life.")

    with pytest.raises(ModelWithdrawn) as caught:
        BedrockImageProvider(lambda: client).generate(bedrock_request(model="sd3.5-large", size="1024x1024", n=3))

    assert caught.value.model == "sd3.5-large"
    assert len(sent) == 1


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
                        negative_prompt="blurry")).images

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
