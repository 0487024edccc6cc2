"""Similar pictures (issue 21): a 64-bit difference hash stored with every image, "more like this" nearest first,
duplicates named on upload, and a backfill for images stored before hashes existed."""

from __future__ import annotations

import io
import random

import psycopg
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from chalicelib.adapters.pillow_codec import PillowImageCodec, difference_hash
from chalicelib.domain.imaging import ProviderImage, ProviderResult
from chalicelib.domain.library import hamming
from tests.integration.test_generation import generate, run_worker


def blocks(seed: int, side: int = 768) -> Image.Image:
    """A made-up picture: an 8x8 grid of random greys, smoothly enlarged."""
    rng = random.Random(seed)
    small = Image.new("L", (8, 8))
    small.putdata([rng.randrange(256) for _ in range(64)])
    return small.resize((side, side), Image.Resampling.BICUBIC).convert("RGB")


def encoded(picture: Image.Image, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


BASE = blocks(1)
PICTURES = {
    "base": BASE,
    "resized": BASE.resize((512, 512)).resize((768, 768)),  # the same picture, scaled and back
    "brighter": ImageEnhance.Brightness(BASE.filter(ImageFilter.GaussianBlur(6))).enhance(1.15),
    "other": blocks(2),
    "another": blocks(3),
}


class PictureProvider:
    """The placeholder model's provider, answering each call with the next made-up picture."""

    name = "placeholder"

    def __init__(self) -> None:
        self.queue: list[bytes] = []

    def generate(self, request):
        return ProviderResult([ProviderImage(self.queue.pop(0))])


@pytest.fixture
def pictures() -> PictureProvider:
    return PictureProvider()


@pytest.fixture
def providers(pictures):
    return {"placeholder": pictures}


def made(api, chalice_client, clock, pictures, token, name, fmt="PNG"):
    clock.advance(seconds=1)
    pictures.queue.append(encoded(PICTURES[name], fmt))
    generation = generate(api, token, prompt=f"picture {name}", model="placeholder", size="1024x1024")
    run_worker(chalice_client, generation["id"])
    images = api.get(f"/v1/generations/{generation['id']}", token=token).json["images"]
    assert len(images) == 1, generation
    return images[0]["id"]


@pytest.fixture
def gallery(api, chalice_client, clock, pictures):
    token = api.register("similar@example.com")["access_token"]
    return token, {name: made(api, chalice_client, clock, pictures, token, name) for name in PICTURES}


def similar(api, token, image_id):
    reply = api.get(f"/v1/images/{image_id}/similar", token=token)
    assert reply.status == 200, reply.body
    return [image["id"] for image in reply.json["items"]]


def test_the_hash_is_dhash_row_by_row_and_fits_a_bigint():
    rising = Image.linear_gradient("L").rotate(90, expand=True)  # dark on the left, bright on the right
    assert difference_hash(rising) == -1, "every right neighbour brighter: 64 ones, -1 as a signed bigint"
    assert difference_hash(rising.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) == 0
    top_row_rising = Image.new("L", (9, 8), 0)
    top_row_rising.putdata([x * 20 for x in range(9)] + [0] * 63)
    assert difference_hash(top_row_rising) & ((1 << 64) - 1) == 0xFF << 56, "the first row is the top byte"


def test_near_copies_are_close_and_other_pictures_far():
    codec = PillowImageCodec()
    hashes = {name: codec.dhash(encoded(picture)) for name, picture in PICTURES.items()}
    assert hamming(hashes["base"], codec.dhash(encoded(BASE, "JPEG", quality=60))) <= 4
    assert hamming(hashes["base"], hashes["resized"]) <= 4
    assert hamming(hashes["base"], hashes["other"]) > 16 and hamming(hashes["base"], hashes["another"]) > 16


def test_more_like_this_lists_the_alike_nearest_first_without_the_image_itself(api, gallery, db):
    token, ids = gallery
    with psycopg.connect(db) as conn:
        stored = {row[0]: row[1] for row in conn.execute("SELECT id::text, dhash FROM images")}
    assert all(value is not None for value in stored.values()), "the worker stores each image's hash"
    alike = similar(api, token, ids["base"])
    assert ids["base"] not in alike and ids["other"] not in alike and ids["another"] not in alike
    assert set(alike) >= {ids["resized"]}
    distances = [hamming(stored[ids["base"]], stored[i]) for i in alike]
    assert distances == sorted(distances) and distances[0] <= 4
    assert similar(api, token, ids["other"]) == []


def test_other_users_images_are_never_similar_and_their_ids_are_404(api, chalice_client, clock, pictures, gallery):
    token, ids = gallery
    stranger = api.register("stranger@example.com")["access_token"]
    theirs = made(api, chalice_client, clock, pictures, stranger, "base")
    assert theirs not in similar(api, token, ids["base"])
    assert ids["base"] not in similar(api, stranger, theirs)
    assert api.get(f"/v1/images/{ids['base']}/similar", token=stranger).status == 404
    assert api.get("/v1/images/not-an-id/similar", token=stranger).status == 404


def test_an_upload_names_the_image_it_duplicates(api, gallery):
    token, ids = gallery

    def upload(data: bytes, content_type: str):
        reply = api.request("POST", "/v1/uploads", raw=data, token=token, headers={"Content-Type": content_type})
        assert reply.status == 201, reply.body
        return reply.json

    again = upload(encoded(BASE.resize((600, 600)), "JPEG", quality=85), "image/jpeg")
    assert again["duplicate_of"] in (ids["base"], ids["resized"], ids["brighter"])
    assert upload(encoded(blocks(99)), "image/png")["duplicate_of"] is None


def test_images_without_a_hash_are_hashed_lazily_and_by_the_backfill(api, gallery, db, container):
    token, ids = gallery
    with psycopg.connect(db) as conn:
        expected = {row[0]: row[1] for row in conn.execute("SELECT id::text, dhash FROM images")}
        conn.execute("UPDATE images SET dhash = NULL WHERE id = %s", (ids["base"],))
    assert ids["resized"] in similar(api, token, ids["base"]), "the image asked about is hashed on the spot"
    with psycopg.connect(db) as conn:
        row = conn.execute("SELECT dhash FROM images WHERE id = %s", (ids["base"],)).fetchone()
        assert row == (expected[ids["base"]],)
        conn.execute("UPDATE images SET dhash = NULL WHERE id <> %s", (ids["base"],))
    result = container.library.backfill_hashes()
    assert result == {"hashes_backfilled": len(PICTURES) - 1, "hashes_failed": 0}
    with psycopg.connect(db) as conn:
        assert {row[0]: row[1] for row in conn.execute("SELECT id::text, dhash FROM images")} == expected
    assert container.library.backfill_hashes() == {"hashes_backfilled": 0, "hashes_failed": 0}


def test_the_housekeeping_schedule_backfills_hashes(gallery, db, chalice_client):
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE images SET dhash = NULL")
    event = chalice_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                    resources=[])
    result = chalice_client.lambda_.invoke("housekeeping", event).payload
    assert result["hashes_backfilled"] == len(PICTURES) and result["hashes_failed"] == 0
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM images WHERE dhash IS NULL").fetchone() == (0,)
