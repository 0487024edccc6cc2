"""Boards (issue 21): named collections of your own images; an image can be on several; deleting keeps the images."""

from __future__ import annotations

import threading

import pytest

from tests.helpers import count
from tests.integration.test_generation import generate, run_worker


@pytest.fixture
def owner(api, chalice_client, clock):
    """A user with four generated images, newest last."""
    token = api.register("boards@example.com")["access_token"]
    images = []
    for prompt in ("a red fox", "a blue whale", "a red panda", "a green frog"):
        clock.advance(seconds=1)
        generation = generate(api, token, prompt=prompt, model="placeholder", size="512x512")
        run_worker(chalice_client, generation["id"])
        images += api.get(f"/v1/generations/{generation['id']}", token=token).json["images"]
    return token, [image["id"] for image in images]


def board(api, token, name="Foxes"):
    reply = api.post("/v1/boards", {"name": name}, token=token)
    assert reply.status == 201, reply.body
    return reply.json


def put_images(api, token, board_id, ids, method="PUT"):
    return api.request(method, f"/v1/boards/{board_id}/images", {"image_ids": ids}, token=token)


def test_a_board_is_made_filled_in_bulk_listed_and_shows_its_newest_image_as_cover(api, owner):
    token, ids = owner
    made = board(api, token, "  Red   things ")
    assert made["name"] == "Red things" and made["image_count"] == 0 and made["cover_url"] is None
    filled = put_images(api, token, made["id"], [ids[0], ids[2], ids[0]])
    assert filled.status == 200
    assert filled.json["image_count"] == 2 and filled.json["cover_url"] == f"/v1/images/{ids[2]}/thumbnail"
    listed = api.get(f"/v1/images?board_id={made['id']}", token=token).json["items"]
    assert [i["id"] for i in listed] == [ids[2], ids[0]]
    again = put_images(api, token, made["id"], [ids[2]])
    assert again.json["image_count"] == 2, "adding an image twice keeps one"
    assert [b["id"] for b in api.get("/v1/boards", token=token).json["items"]] == [made["id"]]


def test_an_image_can_be_on_several_boards_and_a_board_pages_newest_first(api, owner, clock):
    token, ids = owner
    first = board(api, token, "One")
    clock.advance(seconds=1)
    second = board(api, token, "Two")
    put_images(api, token, first["id"], ids)
    put_images(api, token, second["id"], [ids[1]])
    page = api.get(f"/v1/images?board_id={first['id']}&limit=3", token=token).json
    rest = api.get(f"/v1/images?board_id={first['id']}&limit=3&cursor={page['next_cursor']}", token=token).json
    assert [i["id"] for i in page["items"] + rest["items"]] == ids[::-1] and rest["next_cursor"] is None
    assert [i["id"] for i in api.get(f"/v1/images?board_id={second['id']}", token=token).json["items"]] == [ids[1]]
    boards = api.get("/v1/boards", token=token).json["items"]
    assert [(b["name"], b["image_count"]) for b in boards] == [("Two", 1), ("One", 4)]


def test_renaming_choosing_a_cover_and_removing_images(api, owner):
    token, ids = owner
    made = board(api, token)
    put_images(api, token, made["id"], ids[:3])
    renamed = api.patch(f"/v1/boards/{made['id']}", {"name": "Animals", "cover_image_id": ids[0]}, token=token)
    assert renamed.status == 200
    assert renamed.json["name"] == "Animals" and renamed.json["cover_url"] == f"/v1/images/{ids[0]}/thumbnail"
    not_on_board = api.patch(f"/v1/boards/{made['id']}", {"cover_image_id": ids[3]}, token=token)
    assert not_on_board.status == 404 and not_on_board.json["error"]["details"]["field"] == "cover_image_id"
    removed = put_images(api, token, made["id"], [ids[0], ids[1]], method="DELETE")
    assert removed.status == 200 and removed.json["image_count"] == 1
    assert removed.json["cover_url"] == f"/v1/images/{ids[2]}/thumbnail", "the removed cover falls back to the newest"
    assert len(api.get("/v1/images", token=token).json["items"]) == 4, "removing keeps the images"
    back = api.patch(f"/v1/boards/{made['id']}", {"cover_image_id": None}, token=token)
    assert back.json["cover_image_id"] == ids[2] and back.json["name"] == "Animals"


