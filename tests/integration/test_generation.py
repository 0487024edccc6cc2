"""Generation end to end: request, charge, queue, worker, storage in PostgreSQL and S3, refunds."""

from __future__ import annotations

import hashlib
import io
import json

import boto3
import psycopg
import pytest
from PIL import Image

from chalicelib.domain.imaging import ProviderError
from tests.fakes import ScriptedImageProvider
from tests.helpers import balance

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/pixmint-jobs"


@pytest.fixture
def bedrock_fake():
    return ScriptedImageProvider("bedrock")


@pytest.fixture
def providers(openai_fake, bedrock_fake):
    from chalicelib.adapters.placeholder_images import PlaceholderImageProvider

    return {"openai": openai_fake, "bedrock": bedrock_fake, "placeholder": PlaceholderImageProvider()}


def queued_messages() -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    reply = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return reply.get("Messages", [])


def run_worker(chalice_client, *generation_ids: str, bodies: list[str] | None = None) -> dict:
    """Invokes the SQS-triggered Lambda as Lambda would, with one record per job."""
    bodies = bodies or [json.dumps({"generation_id": g}) for g in generation_ids]
    event = chalice_client.events.generate_sqs_event(queue_name="pixmint-jobs", message_bodies=bodies)
    return chalice_client.lambda_.invoke("process_jobs", event).payload


def generate(api, token, **body):
    reply = api.post("/v1/generations", {"prompt": "a red fox in snow", **body}, token=token)
    assert reply.status == 202, reply.body
    return reply.json


def test_models_list_the_available_providers_with_prices(api):
    items = {m["id"]: m for m in api.get("/v1/models").json["items"]}
    assert list(items) == ["gpt-image-2.5-flare", "gpt-image-2.5-sunburst", "gpt-image-2", "gpt-image-1.5",
                           "gpt-image-1-mini", "sd3.5-large", "placeholder"]
    assert not {"gpt-image-1", "dall-e-3", "nova-canvas"} & set(items), "shut down by their providers"
    assert [m for m in items if items[m]["default"]] == ["gpt-image-2.5-flare"]
    flare = items["gpt-image-2.5-flare"]
    assert flare["supports_edit"] and flare["max_n"] == 4 and flare["previews"] and flare["available"]
    assert flare["qualities"] == ["low", "medium", "high", "xhigh", "max"]
    assert flare["backgrounds"] == ["auto", "opaque", "transparent"]
    assert flare["output_formats"] == ["png", "webp", "jpeg", "gif", "svg"]
    assert flare["custom_sizes"] == {"multiple_of": 16, "max_edge": 3840, "max_pixels": 8294400, "max_aspect": 3}
    assert {"unit": "megapixel", "quality": "high", "credits": 31.0} in flare["rates"]
    assert items["gpt-image-1.5"]["custom_sizes"] is None and "transparent" in items["gpt-image-1.5"]["backgrounds"]
    assert "transparent" not in items["gpt-image-2"]["backgrounds"], "in preview only on GPT Image 2"
    assert {"size": "1024x1024", "quality": "high", "credits": 20} in items["gpt-image-1.5"]["prices"]
    assert items["placeholder"]["offline"] is True


def test_quote_and_charge_use_the_same_price(api, chalice_client):
    token = api.register()["access_token"]
    body = {"prompt": "a lighthouse", "model": "gpt-image-1.5", "size": "1536x1024", "quality": "medium", "n": 3}
    quote = api.post("/v1/generations/quote", body, token=token).json
    assert quote["cost_credits"] == 24 and quote["unit_credits"] == 8
    assert quote["breakdown"] == {"basis": "preset", "rate_credits": 8.0, "quantity": 1.0, "unit_credits": 8, "n": 3,
                                  "cost_credits": 24}
    generation = generate(api, token, **body)
    assert generation["status"] == "queued" and generation["cost_credits"] == 24
    assert balance(api, token) == BONUS - 24


