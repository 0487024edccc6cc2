"""Recall (issue 21): the library filtered by any setting, full-text search ranked by relevance with prefix matching,
ratings, uploads kept out of the gallery, and every library query served by an index."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.helpers import noise_png
from tests.integration.test_generation import generate, run_worker


def make(api, chalice_client, clock, token, prompt, size="1024x1024", **body):
    clock.advance(seconds=1)
    generation = generate(api, token, prompt=prompt, model="placeholder", size=size, **body)
    run_worker(chalice_client, generation["id"])
    return api.get(f"/v1/generations/{generation['id']}", token=token).json["images"][0]


@pytest.fixture
def library(api, chalice_client, clock):
    """Five images of different prompts and shapes, newest last, and an upload (which the gallery leaves out)."""
    token = api.register("recall@example.com")["access_token"]
    images = {
        "fox": make(api, chalice_client, clock, token, "a red fox running through deep snow"),
        "panda": make(api, chalice_client, clock, token, "a red panda eating bamboo", size="1536x1024"),
        "whale": make(api, chalice_client, clock, token, "a blue whale under the sea", size="1024x1536"),
        "wide": make(api, chalice_client, clock, token, "a wide mountain panorama", size="1024x576"),
        "small": make(api, chalice_client, clock, token, "a tiny red fox cub", size="512x512"),
    }
    upload = api.request("POST", "/v1/uploads", raw=noise_png(64), token=token, headers={"Content-Type": "image/png"})
    assert upload.status == 201
    return token, {name: image["id"] for name, image in images.items()}, upload.json["id"]


def listed(api, token, query=""):
    reply = api.get(f"/v1/images?{query}", token=token)
    assert reply.status == 200, reply.body
    return [image["id"] for image in reply.json["items"]]


def test_uploads_are_not_in_the_gallery_but_stay_reachable(api, library):
    token, _, upload_id = library
    assert upload_id not in listed(api, token) and len(listed(api, token)) == 5
    assert api.get(f"/v1/images/{upload_id}", token=token).status == 200


def test_ratings_are_set_cleared_shown_and_filtered(api, library):
    token, ids, _ = library
    for name, stars in (("fox", 5), ("panda", 3), ("whale", 1)):
        assert api.put(f"/v1/images/{ids[name]}/rating", {"stars": stars}, token=token).status == 204
    assert api.get(f"/v1/images/{ids['fox']}", token=token).json["rating"] == 5
    assert listed(api, token, "rating_min=3") == [ids["panda"], ids["fox"]]
    assert listed(api, token, "rating_min=5") == [ids["fox"]]
    assert api.delete(f"/v1/images/{ids['fox']}/rating", token=token).status == 204
    assert api.get(f"/v1/images/{ids['fox']}", token=token).json["rating"] is None
    assert listed(api, token, "rating_min=3") == [ids["panda"]]


@pytest.mark.parametrize("body", [{"stars": 0}, {"stars": 6}, {"stars": "5"}, {"stars": 2.5}, {}])
def test_a_bad_rating_is_a_400_naming_stars(api, library, body):
    token, ids, _ = library
    reply = api.put(f"/v1/images/{ids['fox']}/rating", body, token=token)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == "stars"


def test_rating_another_users_image_is_a_404(api, library):
    _, ids, _ = library
    stranger = api.register("stranger@example.com")["access_token"]
    assert api.put(f"/v1/images/{ids['fox']}/rating", {"stars": 4}, token=stranger).status == 404
    assert api.delete(f"/v1/images/{ids['fox']}/rating", token=stranger).status == 404
    assert api.put("/v1/images/not-an-id/rating", {"stars": 4}, token=stranger).status == 404


def test_aspect_filters_by_shape_or_reduced_ratio(api, library):
    token, ids, _ = library
    assert listed(api, token, "aspect=square") == [ids["small"], ids["fox"]]
    assert listed(api, token, "aspect=landscape") == [ids["wide"], ids["panda"]]
    assert listed(api, token, "aspect=portrait") == [ids["whale"]]
    assert listed(api, token, "aspect=16:9") == [ids["wide"]]
    assert listed(api, token, "aspect=32:18") == [ids["wide"]], "ratios compare reduced"
    assert listed(api, token, "aspect=3:2") == [ids["panda"]]
    assert listed(api, token, "aspect=1:1") == [ids["small"], ids["fox"]]


def test_operation_model_favorite_and_dates_filter(api, library, db, clock):
    token, ids, _ = library
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE images SET operation = 'upscale', model = 'sd3.5-large' WHERE id = %s", (ids["whale"],))
        created = {row[0]: row[1] for row in conn.execute("SELECT id::text, created_at FROM images")}
    assert listed(api, token, "operation=upscale") == [ids["whale"]]
    assert listed(api, token, "model=sd3.5-large") == [ids["whale"]]
    assert ids["whale"] not in listed(api, token, "model=placeholder")
    api.put(f"/v1/images/{ids['panda']}/favorite", token=token)
    assert listed(api, token, "favorite=true") == [ids["panda"]]
    assert ids["panda"] not in listed(api, token, "favorite=false")
    since = created[ids["whale"]].astimezone(UTC).isoformat().replace("+00:00", "Z")
    until = (created[ids["small"]]).astimezone(UTC).isoformat()
    assert listed(api, token, f"since={since}&until={until.replace('+', '%2B')}") == [ids["wide"], ids["whale"]]
    assert listed(api, token, "operation=upscale&aspect=portrait&model=sd3.5-large") == [ids["whale"]]
    assert listed(api, token, "operation=upscale&aspect=square") == []


def test_search_matches_stems_and_the_last_word_as_a_prefix(api, library):
    token, ids, _ = library
    assert listed(api, token, "q=red") == [ids["small"], ids["panda"], ids["fox"]]
    assert listed(api, token, "q=red%20pan") == [ids["panda"]], "the last word is a prefix as the user types"
    assert listed(api, token, "q=run") == [ids["fox"]], "running is stemmed to run"
    assert listed(api, token, "q=whal") == [ids["whale"]]
    assert listed(api, token, "q=red%20-panda") == [ids["small"], ids["fox"]]
    assert listed(api, token, "q=giraffe") == []


def test_relevance_ranks_better_matches_first_and_pages_by_offset(api, library):
    token, ids, _ = library
    # "red fox" is in two prompts; the cub's prompt is shorter, so ts_rank ranks it as the closer match.
    ranked = listed(api, token, "q=red%20fox&sort=relevance")
    assert set(ranked) == {ids["fox"], ids["small"]}
    first = api.get("/v1/images?q=red&sort=relevance&limit=2", token=token).json
    rest = api.get(f"/v1/images?q=red&sort=relevance&limit=2&cursor={first['next_cursor']}", token=token).json
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {i["id"] for i in first["items"] + rest["items"]} == {ids["fox"], ids["small"], ids["panda"]}
    assert api.get(f"/v1/images?q=red&cursor={first['next_cursor']}", token=token).status == 400


@pytest.mark.parametrize("q", ["'", "\\", "a & b | !c", "(((", "fox:*", "<->", "\"unclosed", "%27%3B DROP TABLE images",
                               "%F0%9F%A6%8A", "x" * 200, "the", "-", "fox:A", "*"])
def test_hostile_search_text_is_only_text(api, library, q):
    token, _, _ = library
    assert api.get(f"/v1/images?q={q}", token=token).status == 200
    assert api.get(f"/v1/images?q={q}&sort=relevance", token=token).status == 200


@pytest.mark.parametrize("query, field", [
    ("favorite=yes", "favorite"), ("rating_min=0", "rating_min"), ("rating_min=6", "rating_min"),
    ("rating_min=2.5", "rating_min"), ("rating_min=%C2%B3", "rating_min"), ("operation=paint", "operation"),
    ("since=yesterday", "since"), ("until=2026-01-01T00:00:00", "until"), ("aspect=wide", "aspect"),
    ("aspect=0:1", "aspect"), ("aspect=16:9:1", "aspect"), ("aspect=1000:1", "aspect"), ("sort=oldest", "sort"),
    ("sort=relevance", "sort"), ("board_id=nope", "board_id"), ("q=" + "x" * 201, "q"), ("model=" + "m" * 101, "model"),
])
def test_every_bad_filter_is_a_400_naming_its_parameter(api, library, query, field):
    token, _, _ = library
    reply = api.get(f"/v1/images?{query}", token=token)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field, reply.body


def test_empty_filters_read_as_absent(api, library):
    token, _, _ = library
    assert len(listed(api, token, "favorite=&q=&model=&board_id=&rating_min=&operation=&since=&until=&aspect=&sort=")) \
        == 5


# ------------------------------------------------------------------------------------ every query uses an index


class _Recorder:
    """A connection that records the SQL an adapter sends (and answers nothing), so EXPLAIN sees the real query."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def execute(self, query: str, params: Any = None) -> _Recorder:
        self.sent.append((query, params))
        return self

    def cursor(self, **_: Any) -> _Recorder:
        return self

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def fetchone(self) -> Any:
        return None