def test_deleting_a_board_keeps_its_images(api, owner, db):
    token, ids = owner
    made = board(api, token)
    put_images(api, token, made["id"], ids)
    assert api.delete(f"/v1/boards/{made['id']}", token=token).status == 204
    assert api.get("/v1/boards", token=token).json["items"] == []
    assert len(api.get("/v1/images", token=token).json["items"]) == 4
    assert count(db, "SELECT count(*) FROM board_images") == 0
    assert api.delete(f"/v1/boards/{made['id']}", token=token).status == 404
    assert api.get(f"/v1/images?board_id={made['id']}", token=token).status == 404


def test_deleting_an_image_takes_it_off_its_boards(api, owner):
    token, ids = owner
    made = board(api, token)
    put_images(api, token, made["id"], ids[:2])
    api.patch(f"/v1/boards/{made['id']}", {"cover_image_id": ids[1]}, token=token)
    assert api.delete(f"/v1/images/{ids[1]}", token=token).status == 204
    after = api.get(f"/v1/boards/{made['id']}", token=token).json
    assert after["image_count"] == 1 and after["cover_image_id"] == ids[0]


def test_another_users_board_and_images_are_404_and_change_nothing(api, owner, db):
    token, ids = owner
    mine = board(api, token)
    stranger = api.register("stranger@example.com")["access_token"]
    theirs = board(api, stranger, "Theirs")
    for method, path, body in [
            ("GET", f"/v1/boards/{mine['id']}", None),
            ("PATCH", f"/v1/boards/{mine['id']}", {"name": "Mine now"}),
            ("DELETE", f"/v1/boards/{mine['id']}", None),
            ("PUT", f"/v1/boards/{mine['id']}/images", {"image_ids": [ids[0]]}),
            ("DELETE", f"/v1/boards/{mine['id']}/images", {"image_ids": [ids[0]]}),
            ("GET", f"/v1/images?board_id={mine['id']}", None)]:
        reply = api.request(method, path, body, token=stranger)
        assert reply.status == 404 and reply.error_code == "not_found", (method, path)
    # Their own board, with one of my images among theirs: refused as a whole.
    stranger_image = generate(api, stranger, prompt="a cat", model="placeholder", size="512x512")
    refused = put_images(api, stranger, theirs["id"], [ids[0]])
    assert refused.status == 404 and refused.json["error"]["details"]["ids"] == [ids[0]]
    assert count(db, "SELECT count(*) FROM board_images") == 0
    assert api.get(f"/v1/boards/{mine['id']}", token=token).json["name"] == "Foxes"
    assert stranger_image["status"] == "queued"


def test_an_upload_cannot_be_put_on_a_board(api, owner):
    from tests.helpers import noise_png

    token, _ = owner
    upload = api.request("POST", "/v1/uploads", raw=noise_png(64), token=token,
                         headers={"Content-Type": "image/png"}).json
    assert put_images(api, token, board(api, token)["id"], [upload["id"]]).status == 404


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 81}, "name"), ({}, "name"),
    ({"name": 5}, "name"), ({"name": "ok", "extra": 1}, "extra"),
])
def test_bad_board_names_are_400_naming_the_field(api, owner, body, field):
    token, _ = owner
    reply = api.post("/v1/boards", body, token=token)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field


@pytest.mark.parametrize("ids, field", [([], "image_ids"), (["nope"], "image_ids"), (["x"] * 101, "image_ids")])
def test_bad_image_id_lists_are_400(api, owner, ids, field):
    token, _ = owner
    reply = put_images(api, token, board(api, token)["id"], ids)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field


def test_concurrent_bulk_adds_to_one_board_count_each_image_once(api, owner, container):
    token, ids = owner
    user = container.accounts.authenticate(token).user
    made = board(api, token)
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def add(chunk: list[str]) -> None:
        barrier.wait()
        try:
            container.boards.put_images(user.id, made["id"], chunk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=add, args=(ids[i % 2:] if i % 2 else ids,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert api.get(f"/v1/boards/{made['id']}", token=token).json["image_count"] == 4
