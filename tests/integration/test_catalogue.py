"""Today's catalogue: every option a model takes, its price, previews, withdrawn models, cancel and real costs."""

from __future__ import annotations

import hashlib
import hmac
import io
import threading
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from PIL import Image

from chalicelib.domain.imaging import ModelWithdrawn, ProviderError
from tests.fakes import ScriptedImageProvider
from tests.integration.test_admin import as_admin
from tests.integration.test_generation import balance, generate, run_worker

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50


class PreviewingProvider(ScriptedImageProvider):
    """Streams one partial picture per image, then lets the test look at the API before the images arrive."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.during = lambda: None

    def generate(self, request):
        for position in range(request.n):
            request.on_partial(position, _png(64, 64, (200, 10 * position, 10)))
        self.during()
        return super().generate(request)


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def openai_fake():
    return PreviewingProvider("openai")


@pytest.fixture
def providers(openai_fake):
    from chalicelib.adapters.placeholder_images import PlaceholderImageProvider

    return {"openai": openai_fake, "bedrock": ScriptedImageProvider("bedrock"),
            "placeholder": PlaceholderImageProvider()}


def fetch(api, url, token=None):
    """GET bytes as a browser's <img> or fetch() asks for them."""
    reply = api.get(url, token=token, headers={"Accept": "*/*"})
    assert reply.status == 200, (url, reply.status, reply.body[:200])
    return reply


def quote(api, token, **body):
    reply = api.post("/v1/generations/quote", {"prompt": "a harbour at dawn", **body}, token=token)
    assert reply.status == 200, reply.body
    return reply.json


@pytest.mark.parametrize("body, field", [
    ({"size": "1000x1000"}, "size"),  # not multiples of 16
    ({"size": "3856x1024"}, "size"),  # an edge over 3840
    ({"size": "3840x2176"}, "size"),  # more than 3840x2160 pixels
    ({"size": "3072x1008"}, "size"),  # wider than 3:1
    ({"size": "1024 x 1024"}, "size"), ({"size": "0x1024"}, "size"), ({"size": "big"}, "size"),
    ({"quality": "ultra"}, "quality"), ({"quality": "standard"}, "quality"),
    ({"background": "clear"}, "background"), ({"background": "transparent", "output_format": "jpeg"}, "background"),
    ({"output_format": "bmp"}, "output_format"), ({"output_format": "gif", "frame_count": 1}, "frame_count"),
    ({"output_format": "gif", "frame_count": 17}, "frame_count"), ({"frame_count": 4}, "frame_count"),
    ({"output_format": "gif", "size": "1536x864"}, "size"), ({"output_format": "svg", "n": 2}, "n"),
    ({"n": 5}, "n"), ({"operation": "sharpen"}, "operation"),
    ({"operation": "outpaint"}, "source_image_id"), ({"operation": "edit"}, "source_image_id"),
    ({"model": "gpt-image-1.5", "size": "1536x864"}, "size"),
    ({"model": "gpt-image-1.5", "quality": "xhigh"}, "quality"),
    ({"model": "gpt-image-2", "background": "transparent"}, "background"),
    ({"model": "gpt-image-2", "output_format": "gif"}, "output_format"),
])
def test_every_option_is_held_to_the_model_with_a_400_naming_the_field_and_nothing_charged(api, body, field, db):
    token = api.register()["access_token"]
    for path in ("/v1/generations/quote", "/v1/generations"):
        reply = api.post(path, {"prompt": "x", "model": "gpt-image-2.5-flare", **body}, token=token)
        assert reply.status == 400, (path, reply.body)
        assert reply.json["error"]["details"]["field"] == field
    assert balance(api, token) == BONUS
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM generations").fetchone()[0] == 0


def test_the_largest_and_most_oblong_sizes_allowed_are_accepted(api):
    token = api.register()["access_token"]
    for size in ("3840x2160", "2160x3840", "3024x1008", "1008x3024", "1536x864", "16x48"):
        assert quote(api, token, model="gpt-image-2.5-flare", size=size, quality="low")["size"] == size