def _scans(plan: dict[str, Any]) -> list[tuple[str, str | None]]:
    found = [(plan["Node Type"], plan.get("Relation Name") or plan.get("Index Name"))]
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


@pytest.fixture
def seeded(api, db):
    """4,000 images of five users (varied prompts, models, operations, ratings, shapes and hashes), one board of
    400 of them; analyzed, as autovacuum would have."""
    users = [api.register(f"seed{i}@example.com")["user"]["id"] for i in range(5)]
    board_id = str(uuid.uuid4())
    with psycopg.connect(db) as conn:
        conn.execute(
            """INSERT INTO images (id, user_id, kind, width, height, content_type, bytes, sha256, s3_key, created_at,
                                   prompt, model, operation, rating, favorite, dhash)
               SELECT gen_random_uuid(), (%s::uuid[])[1 + n %% 5],
                      CASE WHEN n %% 50 = 0 THEN 'upload' ELSE 'generated' END,
                      (ARRAY[1024, 1536, 1024, 1920])[1 + n %% 4], (ARRAY[1024, 1024, 1536, 1080])[1 + n %% 4],
                      'image/png', 1000, '\\x00', 'images/x/' || n, now() - n * interval '1 minute',
                      (ARRAY['a red fox', 'a blue whale', 'a city at night', 'a bowl of fruit', 'portrait of a cat',
                             'mountains in fog', 'a robot reading'])[1 + n %% 7] || ' number ' || n,
                      (ARRAY['placeholder', 'gpt-image-2', 'sd3.5-large', 'gpt-image-1.5'])[1 + n %% 3],
                      (ARRAY['generate', 'generate', 'generate', 'edit', 'upscale', 'variation'])[1 + n %% 6],
                      CASE WHEN n %% 9 = 0 THEN 1 + n %% 5 END, n %% 13 = 0, (n * 2654435761) %% 9223372036854775807
               FROM generate_series(1, 4000) n""", (users,))
        conn.execute("INSERT INTO boards (id, user_id, name, created_at) VALUES (%s, %s, 'seed', now())",
                     (board_id, users[0]))
        conn.execute("""INSERT INTO board_images (board_id, image_id, image_created_at, added_at)
                        SELECT %s, id, created_at, now() FROM images WHERE user_id = %s AND kind = 'generated'
                        ORDER BY created_at LIMIT 400""", (board_id, users[0]))
        conn.commit()
        conn.execute("ANALYZE images")
        conn.execute("ANALYZE board_images")
        conn.execute("ANALYZE boards")
        conn.commit()
    return users[0], board_id


