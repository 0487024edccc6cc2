"""Uploads: PNG, JPEG and WebP up to 10 MB and 4096x4096, re-encoded without metadata; anything else stores nothing."""

from __future__ import annotations

import io

import boto3
import psycopg
import pytest
from PIL import Image
from psycopg.rows import dict_row

from chalicelib.adapters.postgres_credits import PostgresLedger
from tests.helpers import noise_png


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


# ---------------------------------------------------------------------------------------------- straight to S3

S3 = lambda: boto3.client("s3", region_name="us-east-1")  # noqa: E731


def s3_keys(prefix: str = "") -> list[str]:
    return [o["Key"] for o in S3().list_objects_v2(Bucket="pixmint-images", Prefix=prefix).get("Contents", [])]


def ticket(api, token, size: int, content_type: str = "image/png"):
    return api.post("/v1/uploads", {"content_type": content_type, "bytes": size}, token=token)


def post_form(found: dict, data: bytes, content_type: str = "image/png"):
    """What a browser's form POST to the presigned URL does (moto answers it as S3 would)."""
    import requests

    return requests.post(found["url"], data=found["fields"], files={"file": ("upload", data, content_type)},
                         timeout=30)


def test_a_file_beyond_lambdas_payload_goes_to_s3_by_presigned_post_and_is_validated_on_completion(api, db):
    token = api.register()["access_token"]
    big = noise_png(1600)
    assert 6 * 1024 * 1024 < len(big) <= 10 * 1024 * 1024, "more than Lambda's 6 MB payload, within the 10 MB limit"
    reply = ticket(api, token, len(big))
    assert reply.status == 201, reply.body
    found = reply.json
    assert found["expires_in"] == 900 and s3_keys("uploads/") == []
    assert found["fields"]["key"].startswith("uploads/") and found["fields"]["Content-Type"] == "image/png"
    assert post_form(found, big).status_code in (200, 201, 204)
    assert s3_keys("uploads/") == [found["fields"]["key"]]
    done = api.post(f"/v1/uploads/{found['upload_id']}/complete", token=token)
    assert done.status == 201, done.body
    assert {k: done.json[k] for k in ("width", "height", "content_type")} == {
        "width": 1600, "height": 1600, "content_type": "image/png"}
    assert s3_keys("uploads/") == [], "the raw file is gone once it is an image"
    assert len(s3_keys("images/")) == 1 and stored(db) == 1
    again = api.post(f"/v1/uploads/{found['upload_id']}/complete", token=token)
    assert again.status == 201 and again.json == done.json and stored(db) == 1


def test_completing_before_the_file_arrived_is_409_and_someone_elses_upload_is_404(api, db):
    token = api.register()["access_token"]
    found = ticket(api, token, 1000).json
    early = api.post(f"/v1/uploads/{found['upload_id']}/complete", token=token)
    assert early.status == 409 and early.json["error"]["details"] == {"reason": "not_uploaded"}
    stranger = api.register("stranger@example.com")["access_token"]
    post_form(found, encoded("PNG"))
    assert api.post(f"/v1/uploads/{found['upload_id']}/complete", token=stranger).status == 404
    assert api.post("/v1/uploads/not-an-id/complete", token=token).status == 404
    assert stored(db) == 0


def test_a_presigned_upload_that_is_not_a_supported_image_is_415_and_leaves_nothing(api, db):
    token = api.register()["access_token"]
    found = ticket(api, token, 5000).json
    post_form(found, encoded("GIF"))
    reply = api.post(f"/v1/uploads/{found['upload_id']}/complete", token=token)
    assert reply.status == 415 and reply.error_code == "unsupported_media_type"
    assert stored(db) == 0 and s3_keys() == []
    assert api.post(f"/v1/uploads/{found['upload_id']}/complete", token=token).status == 404


