"""The envelope, status codes and OpenAPI document hold for every route."""

from __future__ import annotations

import json

import pytest

from app import app
from chalicelib.openapi import openapi_document

PASSWORD = "correct horse battery"


def _operations_with_bodies():
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            signed = any(p["name"] == "Stripe-Signature" for p in operation.get("parameters", []))
            content = operation.get("requestBody", {}).get("content", {})
            # Signed bodies are refused before parsing (see the webhook tests); uploads are not JSON.
            if "application/json" in content and not signed:
                schema = content["application/json"]["schema"]
                if "$ref" in schema:
                    schema = openapi_document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                yield pytest.param(method.upper(), path, schema, id=f"{method.upper()} {path}")


def _type(prop: dict) -> str:
    """The JSON type a property takes besides null (an optional field is anyOf [type, null])."""
    prop = next((p for p in prop.get("anyOf", []) if p.get("type") != "null"), prop)
    kind = prop.get("type", "string")
    return next(t for t in kind if t != "null") if isinstance(kind, list) else kind


def valid_value(prop: dict):
    return {"integer": 500, "number": 1.5, "boolean": True, "array": ["x"]}.get(_type(prop), "correct horse battery")


def wrong_value(prop: dict):
    return {"integer": "five hundred", "number": "one", "boolean": "yes", "array": "x"}.get(_type(prop), 12345)


def token_for(api, container, path: str) -> str:
    """A user's token, or an admin's for admin routes (so the body, not the role, is what gets checked)."""
    if not path.startswith("/v1/admin/"):
        return api.register()["access_token"]
    container.accounts.ensure_admin("root@example.com", "a long admin password")
    return api.post("/v1/auth/login", {"email": "root@example.com", "password": "a long admin password"}).json[
        "access_token"]


