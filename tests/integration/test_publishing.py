"""Issue 20, "Share is not publish": private links, publishing under a public handle, likes, reports, take-downs."""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.integration.test_generation import generate, run_worker


@pytest.fixture
def studio(api, chalice_client, clock):
    """Ada (display name "Ada", email ada@example.com) with three placeholder images, newest last."""
    session = api.register("ada@example.com", display_name="Ada Lovelace")
    token = session["access_token"]
    images = []
    for prompt in ("a red fox", "a blue whale", "a red_panda 100% cute"):
        clock.advance(seconds=1)
        generation = generate(api, token, prompt=prompt, model="placeholder", size="1024x1024")
        run_worker(chalice_client, generation["id"])
        images += api.get(f"/v1/generations/{generation['id']}", token=token).json["images"]
    return token, images


@pytest.fixture
def admin(api, container):
    container.accounts.ensure_admin("mod@example.com", "moderator password 1")  # pragma: allowlist secret
    return api.post("/v1/auth/login", {"email": "mod@example.com",
                                       "password": "moderator password 1"}).json[  # pragma: allowlist secret
        "access_token"]


def set_handle(api, token, handle):
    return api.patch("/v1/me", {"public_handle": handle}, token=token)


def publish(api, token, image_id):
    return api.post(f"/v1/images/{image_id}/publish", token=token)


def feed(api, query="", token=None):
    return api.get(f"/v1/community{query}", token=token)


def test_sharing_makes_only_an_unlisted_link(api, studio):
    token, images = studio
    shared = api.post(f"/v1/images/{images[0]['id']}/share", token=token).json
    assert api.get(f"/v1/public/images/{shared['slug']}").status == 200
    assert feed(api).json["items"] == []
    image = api.get(f"/v1/images/{images[0]['id']}", token=token).json
    assert image["shared"] is True and image["published"] is False


def test_publishing_without_a_handle_is_409_naming_the_field_and_lists_nothing(api, studio):
    token, images = studio
    reply = publish(api, token, images[0]["id"])
    assert reply.status == 409 and reply.error_code == "conflict"
    assert reply.json["error"]["details"] == {"field": "public_handle"}
    assert feed(api).json["items"] == []
    assert api.get(f"/v1/images/{images[0]['id']}", token=token).json["shared"] is False, "nothing changed"


def test_publishing_shares_lists_under_the_handle_and_never_shows_the_email_or_name(api, studio):
    token, images = studio
    assert set_handle(api, token, "ada_draws").json["public_handle"] == "ada_draws"
    assert api.get("/v1/me", token=token).json["public_handle"] == "ada_draws"
    first = publish(api, token, images[0]["id"])
    assert first.status == 200 and first.json["published"] is True
    assert publish(api, token, images[0]["id"]).json["slug"] == first.json["slug"], "idempotent, same slug"
    listed = feed(api)
    [item] = listed.json["items"]
    assert item["author"] == "ada_draws" and item["slug"] == first.json["slug"] and item["like_count"] == 0
    assert "liked_by_me" not in item, "anonymous readers get no personal fields"
    assert b"@" not in listed.body and b"Lovelace" not in listed.body and b"ada@" not in listed.body
    assert api.get(f"/v1/public/images/{item['slug']}").json["author"] == "ada_draws"
    image = api.get(f"/v1/images/{images[0]['id']}", token=token).json
    assert image["shared"] is True and image["published"] is True


def test_unpublishing_keeps_the_link_and_unsharing_also_unpublishes(api, studio):
    token, images = studio
    set_handle(api, token, "ada")
    slug = publish(api, token, images[0]["id"]).json["slug"]
    assert api.delete(f"/v1/images/{images[0]['id']}/publish", token=token).status == 204
    assert api.delete(f"/v1/images/{images[0]['id']}/publish", token=token).status == 204, "idempotent"
    assert feed(api).json["items"] == []
    assert api.get(f"/v1/public/images/{slug}").status == 200, "the private link still works"
    publish(api, token, images[0]["id"])
    assert api.delete(f"/v1/images/{images[0]['id']}/share", token=token).status == 204
    assert feed(api).json["items"] == [] and api.get(f"/v1/public/images/{slug}").status == 404
    image = api.get(f"/v1/images/{images[0]['id']}", token=token).json
    assert image["shared"] is False and image["published"] is False