@pytest.mark.parametrize("body, status", [
    ({"content_type": "image/gif", "bytes": 100}, 415),
    ({"content_type": "image/png", "bytes": 10 * 1024 * 1024 + 1}, 413),
    ({"content_type": "image/png", "bytes": 0}, 400),
    ({"content_type": "image/png"}, 400),
])
def test_a_ticket_is_refused_for_other_types_and_sizes(api, db, body, status):
    token = api.register()["access_token"]
    assert api.post("/v1/uploads", body, token=token).status == status
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM pending_uploads").fetchone()[0] == 0


# ---------------------------------------------------------------------------------------------- the quota

def set_quota(db, size: int) -> None:
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE settings SET value = %s WHERE key = 'upload_quota_bytes'", (str(size),))


def test_uploads_stop_at_the_quota_and_open_tickets_hold_their_size(api, db):
    token = api.register()["access_token"]
    first = upload(api, token, encoded("PNG"), "image/png")
    assert first.status == 201
    set_quota(db, first.json["bytes"] + 4050)
    held = ticket(api, token, 4000)
    assert held.status == 201
    refused = upload(api, token, encoded("PNG"), "image/png")
    assert refused.status == 413 and refused.json["error"]["details"]["reason"] == "upload_quota"
    assert refused.json["error"]["details"]["used_bytes"] == first.json["bytes"] + 4000
    assert ticket(api, token, 2000).status == 413
    api.delete(f"/v1/images/{first.json['id']}", token=token)
    assert upload(api, token, encoded("PNG"), "image/png").status == 201, "deleting frees the quota"


def test_an_admin_sets_the_quota_in_settings_and_it_applies_at_once(api, container):
    container.accounts.ensure_admin("boss@example.com", "a long admin password")
    boss = api.post("/v1/auth/login", {"email": "boss@example.com", "password": "a long admin password"}).json
    for bad in (-1, 100 * 1024**3 + 1, "lots", True):
        refused = api.patch("/v1/admin/settings", {"upload_quota_bytes": bad}, token=boss["access_token"])
        assert refused.status == 400 and refused.json["error"]["details"]["field"] == "upload_quota_bytes", bad
    changed = api.patch("/v1/admin/settings", {"upload_quota_bytes": 10}, token=boss["access_token"])
    assert changed.status == 200 and changed.json["upload_quota_bytes"] == 10
    refused = upload(api, api.register()["access_token"], encoded("PNG"), "image/png")
    assert refused.status == 413 and refused.json["error"]["details"]["quota_bytes"] == 10
    [entry] = [e for e in api.get("/v1/admin/audit-log", token=boss["access_token"]).json["items"]
               if e["action"] == "settings.update"]
    assert entry["after"] == {"upload_quota_bytes": 10}


def test_the_quota_is_per_user(api, db):
    set_quota(db, 1)
    assert upload(api, api.register()["access_token"], encoded("PNG"), "image/png").status == 413
    set_quota(db, 10_000_000)
    assert upload(api, api.register("other@example.com")["access_token"], encoded("PNG"), "image/png").status == 201


def test_concurrent_uploads_cannot_overshoot_the_quota(api, container, db):
    import threading

    session = api.register()
    user = container.accounts.authenticate(session["access_token"]).user
    data = encoded("PNG")
    first = upload(api, session["access_token"], data, "image/png").json
    size = first["bytes"]
    api.delete("/v1/images/" + first["id"], token=session["access_token"])  # uploads are not in the gallery list
    set_quota(db, size * 3)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        barrier.wait()
        try:
            container.uploads.upload(user, data, "image/png")
            outcomes.append("stored")
        except Exception as exc:  # noqa: BLE001 - the assertion names what happened
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["PayloadTooLarge"] * 5 + ["stored"] * 3
    assert stored(db) == 3


# ---------------------------------------------------------------------------------------------- the sweeper