def test_custom_sizes_are_priced_per_megapixel_rounded_up_and_charged_as_quoted(api):
    token = api.register()["access_token"]
    body = {"model": "gpt-image-2.5-flare", "size": "1536x864", "quality": "medium", "n": 2}
    priced = quote(api, token, **body)
    megapixels = 1536 * 864 / 1e6
    assert priced["breakdown"]["basis"] == "megapixel" and priced["breakdown"]["rate_credits"] == 8.0
    assert priced["breakdown"]["quantity"] == pytest.approx(megapixels)
    assert priced["unit_credits"] == 11 == -(-8 * 1536 * 864 // 1_000_000)
    assert priced["cost_credits"] == 22
    generation = generate(api, token, **body)
    assert generation["cost_credits"] == 22 and generation["size"] == "1536x864"
    assert balance(api, token) == BONUS - 22


def test_gifs_are_priced_per_frame_with_nine_frames_by_default(api):
    token = api.register()["access_token"]
    default = quote(api, token, model="gpt-image-2.5-flare", output_format="gif", quality="medium")
    assert default["frame_count"] == 9 and default["breakdown"]["basis"] == "frame"
    assert default["unit_credits"] == 27
    four = quote(api, token, model="gpt-image-2.5-flare", output_format="gif", quality="medium", frame_count=4)
    assert four["unit_credits"] == 12 and four["cost_credits"] == 12


def test_admin_rates_change_the_next_quote_only(api, admin, db):
    token = api.register()["access_token"]
    body = {"model": "gpt-image-2.5-flare", "size": "1536x864", "quality": "high"}
    before = quote(api, token, **body)["cost_credits"]
    queued = generate(api, token, **body)
    reply = api.request("PUT", "/v1/admin/pricing", {"items": [], "rates": [
        {"model": "gpt-image-2.5-flare", "unit": "megapixel", "quality": "high", "credits": 12.5,
         "provider_cost_usd": 0.08}]}, **as_admin(admin))
    assert reply.status == 200, reply.body
    assert {"model": "gpt-image-2.5-flare", "unit": "megapixel", "quality": "high", "credits": 12.5,
            "provider_cost_usd": 0.08} in reply.json["rates"]
    assert quote(api, token, **body)["cost_credits"] == 17 != before  # ceil(12.5 * 1.327104)
    assert api.get(f"/v1/generations/{queued['id']}", token=token).json["cost_credits"] == before
    bad = api.request("PUT", "/v1/admin/pricing", {"items": [], "rates": [
        {"model": "gpt-image-1.5", "unit": "megapixel", "quality": "high", "credits": 3, "provider_cost_usd": 0}]},
        **as_admin(admin))
    assert bad.status == 400 and bad.json["error"]["details"]["field"] == "rates[0].unit"


def test_transparent_gif_and_svg_images_are_stored_and_served_as_made(api, chalice_client, db):
    token = api.register()["access_token"]
    clear = generate(api, token, model="placeholder", background="transparent", output_format="png")
    gif = generate(api, token, model="placeholder", output_format="gif", frame_count=4)
    svg = generate(api, token, model="placeholder", output_format="svg")
    run_worker(chalice_client, clear["id"], gif["id"], svg["id"])

    [clear_image] = api.get(f"/v1/generations/{clear['id']}", token=token).json["images"]
    assert clear_image["has_alpha"] is True and clear_image["content_type"] == "image/png"
    picture = Image.open(io.BytesIO(fetch(api, clear_image["content_url"], token).body))
    assert picture.mode == "RGBA" and picture.getextrema()[3][0] == 0, "some pixels are fully transparent"
    webp = fetch(api, clear_image["content_url"] + "?format=webp", token)
    assert Image.open(io.BytesIO(webp.body)).mode == "RGBA", "converting keeps the alpha channel"

    done = api.get(f"/v1/generations/{gif['id']}", token=token).json
    assert (done["output_format"], done["frame_count"]) == ("gif", 4)
    [gif_image] = done["images"]
    assert gif_image["content_type"] == "image/gif" and gif_image["frames"] == 4
    original = fetch(api, gif_image["content_url"], token)
    assert original.headers["content-type"] == "image/gif"
    assert Image.open(io.BytesIO(original.body)).n_frames == 4
    assert fetch(api, gif_image["content_url"] + "?width=256", token).body == original.body, \
        "a GIF is not flattened by a width alone"
    still = fetch(api, gif_image["content_url"] + "?format=png&width=256", token)
    assert Image.open(io.BytesIO(still.body)).size[0] == 256
    assert Image.open(io.BytesIO(fetch(api, gif_image["thumbnail_url"], token).body)).format == "WEBP"

    [svg_image] = api.get(f"/v1/generations/{svg['id']}", token=token).json["images"]
    served = fetch(api, svg_image["content_url"], token)
    assert served.headers["content-type"] == "image/svg+xml"
    assert served.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.body.lstrip().startswith((b"<svg", b"<?xml"))
    assert Image.open(io.BytesIO(fetch(api, svg_image["thumbnail_url"], token).body)).format == "WEBP"
    rasterised = fetch(api, svg_image["content_url"] + "?format=png&width=512", token)
    assert Image.open(io.BytesIO(rasterised.body)).size[0] == 512


def test_shared_svgs_are_never_served_as_a_page(api, chalice_client):
    token = api.register()["access_token"]
    svg = generate(api, token, model="placeholder", output_format="svg")
    run_worker(chalice_client, svg["id"])
    [image] = api.get(f"/v1/generations/{svg['id']}", token=token).json["images"]
    slug = api.post(f"/v1/images/{image['id']}/share", token=token).json["slug"]
    public = fetch(api, f"/v1/public/images/{slug}/content")
    assert public.headers["content-type"] == "image/svg+xml"
    assert public.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in public.headers["content-security-policy"]


def test_previews_show_while_rendering_to_the_owner_only_and_go_when_done(api, chalice_client, openai_fake, clock,
                                                                         container, db):
    owner = api.register("owner@example.com")["access_token"]
    stranger = api.register("stranger@example.com")["access_token"]
    generation = generate(api, owner, model="gpt-image-2.5-flare", quality="low", n=2)
    seen = {}

    def look() -> None:
        seen["generation"] = api.get(f"/v1/generations/{generation['id']}", token=owner).json
        accept = {"Accept": "image/*"}
        seen["mine"] = api.get(f"/v1/generations/{generation['id']}/previews/1", token=owner, headers=accept)
        seen["theirs"] = api.get(f"/v1/generations/{generation['id']}/previews/1", token=stranger, headers=accept)
        seen["missing"] = api.get(f"/v1/generations/{generation['id']}/previews/7", token=owner, headers=accept)

    openai_fake.during = look
    run_worker(chalice_client, generation["id"])
    assert seen["generation"]["status"] == "running"
    assert seen["generation"]["previews"] == [
        {"index": 0, "url": f"/v1/generations/{generation['id']}/previews/0"},
        {"index": 1, "url": f"/v1/generations/{generation['id']}/previews/1"}]
    assert seen["mine"].status == 200 and seen["mine"].headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(seen["mine"].body)).getpixel((0, 0)) == (200, 10, 10)
    assert seen["theirs"].status == 404 and seen["missing"].status == 404
    done = api.get(f"/v1/generations/{generation['id']}", token=owner).json
    assert done["status"] == "succeeded" and done["previews"] == [] and len(done["images"]) == 2
    accept = {"Accept": "image/*"}
    assert api.get(f"/v1/generations/{generation['id']}/previews/0", token=owner, headers=accept).status == 200, \
        "a page that saw the preview listed a moment ago may still fetch it"
    clock.advance(minutes=3)
    assert api.get(f"/v1/generations/{generation['id']}/previews/0", token=owner, headers=accept).status == 404
    container.sweeper.sweep()
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM generation_previews").fetchone()[0] == 0


