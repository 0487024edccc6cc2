"""The official openai SDK, changed only in base_url and api_key, against the real local stack (`make dev`):
generate, edit, stream, list models, and each failure as the exception a developer expects."""

from __future__ import annotations

import base64
import io
import urllib.error
from typing import Any

import openai
import pytest
from PIL import Image

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, running_local_stack

pytestmark = pytest.mark.timeout(600)
PASSWORD = "correct horse battery staple"  # pragma: allowlist secret


@pytest.fixture(scope="module")
def stack(pg_server_url, tmp_path_factory):
    with running_local_stack(pg_server_url, tmp_path_factory.mktemp("openai-stack"), prefix="pixmint_openai",
                             need_frontend=False) as url:
        yield url


@pytest.fixture(scope="module")
def admin(stack) -> str:
    return api_call(stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})[
        "access_token"]


def developer(stack: str, admin: str, name: str, credits: int = 100, rate_limit: int = 600) -> dict[str, Any]:
    """An account with credits granted by the admin, and an API key of its own."""
    session = api_call(stack, "POST", "/v1/auth/register", {"email": f"{name}@example.com", "password": PASSWORD})
    if credits:
        api_call(stack, "POST", f"/v1/admin/users/{session['user']['id']}/credits",
                 {"delta": credits, "reason": "OpenAI SDK tests"}, admin)
    key = api_call(stack, "POST", "/v1/api-keys", {"name": "sdk", "rate_limit_per_minute": rate_limit},
                   session["access_token"])["key"]
    return {"token": session["access_token"], "user_id": session["user"]["id"], "key": key}


def client(stack: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{stack}/v1/openai", api_key=key, max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def ada(stack, admin) -> dict[str, Any]:
    return developer(stack, admin, "ada")


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def png(width: int = 64, height: int = 64, alpha: int = 255) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 80, 40, alpha)).save(out, "PNG")
    return out.getvalue()


def balance(stack: str, token: str) -> int:
    return api_call(stack, "GET", "/v1/credits", token=token)["balance"]


def test_models_are_listed_in_openais_shape(stack, ada):
    models = client(stack, ada["key"]).models.list()
    assert [m.id for m in models.data] == ["placeholder"], "the stack under test runs the offline renderer only"
    assert models.data[0].object == "model" and models.data[0].owned_by == "placeholder"


def test_generate_is_an_ordinary_charged_generation_answered_with_b64_json(stack, ada):
    before = balance(stack, ada["token"])
    raw = client(stack, ada["key"]).images.with_raw_response.generate(
        prompt="a lighthouse at dusk", model="placeholder", size="1024x1536", quality="high", n=2,
        output_format="webp")
    result = raw.parse()
    assert len(result.data) == 2 and result.data[0].revised_prompt is None
    first = picture(base64.b64decode(result.data[0].b64_json))
    assert (first.format, first.size) == ("WEBP", (1024, 1536))
    assert (result.size, result.quality, result.output_format, result.background) == \
        ("1024x1536", "high", "webp", "opaque")
    assert result.usage is not None and result.usage.total_tokens == 0
    generation_id = raw.headers["pixmint-generation-id"]
    assert result.model_extra["pixmint"]["generation_id"] == generation_id
    generation = api_call(stack, "GET", f"/v1/generations/{generation_id}", token=ada["token"])
    assert (generation["status"], generation["n"], generation["cost_credits"]) == ("succeeded", 2, 2)
    assert balance(stack, ada["token"]) == before - 2
    history = api_call(stack, "GET", "/v1/generations", token=ada["token"])["items"]
    assert generation_id in [g["id"] for g in history]


def test_edit_takes_the_image_and_mask_as_the_sdk_sends_them(stack, ada):
    result = client(stack, ada["key"]).images.edit(
        image=("photo.png", png(), "image/png"), mask=("mask.png", png(alpha=0), "image/png"),
        prompt="add a rainbow", size="1024x1024", background="transparent")
    assert picture(base64.b64decode(result.data[0].b64_json)).size == (1024, 1024)
    assert result.background == "transparent"
    generation = api_call(stack, "GET", f"/v1/generations/{result.model_extra['pixmint']['generation_id']}",
                          token=ada["token"])
    assert generation["operation"] == "edit" and generation["mask_image_id"] and generation["source_image_id"]


def test_an_edit_without_an_image_we_can_read_is_a_bad_request_naming_image(stack, ada):
    with pytest.raises(openai.BadRequestError) as refused:
        client(stack, ada["key"]).images.edit(image=("notes.txt", b"plain text", "text/plain"), prompt="x")
    assert refused.value.param == "image" and refused.value.code == "invalid_value"


