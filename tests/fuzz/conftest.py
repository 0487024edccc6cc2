"""Schemathesis against the local stack: the OpenAPI document, three kinds of caller, real ids to aim at.

The budget comes from the environment so that CI runs a short, seeded and derandomized pass
(`make test`) and `make fuzz` a long one: FUZZ_EXAMPLES examples per operation and phase,
FUZZ_SEED for the generator.
"""

from __future__ import annotations

import os
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, running_local_stack, verify_through_outbox

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261124"))
PASSWORD = "fuzzing password 1234"
API_KEY_POOL = 6  # keys allow at most 600 requests a minute each; a pool keeps the fuzzer under every limit

# Operations that would take the fuzzer's own credentials away mid-run (the account deleted, the password
# changed, the session ended, the key revoked, the admin suspended or demoted). The authenticated runs leave
# them out; tests/fuzz/test_openapi_fuzz.py fuzzes them with a throwaway account per case instead.
DESTRUCTIVE = frozenset({
    "DELETE /v1/me",
    "POST /v1/me/password",
    "POST /v1/auth/logout",
    "DELETE /v1/api-keys/{key_id}",
    "PATCH /v1/admin/users/{user_id}",
})
# Deleting the image the other operations aim at would leave them nothing but 404s for the rest of the run.
NO_REAL_IDS = frozenset({"DELETE /v1/images/{image_id}"})


def unique_email(label: str) -> str:
    return f"fuzz-{label}-{uuid.uuid4().hex[:12]}@example.com"


# A many-use invite code made once the admin is signed in: the admin run may switch invite-only sign-up on
# (PATCH /v1/admin/settings), and the throwaway accounts must still be made after that.
INVITE: list[str] = []


def register(base_url: str, label: str) -> dict[str, Any]:
    """A new account with its email verified, so it holds the signup bonus."""
    email = unique_email(label)
    body = {"email": email, "password": PASSWORD, **({"invite_code": INVITE[0]} if INVITE else {})}
    session = api_call(base_url, "POST", "/v1/auth/register", body)
    return {**session, "user": verify_through_outbox(base_url, email)}


def pick(value: Any) -> bool:
    """A deterministic coin from a generated value: half the cases aim at a real resource, half at noise."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


@dataclass
class Identity:
    """How one kind of caller authenticates, and the ids of resources it may act on."""

    mode: str
    headers: list[dict[str, str]]
    ids: dict[str, str] = field(default_factory=dict)
    _turn: int = 0

    def next_headers(self) -> dict[str, str]:
        self._turn += 1
        return self.headers[self._turn % len(self.headers)]


@pytest.fixture(scope="package")
def fuzz_stack(pg_server_url, tmp_path_factory):
    """A local stack of its own, stopped once tests/fuzz is done: admin fuzzing changes prices, packs and
    settings, which must not leak into the e2e tests sharing live_stack."""
    with running_local_stack(pg_server_url, tmp_path_factory.mktemp("fuzz-stack"), prefix="pixmint_fuzz",
                             need_frontend=False) as url:
        yield url


def _wait_for_generation(base_url: str, token: str, generation_id: str, deadline_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + deadline_s
    while True:
        generation = api_call(base_url, "GET", f"/v1/generations/{generation_id}", token=token)
        if generation["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return generation
        time.sleep(0.3)


@pytest.fixture(scope="package")
def identities(fuzz_stack) -> dict[str, Identity]:
    """A user with an image, a shared image and a checkout; API keys of the same user; the stack's admin."""
    session = register(fuzz_stack, "user")
    token = session["access_token"]
    generation = api_call(fuzz_stack, "POST", "/v1/generations", {"prompt": "a lighthouse at dusk", "n": 1},
                          token=token)
    generation = _wait_for_generation(fuzz_stack, token, generation["id"])
    assert generation["status"] == "succeeded", generation
    image_id = generation["images"][0]["id"]
    slug = api_call(fuzz_stack, "POST", f"/v1/images/{image_id}/share", {}, token)["slug"]
    checkout = api_call(fuzz_stack, "POST", "/v1/credits/checkout", {"pack_id": _first_pack(fuzz_stack)}, token)
    # Checkouts must go to the local test checkout, never to Stripe.
    assert checkout["checkout_url"].startswith(f"{fuzz_stack}/_dev/checkout/"), checkout
    ids = {"image_id": image_id, "generation_id": generation["id"], "slug": slug,
           "checkout_id": checkout["checkout_id"]}
    keys = [api_call(fuzz_stack, "POST", "/v1/api-keys", {"name": f"fuzz {i}", "rate_limit_per_minute": 600},
                     token)["key"] for i in range(API_KEY_POOL)]
    admin = api_call(fuzz_stack, "POST", "/v1/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    INVITE[:] = [api_call(fuzz_stack, "POST", "/v1/admin/invite-codes", {"uses": 100_000, "note": "fuzzing"},
                          admin["access_token"])["code"]]
    return {
        "user": Identity("user", [{"Authorization": f"Bearer {token}"}], ids),
        "api_key": Identity("api_key", [{"X-API-Key": key} for key in keys], ids),
        "admin": Identity("admin", [{"Authorization": f"Bearer {admin['access_token']}"}],
                          {"user_id": session["user"]["id"], "image_id": image_id}),
    }