def test_uploads_unused_after_a_day_are_deleted_with_their_backup(api, db, clock, container, chalice_client):
    session = api.register()
    token = session["access_token"]
    with psycopg.connect(db, row_factory=dict_row) as conn:
        PostgresLedger(conn).credit(session["user"]["id"], 10, "admin_grant", "top-up", "test", clock.now())
        conn.commit()
    _unused, used, kept = (upload(api, token, encoded("PNG"), "image/png").json for _ in range(3))
    edit = api.post("/v1/generations", {"prompt": "make it blue", "model": "placeholder",
                                        "source_image_id": used["id"]}, token=token)
    assert edit.status == 202, edit.body
    api.request("PUT", f"/v1/images/{kept['id']}/favorite", token=token)
    abandoned = ticket(api, token, 3000).json
    post_form(abandoned, encoded("PNG"))
    clock.advance(hours=23)
    assert container.library.sweep_uploads() == {"uploads_deleted": 0, "abandoned_uploads": 0}
    clock.advance(hours=2)
    event = chalice_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                    resources=[])
    result = chalice_client.lambda_.invoke("housekeeping", event).payload
    assert result["uploads_deleted"] == 1 and result["abandoned_uploads"] == 1
    with psycopg.connect(db) as conn:
        ids = {str(row[0]) for row in conn.execute("SELECT id FROM images WHERE kind = 'upload'")}
    assert ids == {used["id"], kept["id"]}
    assert len(s3_keys("images/")) == 2 and s3_keys("uploads/") == []
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM pending_uploads").fetchone()[0] == 0


def test_a_file_larger_than_its_ticket_declared_is_413_even_if_s3_let_it_through(api, db):
    token = api.register()["access_token"]
    found = ticket(api, token, 50).json
    post_form(found, encoded("PNG"))  # moto does not check the policy's content-length-range; S3 would refuse
    reply = api.post(f"/v1/uploads/{found['upload_id']}/complete", token=token)
    assert reply.status == 413 and reply.json["error"]["details"] == {"max_bytes": 50}
    assert stored(db) == 0 and s3_keys() == []


# ---------------------------------------------------------------------------------------------- make dev's S3 form

@pytest.fixture
def dev_stack(container, tmp_path):
    """The local stack's HTTP front over the app, taking S3 form uploads on its own origin; the clock it checks
    policies against can be moved on with `.later(seconds)`."""
    import threading
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from app import app
    from devstack.gateway import PixmintGateway
    from devstack.server import LocalS3Post, LocalServer, make_handler

    shift = [timedelta()]
    s3_post = LocalS3Post(S3, now=lambda: datetime.now(UTC) + shift[0])
    server = LocalServer(("127.0.0.1", 0), make_handler(PixmintGateway(app), tmp_path, None, s3_post=s3_post))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://localhost:{server.server_address[1]}"
    yield SimpleNamespace(base=base, later=lambda seconds: shift.__setitem__(0, timedelta(seconds=seconds)))
    server.shutdown()
    server.server_close()