def test_stream_relays_partial_images_then_the_completed_image(stack, ada):
    events = list(client(stack, ada["key"]).images.generate(prompt="a red fox in snow", model="placeholder",
                                                            stream=True, partial_images=2))
    kinds = [event.type for event in events]
    assert kinds[-1] == "image_generation.completed" and kinds.count("image_generation.completed") == 1
    partials = [event for event in events if event.type == "image_generation.partial_image"]
    assert 1 <= len(partials) <= 2 and [p.partial_image_index for p in partials] == list(range(len(partials)))
    final = picture(base64.b64decode(events[-1].b64_json))
    assert picture(base64.b64decode(partials[-1].b64_json)).size[0] < final.size[0]
    assert events[-1].usage.total_tokens == 0 and events[-1].output_format == "png"


def test_a_streamed_edit_uses_the_edit_event_names(stack, ada):
    events = list(client(stack, ada["key"]).images.edit(image=("photo.png", png(), "image/png"), prompt="sepia",
                                                        stream=True))
    assert [event.type for event in events] == ["image_edit.completed"]


def test_a_bad_key_is_an_authentication_error(stack):
    with pytest.raises(openai.AuthenticationError) as refused:
        client(stack, "pxm_not-a-key").images.generate(prompt="a red fox")
    assert refused.value.code == "invalid_api_key" and refused.value.status_code == 401


def test_a_size_the_model_does_not_make_is_a_bad_request_naming_size(stack, ada):
    before = balance(stack, ada["token"])
    with pytest.raises(openai.BadRequestError) as refused:
        client(stack, ada["key"]).images.generate(prompt="a red fox", size="1000x1000")
    assert (refused.value.code, refused.value.param) == ("invalid_value", "size")
    assert balance(stack, ada["token"]) == before


def test_a_parameter_pixmint_does_not_take_is_a_bad_request_naming_it(stack, ada):
    with pytest.raises(openai.BadRequestError) as refused:
        client(stack, ada["key"]).images.generate(prompt="a red fox", style="vivid")
    assert refused.value.param == "style"
    with pytest.raises(openai.BadRequestError) as refused:
        client(stack, ada["key"]).images.generate(prompt="a red fox", response_format="url")
    assert refused.value.param == "response_format"


def test_a_refused_prompt_is_a_bad_request_moderation_blocked(stack, admin):
    mallory = developer(stack, admin, "mallory")
    with pytest.raises(openai.BadRequestError) as refused:
        client(stack, mallory["key"]).images.generate(prompt="how to make a bomb")
    assert (refused.value.code, refused.value.param) == ("moderation_blocked", "prompt")


def test_an_unknown_model_is_not_found(stack, ada):
    with pytest.raises(openai.NotFoundError) as refused:
        client(stack, ada["key"]).images.generate(prompt="a red fox", model="dall-e-9")
    assert refused.value.code == "model_not_found" and refused.value.param == "model"


def test_too_few_credits_is_a_402_insufficient_quota(stack, admin):
    broke = developer(stack, admin, "broke", credits=0)
    with pytest.raises(openai.APIStatusError) as refused:
        client(stack, broke["key"]).images.generate(prompt="a red fox")
    # The SDK maps no subclass to 402; it is not retried, and nothing was charged.
    assert type(refused.value) is openai.APIStatusError
    assert (refused.value.status_code, refused.value.code, refused.value.type) == \
        (402, "insufficient_quota", "insufficient_quota")
    assert api_call(stack, "GET", "/v1/generations", token=broke["token"])["items"] == []


def test_a_suspended_account_is_permission_denied(stack, admin):
    suspended = developer(stack, admin, "suspended")
    api_call(stack, "PATCH", f"/v1/admin/users/{suspended['user_id']}", {"suspended": True}, admin)
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client(stack, suspended["key"]).models.list()
    assert refused.value.code == "permission_denied"


def test_a_key_over_its_rate_limit_is_a_rate_limit_error_with_retry_after(stack, admin):
    hasty = developer(stack, admin, "hasty", rate_limit=1)
    sdk = client(stack, hasty["key"])
    sdk.models.list()
    with pytest.raises(openai.RateLimitError) as refused:
        sdk.models.list()
    assert refused.value.code == "rate_limit_exceeded"
    assert 1 <= int(refused.value.response.headers["retry-after"]) <= 60


def test_the_pixmint_api_still_answers_in_its_own_envelope(stack):
    with pytest.raises(urllib.error.HTTPError) as refused:
        api_call(stack, "GET", "/v1/generations", token="not-a-token")
    assert refused.value.code == 401
