"""The fake OpenAI server against the installed openai SDK: it serves what the SDK documents today, refuses the rest.

Every call goes through the real SDK client, so requests are shaped and replies parsed exactly as in production.
"""

from __future__ import annotations

import base64
import io
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable

import openai
import pytest

from tests.fake_openai import IMAGE_MODELS, RETIRED_MODELS, FakeOpenAI, documented_image_models, png

PROMPT = "a lighthouse at dusk"


@pytest.fixture(scope="module")
def fake():
    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture(scope="module")
def client(fake) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=f"{fake.url}/v1", max_retries=0, timeout=10)


def image(b64: str):
    from PIL import Image

    picture = Image.open(io.BytesIO(base64.b64decode(b64)))
    picture.load()
    return picture


def generate(client: openai.OpenAI, **changes):
    return client.images.generate(**{"model": "gpt-image-2.5-flare", "prompt": PROMPT, **changes})


def edit(client: openai.OpenAI, **changes):
    values = {"model": "gpt-image-1.5", "prompt": PROMPT, "image": ("image.png", png(64, 48), "image/png")}
    return client.images.edit(**{**values, **changes})


def refused(call, *args, **kwargs) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert set(error.body) == {"message", "type", "param", "code"}, "OpenAI's error shape"
    assert error.body["type"] == "invalid_request_error" and error.body["message"]
    return error


def test_the_fake_serves_exactly_the_sdks_current_models_and_withdraws_the_rest():
    values, withdrawn = documented_image_models()

    assert set(RETIRED_MODELS) == set(withdrawn) == {"gpt-image-1", "dall-e-2", "dall-e-3"}
    assert set(IMAGE_MODELS) == values - set(withdrawn)


@pytest.mark.parametrize("model", sorted(IMAGE_MODELS))
def test_every_current_model_makes_a_standard_image(client, model):
    response = generate(client, model=model, size="1024x1024", quality="low")

    assert image(response.data[0].b64_json).size == (1024, 1024)


@pytest.mark.parametrize("model", [*sorted(RETIRED_MODELS), "gpt-image-9-imaginary"])
def test_retired_and_unknown_models_are_not_found(client, model):
    for call in (generate, edit):
        error = refused(call, client, model=model)
        assert isinstance(error, openai.NotFoundError)
        assert (error.status_code, error.code, error.param) == (404, "model_not_found", "model")
        assert model in error.body["message"]


def test_a_missing_model_is_a_bad_request(client):
    error = refused(client.images.generate, prompt=PROMPT)

    assert (error.status_code, error.param) == (400, "model")


@pytest.mark.parametrize("changes, param", [
    ({"response_format": "b64_json"}, "response_format"),
    ({"response_format": "url"}, "response_format"),
    ({"style": "vivid"}, "style"),
    ({"quality": "standard"}, "quality"),
    ({"quality": "hd"}, "quality"),
    ({"model": "gpt-image-2", "quality": "xhigh"}, "quality"),
    ({"model": "gpt-image-1.5", "quality": "max"}, "quality"),
    ({"model": "gpt-image-2.6-flare", "quality": "xhigh"}, "quality"),
    ({"size": "1792x1024"}, "size"),
    ({"size": "256x256"}, "size"),
    ({"model": "gpt-image-1.5", "size": "512x512"}, "size"),
    ({"model": "gpt-image-1.5", "size": "1536x864"}, "size"),
    ({"model": "gpt-image-1-mini", "size": "2048x2048"}, "size"),
    ({"size": "1000x1000"}, "size"),
    ({"size": "1024x1000"}, "size"),
    ({"size": "3840x1264"}, "size"),
    ({"size": "4096x2048"}, "size"),
    ({"size": "3840x2400"}, "size"),
    ({"size": "big"}, "size"),
    ({"background": "transparent", "output_format": "jpeg"}, "background"),
    ({"model": "gpt-image-2", "background": "transparent"}, "background"),
    ({"model": "gpt-image-2-2026-04-21", "background": "transparent"}, "background"),
    ({"model": "gpt-image-2", "output_format": "gif"}, "output_format"),
    ({"model": "gpt-image-1.5", "output_format": "svg"}, "output_format"),
    ({"output_format": "bmp"}, "output_format"),
    ({"output_format": "gif", "frame_count": 1}, "frame_count"),
    ({"output_format": "gif", "frame_count": 17}, "frame_count"),
    ({"output_format": "png", "frame_count": 4}, "frame_count"),
    ({"frame_count": 4}, "frame_count"),
    ({"frame_duration_ms": 100}, "frame_duration_ms"),
    ({"output_format": "gif", "stream": True}, "stream"),
    ({"output_format": "gif", "partial_images": 1}, "partial_images"),
    ({"output_format": "gif", "output_compression": 50}, "output_compression"),
    ({"output_format": "gif", "size": "1536x864"}, "size"),
    ({"output_format": "svg", "n": 2}, "n"),
    ({"output_format": "svg", "stream": True}, "stream"),
    ({"output_format": "svg", "partial_images": 2}, "partial_images"),
    ({"output_format": "svg", "output_compression": 80}, "output_compression"),
    ({"svg": {"model": "an-author"}}, "svg"),
    ({"output_format": "png", "output_compression": 80}, "output_compression"),
    ({"output_format": "jpeg", "output_compression": 101}, "output_compression"),
    ({"n": 0}, "n"),
    ({"n": 11}, "n"),
    ({"stream": True, "partial_images": 4}, "partial_images"),
    ({"prompt": "x" * 32_001}, "prompt"),
    ({"prompt": ""}, "prompt"),
    ({"moderation": "none"}, "moderation"),
    ({"extra_body": {"input_fidelity": "high"}}, "input_fidelity"),
    ({"extra_body": {"seed": 7}}, "seed"),
])
def test_generation_refuses_what_the_sdk_docs_rule_out(client, changes, param):
    error = refused(generate, client, **changes)

    assert (error.status_code, error.param) == (400, param)
    assert error.code in {"invalid_value", "unsupported_parameter", "unknown_parameter", "integer_below_min_value",
                          "integer_above_max_value", "string_above_max_length", "missing_required_parameter"}


