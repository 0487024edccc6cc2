"""The public handle is chosen in Settings too, held to the same rules as the publish dialog."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import api_call, sign_in
from tests.e2e.test_editor import account  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e


def test_a_handle_is_refused_with_its_reason_then_saved_and_read_back(page, live_stack, account):  # noqa: F811
    sign_in(page, account.email)
    page.goto("/settings")
    field = page.get_by_role("textbox", name="Public handle")
    expect(field).to_have_value("")
    field.fill("no")  # too short
    page.get_by_test_id("save-handle").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    wanted = f"Painter-{uuid.uuid4().hex[:6]}"
    field.fill(wanted)
    page.get_by_test_id("save-handle").click()
    expect(page.get_by_role("status").filter(has_text=f"@{wanted.lower()}")).to_be_visible()
    assert api_call(live_stack, "GET", "/v1/me", token=account.token)["public_handle"] == wanted.lower()
    page.reload()
    expect(page.get_by_role("textbox", name="Public handle")).to_have_value(wanted.lower())
    assert [e for e in page.console_errors if "400" not in e] == []  # the refused save is the one 400
