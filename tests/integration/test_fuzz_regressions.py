"""What schemathesis found on the local stack (tests/fuzz), each pinned here so it stays fixed.

Bad input gets a 4xx in the error envelope, never a 500, and every reply is the one the OpenAPI document
describes (the Api helper validates each against it).
"""

from __future__ import annotations

import base64

import pytest

ADMIN = {"email": "boss@example.com", "password": "a long admin password"}


@pytest.fixture
def admin(api, container) -> dict:
    container.accounts.ensure_admin(ADMIN["email"], ADMIN["password"])
    return api.post("/v1/auth/login", ADMIN).json


@pytest.fixture
def user(api) -> dict:
    return api.register()


def assert_invalid_request(reply, field: str | None = None) -> None:
    assert reply.status == 400, reply.body
    assert reply.json["error"]["code"] == "invalid_request" and reply.json["request_id"]
    if field is not None:
        assert reply.json["error"]["details"]["field"] == field


def test_json_replies_name_their_content_type(api, user):
    # The local stack sent JSON with no Content-Type at all; API Gateway happened to add one in AWS.
    for reply in (api.get("/v1/credits/packs"), api.get("/v1/me", token=user["access_token"]),
                  api.get("/v1/credits/transactions?limit=1", token=user["access_token"])):
        assert reply.headers["content-type"] == "application/json"


def test_a_price_row_naming_its_model_with_an_object_is_a_400_not_a_500(api, admin):
    row = {"model": {}, "size": "", "quality": "", "credits": 1, "provider_cost_usd": 0.0}
    reply = api.request("PUT", "/v1/admin/pricing", {"items": [row]}, token=admin["access_token"])
    assert_invalid_request(reply, "items[0].model")


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/v1/auth/register", {"email": "a\u0000b@example.com", "password": "correct horse battery"}),
    ("POST", "/v1/auth/login", {"email": "a\u0000b@example.com", "password": "x"}),
    ("POST", "/v1/auth/password-reset", {"email": "a\u0000b@example.com"}),
])
def test_a_nul_character_in_a_public_json_field_is_a_400_not_a_500(api, method, path, body):
    assert_invalid_request(api.request(method, path, body))


@pytest.mark.parametrize("method, path, body", [
    ("PATCH", "/v1/me", {"display_name": "a\u0000b"}),
    ("POST", "/v1/api-keys", {"name": "a\u0000b"}),
    ("POST", "/v1/generations/quote", {"prompt": "a\u0000b"}),
])
def test_a_nul_character_in_a_signed_in_json_field_is_a_400_not_a_500(api, user, method, path, body):
    assert_invalid_request(api.request(method, path, body, token=user["access_token"]))


def test_a_nul_character_in_an_admin_json_field_is_a_400_not_a_500(api, admin):
    reply = api.request("PUT", "/v1/admin/style-presets/x", {"label": "a\u0000", "prompt_suffix": "b"},
                        token=admin["access_token"])
    assert_invalid_request(reply)


@pytest.mark.parametrize("path", ["/v1/images?q=a%00b", "/v1/generations?q=%00", "/v1/generations?model=%00"])
def test_a_nul_character_in_a_search_is_a_400_not_a_500(api, user, path):
    assert_invalid_request(api.get(path, token=user["access_token"]))


def test_a_nul_character_in_an_admin_search_is_a_400_not_a_500(api, admin):
    assert_invalid_request(api.get("/v1/admin/users?q=%00", token=admin["access_token"]))


@pytest.mark.parametrize("path, field", [
    ("/v1/images?limit=%C2%B2", "limit"),  # "²".isdigit() is true, int("²") is an error
    ("/v1/credits/transactions?limit=%D9%A3", "limit"),  # Arabic-Indic three
    ("/v1/images/00000000-0000-0000-0000-000000000000/content?width=%C2%B2", "width"),
    ("/v1/images/00000000-0000-0000-0000-000000000000/content?quality=%C2%B9", "quality"),
])
def test_digits_that_are_not_ascii_are_a_400_not_a_500(api, user, path, field):
    assert_invalid_request(api.get(path, token=user["access_token"]), field)


def test_a_public_image_width_that_is_not_ascii_digits_is_a_400_not_a_500(api):
    assert_invalid_request(api.get("/v1/public/images/some-slug/content?width=%C2%B2"), "width")


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("inside", ["\u00b2", "9" * 30])
def test_a_forged_id_cursor_is_a_400_not_a_500(api, admin, inside):
    # A superscript digit failed in int(); thirty digits overflowed PostgreSQL's bigint.
    reply = api.get(f"/v1/admin/audit-log?cursor={_cursor(inside)}", token=admin["access_token"])
    assert_invalid_request(reply, "cursor")


@pytest.mark.parametrize("path, body", [
    ("/v1/admin/style-presets/calm", {"label": "Calm", "prompt_suffix": "calm", "position": 2 ** 31}),
    ("/v1/admin/credit-packs/big", {"label": "Big", "credits": 5, "amount_cents": 500, "position": -(10 ** 14)}),
    ("/v1/admin/prompt-templates/t", {"label": "T", "template": "{a}", "position": 99_999_999_999_999}),
])
def test_a_list_position_beyond_an_integer_is_a_400_not_a_500(api, admin, path, body):
    assert_invalid_request(api.request("PUT", path, body, token=admin["access_token"]), "position")


def test_upserted_ids_are_ascii_letters_digits_dashes_and_underscores(api, admin):
    body = {"label": "Pack", "credits": 5, "amount_cents": 500}
    token = admin["access_token"]
    assert_invalid_request(api.request("PUT", "/v1/admin/credit-packs/%C2%BC", body, token=token), "id")
    assert api.request("PUT", "/v1/admin/credit-packs/pack_5-a", body, token=token).status == 204


