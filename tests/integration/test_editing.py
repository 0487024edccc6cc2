"""The editing operations through POST /v1/generations: what reaches the provider, what is charged, what is
refused (naming the field, charging nothing), what is refunded, and the lineage the results record."""

from __future__ import annotations

import io

import psycopg
import pytest
from PIL import Image
from psycopg.rows import dict_row

from chalicelib.adapters.postgres_credits import PostgresLedger
from chalicelib.domain.imaging import ProviderError
from tests.integration.test_generation import balance, run_worker

pytestmark = pytest.mark.usefixtures("ledger_invariant")

FLARE = "gpt-image-2.5-flare"  # takes custom sizes, masks and transparency; no input fidelity
GPT15 = "gpt-image-1.5"  # preset sizes only; takes input_fidelity low and high


@pytest.fixture
def providers(scripted_providers):
    """openai_fake (tests/integration/conftest.py) beside the placeholder."""
    return scripted_providers


@pytest.fixture
def funded(api, db, clock):
    """A verified account with 5,000 credits besides its bonus."""
    session = api.register()
    with psycopg.connect(db, row_factory=dict_row) as conn:
        PostgresLedger(conn).credit(session["user"]["id"], 5000, "admin_grant", "top-up", "test", clock.now())
        conn.commit()
    return session["access_token"]


