"""An image too large for the API's own payload in AWS (~4.4 MB after base64) uploads through the Generate page by
ticket: the file goes to storage as the ticket's form (in make dev on the page's own origin, /_dev/s3/), and the API
checks what arrived."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_buy_credits import sign_up
from tests.helpers import noise_png

pytestmark = pytest.mark.e2e
SIDE = 1550


def test_a_7_mb_image_to_edit_goes_by_ticket_to_storage_and_the_edit_runs(page, tmp_path):
    picture = tmp_path / "holiday.png"
    picture.write_bytes(noise_png(SIDE))
    assert 6.5 * 1024 * 1024 < picture.stat().st_size < 10 * 1024 * 1024
    sent: list[tuple[str, str, str]] = []
    page.on("request", lambda request: sent.append(
        (request.method, request.url, request.headers.get("content-type", ""))))
    sign_up(page)
    page.goto("/generate")
    page.get_by_label("Model").select_option("placeholder")  # the offline renderer edits a source image too

    upload = page.get_by_test_id("source-upload")
    page.get_by_label("Image to edit").set_input_files(str(picture))
    expect(upload.get_by_role("img", name="Preview of the image to edit")).to_be_visible(timeout=30_000)
    expect(upload).to_contain_text("holiday.png")
    expect(upload).to_contain_text(f"{SIDE:,} × {SIDE:,}")
    expect(upload.locator(".field-error")).to_have_count(0)
    screenshot(page, "upload-by-ticket")

    posts = [(url.split("/", 3)[3], kind) for method, url, kind in sent if method == "POST"]
    tickets = [kind for path, kind in posts if path == "v1/uploads"]
    assert tickets == ["application/json"], "one ticket asked for, and no raw-body upload"
    [form] = [kind for path, kind in posts if path.startswith("_dev/s3/")]
    assert form.startswith("multipart/form-data")
    assert len([path for path, _ in posts if path.startswith("v1/uploads/") and path.endswith("/complete")]) == 1

    page.get_by_label("Prompt", exact=True).fill("make the sky stormy")
    page.get_by_test_id("generate-button").click()
    expect(page.get_by_test_id("generation-status")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    assert page.console_errors == [], "no CSP refusal or failed request"


EXPIRED = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
           "<Message>Invalid according to Policy: Policy expired.</Message><RequestId>1</RequestId></Error>")
TOO_LARGE = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>EntityTooLarge</Code>'
             "<Message>Your proposed upload exceeds the maximum allowed size</Message></Error>")


def test_storage_refusals_read_plainly_and_a_lost_connection_or_an_expired_form_may_be_tried_again(page, tmp_path):
    picture = tmp_path / "small.png"
    picture.write_bytes(noise_png(64))
    answers = ["abort", EXPIRED, TOO_LARGE]

    def storage(route):
        answer = answers.pop(0) if answers else None
        if answer == "abort":
            route.abort("connectionreset")
        elif answer:
            route.fulfill(status=403 if answer is EXPIRED else 400, content_type="application/xml", body=answer)
        else:
            route.continue_()

    page.route("**/_dev/s3/**", storage)
    sign_up(page)
    page.goto("/generate")
    page.get_by_label("Model").select_option("placeholder")
    upload = page.get_by_test_id("source-upload")
    error = upload.locator(".field-error")
    again = upload.get_by_role("button", name="Try again to upload small.png")

    page.get_by_label("Image to edit").set_input_files(str(picture))
    expect(error).to_contain_text("we couldn't reach storage")
    again.click()
    expect(error).to_contain_text("The upload took too long and its permission expired. Try again.")
    again.click()
    expect(error).to_contain_text("Images are at most 10 MB")
    expect(again).to_have_count(0)  # the same file would be refused again

    page.get_by_label("Image to edit").set_input_files(str(picture))
    expect(upload.get_by_role("img", name="Preview of the image to edit")).to_be_visible()
    expect(error).to_have_count(0)
