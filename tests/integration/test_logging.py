"""Logs are JSON with the request id, and never carry passwords or tokens."""

from __future__ import annotations

import io
import json
import logging

import pytest

from chalicelib.observability import logger
from tests.conftest import emailed_token

PASSWORD = "correct horse battery"


@pytest.fixture
def log_output():
    """What the app's Powertools logger writes, formatted exactly as in Lambda."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger._logger.addHandler(handler)
    yield stream
    logger._logger.removeHandler(handler)


def test_logs_carry_request_ids_but_no_passwords_or_tokens(api, log_output):
    session = api.register("ada@example.com", PASSWORD, verify=False)
    link = emailed_token("ada@example.com", "/verify-email")
    api.post("/v1/auth/verify-email", {"token": link})
    api.post("/v1/auth/login", {"email": "ada@example.com", "password": "wrong password 123"})
    refreshed = api.post("/v1/auth/refresh", {"refresh_token": session["refresh_token"]}).json
    api.post("/v1/auth/password-reset", {"email": "ada@example.com"})
    api.get("/v1/me", token=refreshed["access_token"])
    out = log_output.getvalue()
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    requests = [r for r in records if r.get("message") == "request"]
    assert len(requests) == 6
    assert all(r["request_id"] and r["status"] for r in requests)
    for secret in (PASSWORD, "wrong password 123", session["access_token"], session["refresh_token"],
                   refreshed["access_token"], refreshed["refresh_token"], link):
        assert secret not in out


def test_api_keys_never_reach_the_logs(api, log_output):
    session = api.register("ada@example.com", PASSWORD)
    key = api.post("/v1/api-keys", {"name": "script"}, token=session["access_token"]).json["key"]
    assert api.get("/v1/me", headers={"X-API-Key": key}).status == 200
    assert api.get("/v1/me", headers={"X-API-Key": key + "x"}).status == 401
    out = log_output.getvalue()
    assert key not in out and key[:20] not in out


SECRETS_IN_AN_ERROR = {
    "database password": "postgresql://pixmint:hunter2-db-password@db.internal:5432/pixmint",
    "stripe key": "sk_live_51Habcdefghijklmnop",
    "webhook secret": "whsec_abcdefghijklmnopqrstuvwx",
    "openai key": "sk-proj-abcdefghijklmnopqrstuvwxyz",
    "api key": "pxm_abcdefghijklmnopqrstuvwxyz012345",
}


def test_an_error_that_carries_secrets_is_logged_with_them_redacted(api, container, log_output, monkeypatch):
    session = api.register("ada@example.com", PASSWORD)

    def explode(*_args, **_kwargs):
        raise RuntimeError(" ".join(SECRETS_IN_AN_ERROR.values()))

    monkeypatch.setattr(container.accounts, "get_user", explode)
    assert api.get("/v1/me", token=session["access_token"]).status == 500
    out = log_output.getvalue()
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    failure = next(r for r in records if r["message"] == "unhandled error")
    assert "RuntimeError" in failure["exception"]  # the traceback is still there for whoever is on call
    assert "[redacted" in failure["exception"]
    for what, secret in SECRETS_IN_AN_ERROR.items():
        assert secret.split("://")[-1].split("@")[0].split(":")[-1] not in out, what


def test_secret_fields_in_log_extras_are_redacted(log_output):
    logger.info("careless", extra={"new_password": "correct horse battery", "refresh_token": "abc.def",
                                   "Authorization": "Bearer xyz", "status": 200})
    record = json.loads(log_output.getvalue().splitlines()[-1])
    assert record["new_password"] == record["refresh_token"] == record["Authorization"] == "[redacted]"
    assert record["status"] == 200