def test_gif_and_svg_jobs_do_not_ask_for_previews(api, chalice_client, openai_fake):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-2.5-flare", quality="low", output_format="gif", frame_count=2)
    openai_fake.generate = lambda request: (_ for _ in ()).throw(AssertionError("streamed")) \
        if request.on_partial else ScriptedImageProvider.generate(openai_fake, request)
    run_worker(chalice_client, generation["id"])
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    assert done["status"] == "succeeded"
    call = openai_fake.calls[0]
    assert (call.output_format, call.frame_count, call.on_partial) == ("gif", 2, None)


def test_a_withdrawn_model_refunds_the_job_turns_unavailable_and_refuses_new_requests(
        api, chalice_client, openai_fake, admin, db, monkeypatch):
    from chalicelib import bootstrap

    alarms: list[str] = []
    monkeypatch.setattr(bootstrap, "model_withdrawn_alarm", alarms.append)
    token = api.register()["access_token"]
    first = generate(api, token, model="gpt-image-2", quality="medium")
    second = generate(api, token, model="gpt-image-2", quality="low")
    openai_fake.steps = [ModelWithdrawn("gpt-image-2", "OpenAI 404 model_not_found")]
    run_worker(chalice_client, first["id"], second["id"])
    for generation in (first, second):
        done = api.get(f"/v1/generations/{generation['id']}", token=token).json
        assert done["status"] == "failed" and done["refunded_credits"] == done["cost_credits"]
    assert len(openai_fake.calls) == 1, "once withdrawn, queued jobs fail without calling the provider again"
    assert balance(api, token) == BONUS
    model = {m["id"]: m for m in api.get("/v1/models").json["items"]}["gpt-image-2"]
    assert model["available"] is False and "model_not_found" in model["unavailable_reason"]
    refused = api.post("/v1/generations", {"prompt": "x", "model": "gpt-image-2"}, token=token)
    assert refused.status == 409 and refused.error_code == "model_unavailable"
    assert refused.json["error"]["details"]["model"] == "gpt-image-2"
    assert balance(api, token) == BONUS
    with psycopg.connect(db) as conn:
        audit = conn.execute("SELECT actor_email, target_id FROM audit_log WHERE action = 'model.withdrawn'").fetchall()
    assert audit == [("system", "gpt-image-2")]
    assert alarms == ["gpt-image-2"], "the alarm metric fires once, not per job"

    pointed = api.patch("/v1/admin/models/gpt-image-2", {"replacement_model": "gpt-image-2.5-flare"},
                        **as_admin(admin))
    assert pointed.status == 200 and pointed.json["replacement_model"] == "gpt-image-2.5-flare"
    rerouted = generate(api, token, model="gpt-image-2", quality="low")
    assert rerouted["model"] == "gpt-image-2.5-flare"
    back = api.patch("/v1/admin/models/gpt-image-2", {"available": True, "replacement_model": None},
                     **as_admin(admin))
    assert back.json["available"] is True and back.json["unavailable_reason"] is None
    assert generate(api, token, model="gpt-image-2", quality="low")["model"] == "gpt-image-2"


