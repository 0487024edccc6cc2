"""Typed settings, read once from the environment and an optional .env file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAGES = ("local", "test", "dev", "prod")


class SettingsError(Exception):
    """A bad or missing setting; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    port: int = 8000
    public_url: str = "http://localhost:8000"
    data_dir: Path = PROJECT_DIR / ".pixmint"
    database_url: str | None = field(default=None, repr=False)
    db_pool_size: int = 1
    aws_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    stripe_secret_key: str | None = field(default=None, repr=False)
    stripe_webhook_secret: str | None = field(default=None, repr=False)
    stripe_api_base: str | None = None
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_issuer: str = "pixmint"
    jwt_audience: str = "pixmint-api"
    access_token_ttl_seconds: int = 900
    admin_email: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    signup_bonus_credits: int = 50
    signups_per_address_per_hour: int = 10
    email_from: str = "Pixmint <no-reply@pixmint.example>"
    log_level: str = "INFO"
    version: str = "0.1.0"
    images_bucket: str = "pixmint-images"
    jobs_queue_url: str | None = None
    bedrock_enabled: bool = False
    # How long the offline renderer takes per preview and per image, so `make dev` shows previews arriving.
    placeholder_stage_ms: int = 0
    usage_plan_id: str | None = None
    jobs_dlq_url: str | None = None
    cors_origins: tuple[str, ...] = ("http://localhost:8000",)
    # Issue 15 (limits and storage): what CloudFront sends the API origin; only a request that carries it may
    # name the viewer's address (ORIGIN_SECRET_NAME in AWS, PIXMINT_ORIGIN_SECRET locally).
    origin_secret: str | None = field(default=None, repr=False)

    @property
    def is_local(self) -> bool:
        return self.stage in ("local", "test")


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _int(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = values.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(values: Mapping[str, str], name: str) -> bool:
    raw = (values.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _text(values: Mapping[str, str], name: str) -> str | None:
    raw = values.get(name, "").strip()
    return raw or None


SecretReader = Callable[[Mapping[str, str], str], str]


def read_secret(values: Mapping[str, str], name: str) -> str:
    """One Secrets Manager secret through Powertools parameters, cached for five minutes per container."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    region = _text(values, "AWS_REGION") or _text(values, "AWS_DEFAULT_REGION") or "us-east-1"
    key = (region, _text(values, "AWS_ENDPOINT_URL"))
    provider = _SECRET_PROVIDERS.get(key)
    if provider is None:
        import boto3

        client = boto3.client("secretsmanager", region_name=region, endpoint_url=key[1])
        provider = _SECRET_PROVIDERS.setdefault(key, SecretsProvider(boto3_client=client))
    return str(provider.get(name, max_age=300))


_SECRET_PROVIDERS: dict[tuple[str, str | None], Any] = {}

# Which settings each *_SECRET_NAME fills, from which field of the secret's JSON ("" = the whole secret).
SECRET_FIELDS: dict[str, dict[str, str]] = {
    "STRIPE_SECRET_NAME": {"STRIPE_SECRET_KEY": "secret_key",  # nosec B105 - a field name in the secret's JSON
                           "STRIPE_WEBHOOK_SECRET": "webhook_secret"},  # nosec B105 - a field name, as above
    "OPENAI_SECRET_NAME": {"OPENAI_API_KEY": "api_key"},
    "JWT_SECRET_NAME": {"JWT_SECRET": ""},  # nosec B105 - "" means the whole secret, not a password
    "ORIGIN_SECRET_NAME": {"PIXMINT_ORIGIN_SECRET": ""},  # nosec B105 - "" means the whole secret
}


def _secret_json(raw: str, setting: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SettingsError(f"the secret named by {setting} must be a JSON object")
    return data


def _database_url(secret: dict[str, Any], values: Mapping[str, str]) -> str:
    """A TLS connection URL from an RDS-style secret; DATABASE_HOST (the RDS Proxy endpoint) wins over its host."""
    user, password = secret.get("username"), secret.get("password")
    host = _text(values, "DATABASE_HOST") or secret.get("host")
    if not (user and password and host):
        raise SettingsError("the database secret needs username and password, and DATABASE_HOST or a host")
    port = _text(values, "DATABASE_PORT") or str(secret.get("port") or 5432)
    name = _text(values, "DATABASE_NAME") or secret.get("dbname") or "pixmint"
    return (f"postgresql://{quote(str(user), safe='')}:{quote(str(password), safe='')}@{host}:{port}/"
            f"{quote(str(name), safe='')}?sslmode=require")


def _with_secrets(values: dict[str, str], read: SecretReader) -> dict[str, str]:
    """Fills secret settings from Secrets Manager when their *_SECRET_NAME is set; never both ways at once."""
    resolved = dict(values)
    if name := _text(values, "DATABASE_SECRET_NAME"):
        if _text(values, "DATABASE_URL"):
            raise SettingsError("set DATABASE_URL or DATABASE_SECRET_NAME, not both")
        resolved["DATABASE_URL"] = _database_url(_secret_json(read(values, name), "DATABASE_SECRET_NAME"), values)
    for setting, fields in SECRET_FIELDS.items():
        if not (name := _text(values, setting)):
            continue
        if clash := [env for env in fields if _text(values, env)]:
            raise SettingsError(f"set {clash[0]} or {setting}, not both")
        raw = read(values, name)
        data = {"": raw} if "" in fields.values() else _secret_json(raw, setting)
        for env, key in fields.items():
            value = data.get(key)
            if not isinstance(value, str) or not value.strip():
                raise SettingsError(f"the secret named by {setting} has no {key!r} value")
            resolved[env] = value.strip()
    return resolved


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None,
                  secret_reader: SecretReader = read_secret) -> Settings:
    """Builds Settings; the environment wins over the .env file; secrets come from Secrets Manager when named.

    Raises SettingsError."""
    environ = os.environ if environ is None else environ
    env_file = env_file or Path(environ.get("PIXMINT_ENV_FILE", PROJECT_DIR / ".env"))
    values = _with_secrets({**_read_env_file(env_file), **environ}, secret_reader)

    stage = _text(values, "PIXMINT_STAGE") or "local"
    if stage not in STAGES:
        raise SettingsError(f"PIXMINT_STAGE must be one of {', '.join(STAGES)}, got {stage!r}")
    port = _int(values, "PORT", 8000, 1, 65535)
    admin_email, admin_password = _text(values, "PIXMINT_ADMIN_EMAIL"), _text(values, "PIXMINT_ADMIN_PASSWORD")
    if bool(admin_email) != bool(admin_password):
        raise SettingsError("set both PIXMINT_ADMIN_EMAIL and PIXMINT_ADMIN_PASSWORD, or neither")
    jwt_secret = _text(values, "JWT_SECRET")
    if jwt_secret is not None and len(jwt_secret.encode()) < 32:
        raise SettingsError("JWT_SECRET must be at least 32 bytes long")
    database_url = _text(values, "DATABASE_URL")
    if database_url and not database_url.startswith(("postgresql://", "postgres://")):
        raise SettingsError("DATABASE_URL must be a postgresql:// URL")
    if stage in ("dev", "prod") and not jwt_secret:
        raise SettingsError("JWT_SECRET or JWT_SECRET_NAME is required outside local stages")
    if stage in ("dev", "prod") and not database_url:
        raise SettingsError("DATABASE_URL or DATABASE_SECRET_NAME is required outside local stages")
    if _text(values, "STRIPE_SECRET_KEY") and not _text(values, "STRIPE_WEBHOOK_SECRET"):
        raise SettingsError("STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY (webhooks must be verified)")
    if stage in ("dev", "prod") and not _text(values, "JOBS_QUEUE_URL"):
        raise SettingsError("JOBS_QUEUE_URL is required outside local stages")
    if stage in ("dev", "prod") and not _text(values, "STRIPE_SECRET_KEY"):
        raise SettingsError("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (or STRIPE_SECRET_NAME) are required "
                            "outside local stages")
    log_level = (_text(values, "LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")

    public_url = (_text(values, "PIXMINT_PUBLIC_URL") or f"http://localhost:{port}").rstrip("/")
    return Settings(
        stage=stage,
        port=port,
        public_url=public_url,
        data_dir=Path(_text(values, "PIXMINT_DATA_DIR") or PROJECT_DIR / ".pixmint"),
        database_url=database_url,
        db_pool_size=_int(values, "DB_POOL_SIZE", 1, 1, 50),
        aws_endpoint_url=_text(values, "AWS_ENDPOINT_URL"),
        aws_region=_text(values, "AWS_REGION") or _text(values, "AWS_DEFAULT_REGION") or "us-east-1",
        openai_api_key=_text(values, "OPENAI_API_KEY"),
        openai_base_url=_text(values, "OPENAI_BASE_URL"),
        stripe_secret_key=_text(values, "STRIPE_SECRET_KEY"),
        stripe_webhook_secret=_text(values, "STRIPE_WEBHOOK_SECRET"),
        stripe_api_base=_text(values, "STRIPE_API_BASE"),
        jwt_secret=jwt_secret,
        jwt_issuer=_text(values, "JWT_ISSUER") or "pixmint",
        jwt_audience=_text(values, "JWT_AUDIENCE") or "pixmint-api",
        access_token_ttl_seconds=_int(values, "ACCESS_TOKEN_TTL_SECONDS", 900, 60, 3600),
        admin_email=admin_email,
        admin_password=admin_password,
        signup_bonus_credits=_int(values, "SIGNUP_BONUS_CREDITS", 50, 0, 1_000_000),
        signups_per_address_per_hour=_int(values, "PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR", 10, 1, 1_000_000),
        email_from=_text(values, "PIXMINT_EMAIL_FROM") or "Pixmint <no-reply@pixmint.example>",
        log_level=log_level,
        images_bucket=_text(values, "IMAGES_BUCKET") or "pixmint-images",
        jobs_queue_url=_text(values, "JOBS_QUEUE_URL"),
        bedrock_enabled=_bool(values, "BEDROCK_ENABLED"),
        placeholder_stage_ms=_int(values, "PLACEHOLDER_STAGE_MS", 350 if stage == "local" else 0, 0, 5000),
        usage_plan_id=_text(values, "API_USAGE_PLAN_ID"),
        jobs_dlq_url=_text(values, "JOBS_DLQ_URL"),
        cors_origins=_origins(_text(values, "CORS_ALLOWED_ORIGINS"), public_url),
        origin_secret=_text(values, "PIXMINT_ORIGIN_SECRET"),
    )


def _origins(raw: str | None, public_url: str) -> tuple[str, ...]:
    """Browser origins allowed to call the API: the public site's own, or an explicit comma-separated list. A site
    on this machine is also allowed under its loopback twin (localhost and 127.0.0.1 are one place to a person)."""
    origins = []
    for item in (raw or public_url).split(","):
        parts = urlsplit(item.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
            raise SettingsError("CORS_ALLOWED_ORIGINS takes origins like https://app.example.com, "
                                f"got {item.strip()!r}")
        origins.append(f"{parts.scheme}://{parts.netloc}")
    if raw is None:
        parts = urlsplit(public_url)
        twin = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}.get(parts.hostname or "")
        if twin:
            origins.append(f"{parts.scheme}://{twin}" + (f":{parts.port}" if parts.port else ""))
    return tuple(origins)


@cache
def get_settings() -> Settings:
    return load_settings()
