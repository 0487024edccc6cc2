"""Emails people read (issue 22): HTML and text from templates, receipts, the low-balance email and its preferences,
unsubscribe links, and addresses that bounced or complained never mailed again."""

from __future__ import annotations

import json

import pytest

from tests.conftest import emailed_token, sent_emails
from tests.fake_stripe import stripe_settings
from tests.integration.test_payments import buy, deliver, session_event

pytestmark = pytest.mark.usefixtures("ledger_invariant")
HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def settings_overrides(fake_stripe):
    fake_stripe.failures_left = 0
    return stripe_settings(fake_stripe)


def mails_to(address: str, subject_part: str = "") -> list[dict]:
    return [m for m in sent_emails() if m["to"] == [address] and subject_part in m["subject"]]


def adjust(api, admin, user_id: str, delta: int) -> None:
    reply = api.post(f"/v1/admin/users/{user_id}/credits", {"delta": delta, "reason": "email test"},
                     token=admin["access_token"])
    assert reply.status == 201, reply.body


def ses_event(event_type: str, address: str, **detail) -> dict:
    """An SES event as the configuration set's SNS destination publishes it."""
    body = {"eventType": event_type, "mail": {"destination": [address], "tags": {"kind": ["verify_email"]}}}
    if event_type == "Bounce":
        body["bounce"] = {"bounceType": detail.get("bounce_type", "Permanent"), "bounceSubType": "General",
                          "bouncedRecipients": [{"emailAddress": address, "diagnosticCode": "550 5.1.1 no such user"}]}
    if event_type == "Complaint":
        body["complaint"] = {"complainedRecipients": [{"emailAddress": address}], "complaintFeedbackType": "abuse"}
    return body


def publish(chalice_client, notification: dict | str) -> dict:
    message = notification if isinstance(notification, str) else json.dumps(notification)
    reply = chalice_client.lambda_.invoke("handle_email_events",
                                          chalice_client.events.generate_sns_event(message=message))
    return reply.payload


def test_every_email_is_html_and_text_with_a_hostile_display_name_escaped(api):
    api.register("mallory@example.com", display_name=HOSTILE, verify=False)
    [mail] = mails_to("mallory@example.com", "Confirm your email")
    assert mail["html"] is not None and mail["body"]
    assert HOSTILE not in mail["html"] and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in mail["html"]
    assert f"Hello {HOSTILE}," in mail["body"], "plain text shows the name as typed: nothing in it runs"
    token = emailed_token("mallory@example.com", "/verify-email")
    assert f"/verify-email?token={token}" in mail["html"] and f"/verify-email?token={token}" in mail["body"]
    assert mail["list_unsubscribe"] is None, "a verification email offers no unsubscribe: it always goes out"


def test_verifying_the_address_sends_the_welcome_email_once(api):
    session = api.register("ada@example.com", display_name="Ada")
    [welcome] = mails_to("ada@example.com", "Welcome to Pixmint")
    assert "Hello Ada," in welcome["body"] and "50 credits" in welcome["body"] and "/generate" in welcome["html"]
    again = api.post("/v1/auth/verify-email/resend", token=session["access_token"])
    assert again.status == 202 and len(mails_to("ada@example.com", "Welcome")) == 1


def test_a_purchase_sends_a_receipt_with_the_credits_amount_and_balance(api, fake_stripe):
    token = api.register("buyer@example.com")["access_token"]
    stripe_session = buy(api, fake_stripe, token, {"pack_id": "standard"})
    deliver(api, session_event(stripe_session))
    deliver(api, session_event(stripe_session, event_id="evt_replayed"))  # a replay credits and mails nothing more
    [receipt] = mails_to("buyer@example.com", "receipt")
    pack = next(p for p in api.get("/v1/credits/packs").json["items"] if p["id"] == "standard")
    assert receipt["subject"] == f"Your Pixmint receipt: {pack['credits']:,} credits"
    assert f"${pack['amount_cents'] / 100:,.2f}" in receipt["body"] and stripe_session["id"] in receipt["body"]
    assert f"Balance now:  {pack['credits'] + 50:,} credits" in receipt["body"]
    assert "/credits/transactions" in receipt["html"] and receipt["list_unsubscribe"] is None