def png(size=(64, 48), colour=(200, 30, 30, 255)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def picture(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGBA")


def upload(api, token, data: bytes) -> dict:
    reply = api.request("POST", "/v1/uploads", raw=data, token=token, headers={"Content-Type": "image/png"})
    assert reply.status == 201, reply.body
    return reply.json


def generations_count(db) -> int:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM generations").fetchone()[0]


def edit(api, token, **body):
    """Quotes then asks; the quote must be what is charged."""
    before = balance(api, token)
    quote = api.post("/v1/generations/quote", body, token=token)
    assert quote.status == 200, quote.body
    reply = api.post("/v1/generations", body, token=token)
    assert reply.status == 202, reply.body
    assert reply.json["cost_credits"] == quote.json["cost_credits"] == before - balance(api, token)
    assert (quote.json["size"], quote.json["background"]) == (reply.json["size"], reply.json["background"])
    return reply.json


def finished(api, chalice_client, token, generation: dict) -> dict:
    run_worker(chalice_client, generation["id"])
    return api.get(f"/v1/generations/{generation['id']}", token=token).json


def test_an_outpaint_sends_the_source_on_a_larger_transparent_canvas_with_the_new_border_as_the_mask(
        api, chalice_client, openai_fake, funded):
    source = upload(api, funded, png((64, 48)))
    queued = edit(api, funded, operation="outpaint", model=FLARE, source_image_id=source["id"],
                  outpaint={"left": 16, "right": 16, "bottom": 16})
    assert queued["size"] == "96x64" and queued["outpaint"] == {"left": 16, "right": 16, "top": 0, "bottom": 16}
    assert queued["prompt"].startswith("Extend the picture")
    done = finished(api, chalice_client, funded, queued)
    assert done["status"] == "succeeded", done
    sent = openai_fake.calls[0]
    canvas, mask = picture(sent.source_image), picture(sent.mask_image)
    assert canvas.size == mask.size == (96, 64) and sent.size == "96x64" and sent.operation == "outpaint"
    assert canvas.getpixel((0, 0))[3] == 0 and canvas.getpixel((20, 10)) == (200, 30, 30, 255)
    assert mask.getpixel((8, 10))[3] == 0 and mask.getpixel((90, 60))[3] == 0 and mask.getpixel((20, 10))[3] == 255
    image = done["images"][0]
    assert (image["width"], image["height"], image["operation"], image["parent_image_id"]) == \
        (96, 64, "outpaint", source["id"])


def test_an_upscale_enlarges_the_source_first_and_asks_for_high_fidelity(api, chalice_client, openai_fake, funded):
    source = upload(api, funded, png((512, 512)))
    queued = edit(api, funded, operation="upscale", model=GPT15, source_image_id=source["id"], upscale={"factor": 2})
    assert queued["size"] == "1024x1024" and queued["upscale"] == {"width": 1024, "height": 1024}
    done = finished(api, chalice_client, funded, queued)
    sent = openai_fake.calls[0]
    assert picture(sent.source_image).size == (1024, 1024) and sent.mask_image is None
    assert (sent.input_fidelity, sent.operation) == ("high", "upscale")
    assert (done["images"][0]["width"], done["images"][0]["operation"]) == (1024, "upscale")


def test_a_model_without_input_fidelity_is_not_sent_one(api, chalice_client, openai_fake, funded):
    source = upload(api, funded, png((512, 384)))
    queued = edit(api, funded, operation="upscale", model=FLARE, source_image_id=source["id"],
                  upscale={"width": 1024, "height": 768})
    finished(api, chalice_client, funded, queued)
    assert openai_fake.calls[0].input_fidelity is None and openai_fake.calls[0].size == "1024x768"


def test_removing_the_background_makes_a_transparent_png(api, chalice_client, openai_fake, funded):
    source = upload(api, funded, png((64, 64)))
    queued = edit(api, funded, operation="remove_background", model=FLARE, source_image_id=source["id"])
    assert (queued["background"], queued["output_format"], queued["size"]) == ("transparent", "png", "64x64")
    done = finished(api, chalice_client, funded, queued)
    assert openai_fake.calls[0].background == "transparent" and done["images"][0]["has_alpha"]


def test_a_variation_keeps_its_sources_prompt_and_makes_as_many_as_asked(api, chalice_client, openai_fake, funded):
    first = finished(api, chalice_client, funded, edit(api, funded, prompt="a red fox in snow", model=FLARE))
    source = first["images"][0]
    queued = edit(api, funded, operation="variation", model=FLARE, source_image_id=source["id"], n=2)
    assert queued["prompt"] == "a red fox in snow" and queued["size"] == "1024x1024"
    done = finished(api, chalice_client, funded, queued)
    assert len(done["images"]) == 2 and {i["parent_image_id"] for i in done["images"]} == {source["id"]}
    assert openai_fake.calls[-1].source_image is not None


def test_an_inpaint_sends_the_mask_and_records_the_operation(api, chalice_client, openai_fake, funded):
    source = upload(api, funded, png((64, 48)))
    mask = upload(api, funded, png((64, 48), (0, 0, 0, 0)))
    queued = edit(api, funded, operation="inpaint", model=FLARE, source_image_id=source["id"],
                  mask_image_id=mask["id"], prompt="a rainbow")
    done = finished(api, chalice_client, funded, queued)
    assert done["operation"] == "inpaint" and picture(openai_fake.calls[0].mask_image).getpixel((1, 1))[3] == 0


@pytest.mark.parametrize("body, field", [
    ({"operation": "sharpen"}, "operation"),
    ({"operation": "outpaint", "outpaint": {"left": 16}, "source_image_id": None}, "source_image_id"),
    ({"operation": "outpaint", "outpaint": {"left": -1}}, "outpaint.left"),
    ({"operation": "outpaint", "outpaint": {"left": 16, "middle": 3}}, "outpaint.middle"),
    ({"operation": "outpaint", "outpaint": {}}, "outpaint"),
    ({"operation": "outpaint", "outpaint": {"left": 5}}, "outpaint"),  # 69x48: not a multiple of 16
    ({"operation": "outpaint", "outpaint": {"left": 16}, "size": "1024x1024"}, "size"),
    ({"operation": "outpaint", "outpaint": "wide"}, "outpaint"),
    ({"operation": "upscale", "upscale": {"factor": 5}}, "upscale.factor"),
    ({"operation": "upscale", "upscale": {"factor": 1}}, "upscale.factor"),
    ({"operation": "upscale", "upscale": {"factor": 2, "width": 128}}, "upscale"),
    ({"operation": "upscale", "upscale": {"width": 128, "height": 128}}, "upscale"),  # not the source's shape
    ({"operation": "upscale", "upscale": {"width": 32, "height": 24}}, "upscale"),  # smaller
    ({"operation": "upscale", "upscale": {"factor": 2}, "model": GPT15}, "upscale"),  # 128x96: no such preset
    ({"operation": "upscale"}, "upscale"),
    ({"operation": "inpaint", "prompt": "x"}, "mask_image_id"),
    ({"operation": "remove_background", "output_format": "jpeg"}, "output_format"),
    ({"operation": "remove_background", "background": "opaque"}, "background"),
    ({"operation": "generate", "prompt": "x"}, "source_image_id"),
    ({"operation": "edit"}, "prompt"),
    ({"upscale": {"factor": 2}}, "upscale"),
    ({"operation": "variation", "outpaint": {"left": 16}}, "outpaint"),
    ({"operation": "variation", "mask_image_id": "mask"}, "mask_image_id"),
    ({"operation": "edit", "prompt": "x", "mask_image_id": "small-mask"}, "mask_image_id"),
    ({"operation": "variation", "model": "nova-canvas"}, "model"),
])
def test_a_bad_operation_is_refused_naming_the_field_and_charges_nothing(api, db, funded, body, field):
    source = upload(api, funded, png((64, 48)))
    masks = {"mask": upload(api, funded, png((64, 48), (0, 0, 0, 0)))["id"],
             "small-mask": upload(api, funded, png((32, 32), (0, 0, 0, 0)))["id"]}
    request = {"model": FLARE, "source_image_id": source["id"], **body}
    if request.get("mask_image_id") in masks:
        request["mask_image_id"] = masks[request["mask_image_id"]]
    request = {k: v for k, v in request.items() if v is not None}
    before = balance(api, funded)
    for path in ("/v1/generations/quote", "/v1/generations"):
        reply = api.post(path, request, token=funded)
        assert reply.status == 400, (path, reply.body)
        assert reply.json["error"]["details"]["field"] == field, reply.json
    assert balance(api, funded) == before and generations_count(db) == 0


@pytest.mark.parametrize("operation, extra", [
    ("edit", {"prompt": "x"}), ("outpaint", {"outpaint": {"left": 16}}), ("upscale", {"upscale": {"factor": 2}}),
    ("remove_background", {}), ("variation", {}),
])
def test_nobody_edits_an_image_that_is_not_theirs(api, db, funded, operation, extra):
    owner = api.register("owner@example.com")["access_token"]
    theirs = upload(api, owner, png((64, 48)))
    before = balance(api, funded)
    reply = api.post("/v1/generations", {"operation": operation, "model": FLARE, "source_image_id": theirs["id"],
                                         **extra}, token=funded)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == "source_image_id"
    assert reply.json["error"]["message"] == "That image does not exist."
    assert balance(api, funded) == before and generations_count(db) == 0


def test_a_failed_edit_returns_every_credit(api, chalice_client, openai_fake, funded):
    openai_fake.steps = [ProviderError("the edit service is down", retryable=False)]
    source = upload(api, funded, png((64, 48)))
    before = balance(api, funded)
    queued = edit(api, funded, operation="outpaint", model=FLARE, source_image_id=source["id"],
                  outpaint={"top": 16})
    done = finished(api, chalice_client, funded, queued)
    assert done["status"] == "failed" and done["refunded_credits"] == queued["cost_credits"] > 0
    assert balance(api, funded) == before


def test_lineage_follows_an_image_back_to_its_source_and_forward_to_what_was_made_from_it(
        api, chalice_client, funded):
    source = upload(api, funded, png((64, 48)))
    grown = finished(api, chalice_client, funded, edit(
        api, funded, operation="outpaint", model=FLARE, source_image_id=source["id"],
        outpaint={"right": 16}))["images"][0]
    sharper = finished(api, chalice_client, funded, edit(
        api, funded, operation="upscale", model=FLARE, source_image_id=grown["id"],
        upscale={"factor": 2}))["images"][0]
    middle = api.get(f"/v1/images/{grown['id']}/lineage", token=funded)
    assert middle.status == 200, middle.body
    assert [i["id"] for i in middle.json["ancestors"]] == [source["id"]]
    assert [i["id"] for i in middle.json["descendants"]] == [sharper["id"]]
    last = api.get(f"/v1/images/{sharper['id']}/lineage", token=funded).json
    assert [i["id"] for i in last["ancestors"]] == [grown["id"], source["id"]] and last["descendants"] == []
    first = api.get(f"/v1/images/{source['id']}/lineage", token=funded).json
    assert [i["id"] for i in first["descendants"]] == [grown["id"], sharper["id"]]

    assert api.delete(f"/v1/images/{grown['id']}", token=funded).status == 204
    orphan = api.get(f"/v1/images/{sharper['id']}", token=funded).json
    assert orphan["parent_image_id"] is None and orphan["operation"] == "upscale"
    assert api.get(f"/v1/images/{source['id']}/lineage", token=funded).json["descendants"] == []


def test_lineage_of_someone_elses_image_or_a_bad_id_is_not_found(api, funded):
    owner = api.register("owner@example.com")["access_token"]
    theirs = upload(api, owner, png((64, 48)))
    for image_id in (theirs["id"], "not-an-id", "00000000-0000-0000-0000-000000000000"):
        reply = api.get(f"/v1/images/{image_id}/lineage", token=funded)
        assert reply.status == 404, reply.body
        assert reply.json["error"]["code"] == "not_found"


def test_a_generation_still_needs_a_prompt(api, db, funded):
    reply = api.post("/v1/generations", {"model": FLARE}, token=funded)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == "prompt"
    assert generations_count(db) == 0


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"DB_POOL_SIZE": "32"}


@pytest.mark.xdist_group("many-connections")
def test_thirty_concurrent_edits_on_one_balance_spend_it_exactly_once(api, container, db):
    """Each outpaint costs the same; a balance for a few of them lets exactly that many through."""
    from chalicelib.domain.errors import InsufficientCredits
    from chalicelib.domain.generation import GenerationRequest
    from tests.helpers import room_for_connections
    from tests.integration.test_cap_races import CALLERS, race

    room_for_connections(db, CALLERS + 10)
    session = api.register("racer@example.com")
    source = upload(api, session["access_token"], png((64, 48)))
    user = container.accounts.authenticate(session["access_token"]).user
    request = GenerationRequest(prompt=None, model="placeholder", operation="outpaint",
                                source_image_id=source["id"], outpaint={"left": 16, "right": 16}, n=4)
    cost = container.generations.quote(user, request)
    start = balance(api, session["access_token"])
    affordable = start // cost
    assert 0 < affordable < CALLERS, (start, cost)
    outcomes = race(lambda n: container.generations.create(user, request), InsufficientCredits)
    assert sorted(outcomes) == ["accepted"] * affordable + ["refused"] * (CALLERS - affordable), outcomes
    assert balance(api, session["access_token"]) == start - affordable * cost
    assert generations_count(db) == affordable
