"""The composition root: builds the real adapters once per Lambda container."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any, Callable

from .config import Settings, SettingsError, get_settings
from .domain.accounts import AccountService
from .domain.ports import Clock, EmailSender


@dataclass
class Container:
    settings: Settings
    pool: Any
    clock: Clock
    accounts: AccountService

    def close(self) -> None:
        self.pool.close()

    def database_ok(self) -> bool:
        from .adapters.postgres import ping

        return ping(self.pool)


def aws_client(settings: Settings, service: str) -> Any:
    import boto3

    return boto3.client(service, region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


def resolve_jwt_secret(settings: Settings) -> str:
    if settings.jwt_secret:
        return settings.jwt_secret
    if settings.jwt_secret_name:
        from aws_lambda_powertools.utilities import parameters

        return str(parameters.get_secret(settings.jwt_secret_name, max_age=300))
    if not settings.is_local:
        raise SettingsError("JWT_SECRET or JWT_SECRET_NAME is required outside local stages")
    # Locally the secret is generated once and kept with the embedded database.
    path = settings.data_dir / "jwt_secret"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def build_container(
    settings: Settings,
    clock: Clock | None = None,
    mailer: EmailSender | None = None,
    hasher: Any = None,
) -> Container:
    from .adapters.argon2_hasher import Argon2PasswordHasher
    from .adapters.clock import SystemClock
    from .adapters.jwt_tokens import JwtAccessTokens
    from .adapters.postgres import PostgresUnitOfWork, create_pool
    from .adapters.ses_email import SesEmailSender

    if not settings.database_url:
        raise SettingsError("DATABASE_URL is not set (make dev starts an embedded PostgreSQL and sets it)")
    pool = create_pool(settings.database_url, max_size=settings.db_pool_size)
    clock = clock or SystemClock()
    tokens = JwtAccessTokens(
        resolve_jwt_secret(settings), settings.jwt_issuer, settings.jwt_audience, settings.access_token_ttl_seconds
    )
    accounts = AccountService(
        uow=lambda: PostgresUnitOfWork(pool),
        hasher=hasher or Argon2PasswordHasher(),
        tokens=tokens,
        clock=clock,
        mailer=mailer or SesEmailSender(lambda: aws_client(settings, "ses"), settings.email_from),
        public_url=settings.public_url,
    )
    return Container(settings=settings, pool=pool, clock=clock, accounts=accounts)


_lock = threading.Lock()
_container: Container | None = None
_factory: Callable[[], Container] = lambda: build_container(get_settings())


def container() -> Container:
    global _container
    if _container is None:
        with _lock:
            if _container is None:
                _container = _factory()
    return _container


def use_container(factory: Callable[[], Container] | None) -> None:
    """Replaces how the container is built (tests, the local stack); None restores the default."""
    global _container, _factory
    with _lock:
        if _container is not None:
            _container.close()
        _container = None
        _factory = factory or (lambda: build_container(get_settings()))