def assert_envelope(reply, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    body = reply.json
    assert set(body) == {"error", "request_id"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    assert body["request_id"] == reply.headers["x-request-id"]


def assert_refused(reply, path: str, field: str | None = None) -> None:
    """A 400 in the error shape of the path's API: OpenAI's (naming the field as param) under /v1/openai/, the
    envelope (naming it in details) everywhere else."""
    if not path.startswith("/v1/openai/"):
        assert_envelope(reply, 400, "invalid_request")
        if field is not None:
            assert reply.json["error"]["details"]["field"] == field
        return
    assert reply.status == 400, reply.body
    assert set(reply.json) == {"error"}
    error = reply.json["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "invalid_value"
    assert isinstance(error["message"], str) and error["message"]
    if field is not None:
        assert error["param"] == field


def test_every_route_is_in_the_openapi_document_and_nothing_else():
    # OPTIONS beside every path answers CORS preflights (test_cors.py); it is not an operation of its own.
    routed = {(path, method.lower()) for path, methods in app.routes.items()
              for method in methods if method != "OPTIONS"}
    documented = {(path, method) for path, operations in openapi_document()["paths"].items() for method in operations}
    assert routed == documented


def test_openapi_document_is_valid_openapi_3_1(api):
    from openapi_spec_validator import validate

    reply = api.get("/v1/openapi.json")
    assert reply.status == 200
    assert reply.json["openapi"].startswith("3.1")
    validate(reply.json)


@pytest.mark.parametrize("method, path, schema", list(_operations_with_bodies()))
@pytest.mark.parametrize("raw", ["{not json", "[]", '"text"', "", "\xff"])
def test_malformed_json_gets_400_in_the_envelope(api, container, method, path, schema, raw):
    token = token_for(api, container, path)
    reply = api.request(method, path, token=token, raw=raw)
    assert_refused(reply, path)


@pytest.mark.parametrize("method, path, schema", list(_operations_with_bodies()))
def test_wrong_types_get_400_naming_the_field(api, container, method, path, schema):
    token = token_for(api, container, path)
    for field, prop in schema["properties"].items():
        body = {name: valid_value(schema["properties"][name]) for name in schema["required"]}
        body[field] = wrong_value(prop)
        reply = api.request(method, path, body, token=token)
        assert_refused(reply, path, field)
    me = api.get("/v1/me", token=token)
    assert me.status == 200, "a refused request must change nothing"


@pytest.mark.parametrize("method, path, schema", list(_operations_with_bodies()))
def test_missing_required_fields_get_400(api, container, method, path, schema):
    token = token_for(api, container, path)
    for field in schema["required"]:
        body = {name: valid_value(schema["properties"][name]) for name in schema["required"] if name != field}
        reply = api.request(method, path, body, token=token)
        assert_refused(reply, path, field)


@pytest.mark.parametrize("method, path", [("GET", "/v1/me"), ("PATCH", "/v1/me"), ("DELETE", "/v1/me"),
                                          ("POST", "/v1/me/password")])
@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Token abc"])
def test_protected_routes_need_a_bearer_token(api, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    reply = api.request(method, path, {}, headers=headers)
    assert_envelope(reply, 401, "unauthorized")


def test_refresh_token_is_not_an_access_token(api):
    session = api.register()
    reply = api.get("/v1/me", token=session["refresh_token"])
    assert_envelope(reply, 401, "unauthorized")


def test_wrong_method_is_405_in_the_envelope(api):
    reply = api.request("PUT", "/v1/me", {})
    assert_envelope(reply, 405, "method_not_allowed")
    assert "GET" in reply.headers["allow"]


def test_chalices_own_refusals_keep_their_specific_message_in_the_envelope(api):
    wrong_type = api.request("POST", "/v1/uploads", raw="a picture", headers={"Content-Type": "text/plain"})
    assert_envelope(wrong_type, 415, "unsupported_media_type")
    assert wrong_type.json["error"]["message"] == "Unsupported media type: text/plain"
    wrong_method = api.request("PUT", "/v1/me", {})
    assert wrong_method.json["error"]["message"] == "Unsupported method: PUT"


def test_unknown_route_is_404_in_the_envelope_through_the_gateway(container):
    from devstack.gateway import PixmintGateway

    response = PixmintGateway(app).handle("GET", "/v1/no-such-thing", {}, None)
    assert response.status == 404
    body = json.loads(response.body)
    assert body["error"]["code"] == "not_found"
    assert body["request_id"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_local_gateway_serves_requests_in_parallel_each_with_its_own_request(api, container, monkeypatch):
    import threading

    from devstack.gateway import PixmintGateway

    gateway = PixmintGateway(app)
    tokens = {api.register(f"user{n}@example.com")["access_token"]: f"user{n}@example.com" for n in range(4)}
    inside = threading.Barrier(len(tokens), timeout=10)  # met only if every request is in the app at once
    authenticate = container.accounts.authenticate

    def meet_then_authenticate(token: str):
        inside.wait()
        return authenticate(token)

    monkeypatch.setattr(container.accounts, "authenticate", meet_then_authenticate)
    answers: dict[str, tuple[int, str | None]] = {}

    def ask(token: str) -> None:
        reply = gateway.handle("GET", "/v1/me", {"Authorization": f"Bearer {token}", "Accept": "application/json"},
                               None, source_ip="127.0.0.2")
        answers[token] = (reply.status, json.loads(reply.body).get("email"))

    threads = [threading.Thread(target=ask, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == {token: (200, email) for token, email in tokens.items()}


def test_oversized_body_is_413_through_the_gateway(container):
    from devstack.gateway import PixmintGateway

    response = PixmintGateway(app).handle("POST", "/v1/auth/login", {"Content-Type": "application/json"},
                                          b"x" * (10 * 1024 * 1024 + 1))
    assert response.status == 413
    assert json.loads(response.body)["error"]["code"] == "payload_too_large"


def test_unexpected_failure_is_a_bare_500_without_internals(api, container, monkeypatch):
    session = api.register()

    def explode(user_id):
        raise RuntimeError("connection string postgresql://admin:hunter2@db/internal")

    monkeypatch.setattr(container.accounts, "get_user", explode)
    reply = api.get("/v1/me", token=session["access_token"])
    assert_envelope(reply, 500, "internal_error")
    assert b"hunter2" not in reply.body and b"Traceback" not in reply.body and b"RuntimeError" not in reply.body


def test_responses_carry_security_headers_and_no_store(api):
    reply = api.get("/v1/health")
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-request-id"]


def test_health_reports_ok_with_the_database(api):
    reply = api.get("/v1/health")
    assert reply.status == 200
    assert reply.json["status"] == "ok" and reply.json["database"] == "ok" and reply.json["version"]


def test_health_is_503_when_the_database_is_unreachable(api, settings, clock):

    from chalicelib import bootstrap

    down = settings.model_copy(update=dict(database_url="postgresql://postgres@127.0.0.1:1/nothing"))
    bootstrap.use_container(lambda: bootstrap.build_container(down, clock=clock))
    reply = api.get("/v1/health")
    assert reply.status == 503
    assert reply.json == {"status": "unavailable", "database": "unavailable", "version": reply.json["version"]}


def test_database_outage_on_a_normal_route_is_503_unavailable(api, settings, clock):

    from chalicelib import bootstrap

    down = settings.model_copy(update=dict(database_url="postgresql://postgres@127.0.0.1:1/nothing"))
    bootstrap.use_container(lambda: bootstrap.build_container(down, clock=clock))
    reply = api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    assert_envelope(reply, 503, "unavailable")
    assert reply.headers["retry-after"]
