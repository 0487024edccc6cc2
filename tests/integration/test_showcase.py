"""The landing page's showcase (issue 20): admins feature Community images; leaving Community leaves the showcase."""

from __future__ import annotations

import pytest

from tests.integration.test_publishing import admin, publish, set_handle, studio  # noqa: F401 - fixtures by name

pytestmark = pytest.mark.usefixtures("ledger_invariant")


def showcase(api) -> list[str]:
    reply = api.get("/v1/showcase")
    assert reply.status == 200 and reply.headers.get("cache-control") == "public, max-age=60"
    return [item["slug"] for item in reply.json["items"]]


def feature(api, token, slug, on=True):
    return api.request("PUT" if on else "DELETE", f"/v1/admin/community/{slug}/featured", token=token)


@pytest.fixture
def published(api, studio):  # noqa: F811 - the fixture
    token, images = studio
    assert set_handle(api, token, "ada").status == 200
    slugs = [publish(api, token, image["id"]).json["slug"] for image in images]
    return token, images, slugs


def test_featured_images_are_shown_newest_choice_first_and_each_choice_is_audited(api, admin, published, clock):  # noqa: F811
    _, _, slugs = published
    assert showcase(api) == []
    for slug in (slugs[0], slugs[2]):
        clock.advance(seconds=1)
        assert feature(api, admin, slug).status == 204
    assert showcase(api) == [slugs[2], slugs[0]]
    assert feature(api, admin, slugs[2]).status == 204, "featuring again changes nothing"
    assert showcase(api) == [slugs[2], slugs[0]]
    [item] = [i for i in api.get("/v1/showcase").json["items"] if i["slug"] == slugs[0]]
    assert item["author"] == "ada" and item["prompt"] == "a red fox"
    assert feature(api, admin, slugs[0], on=False).status == 204
    assert showcase(api) == [slugs[2]]
    audit = [e for e in api.get("/v1/admin/audit-log", token=admin).json["items"] if e["action"] == "community.feature"]
    assert [e["after"]["featured"] for e in audit][:2] == [False, True]


def test_leaving_community_leaves_the_showcase_and_republishing_does_not_bring_it_back(api, admin, published):  # noqa: F811
    token, images, slugs = published
    for slug in slugs:
        feature(api, admin, slug)
    api.delete(f"/v1/images/{images[0]['id']}/publish", token=token)
    api.post(f"/v1/admin/community/{slugs[1]}/hide", token=admin)
    assert showcase(api) == [slugs[2]]
    publish(api, token, images[0]["id"])
    assert showcase(api) == [slugs[2]], "the owner publishing again is not an admin's choice"


def test_only_admins_feature_and_only_images_listed_on_community(api, admin, published):  # noqa: F811
    token, images, slugs = published
    assert feature(api, token, slugs[0]).status == 403
    shared_only = api.post(f"/v1/images/{images[0]['id']}/publish", token=token)
    api.delete(f"/v1/images/{images[0]['id']}/publish", token=token)
    assert feature(api, admin, shared_only.json["slug"]).status == 404, "a private link is not Community"
    for slug in ("no-such-slug", "x" * 300, "'; DROP TABLE images; --", "\u202eevil"):
        assert feature(api, admin, slug).status == 404
    assert showcase(api) == []