@pytest.mark.parametrize("changes, param", [
    ({"response_format": "b64_json"}, "response_format"),
    ({"quality": "standard"}, "quality"),
    ({"size": "512x512"}, "size"),
    ({"model": "gpt-image-2", "input_fidelity": "high"}, "input_fidelity"),
    ({"model": "gpt-image-2", "input_fidelity": "low"}, "input_fidelity"),
    ({"model": "gpt-image-1-mini", "input_fidelity": "high"}, "input_fidelity"),
    ({"mask": ("mask.png", png(32, 32), "image/png")}, "mask"),
    ({"mask": ("mask.jpg", b"\xff\xd8\xff not a png", "image/jpeg")}, "mask"),
    ({"model": "gpt-image-2.5-flare", "output_format": "gif", "mask": ("mask.png", png(64, 48), "image/png")},
     "mask"),
    ({"markup": ("markup.png", png(64, 48), "image/png")}, "markup"),
    ({"model": "gpt-image-2.5-flare", "markup": ("markup.png", png(64, 48), "image/png")}, "markup"),
    ({"image": ("image.txt", b"not an image", "text/plain")}, "image"),
    ({"image": [("image.png", png(8, 8), "image/png")] * 17}, "image"),
    ({"extra_body": {"style": "vivid"}}, "style"),
    ({"extra_body": {"moderation": "low"}}, "moderation"),
])
def test_edits_refuse_what_the_sdk_docs_rule_out(client, changes, param):
    error = refused(edit, client, **changes)

    assert (error.status_code, error.param) == (400, param)


@pytest.mark.parametrize("size", ["1024x1024", "1536x1024", "1024x1536", "1536x864", "3840x2160", "2160x3840",
                                  "3840x1280", "1280x3840", "16x48", "auto"])
def test_sizes_within_the_documented_limits_are_made_at_that_size(client, size):
    response = generate(client, model="gpt-image-2", size=size)

    expected = (1024, 1024) if size == "auto" else tuple(int(v) for v in size.split("x"))
    assert image(response.data[0].b64_json).size == expected
    assert response.size == "x".join(map(str, expected))


@pytest.mark.parametrize("model, quality", [("gpt-image-2.5-flare", "xhigh"), ("gpt-image-2.5-sunburst", "max"),
                                            ("gpt-image-2.5-flare-2026-09-08", "max"), ("gpt-image-2", "high"),
                                            ("gpt-image-1-mini", "medium")])
def test_each_model_takes_its_documented_qualities(client, model, quality):
    assert generate(client, model=model, quality=quality).quality == quality


@pytest.mark.parametrize("output_format, pillow_format", [("png", "PNG"), ("webp", "WEBP"), ("jpeg", "JPEG")])
def test_images_come_back_in_the_requested_format(client, output_format, pillow_format):
    response = generate(client, output_format=output_format, size="1536x1024", n=2)

    assert [image(item.b64_json).format for item in response.data] == [pillow_format] * 2
    assert image(response.data[0].b64_json).mode == "RGB"
    assert response.output_format == output_format and response.background == "opaque"


@pytest.mark.parametrize("model, output_format", [("gpt-image-2.5-sunburst", "png"), ("gpt-image-1.5", "webp"),
                                                  ("gpt-image-1-mini", "png")])