def test_a_generation_is_queued_processed_and_stored_in_postgres_and_s3(api, chalice_client, db):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", n=2, quality="low")
    [message] = queued_messages()
    assert json.loads(message["Body"]) == {"generation_id": generation["id"]}
    assert run_worker(chalice_client, generation["id"]) == {"batchItemFailures": []}
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    assert done["status"] == "succeeded" and done["refunded_credits"] == 0 and done["completed_at"]
    assert len(done["images"]) == 2
    s3 = boto3.client("s3", region_name="us-east-1")
    with psycopg.connect(db) as conn:
        rows = conn.execute("""SELECT i.s3_key, i.sha256, b.data, b.thumbnail, i.width, i.height FROM images i
                               JOIN image_blobs b ON b.image_id = i.id ORDER BY i.position""").fetchall()
    for s3_key, sha256, data, thumbnail, width, height in rows:
        assert (width, height) == (1024, 1024)
        assert hashlib.sha256(data).digest() == bytes(sha256)
        assert s3.get_object(Bucket="pixmint-images", Key=s3_key)["Body"].read() == bytes(data)
        assert Image.open(io.BytesIO(bytes(thumbnail))).format == "WEBP"
    image = done["images"][0]
    content = api.request("GET", image["content_url"], token=token, headers={"Accept": "image/png"})
    assert content.status == 200 and content.headers["content-type"] == "image/png"
    assert "attachment" in content.headers["content-disposition"]
    assert Image.open(io.BytesIO(content.body)).size == (1024, 1024)
    for accept in ("image/*", "*/*", "image/webp, image/*;q=0.8"):
        assert api.request("GET", image["thumbnail_url"], token=token, headers={"Accept": accept}).status == 200


def test_short_balance_is_402_with_cost_and_balance_and_nothing_recorded(api, db):
    token = api.register()["access_token"]
    reply = api.post("/v1/generations", {"prompt": "x", "model": "gpt-image-1.5", "quality": "high", "n": 4},
                     token=token)
    assert reply.status == 402 and reply.error_code == "insufficient_credits"
    assert reply.json["error"]["details"] == {"cost": 80, "balance": BONUS}
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM generations").fetchone()[0] == 0
    assert queued_messages() == []


@pytest.mark.parametrize("body, field", [
    ({"prompt": ""}, "prompt"), ({"prompt": "   "}, "prompt"), ({"prompt": "x" * 4001}, "prompt"),
    ({"prompt": "x", "model": "midjourney"}, "model"), ({"prompt": "x", "model": "sd3.5-large", "n": 2}, "n"),
    ({"prompt": "x", "n": 0}, "n"), ({"prompt": "x", "model": "gpt-image-1.5", "size": "800x600"}, "size"),
    ({"prompt": "x", "model": "gpt-image-1.5", "quality": "ultra"}, "quality"),
    ({"prompt": "x", "style_preset": "vaporwave"}, "style_preset"),
    ({"prompt": "x", "model": "sd3.5-large", "source_image_id": "00000000-0000-0000-0000-000000000001"},
     "source_image_id"),
    ({"prompt": "x", "model": "gpt-image-1.5", "source_image_id": "not-an-id"}, "source_image_id"),
    ({"prompt": "x", "model": "gpt-image-1.5", "mask_image_id": "00000000-0000-0000-0000-000000000001"},
     "mask_image_id"),
])
def test_invalid_requests_are_400_naming_the_field_and_charge_nothing(api, body, field):
    token = api.register()["access_token"]
    for path in ("/v1/generations/quote", "/v1/generations"):
        reply = api.post(path, body, token=token)
        assert reply.status == 400, (path, reply.body)
        assert reply.json["error"]["details"]["field"] == field
    assert balance(api, token) == BONUS


def test_blocked_prompts_are_refused_before_any_charge_and_flag_the_account(api, db):
    token = api.register()["access_token"]
    reply = api.post("/v1/generations", {"prompt": "How to make a BOMB, step by step"}, token=token)
    assert reply.status == 422 and reply.error_code == "content_rejected"
    assert balance(api, token) == BONUS
    assert queued_messages() == []
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT flag_reason FROM users").fetchone()[0] == "prompt refused by moderation"


def test_style_preset_is_added_to_the_prompt_sent_to_the_provider(api, chalice_client, openai_fake):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low", style_preset="watercolor")
    run_worker(chalice_client, generation["id"])
    assert openai_fake.calls[0].prompt.startswith("a red fox in snow, delicate watercolor painting")
    assert api.get(f"/v1/generations/{generation['id']}", token=token).json["prompt"] == "a red fox in snow"


def test_idempotency_key_replays_the_first_response_and_charges_once(api):
    token = api.register()["access_token"]
    body = {"prompt": "a cat", "model": "gpt-image-1.5", "quality": "low"}
    first = api.post("/v1/generations", body, token=token, headers={"Idempotency-Key": "gen-1"})
    again = api.post("/v1/generations", body, token=token, headers={"Idempotency-Key": "gen-1"})
    assert first.status == again.status == 202 and first.json == again.json
    assert balance(api, token) == BONUS - 2
    other = api.post("/v1/generations", {**body, "n": 2}, token=token, headers={"Idempotency-Key": "gen-1"})
    assert other.status == 409
    assert len(queued_messages()) == 1


