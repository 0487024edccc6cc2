"""The fake Stripe server against the installed stripe SDK: subscription checkout, the Customer Portal, subscription
updates and invoices, shaped as the SDK's pinned API version has them; it refuses what the real API refuses."""

from __future__ import annotations

import pytest
import stripe

from tests.fake_stripe import API_VERSION, MODELLED, FakeStripe

PLAN_LINE = {"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 1200,
                                           "product_data": {"name": "Pro monthly"},
                                           "recurring": {"interval": "month"}}}


@pytest.fixture(scope="module")
def fake():
    server = FakeStripe()
    yield server
    server.close()


@pytest.fixture
def client(fake):
    return stripe.StripeClient("sk_test_fake", base_addresses={"api": fake.url}, max_network_retries=0)


def subscription_checkout(client, **changes):
    params = {"mode": "subscription", "line_items": [PLAN_LINE], "customer_email": "a@example.com",
              "client_reference_id": "user-1", "subscription_data": {"metadata": {"plan_id": "pro-monthly"}},
              "success_url": "https://pixmint.test/billing?ok=1", "cancel_url": "https://pixmint.test/pricing",
              **changes}
    return client.v1.checkout.sessions.create({k: v for k, v in params.items() if v is not None})


def refused(call) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        call()
    assert caught.value.http_status in (400, 404)
    assert caught.value.error.type == "invalid_request_error"
    return caught.value


def test_the_fake_follows_the_api_version_the_installed_sdk_pins():
    # The event payloads below are shaped for this version (the invoice's subscription link under parent); a new
    # SDK pinning another version must make someone re-read the changelog and reshape the fake.
    assert stripe.api_version == API_VERSION


def test_subscription_checkout_makes_a_subscription_and_a_paid_first_invoice(client, fake):
    session = subscription_checkout(client)
    assert session.mode == "subscription" and session.status == "open" and session.url.startswith("https://")
    events = fake.complete_subscription_checkout(session.id)
    assert [e["type"] for e in events] == ["customer.subscription.created", "checkout.session.completed",
                                           "invoice.paid", "customer.subscription.updated"]
    for event in events:
        assert event["api_version"] == API_VERSION
        assert isinstance(stripe.Event.construct_from(event, "sk_test_fake").data.object, stripe.StripeObject)
    completed = events[1]["data"]["object"]
    assert completed["subscription"].startswith("sub_") and completed["customer"].startswith("cus_")
    invoice = stripe.Invoice.construct_from(events[2]["data"]["object"], "sk_test_fake")
    # Today's shape: no top-level subscription, charge or payment_intent on an invoice.
    assert "subscription" not in invoice and "charge" not in invoice and "payment_intent" not in invoice
    assert invoice.parent.type == "subscription_details"
    assert invoice.parent.subscription_details.subscription == completed["subscription"]
    assert invoice.parent.subscription_details.metadata.to_dict() == {"plan_id": "pro-monthly"}
    line = invoice.lines.data[0]
    assert "subscription" not in line
    assert line.parent.subscription_item_details.subscription == completed["subscription"]
    assert line.period.end - line.period.start == 30 * 86_400
    assert invoice.billing_reason == "subscription_create" and invoice.amount_paid == 1200
    assert invoice.payments.data[0].payment.payment_intent.startswith("pi_")

    subscription = client.v1.subscriptions.retrieve(completed["subscription"])
    assert subscription.status == "active" and subscription.cancel_at_period_end is False
    assert "current_period_end" not in subscription  # it moved to the items
    assert subscription["items"].data[0].current_period_end == line.period.end
    listed = client.v1.invoices.list({"subscription": subscription.id})
    assert [i.id for i in listed.data] == [invoice.id]
    assert client.v1.invoices.retrieve(invoice.id).parent.subscription_details.subscription == subscription.id


def test_renewal_failure_retry_cancellation_refund_and_dispute(client, fake):
    session = subscription_checkout(client)
    sub_id = fake.complete_subscription_checkout(session.id)[1]["data"]["object"]["subscription"]
    first_end = fake.subscriptions[sub_id]["items"]["data"][0]["current_period_end"]
    failed, updated = fake.renew(sub_id, paid=False)
    assert failed["type"] == "invoice.payment_failed" and updated["data"]["object"]["status"] == "past_due"
    assert failed["data"]["object"]["lines"]["data"][0]["period"]["start"] == first_end
    assert failed["data"]["object"]["payments"]["data"] == [] and failed["data"]["object"]["amount_paid"] == 0
    paid, active = fake.pay_invoice(failed["data"]["object"]["id"])
    assert paid["type"] == "invoice.paid" and active["data"]["object"]["status"] == "active"
    assert paid["data"]["object"]["billing_reason"] == "subscription_cycle"

    refund = fake.refund_invoice(paid["data"]["object"]["id"], 500)
    charge = refund["data"]["object"]
    assert charge["payment_intent"] == fake.intent_of(paid["data"]["object"]["id"])
    assert (charge["amount_refunded"], charge["refunded"]) == (500, False)
    assert fake.refund_invoice(paid["data"]["object"]["id"])["data"]["object"]["amount_refunded"] == 1200
    dispute = fake.dispute_invoice(paid["data"]["object"]["id"])["data"]["object"]
    assert dispute["payment_intent"] == charge["payment_intent"]

    client.v1.subscriptions.update(sub_id, {"cancel_at_period_end": True})
    assert fake.pending_events[-1]["type"] == "customer.subscription.updated"
    assert fake.pending_events[-1]["data"]["object"]["cancel_at_period_end"] is True
    (deleted,) = fake.renew(sub_id)
    assert deleted["type"] == "customer.subscription.deleted" and deleted["data"]["object"]["status"] == "canceled"
    refused(lambda: client.v1.subscriptions.update(sub_id, {"cancel_at_period_end": False}))