def test_a_transparent_background_really_has_transparent_pixels(client, model, output_format):
    response = generate(client, model=model, background="transparent", output_format=output_format)

    picture = image(response.data[0].b64_json)
    assert picture.mode == "RGBA" and picture.getchannel("A").getextrema() == (0, 255)
    assert response.background == "transparent"


def test_gpt_image_2_transparency_is_there_for_a_project_with_the_preview():
    with_preview = FakeOpenAI(access=frozenset({"gif", "svg", "transparent"}))
    try:
        sdk = openai.OpenAI(api_key="sk-test", base_url=f"{with_preview.url}/v1", max_retries=0, timeout=10)
        response = generate(sdk, model="gpt-image-2", background="transparent")
    finally:
        with_preview.close()

    assert image(response.data[0].b64_json).mode == "RGBA"


def test_gif_and_svg_need_their_previews():
    without = FakeOpenAI(access=frozenset())
    try:
        sdk = openai.OpenAI(api_key="sk-test", base_url=f"{without.url}/v1", max_retries=0, timeout=10)
        for output_format in ("gif", "svg"):
            assert refused(generate, sdk, output_format=output_format).param == "output_format"
    finally:
        without.close()


def test_output_compression_is_taken_for_jpeg_and_webp(client):
    small = generate(client, output_format="jpeg", output_compression=5)
    large = generate(client, output_format="jpeg", output_compression=95)

    assert len(base64.b64decode(small.data[0].b64_json)) < len(base64.b64decode(large.data[0].b64_json))
    assert image(generate(client, output_format="webp", output_compression=40).data[0].b64_json).format == "WEBP"


@pytest.mark.parametrize("frames, expected", [(None, 9), (2, 2), (16, 16)])
def test_gif_output_is_animated_with_the_frame_count(client, frames, expected):
    response = generate(client, output_format="gif", size="1536x1024",
                        **({"frame_count": frames} if frames else {}))

    picture = image(response.data[0].b64_json)
    assert (picture.format, picture.n_frames, picture.size) == ("GIF", expected, (1536, 1024))
    assert response.output_format == "gif"


def test_gif_tokens_grow_with_the_frame_count(client):
    few = generate(client, output_format="gif", frame_count=2).usage.output_tokens
    many = generate(client, output_format="gif", frame_count=8).usage.output_tokens

    assert many == 4 * few


def test_svg_output_is_one_small_svg_document(client):
    response = generate(client, model="gpt-image-2.5-sunburst", output_format="svg", size="1536x1024")

    [item] = response.data
    root = ElementTree.fromstring(base64.b64decode(item.b64_json))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("1536", "1024", "0 0 1536 1024")
    assert response.output_format == "svg"


def test_the_response_describes_what_was_made(client):
    response = generate(client, size="1536x864", quality="high", safety_identifier="user-hash")

    assert abs(response.created - time.time()) < 60
    assert (response.background, response.output_format, response.quality, response.size) == (
        "opaque", "png", "high", "1536x864")
    assert response.safety_identifier == "user-hash"
    usage = response.usage
    assert usage.input_tokens == usage.input_tokens_details.text_tokens + usage.input_tokens_details.image_tokens
    assert usage.output_tokens == usage.output_tokens_details.image_tokens + usage.output_tokens_details.text_tokens
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.input_tokens_details.text_tokens == 5 and usage.input_tokens_details.image_tokens == 0


def test_auto_quality_is_reported_as_the_quality_made(client):
    assert generate(client).quality in {"low", "medium", "high", "xhigh", "max"}


def test_the_deprecated_user_stands_in_for_a_missing_safety_identifier(client):
    assert generate(client, user="legacy-user").safety_identifier == "legacy-user"
    assert generate(client, user="legacy-user", safety_identifier="user-hash").safety_identifier == "user-hash"
    assert generate(client).safety_identifier is None


def test_output_tokens_grow_with_size_quality_and_n(client):
    def tokens(**changes) -> int:
        return generate(client, **changes).usage.output_tokens

    assert tokens(quality="low") < tokens(quality="medium") < tokens(quality="high") < tokens(quality="xhigh") \
        < tokens(quality="max")
    assert tokens(quality="low", size="1024x1024") < tokens(quality="low", size="1536x1024") \
        < tokens(quality="low", size="3840x2160")
    assert tokens(quality="low", n=4) == 4 * tokens(quality="low")


def test_edit_input_images_count_as_image_tokens(client):
    one = edit(client).usage.input_tokens_details.image_tokens
    two = edit(client, image=[("a.png", png(64, 48), "image/png"), ("b.png", png(64, 48), "image/png")])

    assert one > 0 and two.usage.input_tokens_details.image_tokens == 2 * one


