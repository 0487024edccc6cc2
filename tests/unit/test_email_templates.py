"""The email templates, the unsubscribe tokens and the SES sender, without a database (issue 22)."""

from __future__ import annotations

import email
import email.policy

import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.adapters.jinja_templates import TEMPLATES_DIR, JinjaEmailTemplates
from chalicelib.adapters.ses_email import SesEmailSender
from chalicelib.domain.emails import EMAIL_KINDS, UnsubscribeLinks
from chalicelib.domain.errors import InvalidToken

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
COMMON = {"subject": "A subject", "site_url": "https://pixmint.example", "help_url": "https://pixmint.example/help",
          "preferences_url": "https://pixmint.example/settings#email", "unsubscribe_url": None, "category": None}
# The facts each kind's composer gives (tests/integration proves the composers give them).
FACTS = {
    "verify_email": {"link": "https://pixmint.example/verify-email?token=t", "days": 7},
    "password_reset": {"link": "https://pixmint.example/reset-password?token=t", "minutes": 60},
    "webhook_disabled": {"urls": [f"https://hooks.example.com/{HOSTILE}"], "link": "https://pixmint.example/x"},
    "welcome": {"credits": 50, "generate_url": "g", "pricing_url": "p", "quick_start_url": "q"},
    "receipt": {"credits": 1000, "amount": "$10.00", "reference": "cs_1", "paid_at": "3 December 2026",
                "balance": 1050, "transactions_url": "t", "refunds_url": "r"},
    "payment_failed": {"credits": 1000, "amount": "$10.00", "retry_url": "r"},
    "low_balance": {"balance": 20, "threshold": 100, "buy_url": "b", "pricing_url": "p",
                    "unsubscribe_url": "https://pixmint.example/unsubscribe?token=u", "category": "low_balance"},
    "support_reply": {"agent": HOSTILE, "ticket_subject": HOSTILE, "reply": f"line one\n{HOSTILE}",
                      "ticket_url": None, "contact_url": "c", "ticket_ref": "T-1"},
    "team_invitation": {"inviter": HOSTILE, "team": HOSTILE, "role": "member", "link": "l", "days": 7},
    "beta_invitation": {"code": "PIX-ABCD-EFGH", "link": "https://pixmint.example/signup?invite=PIX-ABCD-EFGH",
                        "expires": "17 December 2026"},
    "email_change": {"link": "https://pixmint.example/confirm-email?token=t", "days": 7},
    "email_change_notice": {"new_email": HOSTILE, "contact_url": "c", "settings_url": "s"},
}


def test_every_kind_has_both_templates_and_no_others_are_left_over():
    names = {path.stem for path in TEMPLATES_DIR.iterdir()} - {"base"}
    assert names == set(EMAIL_KINDS) == set(FACTS)
    for kind in EMAIL_KINDS:
        assert (TEMPLATES_DIR / f"{kind}.html").exists() and (TEMPLATES_DIR / f"{kind}.txt").exists()


@pytest.mark.parametrize("kind", EMAIL_KINDS)
def test_each_template_escapes_every_value_in_html_and_keeps_text_as_written(kind):
    text, html = JinjaEmailTemplates().render(kind, {**COMMON, "name": HOSTILE, **FACTS[kind]})
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert f"Hello {HOSTILE}," in text and "&lt;" not in text and "&amp;" not in text
    assert html.startswith("<!doctype html>") and "help center" in text


def test_a_fact_a_template_needs_but_was_not_given_fails_loudly():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        JinjaEmailTemplates().render("verify_email", {**COMMON, "name": None, "days": 7})  # no link


def test_only_optional_email_links_to_stopping_it():
    text, html = JinjaEmailTemplates().render("low_balance", {**COMMON, "name": None, **FACTS["low_balance"]})
    assert "Stop low-balance emails: https://pixmint.example/unsubscribe?token=u" in text
    text, html = JinjaEmailTemplates().render("receipt", {**COMMON, "name": None, **FACTS["receipt"]})
    assert "unsubscribe" not in text and "unsubscribe" not in html and "always reach you" in html


def test_unsubscribe_tokens_name_their_user_and_category_and_cannot_be_forged():
    links = UnsubscribeLinks(b"k" * 32, "https://pixmint.example/")
    token = links.token("user-1", "low_balance")
    assert links.read(token) == ("user-1", "low_balance")
    assert links.url("user-1", "low_balance") == f"https://pixmint.example/unsubscribe?token={token}"
    assert all(c.isalnum() or c in "-_" for c in token)
    other = UnsubscribeLinks(b"j" * 32, "https://pixmint.example")
    for bad in (other.token("user-1", "low_balance"), token[:-1], "", "!!!", links.token("user-1", "receipts")):
        with pytest.raises(InvalidToken):
            links.read(bad)


def sender_with(stub_requests: list[dict], **kw) -> tuple[SesEmailSender, Stubber]:
    client = boto3.client("ses", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")  # pragma: allowlist secret
    stubber = Stubber(client)
    for expected in stub_requests:
        stubber.add_response("send_raw_email", {"MessageId": "m1"}, expected)
    stubber.activate()
    return SesEmailSender(lambda: client, "Pixmint <no-reply@pixmint.example>", **kw), stubber


def test_ses_gets_multipart_raw_mime_through_the_configuration_set_tagged_with_the_kind():
    expected = {"Source": "Pixmint <no-reply@pixmint.example>", "RawMessage": {"Data": ANY},
                "ConfigurationSetName": "pixmint-prod", "Tags": [{"Name": "kind", "Value": "low_balance"}]}
    sender, stubber = sender_with([expected], configuration_set="pixmint-prod")
    sender.send("zoë@example.com", "Crédits bas", "Texte brut é", html="<p>HTML é</p>",
                unsubscribe_url="https://pixmint.example/unsubscribe?token=u", kind="low_balance")
    stubber.assert_no_pending_responses()  # the stub refuses a request whose parameters differ from `expected`


def test_the_raw_message_holds_text_then_html_and_the_list_unsubscribe_header():
    sent: list[dict] = []

    class Client:
        def send_raw_email(self, **request):
            sent.append(request)
            return {"MessageId": "m1"}

    SesEmailSender(lambda: Client(), "Pixmint <no-reply@pixmint.example>").send(
        "ada@example.com", "Crédits bas", "Texte brut é", html="<p>HTML é</p>",
        unsubscribe_url="https://pixmint.example/unsubscribe?token=u")
    [request] = sent
    assert "ConfigurationSetName" not in request and "Destinations" not in request and "Tags" not in request
    message = email.message_from_bytes(request["RawMessage"]["Data"], policy=email.policy.default)
    assert message["To"] == "ada@example.com" and message["Subject"] == "Crédits bas"
    assert message["List-Unsubscribe"] == "<https://pixmint.example/unsubscribe?token=u>"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content() == "Texte brut é\n"
    assert request["RawMessage"]["Data"].decode("ascii"), "every line is 7-bit"
