"""Uploads: PNG, JPEG and WebP up to 10 MB and 4096x4096, re-encoded without metadata; anything else stores nothing."""

from __future__ import annotations

import io

import boto3
import psycopg
import pytest
from PIL import Image


def encoded(fmt: str, size=(64, 48), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, fmt, **save)
    return buffer.getvalue()


def upload(api, token, data: bytes, content_type: str):
    return api.request("POST", "/v1/uploads", raw=data, token=token, headers={"Content-Type": content_type})


def stored(db) -> int:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM images").fetchone()[0]


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_supported_images_are_stored_with_their_size_and_a_backup(api, db, fmt, content_type):
    token = api.register()["access_token"]
    reply = upload(api, token, encoded(fmt), content_type)
    assert reply.status == 201, reply.body
    assert {k: reply.json[k] for k in ("width", "height", "content_type")} == {
        "width": 64, "height": 48, "content_type": content_type}
    keys = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="pixmint-images").get("Contents", [])
    assert len(keys) == 1 and keys[0]["Size"] == reply.json["bytes"]


def test_exif_and_other_metadata_are_stripped(api, db):
    token = api.register()["access_token"]
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera maker
    exif[0x8825] = {1: "N"}  # GPS info
    reply = upload(api, token, encoded("JPEG", exif=exif.tobytes(), comment=b"secret"), "image/jpeg")
    assert reply.status == 201
    with psycopg.connect(db) as conn:
        data = bytes(conn.execute("SELECT data FROM image_blobs").fetchone()[0])
    clean = Image.open(io.BytesIO(data))
    assert not clean.getexif() and b"SpyCam" not in data and b"secret" not in data


@pytest.mark.parametrize("data, content_type", [
    (encoded("GIF"), "image/gif"),
    (encoded("BMP"), "image/png"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
    (b"", "image/png"),
    (encoded("PNG")[:100], "image/png"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "image/png"),
])
def test_anything_that_is_not_a_supported_image_is_415_and_stores_nothing(api, db, data, content_type):
    token = api.register()["access_token"]
    reply = upload(api, token, data, content_type)
    assert reply.status == 415 and reply.error_code == "unsupported_media_type"
    assert stored(db) == 0


def test_more_than_4096_pixels_on_a_side_is_413(api, db):
    token = api.register()["access_token"]
    reply = upload(api, token, encoded("PNG", size=(4097, 8)), "image/png")
    assert reply.status == 413 and reply.error_code == "payload_too_large"
    assert stored(db) == 0


def test_more_than_10_mb_is_413(api, db):
    token = api.register()["access_token"]
    reply = upload(api, token, encoded("PNG") + b"\x00" * (10 * 1024 * 1024), "image/png")
    assert reply.status == 413
    assert stored(db) == 0


def test_a_decompression_bomb_is_refused(api, db):
    token = api.register()["access_token"]
    buffer = io.BytesIO()
    Image.new("1", (4096, 4096)).save(buffer, "PNG")  # tiny file, 16 megapixels
    small_bomb = buffer.getvalue()
    assert len(small_bomb) < 100_000
    assert upload(api, token, small_bomb, "image/png").status == 201, "4096x4096 itself is allowed"
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    assert upload(api, token, buffer.getvalue(), "image/png").status in (413, 415)
    assert stored(db) == 1


def test_uploads_need_authentication(api, db):
    reply = api.request("POST", "/v1/uploads", raw=encoded("PNG"), headers={"Content-Type": "image/png"})
    assert reply.status == 401
    assert stored(db) == 0


def test_another_users_upload_cannot_be_edited(api):
    owner = api.register("owner@example.com")["access_token"]
    stranger = api.register("stranger@example.com")["access_token"]
    image = upload(api, owner, encoded("PNG"), "image/png").json
    reply = api.post("/v1/generations", {"prompt": "x", "model": "placeholder", "source_image_id": image["id"]},
                     token=stranger)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == "source_image_id"
