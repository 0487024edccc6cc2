"""load_settings: defaults, the .env file, the environment over it, and fail-fast errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.config import SettingsError, load_settings

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
