"""Each transaction names what it was for: a spend and its refund their generation (and its first image), a
purchase, a payment refund and a dispute their checkout; other rows name nothing."""

from __future__ import annotations

import pytest

from chalicelib.domain.imaging import ProviderError
from tests.fake_stripe import stripe_settings
from tests.integration.test_generation import run_worker
from tests.integration.test_payments import buy, charge_event, deliver, session_event

pytestmark = pytest.mark.usefixtures("ledger_invariant")

LINKS = ("generation_id", "image_id", "payment_id")


@pytest.fixture
def providers(scripted_providers):
    """openai_fake (tests/integration/conftest.py) beside the placeholder."""
    return scripted_providers


@pytest.fixture
def settings_overrides(fake_stripe):
    fake_stripe.failures_left = 0
    return stripe_settings(fake_stripe)


def rows(api, token) -> list[dict]:
    return api.get("/v1/credits/transactions", token=token).json["items"]


def links(row: dict) -> tuple:
    return tuple(row[name] for name in LINKS)


def test_a_spend_names_its_generation_and_first_image_and_a_refund_its_generation(api, chalice_client,
                                                                                   openai_fake):
    token = api.register()["access_token"]
    made = api.post("/v1/generations", {"prompt": "a fox", "model": "placeholder", "n": 2}, token=token).json
    run_worker(chalice_client, made["id"])
    first = api.get(f"/v1/generations/{made['id']}", token=token).json["images"][0]["id"]
    openai_fake.steps = [ProviderError("down", retryable=False)]
    failed = api.post("/v1/generations", {"prompt": "a hare", "model": "gpt-image-1-mini", "quality": "low"},
                      token=token).json
    run_worker(chalice_client, failed["id"])

    refund, failed_spend, spend, bonus = rows(api, token)
    assert (refund["kind"], failed_spend["kind"], spend["kind"], bonus["kind"]) == \
        ("generation_refund", "generation", "generation", "signup_bonus")
    assert links(spend) == (made["id"], first, None)
    assert links(failed_spend) == links(refund) == (failed["id"], None, None)
    assert links(bonus) == (None, None, None)

    api.delete(f"/v1/images/{first}", token=token)
    assert links(rows(api, token)[2])[1] != first, "a deleted image is not linked"


def test_a_purchase_and_its_refund_name_their_checkout(api, fake_stripe):
    token = api.register()["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "starter"})
    assert deliver(api, session_event(stripe_session, intent="pi_links")).status == 200
    assert deliver(api, charge_event("evt_links_refund", "pi_links", 500, 250)).status == 200
    refund, purchase, _bonus = rows(api, token)
    assert (refund["kind"], purchase["kind"]) == ("payment_refund", "purchase")
    assert links(purchase) == links(refund) == (None, None, stripe_session["id"])



@pytest.mark.parametrize("origin, lands", [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),  # the loopback twin of the public URL
    ("http://localhost:8000", "http://localhost:8000"),
    ("https://evil.example", "http://localhost:8000"),  # not one of ours: the public URL
    (None, "http://localhost:8000"),
])
def test_a_checkout_returns_to_the_site_it_started_from_when_that_is_ours(api, fake_stripe, origin, lands):
    token = api.register()["access_token"]
    headers = {"Origin": origin} if origin else {}
    reply = api.post("/v1/credits/checkout", {"pack_id": "starter"}, token=token, headers=headers)
    assert reply.status == 201, reply.body
    params = fake_stripe.requests[-1]["params"]
    assert params["success_url"] == f"{lands}/credits/return?checkout_id={{CHECKOUT_SESSION_ID}}"
    assert params["cancel_url"] == f"{lands}/credits?cancelled=1"