def _filter_cases(board_id: str) -> dict[str, Any]:
    from chalicelib.domain.library import ImageFilters

    at = datetime.now(UTC) - timedelta(days=1)
    return {
        "none": ImageFilters(), "favorite": ImageFilters(favorite=True), "not favorite": ImageFilters(favorite=False),
        "model": ImageFilters(model="sd3.5-large"), "q": ImageFilters(q="red fo"),
        "board": ImageFilters(board_id=board_id), "rating": ImageFilters(rating_min=4),
        "operation": ImageFilters(operation="upscale"), "since": ImageFilters(since=at),
        "until": ImageFilters(until=at), "shape": ImageFilters(aspect="portrait"),
        "ratio": ImageFilters(aspect="16:9"), "q by relevance": ImageFilters(q="whale", sort="relevance"),
        "q on a board": ImageFilters(q="fox", board_id=board_id),
    }


def _explain(db: str, sent: list[tuple[str, Any]]) -> list[list[tuple[str, str | None]]]:
    plans = []
    with psycopg.connect(db) as conn:
        for query, params in sent:
            row = conn.execute("EXPLAIN (FORMAT JSON) " + query, params).fetchone()
            assert row is not None
            plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
            plans.append(_scans(plan[0]["Plan"]))
    return plans


def test_every_library_query_is_served_by_an_index(seeded, db):
    from chalicelib.adapters.postgres_boards import PostgresBoards
    from chalicelib.adapters.postgres_generation import PostgresImages
    from chalicelib.adapters.postgres_library import PostgresLibrary

    user_id, board_id = seeded
    recorder = _Recorder()
    library = PostgresLibrary(recorder)  # type: ignore[arg-type]
    names = []
    for name, filters in _filter_cases(board_id).items():
        if filters.sort == "relevance":
            library.search(user_id, filters, 0, 51)
            names.append(name)
        else:
            library.list(user_id, filters, None, 51)
            library.list(user_id, filters, (datetime.now(UTC) - timedelta(hours=10), str(uuid.uuid4())), 51)
            names += [name, name + " (next page)"]
    library.similar(user_id, 12345, str(uuid.uuid4()), 12, 24)
    names.append("similar")
    PostgresImages(recorder).lookalike(user_id, 12345, str(uuid.uuid4()), 4)  # type: ignore[arg-type]
    names.append("duplicate upload")
    PostgresBoards(recorder).list(user_id, None, 21)  # type: ignore[arg-type]
    names.append("boards")
    assert len(names) == len(recorder.sent)
    unindexed = {name: scans for name, scans in zip(names, _explain(db, recorder.sent), strict=True)
                 if ("Seq Scan", "images") in scans or not any("Index" in node for node, _ in scans)}
    assert unindexed == {}
