"""The image library: lists, downloads in every format and width, caching, favourites, deletion, sharing, restore."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

import boto3
import psycopg
import pytest
from PIL import Image

from tests.integration.test_generation import generate, run_worker

S3 = lambda: boto3.client("s3", region_name="us-east-1")  # noqa: E731


@pytest.fixture
def owner(api, chalice_client, clock):
    """A user with three generated images (1024x1024 PNG), newest last."""
    session = api.register("owner@example.com", display_name="Ada")
    token = session["access_token"]
    images = []
    for prompt in ("a red fox", "a blue whale", "a red panda"):
        clock.advance(seconds=1)
        generation = generate(api, token, prompt=prompt, model="placeholder", size="1024x1024")
        run_worker(chalice_client, generation["id"])
        images += api.get(f"/v1/generations/{generation['id']}", token=token).json["images"]
    return token, images


def content(api, token, image_id, query="", **headers):
    return api.request("GET", f"/v1/images/{image_id}/content{query}", token=token,
                       headers={"Accept": "image/*", **headers})


def test_images_are_listed_newest_first_with_filters_and_cursor(api, owner):
    token, images = owner
    listed = api.get("/v1/images", token=token).json
    assert [i["id"] for i in listed["items"]] == [i["id"] for i in images[::-1]]
    assert listed["items"][0]["alt"] == "AI-generated image: a red panda"
    assert [i["prompt"] for i in api.get("/v1/images?q=red", token=token).json["items"]] == ["a red panda", "a red fox"]
    api.request("PUT", f"/v1/images/{images[1]['id']}/favorite", token=token)
    assert [i["id"] for i in api.get("/v1/images?favorite=true", token=token).json["items"]] == [images[1]["id"]]
    first = api.get("/v1/images?limit=2", token=token).json
    rest = api.get(f"/v1/images?limit=2&cursor={first['next_cursor']}", token=token).json
    assert len(first["items"]) == 2 and [i["id"] for i in rest["items"]] == [images[0]["id"]]
    assert api.get("/v1/images?favorite=maybe", token=token).status == 400


@pytest.mark.parametrize("fmt, mime", [(None, "image/png"), ("png", "image/png"), ("jpeg", "image/jpeg"),
                                       ("webp", "image/webp")])
@pytest.mark.parametrize("width, expected", [(None, (1024, 1024)), (512, (512, 512)), (100, (128, 128)),
                                             (4000, (1024, 1024))])
def test_every_format_and_width_round_trips_with_the_right_type_and_size(api, owner, fmt, mime, width, expected):
    token, images = owner
    params = "&".join(f"{k}={v}" for k, v in (("format", fmt), ("width", width)) if v)
    reply = content(api, token, images[0]["id"], f"?{params}" if params else "")
    assert reply.status == 200
    assert reply.headers["content-type"] == mime
    picture = Image.open(io.BytesIO(reply.body))
    assert picture.size == expected and Image.MIME[picture.format] == mime
    extension = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}[mime]
    assert reply.headers["content-disposition"].startswith('attachment; filename="pixmint-a-red-fox-')
    assert reply.headers["content-disposition"].endswith(f'.{extension}"')


def test_etag_and_conditional_requests_answer_304(api, owner):
    token, images = owner
    first = content(api, token, images[0]["id"], "?format=webp&width=256")
    etag = first.headers["etag"]
    again = content(api, token, images[0]["id"], "?format=webp&width=256", **{"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    other = content(api, token, images[0]["id"], "?format=webp&width=128", **{"If-None-Match": etag})
    assert other.status == 200
    assert "max-age" in first.headers["cache-control"]


def test_a_converted_variant_is_made_once_then_served_from_the_cache(api, owner, container, monkeypatch):
    token, images = owner
    calls = []
    original = container.library._codec.convert
    monkeypatch.setattr(container.library._codec, "convert", lambda *a: calls.append(a) or original(*a))
    first = content(api, token, images[0]["id"], "?format=jpeg&width=300&quality=70")
    second = content(api, token, images[0]["id"], "?format=jpeg&width=300&quality=70")
    assert first.body == second.body and len(calls) == 1


@pytest.mark.parametrize("query", ["?format=gif", "?width=abc", "?width=0", "?quality=101", "?width=99999"])
def test_bad_download_parameters_are_400(api, owner, query):
    token, images = owner
    assert content(api, token, images[0]["id"], query).status == 400


def test_large_files_are_served_through_a_short_lived_s3_link(api, owner, container):
    token, _ = owner
    noise = Image.frombytes("RGB", (1600, 1600), os.urandom(1600 * 1600 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert 5 * 1024 * 1024 < len(buffer.getvalue()) < 10 * 1024 * 1024
    upload = api.request("POST", "/v1/uploads", raw=buffer.getvalue(), token=token,
                         headers={"Content-Type": "image/png"}).json
    reply = content(api, token, upload["id"])
    assert reply.status == 302
    assert "X-Amz-Signature" in reply.headers["location"] and upload["id"] in reply.headers["location"]
    assert "response-content-disposition=attachment" in reply.headers["location"]
    link = content(api, token, upload["id"], Accept="image/png, application/json;q=0.1")
    assert link.status == 200 and link.json["url"].startswith("https://") and link.json["expires_in"] == 300


def test_other_users_images_are_404_everywhere(api, owner):
    _, images = owner
    stranger = api.register("stranger@example.com")["access_token"]
    image_id = images[0]["id"]
    for method, path in [("GET", f"/v1/images/{image_id}"), ("GET", f"/v1/images/{image_id}/content"),
                         ("GET", f"/v1/images/{image_id}/thumbnail"), ("PUT", f"/v1/images/{image_id}/favorite"),
                         ("DELETE", f"/v1/images/{image_id}/favorite"), ("DELETE", f"/v1/images/{image_id}"),
                         ("POST", f"/v1/images/{image_id}/share"), ("DELETE", f"/v1/images/{image_id}/share"),
                         ("GET", "/v1/images/00000000-0000-0000-0000-000000000000"),
                         ("GET", "/v1/images/not-an-id/content")]:
        reply = api.request(method, path, token=stranger, headers={"Accept": "image/*"})
        assert reply.status == 404, (method, path)
        assert reply.error_code == "not_found"
    bulk = api.post("/v1/images/bulk", {"action": "delete", "ids": [image_id]}, token=stranger)
    assert bulk.json == {"done": []}
    assert api.post("/v1/images/download", {"ids": [image_id]}, token=stranger).status == 404
    assert api.get("/v1/images", token=stranger).json["items"] == []


def test_zip_holds_the_originals(api, owner):
    token, images = owner
    reply = api.request("POST", "/v1/images/download", {"ids": [i["id"] for i in images]}, token=token,
                        headers={"Accept": "application/zip"})
    assert reply.status == 200 and reply.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(reply.body))
    assert len(archive.namelist()) == 3
    originals = {content(api, token, i["id"]).body for i in images}
    assert {archive.read(name) for name in archive.namelist()} == originals


def test_bulk_favourite_and_delete_touch_only_your_images(api, owner, db):
    token, images = owner
    ids = [i["id"] for i in images]
    favourited = api.post("/v1/images/bulk", {"action": "favorite", "ids": ids}, token=token)
    assert sorted(favourited.json["done"]) == sorted(ids)
    assert len(api.get("/v1/images?favorite=true", token=token).json["items"]) == 3
    api.post("/v1/images/bulk", {"action": "unfavorite", "ids": ids[:1]}, token=token)
    assert len(api.get("/v1/images?favorite=true", token=token).json["items"]) == 2
    for bad in ({"action": "explode", "ids": ids}, {"action": "delete", "ids": []},
                {"action": "delete", "ids": ["x"] * 101}, {"action": "delete", "ids": [1]}):
        assert api.post("/v1/images/bulk", bad, token=token).status == 400
    assert api.post("/v1/images/bulk", {"action": "delete", "ids": ids[:2]}, token=token).status == 200
    assert [i["id"] for i in api.get("/v1/images", token=token).json["items"]] == [ids[2]]


def test_delete_removes_the_row_variants_and_s3_copies(api, owner, db):
    token, images = owner
    image_id = images[0]["id"]
    content(api, token, image_id, "?format=webp&width=64")
    assert api.delete(f"/v1/images/{image_id}", token=token).status == 204
    assert content(api, token, image_id).status == 404
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM image_variants WHERE image_id = %s", (image_id,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM image_blobs WHERE image_id = %s", (image_id,)).fetchone()[0] == 0
    keys = [o["Key"] for o in S3().list_objects_v2(Bucket="pixmint-images").get("Contents", [])]
    assert not any(image_id in key for key in keys if key.startswith("images/"))
    assert len([key for key in keys if key.startswith("images/")]) == 2  # previews/ expire by lifecycle rule


def test_failed_s3_deletes_are_retried_by_the_schedule(api, owner, container, db, monkeypatch, clock):
    from chalicelib.adapters.aws_storage import S3ImageStore

    token, images = owner
    original = S3ImageStore.delete
    monkeypatch.setattr(S3ImageStore, "delete", lambda self, key: (_ for _ in ()).throw(OSError("S3 is down")))
    assert api.delete(f"/v1/images/{images[0]['id']}", token=token).status == 204
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM s3_deletions").fetchone()[0] == 1
    assert container.library.retry_s3_deletions() == {"deleted": 0, "failed": 1}
    monkeypatch.setattr(S3ImageStore, "delete", original)
    clock.advance(minutes=16)
    assert container.library.retry_s3_deletions() == {"deleted": 1, "failed": 0}
    keys = [o["Key"] for o in S3().list_objects_v2(Bucket="pixmint-images").get("Contents", [])]
    assert not any(images[0]["id"] in key for key in keys)


def test_restore_rebuilds_missing_bytes_from_s3_byte_identical(api, owner, db, capsys):
    from chalicelib import cli

    token, images = owner
    before = {i["id"]: content(api, token, i["id"]).body for i in images}
    with psycopg.connect(db) as conn:
        conn.execute("DELETE FROM image_blobs")
    assert cli.main(["restore-images"]) == 0
    assert "restored 3 image(s)" in capsys.readouterr().out
    with psycopg.connect(db) as conn:
        rows = conn.execute("SELECT i.id::text, b.data, i.sha256 FROM images i JOIN image_blobs b ON b.image_id = i.id"
                            ).fetchall()
    assert len(rows) == 3
    for image_id, data, sha256 in rows:
        assert bytes(data) == before[image_id] and hashlib.sha256(bytes(data)).digest() == bytes(sha256)


def test_restore_refuses_a_backup_whose_checksum_differs(api, owner, db, capsys):
    from chalicelib import cli

    _, images = owner
    with psycopg.connect(db) as conn:
        key = conn.execute("SELECT s3_key FROM images WHERE id = %s", (images[0]["id"],)).fetchone()[0]
        conn.execute("DELETE FROM image_blobs WHERE image_id = %s", (images[0]["id"],))
    S3().put_object(Bucket="pixmint-images", Key=key, Body=b"tampered")
    assert cli.main(["restore-images"]) == 1
    assert "1 failed the sha256 check" in capsys.readouterr().err
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM image_blobs").fetchone()[0] == 2


def test_sharing_makes_an_image_public_and_unsharing_stops_it_at_once(api, owner):
    token, images = owner
    shared = api.post(f"/v1/images/{images[0]['id']}/share", token=token).json
    slug = shared["slug"]
    assert len(slug) >= 16 and shared["share_url"].endswith(f"/v1/public/images/{slug}/page")
    public = api.get(f"/v1/public/images/{slug}")
    assert public.status == 200 and public.json["prompt"] == "a red fox" and public.json["author"] == "Ada"
    assert "owner@example.com" not in public.body.decode()
    image = api.request("GET", f"/v1/public/images/{slug}/content", headers={"Accept": "image/*"})
    assert image.status == 200 and Image.open(io.BytesIO(image.body)).size == (1024, 1024)
    page = api.request("GET", f"/v1/public/images/{slug}/page", headers={"Accept": "text/html"})
    assert b'property="og:image"' in page.body and b"a red fox" in page.body
    assert api.get("/v1/images", token=token).json["items"][-1]["shared"] is True
    assert api.post(f"/v1/images/{images[0]['id']}/share", token=token).json["slug"] == slug, "sharing again keeps it"
    assert api.delete(f"/v1/images/{images[0]['id']}/share", token=token).status == 204
    for path in (f"/v1/public/images/{slug}", f"/v1/public/images/{slug}/content",
                 f"/v1/public/images/{slug}/thumbnail", f"/v1/public/images/{slug}/page"):
        assert api.request("GET", path, headers={"Accept": "*/*"}).status == 404
    assert api.get("/v1/public/images/not-a-real-slug-at-all").status == 404


def test_community_feed_lists_published_images_newest_first_without_emails(api, owner, clock, db):
    token, images = owner
    api.patch("/v1/me", {"public_handle": "ada"}, token=token)
    for image in images[:2]:
        clock.advance(seconds=1)
        api.post(f"/v1/images/{image['id']}/publish", token=token)
    feed = api.get("/v1/community")
    assert [i["prompt"] for i in feed.json["items"]] == ["a blue whale", "a red fox"]
    assert all(i["model"] == "placeholder" for i in feed.json["items"])
    assert b"@" not in feed.body


def test_admins_can_hide_community_entries_and_others_cannot(api, owner, container, db):
    token, images = owner
    api.patch("/v1/me", {"public_handle": "ada"}, token=token)
    api.post(f"/v1/images/{images[0]['id']}/publish", token=token)
    path = f"/v1/admin/community/{images[0]['id']}/hidden"
    assert api.request("PUT", path, token=token).status == 403
    container.accounts.ensure_admin("mod@example.com", "moderator password 1")
    admin = api.post("/v1/auth/login", {"email": "mod@example.com", "password": "moderator password 1"}).json
    assert api.request("PUT", path, token=admin["access_token"]).status == 204
    assert api.get("/v1/community").json["items"] == []
    slug = api.get("/v1/images", token=token).json["items"][-1]["share_url"].split("/")[-2]
    assert api.get(f"/v1/public/images/{slug}").status == 200, "hidden from the feed, the link itself still works"
    assert api.request("DELETE", path, token=admin["access_token"]).status == 204
    assert len(api.get("/v1/community").json["items"]) == 1


# ---------------------------------------------------------------------------------------------- bounded variants

def variant_rows(db, image_id: str) -> list[tuple[str, int, int]]:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT format, width, quality FROM image_variants WHERE image_id = %s ORDER BY 1, 2, 3",
                            (image_id,)).fetchall()


def test_150_distinct_widths_of_a_shared_image_store_at_most_ladder_many_variants(api, owner, db):
    from chalicelib.domain.library import WIDTH_LADDER

    token, images = owner
    slug = api.post(f"/v1/images/{images[0]['id']}/share", token=token).json["slug"]
    sizes = set()
    for width in range(16, 1066, 7)[:150]:  # every width an anonymous visitor might try, up to past the image's own
        reply = api.request("GET", f"/v1/public/images/{slug}/content?format=webp&width={width}",
                            headers={"Accept": "image/webp"})
        assert reply.status == 200
        sizes.add(Image.open(io.BytesIO(reply.body)).size[0])
    rows = variant_rows(db, images[0]["id"])
    assert len(range(16, 1066, 7)[:150]) == 150
    assert len(rows) <= len(WIDTH_LADDER)
    assert {w for _, w, _ in rows} == sizes == {64, 128, 256, 512, 768, 1024}, "the ladder up to the image's width"


def test_a_width_rounds_up_to_the_ladder_and_quality_to_its_nearest_step(api, owner, db):
    token, images = owner
    for query in ("?format=jpeg&width=300&quality=70", "?format=jpeg&width=500&quality=80",
                  "?format=jpeg&width=512&quality=75"):
        reply = content(api, token, images[0]["id"], query)
        assert reply.status == 200 and Image.open(io.BytesIO(reply.body)).size == (512, 512)
    assert variant_rows(db, images[0]["id"]) == [("jpeg", 512, 75)]
    content(api, token, images[0]["id"], "?format=jpeg&width=512&quality=100")
    content(api, token, images[0]["id"], "?format=jpeg&width=512&quality=1")
    assert variant_rows(db, images[0]["id"]) == [("jpeg", 512, 50), ("jpeg", 512, 75), ("jpeg", 512, 90)]


def test_a_variant_kept_in_s3_is_remade_before_the_lifecycle_rule_deletes_it(api, owner, container, clock, db):
    from chalicelib.domain.library import VARIANT_S3_DAYS

    token, images = owner
    with psycopg.connect(db) as conn:  # as if it had been too large for PostgreSQL
        conn.execute("""INSERT INTO image_variants (image_id, format, width, quality, content_type, bytes, sha256,
                            s3_key, created_at) VALUES (%s, 'webp', 512, 90, 'image/webp', 6000000, '\\x00',
                            'variants/old.webp', %s)""", (images[0]["id"], clock.now()))
    clock.advance(days=VARIANT_S3_DAYS - 1, seconds=1)
    token = api.post("/v1/auth/login", {"email": "owner@example.com", "password": "correct horse battery"}).json[
        "access_token"]
    reply = content(api, token, images[0]["id"], "?format=webp&width=512")
    assert reply.status == 200 and Image.open(io.BytesIO(reply.body)).size == (512, 512), "remade, not linked to"
    with psycopg.connect(db) as conn:
        row = conn.execute("SELECT s3_key, created_at FROM image_variants WHERE image_id = %s",
                           (images[0]["id"],)).fetchone()
    assert row == (None, clock.now())


# ---------------------------------------------------------------------------------------------- JSON-only clients

def test_a_download_asked_for_as_json_is_a_short_lived_link_to_the_bytes(api, owner):
    import requests

    token, images = owner
    for query in ("", "?format=webp&width=256"):
        reply = content(api, token, images[0]["id"], query, Accept="application/json")
        assert reply.status == 200 and reply.headers["content-type"] == "application/json"
        assert set(reply.json) == {"url", "filename", "expires_in"} and reply.json["expires_in"] == 300
        assert "X-Amz-Signature" in reply.json["url"] or "Signature=" in reply.json["url"]
        fetched = requests.get(reply.json["url"], timeout=30)  # moto serves the presigned GET as S3 would
        assert fetched.status_code == 200
        assert Image.open(io.BytesIO(fetched.content)).size == ((256, 256) if query else (1024, 1024))
    assert reply.json["filename"].startswith("pixmint-a-red-fox-") and reply.json["filename"].endswith(".webp")


def test_shared_images_and_zips_answer_json_clients_with_a_link_too(api, owner):
    token, images = owner
    slug = api.post(f"/v1/images/{images[0]['id']}/share", token=token).json["slug"]
    public = api.request("GET", f"/v1/public/images/{slug}/content?width=128", headers={"Accept": "application/json"})
    assert public.status == 200 and public.json["url"].startswith("https://")
    archive = api.post("/v1/images/download", {"ids": [i["id"] for i in images]}, token=token,
                       headers={"Accept": "application/json"})
    assert archive.status == 200 and archive.json["filename"] == "pixmint-3-images.zip"
    assert archive.json["expires_in"] == 900


@pytest.mark.parametrize("accept", ["text/html", "image/png;q=0, application/json;q=0", None])
def test_a_download_nothing_in_accept_can_take_is_406_naming_the_header(api, owner, accept):
    token, images = owner
    headers = {"Accept": accept} if accept else {}
    reply = api.request("GET", f"/v1/images/{images[0]['id']}/content?format=webp", token=token, headers=headers)
    assert reply.status == 406 and reply.error_code == "not_acceptable"
    assert "Accept: image/webp" in reply.json["error"]["message"]
    assert "Accept: application/json" in reply.json["error"]["message"]
    assert reply.json["error"]["details"] == {"header": "Accept", "types": ["image/webp", "application/json"]}


def test_a_thumbnail_asked_for_as_json_is_406_naming_its_image_type(api, owner):
    token, images = owner
    reply = api.request("GET", f"/v1/images/{images[0]['id']}/thumbnail", token=token,
                        headers={"Accept": "application/json"})
    assert reply.status == 406 and "Accept: image/webp" in reply.json["error"]["message"]


def test_browsers_still_get_the_bytes_and_large_files_their_redirect(api, owner):
    token, images = owner
    browser = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
    assert content(api, token, images[0]["id"], Accept=browser).status == 200
    assert content(api, token, images[0]["id"], Accept="*/*").headers["content-type"] == "image/png"