def test_admin_model_edits_are_checked_and_audited(api, admin, db):
    items = {m["id"]: m for m in api.get("/v1/admin/models", **as_admin(admin)).json["items"]}
    assert items["gpt-image-1"]["enabled"] is False and items["gpt-image-1"]["available"] is False
    assert "2026-10-23" in items["gpt-image-1"]["unavailable_reason"]
    assert items["gpt-image-2.5-flare"]["token_rates"] == {"input_text": 5.0, "input_image": 8.0, "output_image": 30.0}
    for body, field in (({"replacement_model": "gpt-image-1"}, "replacement_model"),
                        ({"replacement_model": "gpt-image-2"}, "replacement_model"),
                        ({"token_rates": {"output_image": -1}}, "token_rates.output_image"),
                        ({"token_rates": {"vibes": 1}}, "token_rates.vibes"), ({"label": ""}, "label"),
                        ({"colour": "red"}, "colour"), ({}, "enabled")):
        reply = api.patch("/v1/admin/models/gpt-image-2", body, **as_admin(admin))
        assert reply.status == 400 and reply.json["error"]["details"]["field"] == field, (body, reply.body)
    assert api.patch("/v1/admin/models/nope", {"enabled": False}, **as_admin(admin)).status == 404
    changed = api.patch("/v1/admin/models/gpt-image-2", {"token_rates": {"output_image": 28.5}, "label": "GPT Image 2"},
                        **as_admin(admin)).json
    assert changed["token_rates"]["output_image"] == 28.5
    with psycopg.connect(db) as conn:
        before, after = conn.execute(
            "SELECT before, after FROM audit_log WHERE action = 'model.update' ORDER BY id DESC LIMIT 1").fetchone()
    assert before["usd_per_mtok_output_image"] == "30.0000" and after["usd_per_mtok_output_image"] == "28.5000"
    user = api.register()["access_token"]
    assert api.get("/v1/admin/models", token=user).status == 403


