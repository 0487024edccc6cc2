"""Logs are JSON with the request id, and never carry passwords or tokens."""

from __future__ import annotations

import io
import json
import logging

import pytest

from chalicelib.observability import logger

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
    session = api.register("ada@example.com", PASSWORD)
    api.post("/v1/auth/login", {"email": "ada@example.com", "password": "wrong password 123"})
    refreshed = api.post("/v1/auth/refresh", {"refresh_token": session["refresh_token"]}).json
    api.post("/v1/auth/password-reset", {"email": "ada@example.com"})
    api.get("/v1/me", token=refreshed["access_token"])
    out = log_output.getvalue()
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    requests = [r for r in records if r.get("message") == "request"]
    assert len(requests) == 5
    assert all(r["request_id"] and r["status"] for r in requests)
    for secret in (PASSWORD, "wrong password 123", session["access_token"], session["refresh_token"],
                   refreshed["access_token"], refreshed["refresh_token"]):
        assert secret not in out
