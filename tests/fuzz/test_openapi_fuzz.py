"""Every operation of the OpenAPI document, fuzzed on the running local stack with all of schemathesis' default checks.

Each reply must be documented (status, content type, body schema) and carry no server error, and an operation
that declares authentication must refuse a request without it (ignored_auth). Bad input gets a 4xx in the
error envelope. A failure found here becomes a test in tests/integration/test_fuzz_regressions.py.

The schema is loaded at import from chalicelib.openapi (schemathesis' fixture loader does not work with
pytest 9's node ids); test_the_stack_serves_the_fuzzed_document proves the stack serves that same document.
"""

from __future__ import annotations

from chalicelib.openapi import openapi_document
from tests.conftest import api_call
from tests.fuzz.conftest import (
    DESTRUCTIVE,
    PASSWORD,
    aim_at_real_ids,
    call_and_validate,
    load_schema,
    pick,
    reaches_the_app,
    register,
)

schema = load_schema()
everyday = schema.exclude(name=sorted(DESTRUCTIVE))
# Keys cannot reach administration, key management or password and account changes (403; tests/integration
# proves it); the key run fuzzes what a key can reach.
KEY_REACHABLE = sorted(f"{method.upper()} {path}" for path, operations in openapi_document()["paths"].items()
                       for method, operation in operations.items()
                       if not operation["security"] or {"apiKey": []} in operation["security"])
reachable_with_key = everyday.include(name=KEY_REACHABLE)
# An admin reaches everything else exactly as a user does; only the admin operations answer differently.
administration = schema.include(path_regex=r"^/v1/admin/").exclude(name=sorted(DESTRUCTIVE))
destructive = schema.include(name=sorted(DESTRUCTIVE))


def test_the_stack_serves_the_fuzzed_document(fuzz_stack):
    assert api_call(fuzz_stack, "GET", "/v1/openapi.json") == openapi_document()


def test_the_fuzzed_stack_moves_no_real_money_and_calls_no_real_provider(fuzz_stack, identities):
    # Stripe, OpenAI and Bedrock settings are scrubbed from the stack's environment (tests/conftest.py).
    models = api_call(fuzz_stack, "GET", "/v1/models")["items"]
    assert models and all(model["provider"] == "placeholder" and model["offline"] for model in models)
    checkout = api_call(fuzz_stack, "POST", "/v1/credits/checkout", {"amount_cents": 500}, headers=
                        identities["user"].next_headers())
    assert checkout["checkout_url"].startswith(f"{fuzz_stack}/_dev/checkout/")


def _call(case, fuzz_stack, identity) -> None:
    if not reaches_the_app(case):
        return
    aim_at_real_ids(case, identity.ids)
    call_and_validate(case, fuzz_stack, identity.next_headers())


@everyday.parametrize()
def test_as_a_user(case, fuzz_stack, identities):
    _call(case, fuzz_stack, identities["user"])


@reachable_with_key.parametrize()
def test_with_an_api_key(case, fuzz_stack, identities):
    _call(case, fuzz_stack, identities["api_key"])


@administration.parametrize()
def test_as_an_admin(case, fuzz_stack, identities):
    _call(case, fuzz_stack, identities["admin"])


@destructive.parametrize()
def test_operations_that_end_credentials_with_throwaway_accounts(case, fuzz_stack, identities):
    """Each case gets a fresh account (and key), so deleting, signing out or suspending it harms nothing else."""
    victim = register(fuzz_stack, "throwaway")
    token = victim["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    real = {"user_id": victim["user"]["id"]}
    if "key_id" in (case.path_parameters or {}):
        real["key_id"] = api_call(fuzz_stack, "POST", "/v1/api-keys", {"name": "doomed"}, token)["id"]
    if case.path.startswith("/v1/admin/"):
        headers = identities["admin"].next_headers()  # the admin acts on the throwaway account, never on itself
    if not reaches_the_app(case):
        return
    aim_at_real_ids(case, real)
    if isinstance(case.body, dict) and not _negative_body(case):
        secrets = {"password": PASSWORD, "current_password": PASSWORD, "refresh_token": victim["refresh_token"]}
        for name, value in secrets.items():
            if isinstance(case.body.get(name), str) and pick(case.body[name]):
                case.body[name] = value
    call_and_validate(case, fuzz_stack, headers)


def _negative_body(case) -> bool:
    from schemathesis.core.parameters import ParameterLocation

    return case.meta is not None and case.meta.is_negative_at(ParameterLocation.BODY)
