"""load_settings: defaults, the .env file, the environment over it, and fail-fast errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from chalicelib.config import Settings, SettingsError, load_settings

GOOD_SECRET = "s" * 40
DB = "postgresql://pixmint@localhost:5432/pixmint"


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    return tmp_path / "x.env"


def test_defaults_apply_when_nothing_is_set(env_file):
    settings = load_settings(environ={}, env_file=env_file)
    assert settings.stage == "local"
    assert settings.is_local
    assert settings.port == 8000
    assert settings.public_url == "http://localhost:8000"
    assert settings.signup_bonus_credits == 50
    assert settings.database_url is None
    assert settings.jwt_secret is None
    assert (settings.jwt_issuer, settings.jwt_audience) == ("pixmint", "pixmint-api")
    assert settings.access_token_ttl_seconds == 900
    assert settings.log_level == "INFO"


def test_the_default_public_url_follows_the_port(env_file):
    assert load_settings(environ={"PORT": "9000"}, env_file=env_file).public_url == "http://localhost:9000"


def test_a_given_public_url_loses_its_trailing_slash(env_file):
    settings = load_settings(environ={"PIXMINT_PUBLIC_URL": "https://pixmint.example/"}, env_file=env_file)
    assert settings.public_url == "https://pixmint.example"


def test_empty_values_mean_the_default(env_file):
    settings = load_settings(environ={"PORT": "", "SIGNUP_BONUS_CREDITS": "", "JWT_SECRET": " "}, env_file=env_file)
    assert (settings.port, settings.signup_bonus_credits, settings.jwt_secret) == (8000, 50, None)


def test_values_are_read_from_the_env_file(env_file):
    env_file.write_text(f"PORT=9100\nSIGNUP_BONUS_CREDITS=7\nJWT_SECRET={GOOD_SECRET}\nDATABASE_URL={DB}\n")
    settings = load_settings(environ={}, env_file=env_file)
    assert settings.port == 9100
    assert settings.signup_bonus_credits == 7
    assert settings.jwt_secret == GOOD_SECRET
    assert settings.database_url == DB


def test_the_environment_wins_over_the_env_file(env_file):
    env_file.write_text("PORT=9100\nSIGNUP_BONUS_CREDITS=7\n")
    settings = load_settings(environ={"PORT": "9200"}, env_file=env_file)
    assert settings.port == 9200
    assert settings.signup_bonus_credits == 7


def test_a_bad_value_in_the_env_file_fails_too(env_file):
    env_file.write_text("PORT=abc\n")
    with pytest.raises(SettingsError, match="PORT"):
        load_settings(environ={}, env_file=env_file)


def test_secrets_stay_out_of_the_repr(env_file):
    settings = load_settings(
        environ={"JWT_SECRET": GOOD_SECRET, "PIXMINT_ADMIN_EMAIL": "root@example.com",
                 "PIXMINT_ADMIN_PASSWORD": "admin password 42"},
        env_file=env_file,
    )
    assert settings.admin_password == "admin password 42"
    assert GOOD_SECRET not in repr(settings)
    assert "admin password 42" not in repr(settings)


def test_prod_starts_with_a_secret_name_and_a_database(env_file):
    asked = []
    settings = load_settings(
        environ={"PIXMINT_STAGE": "prod", "JWT_SECRET_NAME": "pixmint/jwt", "DATABASE_URL": DB,
                 "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
                 "JOBS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/pixmint-jobs"}, env_file=env_file,
        secret_reader=lambda values, name: asked.append(name) or GOOD_SECRET,
    )
    assert settings.stage == "prod"
    assert not settings.is_local
    assert asked == ["pixmint/jwt"]
    assert settings.jwt_secret == GOOD_SECRET


@pytest.mark.parametrize("url", [DB, "postgres://pixmint@db/pixmint"])
def test_postgres_urls_are_accepted(env_file, url):
    assert load_settings(environ={"DATABASE_URL": url}, env_file=env_file).database_url == url


@pytest.mark.parametrize(
    "environ, names",
    [
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "0"}, "PORT"),
        ({"SIGNUP_BONUS_CREDITS": "-1"}, "SIGNUP_BONUS_CREDITS"),
        ({"SIGNUP_BONUS_CREDITS": "ten"}, "SIGNUP_BONUS_CREDITS"),
        ({"PIXMINT_STAGE": "staging"}, "PIXMINT_STAGE"),
        ({"PIXMINT_ADMIN_EMAIL": "root@example.com"}, "PIXMINT_ADMIN_PASSWORD"),
        ({"PIXMINT_ADMIN_PASSWORD": "admin password 42"}, "PIXMINT_ADMIN_EMAIL"),
        ({"JWT_SECRET": "s" * 31}, "JWT_SECRET"),
        ({"DATABASE_URL": "mysql://pixmint@localhost/pixmint"}, "DATABASE_URL"),
        ({"PIXMINT_STAGE": "prod", "DATABASE_URL": DB}, "JWT_SECRET"),
        ({"PIXMINT_STAGE": "prod", "JWT_SECRET": GOOD_SECRET}, "DATABASE_URL"),
        ({"PIXMINT_STAGE": "prod", "JWT_SECRET": GOOD_SECRET, "DATABASE_URL": DB, "JOBS_QUEUE_URL": "https://q"},
         "STRIPE_SECRET_KEY"),
        ({"STRIPE_SECRET_KEY": "sk_test_x"}, "STRIPE_WEBHOOK_SECRET"),
        ({"PIXMINT_STAGE": "dev", "DATABASE_URL": DB}, "JWT_SECRET"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({"ACCESS_TOKEN_TTL_SECONDS": "10"}, "ACCESS_TOKEN_TTL_SECONDS"),
    ],
    ids=[
        "port-not-a-number", "port-too-high", "port-zero", "negative-bonus", "bonus-not-a-number", "unknown-stage",
        "admin-email-alone", "admin-password-alone", "short-jwt-secret", "mysql-url", "prod-without-jwt-secret",
        "prod-without-database", "prod-without-stripe", "stripe-key-without-webhook-secret",
        "dev-without-jwt-secret", "bad-log-level", "ttl-too-short",
    ],
)
def test_bad_settings_fail_fast_with_a_one_line_message_naming_the_setting(env_file, environ, names):
    with pytest.raises(SettingsError) as failed:
        load_settings(environ=environ, env_file=env_file)
    message = str(failed.value)
    assert message.strip()
    assert "\n" not in message
    assert names in message


# --- Secrets Manager, read through Powertools parameters (moto plays AWS) ---

PROD = {"PIXMINT_STAGE": "prod", "JOBS_QUEUE_URL": "https://sqs.example/q", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture
def secrets_manager(monkeypatch):
    import uuid

    import boto3
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")

        def put(value: str) -> str:
            # Unique names: Powertools caches values by name for five minutes.
            return client.create_secret(Name=f"pixmint/{uuid.uuid4()}", SecretString=value)["ARN"]

        yield put


def prod_secrets(put) -> dict[str, str]:
    import json

    return {
        **PROD,
        "DATABASE_SECRET_NAME": put(json.dumps({"username": "pixmint", "password": "p@ss/word:1", "host": "db.internal",
                                                "port": 5432, "dbname": "pixmint"})),
        "DATABASE_HOST": "proxy.example.internal",
        "STRIPE_SECRET_NAME": put(json.dumps({"secret_key": "sk_test_abc", "webhook_secret": "whsec_abc"})),
        "OPENAI_SECRET_NAME": put(json.dumps({"api_key": "sk-openai-abc"})),
        "JWT_SECRET_NAME": put(GOOD_SECRET),
    }


def test_production_secrets_come_from_secrets_manager(secrets_manager, env_file):
    settings = load_settings(environ=prod_secrets(secrets_manager), env_file=env_file)
    # The proxy endpoint wins over the database host; the password is URL-quoted; TLS is required.
    assert settings.database_url == "postgresql://pixmint:p%40ss%2Fword%3A1@proxy.example.internal:5432/pixmint?sslmode=require"
    assert (settings.stripe_secret_key, settings.stripe_webhook_secret) == ("sk_test_abc", "whsec_abc")
    assert settings.openai_api_key == "sk-openai-abc"
    assert settings.jwt_secret == GOOD_SECRET


def test_the_database_url_parses_back_to_the_secret(secrets_manager, env_file):
    from psycopg.conninfo import conninfo_to_dict

    settings = load_settings(environ=prod_secrets(secrets_manager), env_file=env_file)
    parts = conninfo_to_dict(settings.database_url)
    assert (parts["user"], parts["password"], parts["host"], parts["sslmode"]) == (
        "pixmint", "p@ss/word:1", "proxy.example.internal", "require")


def test_settings_never_show_secret_values(secrets_manager, env_file):
    text = repr(load_settings(environ=prod_secrets(secrets_manager), env_file=env_file))
    for secret in (GOOD_SECRET, "sk_test_abc", "whsec_abc", "sk-openai-abc", "p%40ss"):
        assert secret not in text


@pytest.mark.parametrize("setting, clash", [
    ("STRIPE_SECRET_NAME", "STRIPE_SECRET_KEY"), ("OPENAI_SECRET_NAME", "OPENAI_API_KEY"),
    ("JWT_SECRET_NAME", "JWT_SECRET"), ("DATABASE_SECRET_NAME", "DATABASE_URL")])
def test_a_secret_set_both_ways_is_refused(secrets_manager, env_file, setting, clash):
    environ = {**prod_secrets(secrets_manager), clash: DB if clash == "DATABASE_URL" else GOOD_SECRET}
    with pytest.raises(SettingsError, match=clash):
        load_settings(environ=environ, env_file=env_file)


@pytest.mark.parametrize("setting, value, message", [
    ("STRIPE_SECRET_NAME", '{"secret_key": "sk_test_abc"}', "webhook_secret"),
    ("OPENAI_SECRET_NAME", "sk-not-json", "JSON object"),
    ("DATABASE_SECRET_NAME", '{"username": "pixmint"}', "username and password"),
])
def test_an_incomplete_secret_fails_fast(secrets_manager, env_file, setting, value, message):
    environ = {**prod_secrets(secrets_manager), setting: secrets_manager(value)}
    with pytest.raises(SettingsError, match=message):
        load_settings(environ=environ, env_file=env_file)


def test_a_missing_secret_is_an_error_not_a_default(secrets_manager, env_file):
    environ = {**prod_secrets(secrets_manager), "OPENAI_SECRET_NAME": "pixmint/does-not-exist"}
    with pytest.raises(Exception, match=r"does-not-exist|ResourceNotFound"):
        load_settings(environ=environ, env_file=env_file)


def test_cors_allows_the_public_site_by_default(env_file):
    settings = load_settings(environ={"PIXMINT_PUBLIC_URL": "https://pixmint.example/"}, env_file=env_file)
    assert settings.cors_origins == ("https://pixmint.example",)


@pytest.mark.parametrize("public, twin", [("http://localhost:8000", "http://127.0.0.1:8000"),
                                          ("http://127.0.0.1:8000/", "http://localhost:8000"),
                                          ("http://localhost", "http://127.0.0.1")])
def test_a_site_on_this_machine_is_also_allowed_under_its_loopback_twin(env_file, public, twin):
    settings = load_settings(environ={"PIXMINT_PUBLIC_URL": public}, env_file=env_file)
    assert settings.cors_origins == (public.rstrip("/"), twin)


def test_cors_origins_can_be_listed(env_file):
    settings = load_settings(environ={"CORS_ALLOWED_ORIGINS": "https://a.example, http://localhost:5173/"},
                             env_file=env_file)
    assert settings.cors_origins == ("https://a.example", "http://localhost:5173")


@pytest.mark.parametrize("value", ["*", "a.example", "https://a.example/app", "ftp://a.example", "https://a.example?x=1"])
def test_cors_origins_must_be_origins(env_file, value):
    with pytest.raises(SettingsError, match="CORS_ALLOWED_ORIGINS"):
        load_settings(environ={"CORS_ALLOWED_ORIGINS": value}, env_file=env_file)


# --- The settings model: its errors become SettingsError, and it reads only what load_settings gives it ---


@pytest.mark.parametrize("environ, message", [
    ({"ACCESS_TOKEN_TTL_SECONDS": "5000"}, "ACCESS_TOKEN_TTL_SECONDS must be between 60 and 3600, got 5000"),
    ({"PORT": "abc"}, "PORT must be a whole number, got 'abc'"),
    ({"PIXMINT_STAGE": "staging"}, "PIXMINT_STAGE must be one of local, test, dev, prod, got 'staging'"),
    ({"BEDROCK_ENABLED": "maybe"}, "BEDROCK_ENABLED must be true or false, got 'maybe'"),
    ({"DATABASE_URL": "mysql://pixmint@localhost/pixmint"}, "DATABASE_URL must be a postgresql:// URL"),
    ({"AWS_DEFAULT_REGION": "eu-west-1", "PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR": "0"},
     "PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR must be between 1 and 1000000, got 0"),
])
def test_a_validation_error_becomes_a_settings_error_naming_the_variable_not_the_field(env_file, environ, message):
    with pytest.raises(SettingsError) as failed:
        load_settings(environ=environ, env_file=env_file)
    assert str(failed.value) == message


def test_the_error_carries_no_trace_of_the_secret_it_was_given(env_file):
    import traceback

    short = "hunter2-but-not-32-bytes"
    with pytest.raises(SettingsError) as failed:
        load_settings(environ={"JWT_SECRET": short}, env_file=env_file)
    assert str(failed.value) == "JWT_SECRET must be at least 32 bytes long"
    # No chained ValidationError, whose text would show the value.
    assert short not in "".join(traceback.format_exception(failed.value))


def test_several_problems_are_reported_together_on_one_line(env_file):
    with pytest.raises(SettingsError) as failed:
        load_settings(environ={"PORT": "abc", "LOG_LEVEL": "chatty"}, env_file=env_file)
    assert str(failed.value) == ("PORT must be a whole number, got 'abc'; "
                                 "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got 'CHATTY'")


def test_a_bad_port_is_reported_alone_not_with_the_defaults_that_follow_from_it(env_file):
    # The public URL, and from it the CORS origins, default from PORT.
    with pytest.raises(SettingsError) as failed:
        load_settings(environ={"PORT": "0"}, env_file=env_file)
    assert str(failed.value) == "PORT must be between 1 and 65535, got 0"


def test_only_the_documented_variable_names_are_read(env_file):
    env_file.write_text("port=9100\nversion=9.9.9\n")
    settings = load_settings(environ={"stage": "prod", "jwt_secret": "x", "version": "9.9.9", "Port": "1"},
                             env_file=env_file)
    assert (settings.stage, settings.port, settings.jwt_secret, settings.version) == ("local", 8000, None, "0.1.0")


@pytest.mark.parametrize("environ, region", [
    ({}, "us-east-1"),
    ({"AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1"),
    ({"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-1"}, "ap-south-1"),
    ({"AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1"),
])
def test_aws_region_falls_back_to_aws_default_region(env_file, environ, region):
    assert load_settings(environ=environ, env_file=env_file).aws_region == region


def test_an_empty_variable_in_the_environment_leaves_the_env_file_value(env_file):
    env_file.write_text("PORT=9100\n")
    assert load_settings(environ={"PORT": " "}, env_file=env_file).port == 9100


def test_pixmint_env_file_names_the_env_file(tmp_path):
    named = tmp_path / "named.env"
    named.write_text("PORT=9300\n")
    assert load_settings(environ={"PIXMINT_ENV_FILE": str(named)}).port == 9300


def test_a_secret_named_in_the_env_file_is_read_too(env_file):
    env_file.write_text("JWT_SECRET_NAME=pixmint/jwt\n")
    settings = load_settings(environ={}, env_file=env_file,
                             secret_reader=lambda values, name: GOOD_SECRET if name == "pixmint/jwt" else "")
    assert settings.jwt_secret == GOOD_SECRET


def test_a_secret_named_in_the_environment_and_set_in_the_env_file_is_refused(env_file):
    env_file.write_text(f"JWT_SECRET={GOOD_SECRET}\n")
    with pytest.raises(SettingsError, match="set JWT_SECRET or JWT_SECRET_NAME, not both"):
        load_settings(environ={"JWT_SECRET_NAME": "pixmint/jwt"}, env_file=env_file,
                      secret_reader=lambda values, name: GOOD_SECRET)


@pytest.mark.parametrize("environ, expected", [
    ({}, ("INFO", False, 350)),
    ({"LOG_LEVEL": "debug", "BEDROCK_ENABLED": "yes"}, ("DEBUG", True, 350)),
    ({"PIXMINT_STAGE": "test", "BEDROCK_ENABLED": "0"}, ("INFO", False, 0)),
    ({"PIXMINT_STAGE": "test", "PLACEHOLDER_STAGE_MS": "20"}, ("INFO", False, 20)),
])
def test_log_level_flags_and_the_placeholder_delay_that_follows_the_stage(env_file, environ, expected):
    settings = load_settings(environ=environ, env_file=env_file)
    assert (settings.log_level, settings.bedrock_enabled, settings.placeholder_stage_ms) == expected


def test_settings_built_directly_read_nothing_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "9999")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    settings = Settings(aws_region="eu-west-2")
    assert (settings.port, settings.aws_endpoint_url, settings.aws_region) == (8000, None, "eu-west-2")


def test_an_unknown_name_in_settings_is_refused():
    with pytest.raises(ValidationError, match="prot"):
        Settings(prot=9000)


def test_settings_are_immutable_and_hashable(env_file):
    settings = load_settings(environ={}, env_file=env_file)
    with pytest.raises(ValidationError, match="frozen"):
        settings.port = 9000
    assert hash(settings) == hash(load_settings(environ={}, env_file=env_file))
