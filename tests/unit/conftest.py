from __future__ import annotations

import pytest

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
               **kw},
        )
        delivery.drain = service.deliver_due_emails
        return service

    return make


@pytest.fixture
def service(make_service) -> AccountService:
    return make_service()