def _first_pack(base_url: str) -> str:
    return api_call(base_url, "GET", "/v1/credits/packs")["items"][0]["id"]


def load_schema() -> Any:
    """The OpenAPI document from the code, with the fuzzing budget; the stack serving the same one is tested."""
    import schemathesis

    from chalicelib.openapi import openapi_document

    config = schemathesis.Config.from_dict({
        "seed": FUZZ_SEED,
        "request-timeout": 30,
        "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
    })
    return schemathesis.openapi.from_dict(openapi_document(), config=config)


def aim_at_real_ids(case: Any, ids: dict[str, str]) -> None:
    """Swaps half the valid generated path ids for ids of real resources, so success paths get fuzzed too."""
    from schemathesis.core.parameters import ParameterLocation

    if case.operation.label in NO_REAL_IDS or (
            case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)):
        return
    for name, value in list((case.path_parameters or {}).items()):
        if name in ids and pick(value):
            case.path_parameters[name] = ids[name]


# The methods CloudFront forwards to API Gateway. Others (TRACE, QUERY, CONNECT) never reach Pixmint in
# production; locally devstack's http.server answers them with its own 501 page, which says nothing of the app.
FORWARDED_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"})


def reaches_the_app(case: Any) -> bool:
    return case.method.upper() in FORWARDED_METHODS


def call_and_validate(case: Any, base_url: str, headers: dict[str, str]) -> None:
    """case.call_and_validate with our credentials, and the checks excused for this operation and answer left out."""
    if _drops_credentials_on_purpose(case):
        headers = {}  # the case proves that a request without credentials is refused; adding ours would undo it
    response = case.call(base_url=base_url, headers=headers)
    case.validate_response(response, headers=headers, excluded_checks=excused_checks(case, response),
                           transport_kwargs={"base_url": base_url, "headers": dict(headers)})


def _drops_credentials_on_purpose(case: Any) -> bool:
    from schemathesis.core.parameters import ParameterLocation

    sent = {name.lower() for name in (case.headers or {})}
    return case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER) \
        and not sent & {"authorization", "x-api-key"}


def excused_checks(case: Any, response: Any) -> list[Any]:
    """Checks that cannot judge this answer, each for a reason the OpenAPI document cannot express."""
    from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

    excused = []
    if case.operation.label in VALID_DEPENDS_ON_MORE_THAN_SHAPE or _refused_for_state(response) \
            or _refused_after_trimming(case, response):
        excused.append(positive_data_acceptance)
    if 200 <= response.status_code < 300 and _has_whitespace_to_collapse(case.body):
        excused.append(negative_data_rejection)  # 81 characters that collapse to 80 are rightly taken
    if response.status_code == 413:
        excused.append(negative_data_rejection)  # an upload declared over 10 MB is refused as too large, rightly
    return excused


def _has_whitespace_to_collapse(body: Any) -> bool:
    return isinstance(body, dict) and any(isinstance(v, str) and " ".join(v.split()) != v for v in body.values())


def _refused_after_trimming(case: Any, response: Any) -> bool:
    """Names, reasons and display names are measured after their whitespace is collapsed ("  a " is "a"),
    which minLength cannot say; a 400 for such a field whose value had whitespace to collapse is not a lie."""
    if response.status_code != 400 or not isinstance(case.body, dict):
        return False
    try:
        field = response.json()["error"]["details"].get("field")
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    value = case.body.get(field)
    return isinstance(value, str) and " ".join(value.split()) != value


