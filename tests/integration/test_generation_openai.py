"""The whole generation path with the real openai SDK against the fake OpenAI server."""

from __future__ import annotations

import io
import json

import psycopg
import pytest
from PIL import Image

from tests.fake_openai import openai_settings
from tests.integration.test_generation import balance, generate, run_worker

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50


@pytest.fixture
def settings_overrides(fake_openai):
    return openai_settings(fake_openai)


@pytest.fixture
def providers(settings):
    from chalicelib.adapters.openai_images import OpenAIImageProvider

    # A short timeout keeps the timeout case fast; everything else is what bootstrap builds.
    return {"openai": OpenAIImageProvider(settings.openai_api_key, settings.openai_base_url, timeout=1, max_retries=2)}


@pytest.fixture
def one_call_per_generation(db):
    """GPT Image 1.5 without previews: n images in one call, so each fault hits the whole generation."""
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE models SET previews = false WHERE id = 'gpt-image-1.5'")


def finished(api, token, generation):
    return api.get(f"/v1/generations/{generation['id']}", token=token).json


def test_500_then_success_stores_the_images(api, chalice_client, fake_openai, one_call_per_generation):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low", n=2)
    fake_openai.script("500")
    before = len(fake_openai.calls("/v1/images/generations"))
    run_worker(chalice_client, generation["id"])
    done = finished(api, token, generation)
    assert done["status"] == "succeeded" and len(done["images"]) == 2 and done["refunded_credits"] == 0
    assert len(fake_openai.calls("/v1/images/generations")) - before == 2, "one failed call, one retried"


def test_429_with_retry_after_then_success(api, chalice_client, fake_openai):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low")
    fake_openai.script("429", retry_after="0")
    run_worker(chalice_client, generation["id"])
    assert finished(api, token, generation)["status"] == "succeeded"


def test_timeouts_on_every_attempt_fail_and_refund(api, chalice_client, fake_openai):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low")
    for _ in range(3):
        fake_openai.script("timeout", seconds=1.5)
    run_worker(chalice_client, generation["id"])
    done = finished(api, token, generation)
    assert done["status"] == "failed" and done["refunded_credits"] == 2
    assert balance(api, token) == BONUS


def test_four_images_with_two_malformed_keeps_two_and_refunds_half(api, chalice_client, fake_openai,
                                                                  one_call_per_generation):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="medium", n=4)
    fake_openai.script("bad_base64", indexes=(1, 3))
    run_worker(chalice_client, generation["id"])
    done = finished(api, token, generation)
    assert len(done["images"]) == 2 and done["refunded_credits"] == 12
    assert balance(api, token) == BONUS - 12


def test_an_image_that_is_not_an_image_is_refunded(api, chalice_client, fake_openai, one_call_per_generation):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low", n=2)
    fake_openai.script("not_an_image", indexes=(0,))
    run_worker(chalice_client, generation["id"])
    done = finished(api, token, generation)
    assert len(done["images"]) == 1 and done["refunded_credits"] == 2


def test_flagged_prompts_are_refused_by_openai_moderation_before_any_charge(api, fake_openai):
    token = api.register()["access_token"]
    fake_openai.script("flagged", categories=("violence",))
    reply = api.post("/v1/generations", {"prompt": "something the moderation flags", "model": "gpt-image-1.5"},
                     token=token)
    assert reply.status == 422 and reply.error_code == "content_rejected"
    assert balance(api, token) == BONUS


def test_editing_an_upload_sends_the_image_and_mask_to_openai(api, chalice_client, fake_openai):
    token = api.register()["access_token"]
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buffer, "PNG")
    source = api.request("POST", "/v1/uploads", raw=buffer.getvalue(), token=token,
                         headers={"Content-Type": "image/png"}).json
    mask = api.request("POST", "/v1/uploads", raw=buffer.getvalue(), token=token,
                       headers={"Content-Type": "image/png"}).json
    generation = generate(api, token, model="gpt-image-1.5", quality="low", source_image_id=source["id"],
                          mask_image_id=mask["id"])
    run_worker(chalice_client, generation["id"])
    assert finished(api, token, generation)["status"] == "succeeded"
    [edit] = fake_openai.calls("/v1/images/edits")[-1:]
    assert edit.files["image"] and edit.files["mask"]
    assert json.loads(json.dumps(edit.fields))["prompt"] == "a red fox in snow"


def test_a_streamed_generation_keeps_previews_then_stores_every_image_with_its_usage(api, chalice_client, fake_openai,
                                                                                    db):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-2.5-flare", quality="low", size="1536x864", n=2,
                          background="transparent", output_format="webp")
    before = len(fake_openai.calls("/v1/images/generations"))
    run_worker(chalice_client, generation["id"])
    done = finished(api, token, generation)
    assert done["status"] == "succeeded" and len(done["images"]) == 2 and done["previews"] == []
    calls = fake_openai.calls("/v1/images/generations")[before:]
    assert len(calls) == 2, "one stream per image, since stream events carry no image index"
    for call in calls:
        assert call.json["stream"] is True and call.json["partial_images"] == 2 and call.json["n"] == 1
        assert (call.json["size"], call.json["background"], call.json["output_format"]) == (
            "1536x864", "transparent", "webp")
        assert "response_format" not in call.json and "style" not in call.json
        assert len(call.json["safety_identifier"]) == 64
    for image in done["images"]:
        assert image["content_type"] == "image/webp" and (image["width"], image["height"]) == (1536, 864)
        assert image["has_alpha"] is True
    assert done["usage"]["output_image_tokens"] > 0
    with psycopg.connect(db) as conn:
        actual, previews = conn.execute(
            "SELECT actual_cost_usd, (SELECT count(*) FROM generation_previews) FROM generations").fetchone()
    assert actual > 0 and previews == 2, "the latest partial of each image was kept while it rendered"


def test_a_model_openai_no_longer_serves_is_withdrawn_and_every_credit_returned(api, chalice_client, fake_openai, db):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-2", quality="medium")
    with psycopg.connect(db) as conn:
        # As OpenAI did to GPT Image 1: the catalogue still offers it, the API answers 404 model_not_found.
        conn.execute("UPDATE generations SET model = 'gpt-image-1'")
        conn.execute("UPDATE models SET enabled = true, available = true, previews = false WHERE id = 'gpt-image-1'")
    run_worker(chalice_client, generation["id"])
    done = finished(api, token, generation)
    assert done["status"] == "failed" and done["refunded_credits"] == done["cost_credits"]
    assert balance(api, token) == BONUS
    reply = api.post("/v1/generations", {"prompt": "x", "model": "gpt-image-1"}, token=token)
    assert reply.status == 409 and reply.error_code == "model_unavailable"
