"""Typed settings, read once from the environment and an optional .env file, as a pydantic model.

`Settings` declares each setting once: its environment variable (`validation_alias`), default, type and range.
`load_settings` is the one place that reads the outside world: it merges three sources, highest priority first
(Secrets Manager for the settings a *_SECRET_NAME names, then the environment, then the .env file), each read only
under the settings' own variables, and turns whatever pydantic finds into a `SettingsError`, one line naming the
environment variable, never the field. pydantic-settings would do the merging, but importing it costs a third of
the cold start's budget (issue 14: cold start ≤ 1.3 × the libraries'), for what `_by_field` does in ten lines.
Building `Settings(...)` directly takes only the values given (and the defaults), as the dataclass it replaces did.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import quote, urlsplit

from annotated_types import Ge, Le
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
Stage = Literal["local", "test", "dev", "prod"]
STAGES: tuple[str, ...] = get_args(Stage)
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class SettingsError(Exception):
    """A bad or missing setting; the message is one line meant for the operator."""


def _text(values: Mapping[str, str], name: str) -> str | None:
    raw = values.get(name, "").strip()
    return raw or None


def _origins(raw: str) -> tuple[str, ...]:
    """Browser origins allowed to call the API, from a comma-separated list of origins."""
    origins = []
    for item in raw.split(","):
        parts = urlsplit(item.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
            raise ValueError(f"takes origins like https://app.example.com, got {item.strip()!r}")
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(origins)


def _site_origins(public_url: str) -> tuple[str, ...]:
    """The public site's own origin; a site on this machine also under its loopback twin (localhost and 127.0.0.1
    are one place to a person)."""
    parts = urlsplit(public_url)
    twin = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}.get(parts.hostname or "")
    return _origins(public_url) + ((f"{parts.scheme}://{twin}" + (f":{parts.port}" if parts.port else ""),)
                                   if twin else ())


class Settings(BaseModel):
    """Every setting the app reads; immutable and hashable, with the secret ones left out of its repr.

    Build it with `load_settings` (or `get_settings`, once per process); `Settings(field=value)` reads nothing.
    A field without a `validation_alias` (the version) is not a setting the environment can change."""

    model_config = ConfigDict(
        frozen=True,
        # Field names work in Settings(...) and model_copy; only the aliases below are read from the environment.
        validate_by_name=True,
        validate_by_alias=True,
        # An unknown name in Settings(...) is a mistake; load_settings brings only the settings' own variables.
        extra="forbid",
    )

    stage: Stage = Field("local", validation_alias="PIXMINT_STAGE")
    port: int = Field(8000, ge=1, le=65535, validation_alias="PORT")
    public_url: str = Field(default_factory=lambda data: f"http://localhost:{data['port']}",
                            validation_alias="PIXMINT_PUBLIC_URL")
    data_dir: Path = Field(PROJECT_DIR / ".pixmint", validation_alias="PIXMINT_DATA_DIR")
    database_url: str | None = Field(None, repr=False, validation_alias="DATABASE_URL")
    db_pool_size: int = Field(1, ge=1, le=50, validation_alias="DB_POOL_SIZE")
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")
    aws_region: str = Field("us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    openai_api_key: str | None = Field(None, repr=False, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    stripe_secret_key: str | None = Field(None, repr=False, validation_alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: str | None = Field(None, repr=False, validation_alias="STRIPE_WEBHOOK_SECRET")
    stripe_api_base: str | None = Field(None, validation_alias="STRIPE_API_BASE")
    jwt_secret: str | None = Field(None, repr=False, validation_alias="JWT_SECRET")
    jwt_issuer: str = Field("pixmint", validation_alias="JWT_ISSUER")
    jwt_audience: str = Field("pixmint-api", validation_alias="JWT_AUDIENCE")
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600, validation_alias="ACCESS_TOKEN_TTL_SECONDS")
    admin_email: str | None = Field(None, validation_alias="PIXMINT_ADMIN_EMAIL")
    admin_password: str | None = Field(None, repr=False, validation_alias="PIXMINT_ADMIN_PASSWORD")
    signup_bonus_credits: int = Field(50, ge=0, le=1_000_000, validation_alias="SIGNUP_BONUS_CREDITS")
    signups_per_address_per_hour: int = Field(10, ge=1, le=1_000_000,
                                              validation_alias="PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR")
    email_from: str = Field("Pixmint <no-reply@pixmint.example>", validation_alias="PIXMINT_EMAIL_FROM")
    # Issue 22: the SES configuration set whose event destination reports bounces and complaints (the stack's).
    ses_configuration_set: str | None = Field(None, validation_alias="PIXMINT_SES_CONFIGURATION_SET")
    # The contact form's throttle: tickets from one client address per hour (the browser tests raise it).
    support_tickets_per_address_per_hour: int = Field(5, ge=1, le=1_000_000,
                                                      validation_alias="PIXMINT_SUPPORT_TICKETS_PER_ADDRESS_PER_HOUR")
    # The status page's file goes to status/status.json in this bucket (the web app's); unset locally: the data folder.
    status_bucket: str | None = Field(None, validation_alias="PIXMINT_STATUS_BUCKET")
    log_level: LogLevel = Field("INFO", validation_alias="LOG_LEVEL")
    version: str = "0.1.0"
    images_bucket: str = Field("pixmint-images", validation_alias="IMAGES_BUCKET")
    jobs_queue_url: str | None = Field(None, validation_alias="JOBS_QUEUE_URL")
    bedrock_enabled: bool = Field(False, validation_alias="BEDROCK_ENABLED")
    # How long the offline renderer takes per preview and per image, so `make dev` shows previews arriving.
    placeholder_stage_ms: int = Field(default_factory=lambda data: 350 if data["stage"] == "local" else 0,
                                      ge=0, le=5000, validation_alias="PLACEHOLDER_STAGE_MS")
    usage_plan_id: str | None = Field(None, validation_alias="API_USAGE_PLAN_ID")
    jobs_dlq_url: str | None = Field(None, validation_alias="JOBS_DLQ_URL")
    # Unset (or empty) means the public site's own origin; validate_default lets the validator work that out.
    cors_origins: tuple[str, ...] = Field(default_factory=tuple, validate_default=True,
                                          validation_alias="CORS_ALLOWED_ORIGINS")
    # Issue 15 (limits and storage): what CloudFront sends the API origin; only a request that carries it may
    # name the viewer's address (ORIGIN_SECRET_NAME in AWS, PIXMINT_ORIGIN_SECRET locally).
    origin_secret: str | None = Field(None, repr=False, validation_alias="PIXMINT_ORIGIN_SECRET")

    @property
    def is_local(self) -> bool:
        """Whether this is a stage on a developer's machine or in the tests, not a deployed one."""
        return self.stage in ("local", "test")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("public_url")
    @classmethod
    def _without_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode()) < 32:
            raise ValueError("must be at least 32 bytes long")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and value:
            return _origins(value)
        if value in ("", ()) and "public_url" in info.data:  # not when a bad PORT left no public URL to follow
            return _site_origins(info.data["public_url"])
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if bool(self.admin_email) != bool(self.admin_password):
            raise ValueError("set both PIXMINT_ADMIN_EMAIL and PIXMINT_ADMIN_PASSWORD, or neither")
        if self.stripe_secret_key and not self.stripe_webhook_secret:
            raise ValueError("STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY (webhooks must be verified)")
        if not self.is_local:
            if not self.jwt_secret:
                raise ValueError("JWT_SECRET or JWT_SECRET_NAME is required outside local stages")
            if not self.database_url:
                raise ValueError("DATABASE_URL or DATABASE_SECRET_NAME is required outside local stages")
            if not self.jobs_queue_url:
                raise ValueError("JOBS_QUEUE_URL is required outside local stages")
            if not self.stripe_secret_key:
                raise ValueError("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (or STRIPE_SECRET_NAME) are required "
                                 "outside local stages")
        return self