def _refused_for_state(response: Any) -> bool:
    """A 400 that is about state or bytes rather than shape: a cursor the server never issued (cursors are
    opaque), the 20-key limit reached, or a NUL character (PostgreSQL cannot store one; refused everywhere)."""
    if response.status_code != 400:
        return False
    try:
        details = response.json()["error"]["details"]
    except (ValueError, KeyError, TypeError):
        return False
    return details.get("field") == "cursor" or ("max" in details and details.get("field") == "name") \
        or details.get("reason") == "nul_character"


# A schema-valid request to these may rightly get a 400 or 422, for reasons JSON Schema cannot state, so
# positive_data_acceptance is off for them alone; every other check still runs.
VALID_DEPENDS_ON_MORE_THAN_SHAPE = {
    # the catalog: a model, size, quality and style preset offered together; an image id that exists
    "POST /v1/generations": "catalog",
    "POST /v1/generations/quote": "catalog",
    "PUT /v1/admin/pricing": "catalog",
    "PATCH /v1/admin/models/{model_id}": "catalog",  # a replacement that exists and is available
    # a credit pack that is on sale
    "POST /v1/credits/checkout": "catalog",
    # a key's model ids that exist, addresses that parse as CIDR, an expiry within three years of now
    "POST /v1/api-keys": "catalog",
    # `to` after `from`, at most 366 days apart
    "GET /v1/admin/reports/usage": "two fields together",
    # password strength: not a common password, not the email, enough variety (422 weak_password)
    "POST /v1/auth/register": "password policy; a referral_code that is someone's",
    "POST /v1/auth/password-reset/confirm": "password policy",
    # a token that was emailed, a code from the authenticator app (400 invalid_token / invalid_code)
    "POST /v1/auth/verify-email": "a token from an email",
    "POST /v1/me/2fa/confirm": "a code from the authenticator",
    "DELETE /v1/me/2fa": "a code from the authenticator",
    "POST /v1/me/password": "password policy",
    # a body signed with the webhook secret; a generated Stripe-Signature never verifies (400)
    "POST /v1/webhooks/stripe": "signature",
    # every {blank} of a template is an identifier
    "PUT /v1/admin/prompt-templates/{template_id}": "template syntax",
    # the catalog again, under OpenAI's parameter names; an edit's image must be a picture we can read
    "POST /v1/openai/images/generations": "catalog",
    "POST /v1/openai/images/edits": "catalog",
    # a URL that parses, with a host, on a scheme we deliver to
    "POST /v1/webhook-endpoints": "url",
    # a public handle that is not a reserved word (admin, pixmint, support, ...)
    "PATCH /v1/me": "reserved words",
    # launch kit (issue 22): a null reads as "not given", and at least one change must be given
    "PATCH /v1/me/email-preferences": "at least one non-null change",
    # an unsubscribe token this deployment signed and emailed (400 invalid_token otherwise)
    "POST /v1/email-preferences/unsubscribe": "a token from an email",
    # signed in, or an email address to answer; a few tickets an hour per client address (429 beyond)
    "POST /v1/support/tickets": "signed in or an email; a throttle",
    "POST /v1/support/tickets/{ticket_id}/messages": "a throttle per account",
    # a finished generation of the ticket's account, not refunded in full yet (409 otherwise)
    "POST /v1/admin/support/tickets/{ticket_id}/refunds": "a generation of the ticket's account",
    # the beta program: an expiry in the future; ids or count, one of them; a throttle per client address
    "POST /v1/admin/invite-codes": "an expiry in the future",
    "POST /v1/admin/waitlist/approve": "ids or count",
    "POST /v1/waitlist": "a throttle per address",
    "POST /v1/feedback": "a throttle per address",
    # billing (issue 18): a plan on sale, no live subscription yet (409), Stripe configured (503 without it); a
    # change needs a live subscription (404) and at least one non-null field
    "POST /v1/billing/subscription": "a plan on sale; no live subscription; Stripe",
    "PATCH /v1/billing/subscription": "a live subscription; at least one non-null change",
    # referrals (issue 18) add settings; a null reads as "not given", and at least one change must be given
    "PATCH /v1/admin/settings": "at least one non-null change",
    # library recall (issue 21): sort=relevance needs q beside it (a 400 naming sort without one)
    "GET /v1/images": "two parameters together",
}