def test_a_whole_number_written_with_a_decimal_point_is_a_whole_number(api, admin):
    # JSON Schema's "integer" includes 10.0; the fuzzer sent it and the API said "must be a whole number".
    reply = api.patch("/v1/admin/settings", {"signup_bonus": 10.0}, token=admin["access_token"])
    assert reply.status == 200 and reply.json["signup_bonus"] == 10
    assert_invalid_request(api.patch("/v1/admin/settings", {"signup_bonus": 10.5}, token=admin["access_token"]))


def test_an_optional_field_sent_as_null_reads_as_not_given_as_documented(api, user):
    reply = api.patch("/v1/me", {"display_name": None}, token=user["access_token"])
    assert reply.status == 200 and reply.json["display_name"] == user["user"]["display_name"]


def test_an_empty_filter_reads_as_not_given_as_documented(api, user):
    reply = api.get("/v1/generations?status=&model=&q=&since=&until=&cursor=", token=user["access_token"])
    assert reply.status == 200 and reply.json["items"] == []


def test_the_document_says_which_operations_take_an_api_key():
    from chalicelib.openapi import openapi_document

    paths = openapi_document()["paths"]
    either = [{"bearer": []}, {"apiKey": []}]
    assert paths["/v1/images"]["get"]["security"] == either
    assert paths["/v1/generations"]["post"]["security"] == either
    for path, method in (("/v1/admin/users", "get"), ("/v1/api-keys", "post"), ("/v1/me/password", "post"),
                         ("/v1/me", "delete")):
        assert paths[path][method]["security"] == [{"bearer": []}], (path, method)


def test_the_document_states_the_monthly_cap_range_the_api_enforces(api, user):
    from chalicelib.openapi import openapi_document

    document = openapi_document()
    body = document["paths"]["/v1/api-keys"]["post"]["requestBody"]["content"]["application/json"]
    schema = document["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[-1]]
    cap = next(p for p in schema["properties"]["monthly_cap_credits"]["anyOf"] if p["type"] == "integer")
    assert cap["maximum"] == 10_000_000
    reply = api.post("/v1/api-keys", {"name": "ci", "monthly_cap_credits": 782585876293786752},
                     token=user["access_token"])
    assert_invalid_request(reply, "monthly_cap_credits")
    assert api.post("/v1/api-keys", {"name": "ci", "monthly_cap_credits": 10_000_000},
                    token=user["access_token"]).status == 201


@pytest.mark.parametrize("path", ["/v1/images?q=a&q=b", "/v1/generations?status=queued&status=failed",
                                  "/v1/credits/transactions?limit=5&limit=50"])
def test_a_query_parameter_sent_twice_is_a_400_not_a_silent_choice(api, user, path):
    name = path.split("?", 1)[1].split("=", 1)[0]
    assert_invalid_request(api.get(path, token=user["access_token"]), name)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("method, path, raw", [
    ("POST", "/v1/auth/login", '{"email": %s, "password": "x"}' % nested(40)),
    ("POST", "/v1/auth/register", '{"email": %s, "password": "correct horse battery"}' % nested(100_000)),
    ("POST", "/v1/auth/password-reset", '{"email": "a@example.com", "x": %s}' % ('{"a":' * 5000 + "1" + "}" * 5000)),
])
def test_deeply_nested_json_is_a_400_not_a_500(api, method, path, raw):
    reply = api.request(method, path, raw=raw)
    assert_invalid_request(reply)
    assert reply.json["error"]["details"] == {"reason": "too_deep", "max_depth": 32}


def test_deeply_nested_json_from_a_signed_in_user_is_a_400_not_a_500(api, user):
    reply = api.request("POST", "/v1/generations", raw='{"prompt": "a fox", "n": %s}' % nested(1000),
                        token=user["access_token"])
    assert_invalid_request(reply)
    assert reply.json["error"]["details"]["reason"] == "too_deep"


LONE = "\\ud800"  # the JSON escape, as a client would send it: valid JSON, not encodable as UTF-8


@pytest.mark.parametrize("method, path, raw", [
    ("POST", "/v1/auth/register", '{"email": "a%s@example.com", "password": "correct horse battery"}' % LONE),
    ("POST", "/v1/auth/login", '{"email": "a@example.com", "password": "x%s"}' % LONE),
    ("POST", "/v1/auth/password-reset", '{"email": "a@example.com", "%s": 1}' % LONE),
])
def test_a_lone_surrogate_in_a_public_json_field_is_a_400_not_a_500(api, method, path, raw):
    reply = api.request(method, path, raw=raw)
    assert_invalid_request(reply)
    assert reply.json["error"]["details"] == {"reason": "lone_surrogate"}


@pytest.mark.parametrize("method, path, raw", [
    ("PATCH", "/v1/me", '{"display_name": "Ada %s"}' % LONE),
    ("POST", "/v1/api-keys", '{"name": "\\udfff"}'),
    ("POST", "/v1/generations", '{"prompt": "a fox %s"}' % LONE),
    ("POST", "/v1/generations/quote", '{"prompt": "a fox", "negative_prompt": "%s"}' % LONE),
])
def test_a_lone_surrogate_in_a_signed_in_json_field_is_a_400_not_a_500(api, user, method, path, raw):
    reply = api.request(method, path, raw=raw, token=user["access_token"])
    assert_invalid_request(reply)
    assert reply.json["error"]["details"] == {"reason": "lone_surrogate"}


def test_a_surrogate_pair_is_an_ordinary_character(api, user):
    reply = api.request("POST", "/v1/generations/quote", raw='{"prompt": "a fox \\ud83e\\udd8a"}',
                        token=user["access_token"])
    assert reply.status == 200, reply.body
