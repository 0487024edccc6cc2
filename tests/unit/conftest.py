from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.jinja_templates import JinjaEmailTemplates
from chalicelib.adapters.jwt_tokens import JwtAccessTokens
from chalicelib.adapters.pyotp_codes import PyOtpCodes
from chalicelib.domain.accounts import AccountService
from tests.fakes import (
    FakeClock,
    InlineEmailDelivery,
    InMemoryStore,
    InMemoryUnitOfWork,
    RecordingEmailSender,
    cheap_hasher,
)

UNIT_JWT_SECRET = "unit-test-secret-" + "k" * 40


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def mailer() -> RecordingEmailSender:
    return RecordingEmailSender()


@pytest.fixture
def tokens() -> JwtAccessTokens:
    return JwtAccessTokens(UNIT_JWT_SECRET, issuer="pixmint", audience="pixmint-api")


@pytest.fixture
def make_service(store, clock, mailer, tokens):
    def make(hasher=None, **kw) -> AccountService:
        delivery = InlineEmailDelivery()
        service = AccountService(
            uow=lambda: InMemoryUnitOfWork(store),
            hasher=hasher or cheap_hasher(),
            tokens=tokens,
            clock=clock,
            public_url="https://pixmint.example/",
            **{"mailer": mailer, "outbox": delivery, "codes": PyOtpCodes(), "email_key_secret": b"unit-test email key",
               "templates": JinjaEmailTemplates(), **kw},
        )
        delivery.drain = service.deliver_due_emails
        return service

    return make


@pytest.fixture
def service(make_service) -> AccountService:
    return make_service()


@pytest.fixture(scope="session")
def templates() -> dict[str, dict[str, Any]]:
    """`scripts/deploy package` (what `make package` runs) for each stage, with no AWS credentials at all; once a
    session for every module that reads the templates (they share one xdist group, so one worker packages)."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_DEFAULT_REGION="us-east-1", VENV_BIN=str(Path(sys.executable).parent))
    stages = ("dev", "prod")
    for stage in stages:
        run = subprocess.run([str(root / "scripts" / "deploy"), "package", stage], cwd=root, env=env,
                             capture_output=True, text=True, timeout=540)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    return {stage: json.loads((root / "dist" / stage / "sam.json").read_text()) for stage in stages}