def test_cancelling_a_queued_generation_refunds_everything_once_and_the_worker_skips_it(
        api, chalice_client, openai_fake):
    owner = api.register("owner@example.com")["access_token"]
    stranger = api.register("stranger@example.com")["access_token"]
    generation = generate(api, owner, model="gpt-image-1.5", quality="medium", n=2)
    assert api.post(f"/v1/generations/{generation['id']}/cancel", token=stranger).status == 404
    cancelled = api.post(f"/v1/generations/{generation['id']}/cancel", token=owner)
    assert cancelled.status == 200
    assert cancelled.json["status"] == "failed" and cancelled.json["refunded_credits"] == 12
    assert balance(api, owner) == BONUS
    again = api.post(f"/v1/generations/{generation['id']}/cancel", token=owner)
    assert again.status == 409 and again.json["error"]["details"]["status"] == "failed"
    run_worker(chalice_client, generation["id"])
    assert openai_fake.calls == []
    assert balance(api, owner) == BONUS
    done = generate(api, owner, model="gpt-image-1.5", quality="low")
    run_worker(chalice_client, done["id"])
    assert api.post(f"/v1/generations/{done['id']}/cancel", token=owner).status == 409
    assert api.post("/v1/generations/not-an-id/cancel", token=owner).status == 404


def test_thirty_parallel_cancels_refund_once(api, container):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="medium", n=4)
    user_id = api.get("/v1/me", token=token).json["id"]
    outcomes: list[str] = []
    barrier = threading.Barrier(30)

    def cancel() -> None:
        barrier.wait()
        try:
            container.generations.cancel(user_id, generation["id"])
            outcomes.append("cancelled")
        except Exception as exc:  # noqa: BLE001 - the test counts what each caller got
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=cancel) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("cancelled") == 1 and outcomes.count("Conflict") == 29, outcomes
    assert balance(api, token) == BONUS


def test_cancel_racing_the_worker_either_refunds_or_renders_never_both(api, chalice_client, openai_fake):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-1.5", quality="low")
    attempts = {}
    openai_fake.during = lambda: attempts.setdefault("cancel", api.post(
        f"/v1/generations/{generation['id']}/cancel", token=token).status)
    run_worker(chalice_client, generation["id"])
    assert attempts["cancel"] == 409, "a generation the worker has claimed runs to its end"
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    assert done["status"] == "succeeded" and done["refunded_credits"] == 0
    assert balance(api, token) == BONUS - 2


def test_every_provider_call_carries_a_stable_pseudonymous_safety_identifier(api, chalice_client, openai_fake,
                                                                          settings):
    ada = api.register("ada@example.com")
    bob = api.register("bob@example.com")
    for session in (ada, ada, bob):
        generation = generate(api, session["access_token"], model="gpt-image-1.5", quality="low")
        run_worker(chalice_client, generation["id"])
    first, second, third = (call.safety_identifier for call in openai_fake.calls)
    assert first == second != third
    ada_id = ada["user"]["id"]
    secret = hmac.new(settings.jwt_secret.encode(), b"pixmint safety identifier", hashlib.sha256).digest()
    assert first == hmac.new(secret, f"safety-identifier:{ada_id}".encode(), hashlib.sha256).hexdigest()
    assert ada_id not in first and "ada" not in first and len(first) == 64