def test_edits_take_a_mask_of_the_image_size_and_documented_fidelity(client):
    response = edit(client, mask=("mask.png", png(64, 48), "image/png"), input_fidelity="high", size="1024x1536")

    assert image(response.data[0].b64_json).size == (1024, 1536)
    assert edit(client, model="gpt-image-1-mini", input_fidelity="low").data


def test_generation_stream_events_are_parsed_by_the_sdk(client):
    events = list(generate(client, model="gpt-image-2", stream=True, partial_images=3, size="1536x864",
                           quality="medium", background="opaque", output_format="webp",
                           safety_identifier="user-hash"))

    assert [type(e).__name__ for e in events] == ["ImageGenPartialImageEvent"] * 3 + ["ImageGenCompletedEvent"]
    assert [e.partial_image_index for e in events[:3]] == [0, 1, 2]
    for event in events:
        assert (event.background, event.output_format, event.quality, event.size) == (
            "opaque", "webp", "medium", "1536x864")
        assert image(event.b64_json).size == (1536, 864) and image(event.b64_json).format == "WEBP"
        assert abs(event.created_at - time.time()) < 60
    completed = events[-1]
    assert completed.type == "image_generation.completed" and completed.safety_identifier == "user-hash"
    assert completed.usage.output_tokens > 0 and completed.usage.input_tokens_details.text_tokens == 5
    assert completed.usage.total_tokens == completed.usage.input_tokens + completed.usage.output_tokens


def test_a_stream_without_partial_images_sends_only_the_final_image(client):
    events = list(generate(client, stream=True, partial_images=0))

    assert [e.type for e in events] == ["image_generation.completed"]


def test_an_n_image_stream_sends_each_images_partials_then_its_final_image(client):
    events = list(generate(client, stream=True, partial_images=1, n=2))

    assert [e.type.rsplit(".", 1)[1] for e in events] == ["partial_image", "completed"] * 2
    assert events[3].usage.input_tokens == 0, "the call's input is counted once, on the first image"


def test_edit_stream_events_are_parsed_by_the_sdk(client):
    events = list(edit(client, stream=True, partial_images=2))

    assert [type(e).__name__ for e in events] == ["ImageEditPartialImageEvent"] * 2 + ["ImageEditCompletedEvent"]
    assert events[-1].type == "image_edit.completed"


class Pauses(threading.Event):
    """Stands in for the fake's shutdown event, whose wait() is how the fake spends its render time: each pause is
    recorded and returns at once, a fake clock. `before_each(n)`, when given, runs in the pause before the fake's
    n-th event (0-based) goes out."""

    def __init__(self, before_each: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._before_each = before_each

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is None:
            return super().wait()
        self.seconds.append(timeout)
        if self._before_each is not None:
            self._before_each(len(self.seconds) - 1)
        return self.is_set()


def test_render_time_spaces_the_stream_so_previews_come_first():
    with_delay = FakeOpenAI(render_seconds=0.6)
    arrived: list[str] = []
    delivered = threading.Condition()
    parsed_before_pause: list[int] = []

    def before_each(n: int) -> None:
        # By the pause before event n the SDK has parsed the n events sent before it; a fake that held the stream
        # back until the final image would leave this wait to run out instead.
        with delivered:
            delivered.wait_for(lambda: len(arrived) >= n, timeout=5)
            parsed_before_pause.append(len(arrived))

    pauses = Pauses(before_each)
    with_delay._closing = pauses
    try:
        sdk = openai.OpenAI(api_key="sk-test", base_url=f"{with_delay.url}/v1", max_retries=0, timeout=30)
        for event in generate(sdk, stream=True, partial_images=2):
            with delivered:
                arrived.append(event.type)
                delivered.notify_all()
    finally:
        with_delay.close()

    assert arrived == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]
    assert pauses.seconds == pytest.approx([0.2] * 3), "the render time, spread evenly before the three events"
    assert parsed_before_pause == [0, 1, 2], "each preview reached the SDK while the fake went on rendering"


def test_a_scripted_slow_call_waits_before_replying(fake, client, monkeypatch):
    pauses = Pauses()
    monkeypatch.setattr(fake, "_closing", pauses)
    fake.script("slow", seconds=0.3)

    generate(client)
    generate(client)

    assert pauses.seconds == [0.3, 0.0], "the scripted call takes its 0.3 s, the next one the fake's render time"


def test_requests_are_recorded_as_sent(fake, client):
    generate(client, safety_identifier="user-hash", background="transparent")

    sent = fake.calls("/v1/images/generations")[-1]
    assert sent.json == {"model": "gpt-image-2.5-flare", "prompt": PROMPT, "safety_identifier": "user-hash",
                         "background": "transparent"}