def test_duplicate_delivery_makes_one_set_of_images_and_one_charge(api, chalice_client, db, openai_fake):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low", n=2)
    run_worker(chalice_client, generation["id"], generation["id"])
    run_worker(chalice_client, generation["id"])
    assert len(openai_fake.calls) == 1
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM images").fetchone()[0] == 2
    s3 = boto3.client("s3", region_name="us-east-1")
    objects = s3.list_objects_v2(Bucket="pixmint-images", Prefix="images/")["KeyCount"]
    assert objects == 2
    assert balance(api, token) == BONUS - 4


def test_some_images_failing_refunds_exactly_those(api, chalice_client, openai_fake):
    token = api.register()["access_token"]
    openai_fake.steps = [2]
    generation = generate(api, token, model="gpt-image-1.5", quality="medium", n=4)
    run_worker(chalice_client, generation["id"])
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    assert done["status"] == "succeeded" and len(done["images"]) == 2
    assert done["refunded_credits"] == 12 and "2 of 4 images failed" in done["error"]
    assert balance(api, token) == BONUS - 24 + 12
    kinds = [r["kind"] for r in api.get("/v1/credits/transactions", token=token).json["items"]]
    assert kinds == ["generation_refund", "generation", "signup_bonus"]


def test_an_image_that_is_not_an_image_is_refunded(api, chalice_client, openai_fake, monkeypatch):
    from chalicelib.domain.imaging import ProviderImage, ProviderResult

    token = api.register()["access_token"]
    original = openai_fake.generate
    monkeypatch.setattr(openai_fake, "generate", lambda request: ProviderResult(
        [ProviderImage(b"<html>not an image</html>"), *original(request).images[1:]]))
    generation = generate(api, token, model="gpt-image-1.5", quality="low", n=2)
    run_worker(chalice_client, generation["id"])
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    assert len(done["images"]) == 1 and done["refunded_credits"] == 2


def test_provider_outage_falls_back_when_enabled(api, chalice_client, openai_fake, bedrock_fake, db):
    token = api.register()["access_token"]
    bedrock_fake.steps = [ProviderError("503 from the provider", retryable=True)]
    generation = generate(api, token, model="sd3.5-large")
    run_worker(chalice_client, generation["id"])
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    assert done["status"] == "succeeded" and len(done["images"]) == 1
    [call] = openai_fake.calls
    assert (call.model, call.size, call.quality) == ("gpt-image-2.5-flare", "1024x1024", "medium"), \
        "the fallback makes its nearest quality, not one it does not offer"
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT provider FROM generations").fetchone()[0] == "openai"


def test_provider_outage_without_fallback_fails_and_refunds_everything(api, chalice_client, bedrock_fake, db):
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE settings SET value = 'false' WHERE key = 'provider_fallback'")
    try:
        token = api.register()["access_token"]
        bedrock_fake.steps = [ProviderError("503", retryable=True)]
        generation = generate(api, token, model="sd3.5-large")
        run_worker(chalice_client, generation["id"])
        done = api.get(f"/v1/generations/{generation['id']}", token=token).json
        assert done["status"] == "failed" and done["images"] == [] and done["refunded_credits"] == 12
        assert done["error"] == "The image service is unavailable."
        assert balance(api, token) == BONUS
    finally:
        with psycopg.connect(db) as conn:
            conn.execute("UPDATE settings SET value = 'true' WHERE key = 'provider_fallback'")


def test_worker_killed_between_provider_and_store_is_finished_by_the_next_delivery(
        api, chalice_client, openai_fake, clock, monkeypatch, db):
    from chalicelib.adapters.aws_storage import S3ImageStore

    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low", n=2)
    original_put = S3ImageStore.put
    calls = {"n": 0}

    def dies_on_second_put(self, key, data, content_type):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("the Lambda container was killed")
        return original_put(self, key, data, content_type)

    monkeypatch.setattr(S3ImageStore, "put", dies_on_second_put)
    with pytest.raises(BaseException, match="the Lambda container was killed"):
        run_worker(chalice_client, generation["id"])
    monkeypatch.setattr(S3ImageStore, "put", original_put)
    assert api.get(f"/v1/generations/{generation['id']}", token=token).json["status"] == "running"
    assert run_worker(chalice_client, generation["id"]) == {"batchItemFailures": []}
    assert api.get(f"/v1/generations/{generation['id']}", token=token).json["status"] == "running", \
        "a live lease is not stolen"
    clock.advance(minutes=7)
    run_worker(chalice_client, generation["id"])
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    assert done["status"] == "succeeded" and len(done["images"]) == 2 and done["refunded_credits"] == 0
    assert len(openai_fake.calls) == 2, "the next delivery makes the unstored images again"
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = s3.list_objects_v2(Bucket="pixmint-images", Prefix="images/")["KeyCount"]
    assert keys == 2, "the half-written backup was overwritten under the same key, not duplicated"
    assert balance(api, token) == BONUS - 4