def dev_ticket(stack, token: str, size: int, content_type: str = "image/png") -> dict:
    import requests

    reply = requests.post(f"{stack.base}/v1/uploads", json={"content_type": content_type, "bytes": size},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert reply.status_code == 201, reply.text
    return reply.json()


def s3_error(reply) -> tuple[int, str, str]:
    import re

    assert reply.headers["Content-Type"] == "application/xml"
    code, message = (re.search(f"<{tag}>(.*?)</{tag}>", reply.text).group(1) for tag in ("Code", "Message"))
    return reply.status_code, code, message


def test_make_dev_sends_the_ticket_form_to_its_own_origin_and_checks_it_as_s3_would(api, db, dev_stack):
    import requests

    token = api.register()["access_token"]
    data = noise_png(1600)
    assert len(data) > 6 * 1024 * 1024, "beyond what the raw-body upload takes in AWS"
    found = dev_ticket(dev_stack, token, len(data))
    assert found["url"] == f"{dev_stack.base}/_dev/s3/pixmint-images", "same origin: connect-src 'self' allows it"
    assert api.post("/v1/uploads", {"content_type": "image/png", "bytes": 10}, token=token).json["url"] \
        != found["url"], "only the local stack's front sends browsers there; the API names the emulator"
    sent = post_form(found, data)
    assert sent.status_code == 204 and sent.headers["ETag"], sent.text
    head = S3().head_object(Bucket="pixmint-images", Key=found["fields"]["key"])
    assert head["ContentLength"] == len(data) and head["ContentType"] == "image/png"
    assert head["ServerSideEncryption"] == "AES256"
    done = requests.post(f"{dev_stack.base}/v1/uploads/{found['upload_id']}/complete",
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert done.status_code == 201 and done.json()["width"] == 1600, done.text


def test_make_devs_s3_form_refuses_a_file_larger_than_its_ticket(api, db, dev_stack):
    token = api.register()["access_token"]
    found = dev_ticket(dev_stack, token, 50)
    reply = post_form(found, encoded("PNG"))
    assert s3_error(reply)[:2] == (400, "EntityTooLarge") and "<MaxSizeAllowed>50</MaxSizeAllowed>" in reply.text
    assert s3_keys("uploads/") == []


def _signed_differently(fields: dict) -> dict:
    import base64
    import json

    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [["content-length-range", 1, 10**9] if isinstance(c, list) else c
                            for c in policy["conditions"]]
    return {**fields, "policy": base64.b64encode(json.dumps(policy).encode()).decode()}


@pytest.mark.parametrize("change, status, code, message", [
    (lambda f: {**f, "Content-Type": "image/gif"}, 403, "AccessDenied",
     'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]'),
    (lambda f: {**f, "key": "images/someone-else/1"}, 403, "AccessDenied", "Policy Condition failed"),
    (lambda f: {**f, "x-amz-meta-extra": "1"}, 403, "AccessDenied",
     "Invalid according to Policy: Extra input fields: x-amz-meta-extra"),
    (_signed_differently, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match"),
    (lambda f: {**f, "x-amz-signature": "0" * 64}, 403, "SignatureDoesNotMatch", "does not match"),
    (lambda f: {k: v for k, v in f.items() if k != "policy"}, 403, "AccessDenied", "Access Denied"),
    (lambda f: {k: v for k, v in f.items() if k != "x-amz-signature"}, 400, "InvalidArgument",
     "Bucket POST must contain a field named 'x-amz-signature'"),
], ids=["content-type", "key", "extra-field", "tampered-policy", "tampered-signature", "no-policy",
        "no-signature"])
def test_make_devs_s3_form_refuses_what_the_policy_does_not_allow(api, db, dev_stack, change, status, code, message):
    token = api.register()["access_token"]
    data = encoded("PNG")
    found = dev_ticket(dev_stack, token, len(data))
    reply = post_form({**found, "fields": change(found["fields"])}, data)
    refused = s3_error(reply)
    assert refused[:2] == (status, code) and message in refused[2], reply.text
    assert s3_keys() == []


def test_make_devs_s3_form_refuses_an_expired_policy(api, db, dev_stack):
    token = api.register()["access_token"]
    data = encoded("PNG")
    found = dev_ticket(dev_stack, token, len(data))
    dev_stack.later(found["expires_in"] + 1)
    assert s3_error(post_form(found, data)) == (403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    dev_stack.later(found["expires_in"] - 60)
    assert post_form(found, data).status_code == 204, "the same form a minute before it expires"


def test_make_devs_s3_form_needs_a_multipart_body_with_a_file(api, db, dev_stack):
    import requests

    token = api.register()["access_token"]
    found = dev_ticket(dev_stack, token, 100)
    plain = requests.post(found["url"], data=b"raw", headers={"Content-Type": "image/png"}, timeout=30)
    assert s3_error(plain)[:2] == (412, "PreconditionFailed")
    no_file = requests.post(found["url"], files={name: (None, value) for name, value in found["fields"].items()},
                            timeout=30)
    assert s3_error(no_file)[:2] == (400, "InvalidArgument")
    assert requests.get(found["url"], timeout=30).status_code == 405
    assert s3_keys() == []
