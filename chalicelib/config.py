"""Typed settings, read once from the environment and an optional .env file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Mapping

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
    database_url: str | None = None
    db_pool_size: int = 1
    aws_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_secret_name: str | None = None
    jwt_issuer: str = "pixmint"
    jwt_audience: str = "pixmint-api"
    access_token_ttl_seconds: int = 900
    admin_email: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    signup_bonus_credits: int = 50
    email_from: str = "Pixmint <no-reply@pixmint.example>"
    log_level: str = "INFO"
    version: str = "0.1.0"
    images_bucket: str = "pixmint-images"
    jobs_queue_url: str | None = None
    bedrock_enabled: bool = False
    usage_plan_id: str | None = None
    jobs_dlq_url: str | None = None

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


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Builds Settings; the environment wins over the .env file. Raises SettingsError."""
    environ = os.environ if environ is None else environ
    env_file = env_file or Path(environ.get("PIXMINT_ENV_FILE", PROJECT_DIR / ".env"))
    values = {**_read_env_file(env_file), **environ}

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
    if stage in ("dev", "prod") and not (jwt_secret or _text(values, "JWT_SECRET_NAME")):
        raise SettingsError("JWT_SECRET or JWT_SECRET_NAME is required outside local stages")
    if stage in ("dev", "prod") and not database_url:
        raise SettingsError("DATABASE_URL is required outside local stages")
    if _text(values, "STRIPE_SECRET_KEY") and not _text(values, "STRIPE_WEBHOOK_SECRET"):
        raise SettingsError("STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY (webhooks must be verified)")
    if stage in ("dev", "prod") and not _text(values, "JOBS_QUEUE_URL"):
        raise SettingsError("JOBS_QUEUE_URL is required outside local stages")
    if stage in ("dev", "prod") and not _text(values, "STRIPE_SECRET_KEY"):
        raise SettingsError("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required outside local stages")
    log_level = (_text(values, "LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")

    return Settings(
        stage=stage,
        port=port,
        public_url=(_text(values, "PIXMINT_PUBLIC_URL") or f"http://localhost:{port}").rstrip("/"),
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
        jwt_secret_name=_text(values, "JWT_SECRET_NAME"),
        jwt_issuer=_text(values, "JWT_ISSUER") or "pixmint",
        jwt_audience=_text(values, "JWT_AUDIENCE") or "pixmint-api",
        access_token_ttl_seconds=_int(values, "ACCESS_TOKEN_TTL_SECONDS", 900, 60, 3600),
        admin_email=admin_email,
        admin_password=admin_password,
        signup_bonus_credits=_int(values, "SIGNUP_BONUS_CREDITS", 50, 0, 1_000_000),
        email_from=_text(values, "PIXMINT_EMAIL_FROM") or "Pixmint <no-reply@pixmint.example>",
        log_level=log_level,
        images_bucket=_text(values, "IMAGES_BUCKET") or "pixmint-images",
        jobs_queue_url=_text(values, "JOBS_QUEUE_URL"),
        bedrock_enabled=_bool(values, "BEDROCK_ENABLED"),
        usage_plan_id=_text(values, "API_USAGE_PLAN_ID"),
        jobs_dlq_url=_text(values, "JOBS_DLQ_URL"),
    )


@cache
def get_settings() -> Settings:
    return load_settings()