def test_a_plan_switch_replaces_the_items_price(client, fake):
    session = subscription_checkout(client)
    sub_id = fake.complete_subscription_checkout(session.id)[1]["data"]["object"]["subscription"]
    item = client.v1.subscriptions.retrieve(sub_id)["items"].data[0]
    updated = client.v1.subscriptions.update(sub_id, {
        "items": [{"id": item.id, "price_data": {"currency": "usd", "product": item.price.product,
                                                 "unit_amount": 12000, "recurring": {"interval": "year"}}}],
        "metadata": {"plan_id": "pro-yearly"}, "proration_behavior": "create_prorations"})
    assert updated["items"].data[0].price.recurring.interval == "year"
    assert updated["items"].data[0].price.unit_amount == 12000
    assert updated.metadata.to_dict() == {"plan_id": "pro-yearly"}
    paid, _ = fake.renew(sub_id)
    assert paid["data"]["object"]["parent"]["subscription_details"]["metadata"] == {"plan_id": "pro-yearly"}
    line = paid["data"]["object"]["lines"]["data"][0]
    assert line["period"]["end"] - line["period"]["start"] == 365 * 86_400
    refused(lambda: client.v1.subscriptions.update(sub_id, {"items": [{"id": "si_nope", "price_data": {
        "currency": "usd", "product": item.price.product, "unit_amount": 1, "recurring": {"interval": "month"}}}]}))
    error = refused(lambda: client.v1.subscriptions.update(sub_id, {"items": [{"id": item.id, "price_data": {
        "currency": "usd", "product": item.price.product, "unit_amount": 1}}]}))
    assert error.param == "items[0][price_data][recurring]"


def test_the_customer_portal_needs_a_known_customer(client, fake):
    session = subscription_checkout(client)
    customer = fake.complete_subscription_checkout(session.id)[1]["data"]["object"]["customer"]
    portal = client.v1.billing_portal.sessions.create({"customer": customer,
                                                       "return_url": "https://pixmint.test/billing"})
    assert portal.object == "billing_portal.session" and portal.url.startswith("https://")
    assert portal.customer == customer and portal.return_url == "https://pixmint.test/billing"
    assert refused(lambda: client.v1.billing_portal.sessions.create({"customer": "cus_nobody"})).param == "customer"
    assert refused(lambda: client.v1.billing_portal.sessions.create({})).param == "customer"


@pytest.mark.parametrize(("changes", "param"), [
    ({"line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 1200,
                                                    "product_data": {"name": "one-off"}}}]}, "line_items"),
    ({"payment_intent_data": {"metadata": {"a": "b"}}}, "payment_intent_data"),
    ({"customer": "cus_nobody", "customer_email": None}, "customer"),
    ({"line_items": [{**PLAN_LINE, "price_data": {**PLAN_LINE["price_data"], "recurring": {"interval": "fortnight"}}}]},
     "line_items[0][price_data][recurring][interval]"),
    ({"mode": "rental"}, "mode"),
])
def test_subscription_checkouts_the_real_api_refuses_are_refused(client, changes, param):
    assert refused(lambda: subscription_checkout(client, **changes)).param == param


def test_payment_mode_refuses_recurring_prices_and_subscription_data(client):
    one_off = {"mode": "payment", "success_url": "https://pixmint.test/ok", "line_items": [PLAN_LINE]}
    assert refused(lambda: client.v1.checkout.sessions.create(one_off)).param == "line_items[0]"
    line = {"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "x"}}}
    error = refused(lambda: client.v1.checkout.sessions.create(
        {**one_off, "line_items": [line], "subscription_data": {"metadata": {"a": "b"}}}))
    assert error.param == "subscription_data"


def test_parameters_the_sdk_does_not_know_or_the_fake_does_not_model_are_refused(client, fake):
    error = refused(lambda: subscription_checkout(client, surprise="1"))
    assert (error.param, error.user_message) == ("surprise", "Received unknown parameter: surprise")
    line = {**PLAN_LINE, "price_data": {**PLAN_LINE["price_data"], "colour": "red"}}
    assert refused(lambda: subscription_checkout(client, line_items=[line])).param == \
        "line_items[0][price_data][colour]"
    # Known to Stripe but not modelled here: refused rather than silently ignored.
    assert "allow_promotion_codes" not in MODELLED["checkout.sessions.create"]
    assert refused(lambda: subscription_checkout(client, allow_promotion_codes=True)).param == "allow_promotion_codes"
    session = subscription_checkout(client)
    sub_id = fake.complete_subscription_checkout(session.id)[1]["data"]["object"]["subscription"]
    assert refused(lambda: client.v1.subscriptions.update(sub_id, {"pause_collection": {"behavior": "void"}})
                   ).param == "pause_collection"
    assert refused(lambda: client.v1.subscriptions.retrieve("sub_nobody")).http_status == 404


def test_every_modelled_parameter_is_one_the_sdk_documents():
    import importlib

    from tests.fake_stripe import _PARAM_TYPES, _typed_dict

    for operation, paths in MODELLED.items():
        module_name, class_name = _PARAM_TYPES[operation]
        root = getattr(importlib.import_module(module_name), class_name)
        for path in paths:
            spec = root
            for part in path.replace("[]", "").split("."):
                assert part in spec.__annotations__, f"{operation}: {path}"
                spec = _typed_dict(module_name, spec.__annotations__[part]) or spec