def test_community_is_most_recently_published_first_with_cursor_paging(api, studio, clock):
    token, images = studio
    set_handle(api, token, "ada")
    for image in (images[2], images[0], images[1]):
        clock.advance(seconds=1)
        publish(api, token, image["id"])
    page = feed(api, "?limit=2").json
    assert [i["prompt"] for i in page["items"]] == ["a blue whale", "a red fox"]
    rest = feed(api, f"?limit=2&cursor={page['next_cursor']}").json
    assert [i["prompt"] for i in rest["items"]] == ["a red_panda 100% cute"] and rest["next_cursor"] is None


def test_another_users_image_cannot_be_published_or_unpublished(api, studio):
    token, images = studio
    other = api.register("eve@example.com")["access_token"]
    set_handle(api, other, "eve")
    assert publish(api, other, images[0]["id"]).status == 404
    assert api.delete(f"/v1/images/{images[0]['id']}/publish", token=other).status == 404
    assert publish(api, other, "not-an-id").status == 404
    assert feed(api).json["items"] == []
    assert api.get(f"/v1/images/{images[0]['id']}", token=token).json["shared"] is False


@pytest.mark.parametrize("handle", ["ab", "x" * 31, "has space", "émile", "Ada", "admin", "pixmint", "support",
                                    "-admin-", "a.b", ""])
def test_a_bad_handle_is_400_naming_the_field_and_changes_nothing(api, studio, handle):
    token, _ = studio
    reply = api.patch("/v1/me", {"public_handle": handle, "display_name": "Changed"}, token=token)
    assert reply.status == 400 and reply.error_code == "invalid_request"
    assert reply.json["error"]["details"]["field"] == "public_handle"
    me = api.get("/v1/me", token=token).json
    assert me["public_handle"] is None and me["display_name"] == "Ada Lovelace"


def test_a_handle_taken_in_any_case_is_409(api, studio, db):
    token, _ = studio
    other = api.register("eve@example.com")["access_token"]
    assert set_handle(api, token, "night-owl").status == 200
    assert set_handle(api, token, "night-owl").status == 200, "setting your own handle again is fine"
    reply = set_handle(api, other, "night-owl")
    assert reply.status == 409 and reply.json["error"]["details"]["field"] == "public_handle"
    with psycopg.connect(db) as conn:  # a row written in another case (by hand, say) still blocks it
        conn.execute("ALTER TABLE users DROP CONSTRAINT users_public_handle_check")
        conn.execute("UPDATE users SET public_handle = 'Night-Owl' WHERE email = 'ada@example.com'")
        conn.commit()
        try:
            assert set_handle(api, other, "night-owl").status == 409
        finally:
            conn.execute("UPDATE users SET public_handle = 'night-owl' WHERE email = 'ada@example.com'")
            conn.execute("ALTER TABLE users ADD CONSTRAINT users_public_handle_check "
                         "CHECK (public_handle ~ '^[a-z0-9_-]{3,30}$')")
            conn.commit()


def test_two_accounts_racing_for_one_handle_one_wins(api, container):
    principals = [container.accounts.authenticate(api.register(f"racer{n}@example.com")["access_token"])
                  for n in range(6)]
    barrier = threading.Barrier(len(principals))
    outcomes: list[str] = []

    def claim(principal):
        barrier.wait()
        try:
            container.accounts.update_profile(principal, None, "fastest")
            outcomes.append("won")
        except Exception as exc:  # noqa: BLE001 - the losers' error is what is checked
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=claim, args=(p,)) for p in principals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Conflict"] * 5 + ["won"]


