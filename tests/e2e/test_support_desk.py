"""The support desk in the browser (issue 22): the contact form signed out and in, an admin answering and refunding
from the ticket, and the answer in the customer's history and mailbox."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, api_call, verify_through_outbox
from tests.e2e.conftest import PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_a_guest_writes_through_the_contact_form(page):
    page.goto("/contact?from=/generate")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Email").fill(f"guest-{uuid.uuid4().hex[:6]}@example.com")
    page.get_by_label("Subject").fill("Do you have an API?")
    page.get_by_label("Message").fill("I'd like to generate from a script.\nThanks!")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_test_id("contact-sent")).to_contain_text("A person reads every message")
    assert page.console_errors == [], page.console_errors


def test_support_answers_and_refunds_from_the_ticket_and_the_customer_sees_it(page, make_page, live_stack):
    email = f"helpme-{uuid.uuid4().hex[:8]}@example.com"
    session = api_call(live_stack, "POST", "/v1/auth/register", {"email": email, "password": PASSWORD,
                                                                  "display_name": "Grace"})
    verify_through_outbox(live_stack, email)
    token = session["access_token"]
    generation = api_call(live_stack, "POST", "/v1/generations",
                          {"prompt": "a kite over dunes", "model": "placeholder"}, token,
                          {"Idempotency-Key": uuid.uuid4().hex})
    deadline = time.monotonic() + 30
    while generation["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        generation = api_call(live_stack, "GET", f"/v1/generations/{generation['id']}", token=token)

    sign_in(page, email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Support").click()
    expect(page.get_by_test_id("no-tickets")).to_be_visible()
    page.get_by_role("link", name="Write a new message").click()
    expect(page.get_by_text(f"We'll answer at {email}")).to_be_visible()
    page.get_by_label("Subject").fill("The kite looks wrong")
    page.get_by_label("Message").fill("The string is missing.")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_test_id("contact-sent")).to_be_visible()

    admin = make_page()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/admin/support")
    admin.get_by_role("link", name="The kite looks wrong").click()
    account = admin.get_by_test_id("ticket-account")
    expect(account.get_by_test_id("ticket-generation")).to_have_count(1)
    admin.get_by_role("button", name=re.compile(r"^Refund \d+ credits$")).click()
    expect(admin.get_by_test_id("ticket-notice")).to_contain_text(f"Refunded {generation['cost_credits']} credits")
    expect(admin.get_by_role("button", name=re.compile(r"^Refund"))).to_have_count(0)
    admin.get_by_label("Your answer (emailed)").fill("We refunded it; the string is back in the next version.")
    admin.get_by_role("button", name="Send reply").click()
    expect(admin.get_by_test_id("ticket-notice")).to_contain_text(f"Reply sent to {email}")
    screenshot(admin, "admin-support-ticket")

    page.goto("/support")
    messages = page.get_by_test_id("ticket-message")
    expect(messages).to_have_count(3)  # the question, the refund note, the answer
    expect(page.get_by_test_id("ticket-status")).to_have_text("Answered")
    expect(messages.last).to_contain_text("the string is back")
    page.get_by_role("textbox", name="Write again").fill("Thank you!")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Waiting for support")
    screenshot(page, "support-history")
    with urllib.request.urlopen(f"{live_stack}/_dev/outbox.json", timeout=10) as reply:
        mails = [m for m in json.loads(reply.read())
                 if m["to"] == email and m["subject"] == "Re: The kite looks wrong"]
    assert len(mails) == 1 and "the string is back" in mails[0]["body"] and "/support" in mails[0]["html"]
    assert page.console_errors == [] and admin.console_errors == [], (page.console_errors, admin.console_errors)