# --- Where the values come from ---


def _present(values: Mapping[str, str | None]) -> dict[str, str]:
    """The variables that are set, trimmed: an empty or blank value means unset."""
    return {name: value.strip() for name, value in values.items() if value and value.strip()}


def _by_field(values: Mapping[str, str]) -> dict[str, str]:
    """One source's values under the settings' field names, each read only under its environment variable (the
    first of its variables that the source sets), so a source never fills a setting under its field name."""
    found: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names = alias.choices if isinstance(alias, AliasChoices) else [alias] if alias else []
        env = next((n for n in names if isinstance(n, str) and n in values), None)
        if env is not None:
            found[name] = values[env]
    return found


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return _present(dotenv_values(path))


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


def _from_secrets(values: Mapping[str, str], read: SecretReader) -> dict[str, str]:
    """The secret settings Secrets Manager fills, by environment variable, when their *_SECRET_NAME is set; a
    setting given both ways is refused."""
    resolved: dict[str, str] = {}
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


# --- Loading ---


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None,
                  secret_reader: SecretReader = read_secret) -> Settings:
    """Builds Settings; the environment wins over the .env file; secrets come from Secrets Manager when named.

    Raises SettingsError (never pydantic's ValidationError), one line naming the environment variable."""
    environ = os.environ if environ is None else environ
    env_file = env_file or Path(_text(environ, "PIXMINT_ENV_FILE") or PROJECT_DIR / ".env")
    environment, dotenv = _present(environ), _read_env_file(env_file)
    try:
        # Lowest first: the .env file, the environment, then what Secrets Manager fills (it reads *_SECRET_NAME and
        # DATABASE_HOST from either of the first two).
        values = {**_by_field(dotenv), **_by_field(environment),
                  **_by_field(_from_secrets({**dotenv, **environment}, secret_reader))}
        return Settings.model_validate(values)
    except ValidationError as error:
        # from None: the error's inputs can hold secrets (a short JWT_SECRET, a DATABASE_URL's password).
        raise SettingsError(_explain(error)) from None