def test_likes_count_once_per_user_even_thirty_at_once(api, studio, container):
    token, images = studio
    set_handle(api, token, "ada")
    slug = publish(api, token, images[0]["id"]).json["slug"]
    fan = api.register("fan@example.com")["access_token"]
    fan_id = api.get("/v1/me", token=fan).json["id"]
    barrier = threading.Barrier(30)

    def like():
        barrier.wait()
        container.library.like(fan_id, slug, True)

    threads = [threading.Thread(target=like) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert api.request("PUT", f"/v1/community/{slug}/like", token=fan).json == {"like_count": 1, "liked_by_me": True}
    assert api.request("PUT", f"/v1/community/{slug}/like", token=token).json["like_count"] == 2
    [item] = feed(api, token=fan).json["items"]
    assert item["like_count"] == 2 and item["liked_by_me"] is True
    assert api.delete(f"/v1/community/{slug}/like", token=fan).json == {"like_count": 1, "liked_by_me": False}
    assert api.delete(f"/v1/community/{slug}/like", token=fan).json["like_count"] == 1, "idempotent"
    assert feed(api, token=fan).json["items"][0]["liked_by_me"] is False
    assert feed(api).json["items"][0]["like_count"] == 1


def test_likes_need_a_sign_in_and_a_listed_image(api, studio):
    token, images = studio
    set_handle(api, token, "ada")
    slug = publish(api, token, images[0]["id"]).json["slug"]
    assert api.request("PUT", f"/v1/community/{slug}/like").status == 401
    private = api.post(f"/v1/images/{images[1]['id']}/share", token=token).json["slug"]
    assert api.request("PUT", f"/v1/community/{private}/like", token=token).status == 404
    assert api.request("PUT", "/v1/community/nope/like", token=token).status == 404


@pytest.mark.parametrize("body, field", [({"reason": "boring"}, "reason"), ({}, "reason"), ({"reason": 3}, "reason"),
                                         ({"reason": "spam", "note": "x" * 501}, "note")])
def test_a_bad_report_is_400_naming_the_field_and_files_nothing(api, studio, admin, body, field):
    token, images = studio
    set_handle(api, token, "ada")
    slug = publish(api, token, images[0]["id"]).json["slug"]
    reply = api.post(f"/v1/community/{slug}/report", body, token=token)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field
    assert api.get("/v1/admin/community/reports", token=admin).json["items"] == []


def test_one_open_report_per_user_per_image_and_admins_see_the_queue(api, studio, admin, clock):
    token, images = studio
    set_handle(api, token, "ada")
    slug = publish(api, token, images[0]["id"]).json["slug"]
    reporter = api.register("eve@example.com")["access_token"]
    assert api.post(f"/v1/community/{slug}/report", {"reason": "spam"}).status == 401
    first = api.post(f"/v1/community/{slug}/report", {"reason": "copyright", "note": " my  photo "}, token=reporter)
    assert first.status == 202
    assert api.post(f"/v1/community/{slug}/report", {"reason": "spam"}, token=reporter).status == 202
    clock.advance(seconds=1)
    api.post(f"/v1/community/{slug}/report", {"reason": "offensive"}, token=token)
    assert api.get("/v1/admin/community/reports", token=token).status == 403
    queue = api.get("/v1/admin/community/reports", token=admin).json["items"]
    assert [(r["reason"], r["note"], r["open_reports"]) for r in queue] == [("offensive", None, 2),
                                                                             ("copyright", "my photo", 2)]
    assert all(r["slug"] == slug for r in queue)
    private = api.post(f"/v1/images/{images[1]['id']}/share", token=token).json["slug"]
    assert api.post(f"/v1/community/{private}/report", {"reason": "spam"}, token=reporter).status == 404


def test_hidden_images_vanish_from_community_their_page_404s_and_reports_close(api, studio, admin):
    token, images = studio
    set_handle(api, token, "ada")
    slug = publish(api, token, images[0]["id"]).json["slug"]
    publish(api, token, images[1]["id"])
    api.post(f"/v1/community/{slug}/report", {"reason": "offensive"}, token=token)
    assert api.post(f"/v1/admin/community/{slug}/hide", token=token).status == 403
    assert api.post(f"/v1/admin/community/{slug}/hide", token=admin).status == 204
    assert api.post(f"/v1/admin/community/{slug}/hide", token=admin).status == 204, "idempotent"
    assert [i["prompt"] for i in feed(api).json["items"]] == ["a blue whale"]
    for path in (f"/v1/public/images/{slug}", f"/v1/public/images/{slug}/content",
                 f"/v1/public/images/{slug}/thumbnail", f"/v1/public/images/{slug}/page"):
        assert api.request("GET", path, headers={"Accept": "*/*"}).status == 404
    assert api.get("/v1/admin/community/reports", token=admin).json["items"] == []
    [entry, *_] = api.get("/v1/admin/audit-log", token=admin).json["items"]
    assert entry["action"] == "community.take_down"
    assert publish(api, token, images[0]["id"]).status == 409, "a take-down cannot be undone by publishing again"
    api.delete(f"/v1/images/{images[0]['id']}/share", token=token)
    assert api.post(f"/v1/images/{images[0]['id']}/share", token=token).status == 409
    assert api.post("/v1/admin/community/no-such-slug-here/hide", token=admin).status == 404


def test_community_search_matches_the_prompt_taking_wildcards_literally(api, studio):
    token, images = studio
    set_handle(api, token, "ada")
    for image in images:
        publish(api, token, image["id"])
    prompts = lambda query: sorted(i["prompt"] for i in feed(api, query).json["items"])  # noqa: E731
    assert prompts("?q=RED") == ["a red fox", "a red_panda 100% cute"]
    assert prompts("?q=d_p") == ["a red_panda 100% cute"]
    assert prompts("?q=d%25") == [], "% is a character, not a wildcard"
    assert prompts("?q=100%25") == ["a red_panda 100% cute"]
    assert prompts("?q=%20") == prompts(""), "blank is no filter"
    reply = feed(api, "?q=" + "a" * 201)
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == "q"


def test_images_shared_before_publishing_existed_stay_listed_credited_to_no_one(pg_server_url, tmp_path):
    """0017 keeps Community as it was (those images were public already) but credits them to "A Pixmint artist":
    their owners have no handle yet, and nothing taken from the email or the display name is shown."""
    from chalicelib.adapters.migrations import MIGRATIONS_DIR, migrate
    from devstack.embedded import drop_database, ensure_database

    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "0017":
            (tmp_path / path.name).write_text(path.read_text())
    name = f"pixmint_mig_{uuid.uuid4().hex[:8]}"
    url = ensure_database(pg_server_url, name)
    try:
        migrate(url, tmp_path)
        with psycopg.connect(url, autocommit=True) as conn:
            user = conn.execute(
                """INSERT INTO users (email, display_name, password_hash, role, created_at, updated_at)
                   VALUES ('old@example.com', 'Old Name', 'x', 'user', now(), now()) RETURNING id""").fetchone()
            assert user is not None
            for slug, hidden in (("sharedbefore1", False), (None, False), ("hiddenbefore1", True)):
                conn.execute(
                    """INSERT INTO images (id, user_id, kind, width, height, content_type, bytes, sha256, s3_key,
                                           created_at, share_slug, shared_at, hidden_from_community)
                       VALUES (gen_random_uuid(), %s, 'upload', 1, 1, 'image/png', 1, '\\x00', 'k', now(), %s,
                               CASE WHEN %s::text IS NULL THEN NULL ELSE now() END, %s)""",
                    (user[0], slug, slug, hidden))
        assert "0017_publishing.sql" in migrate(url)
        with psycopg.connect(url, row_factory=dict_row) as conn:
            from chalicelib.adapters.postgres_library import PostgresLibrary

            library = PostgresLibrary(conn)
            listed = library.listed(None, None, None, 10)
            assert [(s.slug, s.author) for s in listed] == [("sharedbefore1", "A Pixmint artist")]
            assert conn.execute("SELECT count(*) AS n FROM images WHERE published_at IS NOT NULL").fetchone() == \
                {"n": 2}, "the hidden one is published but stays hidden"
    finally:
        drop_database(pg_server_url, name)