def test_low_balance_is_emailed_once_per_crossing_and_follows_the_preference(api, admin):
    session = api.register("low@example.com")
    token, user_id = session["access_token"], session["user"]["id"]
    prefs = api.patch("/v1/me/email-preferences", {"low_balance_threshold": 40}, token=token)
    assert prefs.status == 200 and prefs.json == {"low_balance": True, "product_news": False,
                                                  "low_balance_threshold": 40, "suppressed": False}
    adjust(api, admin, user_id, -20)  # 50 -> 30: under 40
    # The email states the balance when it goes out (delivery follows the reply), so read it before spending more.
    [low] = mails_to("low@example.com", "running low")
    assert "Your balance is 30 credits, under the 40" in low["body"]
    adjust(api, admin, user_id, -5)  # still under: no second email
    assert len(mails_to("low@example.com", "running low")) == 1
    assert low["list_unsubscribe"] and "/unsubscribe?token=" in low["list_unsubscribe"]
    adjust(api, admin, user_id, 100)  # back above: re-armed
    adjust(api, admin, user_id, -100)
    assert len(mails_to("low@example.com", "running low")) == 2

    assert api.patch("/v1/me/email-preferences", {"low_balance": False}, token=token).json["low_balance"] is False
    adjust(api, admin, user_id, 100)
    adjust(api, admin, user_id, -100)
    assert len(mails_to("low@example.com", "running low")) == 2, "turned off: no email"


def test_the_unsubscribe_link_turns_the_email_off_without_signing_in(api, admin):
    session = api.register("leaving@example.com")
    token = session["access_token"]
    api.patch("/v1/me/email-preferences", {"low_balance_threshold": 45}, token=token)
    adjust(api, admin, session["user"]["id"], -10)
    unsubscribe = emailed_token("leaving@example.com", "/unsubscribe")
    reply = api.post("/v1/email-preferences/unsubscribe", {"token": unsubscribe})
    assert reply.status == 200 and reply.json == {"category": "low_balance"}
    assert api.get("/v1/me/email-preferences", token=token).json["low_balance"] is False
    forged = unsubscribe[:-2] + ("AA" if not unsubscribe.endswith("AA") else "BB")
    refused = api.post("/v1/email-preferences/unsubscribe", {"token": forged})
    assert refused.status == 400 and refused.error_code == "invalid_token"


def test_preferences_refuse_a_threshold_out_of_range_and_an_empty_change(api):
    token = api.register()["access_token"]
    for body in ({"low_balance_threshold": 0}, {}, {"low_balance": None}, {"weekly_digest": True}):
        reply = api.patch("/v1/me/email-preferences", body, token=token)
        assert reply.status == 400 and reply.error_code == "invalid_request", body
    assert api.get("/v1/me/email-preferences").status == 401


def test_a_permanent_bounce_suppresses_the_address_for_good(api, chalice_client):
    session = api.register("gone@example.com")
    before = len(sent_emails())
    assert publish(chalice_client, ses_event("Bounce", "Gone@Example.com", bounce_type="Transient")) == \
        {"suppressed": 0, "seen": 0}
    assert publish(chalice_client, ses_event("Bounce", "Gone@Example.com")) == {"suppressed": 1, "seen": 1}
    assert publish(chalice_client, ses_event("Bounce", "gone@example.com")) == {"suppressed": 0, "seen": 1}
    assert api.post("/v1/auth/password-reset", {"email": "gone@example.com"}).status == 202
    assert len(sent_emails()) == before, "nothing goes to a suppressed address"
    assert api.get("/v1/me/email-preferences", token=session["access_token"]).json["suppressed"] is True


def test_a_complaint_suppresses_the_address_and_junk_events_change_nothing(api, chalice_client):
    api.register("annoyed@example.com")
    assert publish(chalice_client, "not json") == {"suppressed": 0, "seen": 0}
    assert publish(chalice_client, {"eventType": "Delivery", "delivery": {}}) == {"suppressed": 0, "seen": 0}
    assert publish(chalice_client, ses_event("Complaint", "annoyed@example.com")) == {"suppressed": 1, "seen": 1}
    before = len(sent_emails())
    api.post("/v1/auth/password-reset", {"email": "annoyed@example.com"})
    assert len(sent_emails()) == before