def _setting(key: str) -> tuple[str, str]:
    """The field an error's key names (a field name or an alias), and its environment variable (AWS_REGION's first)."""
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names = alias.choices if isinstance(alias, AliasChoices) else [alias]
        if key == name or key in names:
            return name, names[0] if isinstance(names[0], str) else name
    return key, key


def _explain(error: ValidationError) -> str:
    """pydantic's findings as one line for the operator, each naming its environment variable."""
    problems = []
    for found in error.errors(include_url=False):
        kind, loc, value, context = found["type"], found["loc"], found["input"], found.get("ctx", {})
        if kind == "default_factory_not_called":
            continue  # a default that depends on a setting already reported
        if not loc:  # a rule across settings: its message names them
            problems.append(str(context.get("error", found["msg"])))
            continue
        name, env = _setting(str(loc[0]))
        if kind == "int_parsing":
            problems.append(f"{env} must be a whole number, got {value!r}")
        elif kind in ("greater_than_equal", "less_than_equal"):
            metadata = Settings.model_fields[name].metadata
            low = next(m.ge for m in metadata if isinstance(m, Ge))  # every ranged setting has both ends
            high = next(m.le for m in metadata if isinstance(m, Le))
            problems.append(f"{env} must be between {low} and {high}, got {value}")
        elif kind == "bool_parsing":
            problems.append(f"{env} must be true or false, got {value!r}")
        elif kind == "literal_error":
            choices = get_args(Settings.model_fields[name].annotation)
            problems.append(f"{env} must be one of {', '.join(choices)}, got {value!r}")
        elif kind == "value_error":
            problems.append(f"{env} {context['error']}")
        else:
            problems.append(f"{env} is not valid: {found['msg']}")
    return "; ".join(problems)


@cache
def get_settings() -> Settings:
    """The process's settings, loaded from os.environ and the .env file on first use."""
    return load_settings()