def test_token_usage_gives_the_actual_cost_beside_the_list_estimate(
        api, chalice_client, openai_fake, admin, db, clock):
    token = api.register()["access_token"]
    generation = generate(api, token, model="gpt-image-2.5-flare", quality="medium", n=2)
    run_worker(chalice_client, generation["id"])
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    output_tokens = 2 * 1024 * 1024 // 1000
    assert done["usage"] == {"input_text_tokens": 100, "input_image_tokens": 0, "output_image_tokens": output_tokens}
    actual = (Decimal(100) * 5 + Decimal(output_tokens) * 30) / 1_000_000
    with psycopg.connect(db) as conn:
        stored, estimate = conn.execute("SELECT actual_cost_usd, provider_cost_usd FROM generations").fetchone()
    assert stored == actual.quantize(Decimal("0.000001")) and estimate == Decimal("0.1060")
    day, next_day = clock.now().date(), clock.now().date() + timedelta(days=1)
    reply = api.get(f"/v1/admin/reports/usage?from={day}&to={next_day}&group_by=model", **as_admin(admin))
    assert reply.status == 200, reply.body
    report = reply.json
    [row] = [r for r in report["rows"] if r["group"] == "gpt-image-2.5-flare"]
    assert row["actual_cost_usd"] == pytest.approx(float(actual), abs=1e-6)
    assert row["provider_cost_usd"] == pytest.approx(0.106)
    assert row["actual_margin_usd"] == pytest.approx(0.16 - float(actual), abs=1e-6)
    users = api.get("/v1/admin/users?q=ada", **as_admin(admin)).json["items"]
    assert users[0]["usage"]["actual_cost_usd"] == pytest.approx(float(actual), abs=1e-6)
    assert users[0]["usage"]["estimated_cost_usd"] == pytest.approx(0.106)


def test_a_fallback_keeps_the_format_or_is_not_taken(api, chalice_client, openai_fake, providers, db):
    token = api.register()["access_token"]
    providers["bedrock"].steps = [ProviderError("503", retryable=True)]
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE models SET output_formats = '{png,webp}' WHERE id = 'sd3.5-large'")
    generation = generate(api, token, model="sd3.5-large", output_format="webp")
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE models SET backgrounds = '{auto}', output_formats = '{png}' "
                     "WHERE id = 'gpt-image-2.5-flare'")
    run_worker(chalice_client, generation["id"])
    done = api.get(f"/v1/generations/{generation['id']}", token=token).json
    assert done["status"] == "failed" and openai_fake.calls == [], "flare no longer makes webp here"
    assert balance(api, token) == BONUS


@pytest.mark.parametrize("rate, field", [
    ({"model": {}, "unit": "frame", "quality": "low", "credits": 1, "provider_cost_usd": 0}, "rates[0].model"),
    ({"model": "gpt-image-2.5-flare", "unit": ["frame"], "quality": "low", "credits": 1, "provider_cost_usd": 0},
     "rates[0].unit"),
    ({"model": "gpt-image-2.5-flare", "unit": "frame", "quality": "low", "credits": 5e-324, "provider_cost_usd": 0},
     "rates[0].credits"),
    ({"model": "gpt-image-2.5-flare", "unit": "frame", "quality": "low", "credits": 1, "provider_cost_usd": True},
     "rates[0].provider_cost_usd"),
])
def test_malformed_rates_are_400_naming_the_field(api, admin, rate, field):
    reply = api.request("PUT", "/v1/admin/pricing", {"items": [], "rates": [rate]}, **as_admin(admin))
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field, reply.body