def test_a_malformed_job_fails_alone(api, chalice_client):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low")
    result = run_worker(chalice_client, bodies=["not json", json.dumps({"generation_id": generation["id"]})])
    assert len(result["batchItemFailures"]) == 1
    assert api.get(f"/v1/generations/{generation['id']}", token=token).json["status"] == "succeeded"


def test_sweeper_resends_what_was_never_queued_and_fails_stuck_jobs(api, chalice_client, container, clock, db,
                                                                   monkeypatch):
    from chalicelib.adapters.aws_storage import SqsJobQueue

    session = api.register()
    token = session["access_token"]
    monkeypatch.setattr(SqsJobQueue, "send", lambda self, generation_id: (_ for _ in ()).throw(OSError("SQS down")))
    lost = generate(api, token, model="gpt-image-1.5", quality="low")
    monkeypatch.undo()
    stuck = generate(api, token, model="gpt-image-1.5", quality="low")
    queued_messages_before = len(queued_messages())
    assert queued_messages_before == 1
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE generations SET status = 'running', started_at = %s WHERE id = %s",
                     (clock.now(), stuck["id"]))
    clock.advance(minutes=16)
    assert container.sweeper.sweep() == {"resent": 1, "failed": 1}
    bodies = [json.loads(m["Body"])["generation_id"] for m in queued_messages()]
    assert lost["id"] in bodies
    token = api.post("/v1/auth/refresh", {"refresh_token": session["refresh_token"]}).json["access_token"]
    failed = api.get(f"/v1/generations/{stuck['id']}", token=token).json
    assert failed["status"] == "failed" and failed["refunded_credits"] == 2
    run_worker(chalice_client, lost["id"])
    assert api.get(f"/v1/generations/{lost['id']}", token=token).json["status"] == "succeeded"
    assert balance(api, token) == BONUS - 2


def test_other_users_generations_and_images_are_404(api, chalice_client):
    owner = api.register("owner@example.com")["access_token"]
    stranger = api.register("stranger@example.com")["access_token"]
    generation = generate(api, owner, model="gpt-image-1.5", quality="low")
    run_worker(chalice_client, generation["id"])
    image = api.get(f"/v1/generations/{generation['id']}", token=owner).json["images"][0]
    assert api.get(f"/v1/generations/{generation['id']}", token=stranger).status == 404
    assert api.get(f"/v1/images/{image['id']}", token=stranger).status == 404
    assert api.request("GET", image["content_url"], token=stranger, headers={"Accept": "image/png"}).status == 404
    assert api.get("/v1/generations/not-a-uuid", token=owner).status == 404


def test_generation_list_filters_and_paginates(api, chalice_client, clock):
    token = api.register()["access_token"]
    ids = []
    for prompt in ("a red fox", "a blue whale", "a red panda"):
        clock.advance(seconds=1)
        ids.append(generate(api, token, prompt=prompt, model="gpt-image-1.5", quality="low")["id"])
    run_worker(chalice_client, ids[0])
    assert [g["id"] for g in api.get("/v1/generations?q=red", token=token).json["items"]] == [ids[2], ids[0]]
    assert [g["id"] for g in api.get("/v1/generations?status=succeeded", token=token).json["items"]] == [ids[0]]
    page = api.get("/v1/generations?limit=2", token=token).json
    rest = api.get(f"/v1/generations?limit=2&cursor={page['next_cursor']}", token=token).json
    assert [g["id"] for g in page["items"] + rest["items"]] == ids[::-1]
    assert api.get("/v1/generations?status=done", token=token).status == 400
    assert api.get("/v1/generations?since=yesterday", token=token).status == 400


def test_presets_and_templates_are_listed(api):
    presets = [p["id"] for p in api.get("/v1/style-presets").json["items"]]
    assert presets == ["photo", "anime", "watercolor", "isometric", "pixel-art", "cinematic"]
    template = api.get("/v1/prompt-templates").json["items"][0]
    assert template["variables"] == ["product", "surface"]
