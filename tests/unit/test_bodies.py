"""Request bodies: what the pydantic models accept, what they refuse and how, and that the document publishes them."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.handlers import bodies
from chalicelib.openapi import openapi_document


def refusal(model: type[bodies.Body], data: dict) -> tuple[str, dict]:
    with pytest.raises(InvalidRequest) as raised:
        bodies.validate(model, data)
    return raised.value.message, raised.value.details


@pytest.mark.parametrize("value, expected", [(3, 3), (3.0, 3), (1e1, 10)])
def test_a_whole_number_may_be_written_as_a_float_without_a_fraction(value, expected):
    assert bodies.validate(bodies.GenerationRequest, {"n": value}).n == expected


@pytest.mark.parametrize("value", [2.5, True, "3", [3], {"n": 3}])
def test_anything_else_is_not_a_whole_number(value):
    assert refusal(bodies.GenerationRequest, {"n": value}) == ("The field n must be a whole number.", {"field": "n"})


def test_strings_are_never_coerced_from_numbers_and_booleans_never_from_strings():
    assert refusal(bodies.LoginRequest, {"email": 5, "password": "x"}) == (
        "The field email must be a string.", {"field": "email"})
    assert refusal(bodies.EnabledChange, {"enabled": "true"}) == (
        "The field enabled must be true or false.", {"field": "enabled"})


def test_an_unknown_field_is_reported_before_a_missing_one_and_a_missing_one_before_a_bad_value():
    assert refusal(bodies.BulkRequest, {"action": "explode", "idz": []})[1] == {"field": "idz"}
    assert refusal(bodies.BulkRequest, {"action": "explode"})[1] == {"field": "ids"}
    assert refusal(bodies.BulkRequest, {"action": "explode", "ids": ["a"]})[1] == {"field": "action"}


def test_the_outermost_problem_is_reported_first_among_equals():
    message, details = refusal(bodies.PricingChange, {"items": ["not a row"], "rates": "not a list"})
    assert details == {"field": "rates"} and message == "The field rates must be a list."


def test_nested_fields_are_named_with_dots_and_list_rows_with_their_index():
    assert refusal(bodies.GenerationRequest, {"outpaint": {"left": 1, "middle": 2}}) == (
        "Unknown field: outpaint.middle.", {"field": "outpaint.middle"})
    assert refusal(bodies.GenerationRequest, {"outpaint": {"left": -1}})[1] == {"field": "outpaint.left",
                                                                                "minimum": 0}
    assert refusal(bodies.DownloadRequest, {"ids": ["a", 7]}) == ("Each item of ids must be a string.",
                                                                  {"field": "ids"})
    assert refusal(bodies.PricingChange, {"items": [{"model": "m", "size": "s", "quality": "q", "credits": 0,
                                                     "provider_cost_usd": 0}]})[1] == {
        "field": "items[0].credits", "minimum": 1}


def test_limits_are_stated_in_the_message_and_the_details():
    message, details = refusal(bodies.CreditAdjustment, {"delta": 5, "reason": "x" * 501})
    assert details == {"field": "reason", "max_length": 500} and "500" in message
    message, details = refusal(bodies.DownloadRequest, {"ids": [str(i) for i in range(101)]})
    assert details == {"field": "ids", "max_items": 100} and "100" in message
    assert refusal(bodies.DownloadRequest, {"ids": []})[1] == {"field": "ids", "min_items": 1}


def test_null_reads_as_not_given_except_where_a_model_says_it_means_something():
    assert bodies.validate(bodies.GenerationRequest, {"prompt": "a fox", "model": None}).given() == {
        "prompt": "a fox"}
    assert bodies.validate(bodies.SettingsChange, {"daily_spend_cap": None, "signup_bonus": None}).changes() == {
        "daily_spend_cap": None}
    assert bodies.validate(bodies.SettingsChange, {}).changes() == {}
    assert bodies.validate(bodies.ModelChange, {"replacement_model": None}).changes() == {"replacement_model": None}
    assert bodies.validate(bodies.ModelChange, {"token_rates": {"input_text": 2}}).changes() == {
        "token_rates": {"input_text": 2.0}}


def test_nested_bodies_are_given_as_plain_mappings():
    sent = bodies.validate(bodies.GenerationRequest, {"operation": "upscale", "upscale": {"factor": 2}}).given()
    assert sent == {"operation": "upscale", "upscale": {"factor": 2.0}}


def _body_models() -> set[type[bodies.Body]]:
    found, pending = set(), [bodies.Body]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if not sub.__name__.startswith("_"):
                found.add(sub)
    return found


def test_every_body_model_is_a_component_of_the_document_and_every_json_body_is_one_of_them():
    document = openapi_document()
    schemas = document["components"]["schemas"]
    referenced = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                if media in ("application/json", "multipart/form-data") and path != "/v1/webhooks/stripe":
                    assert set(body["schema"]) == {"$ref"}, (method, path, media)
                    referenced.add(body["schema"]["$ref"].rsplit("/", 1)[-1])
    nested = {"Padding", "Upscale", "PriceChange", "RateChange", "TokenRates"}
    assert {m.__name__ for m in _body_models()} == referenced | nested
    for name in referenced | nested:
        assert schemas[name]["additionalProperties"] is False, name
        assert "title" not in schemas[name] and isinstance(schemas[name]["required"], list), name


def test_published_bounds_are_the_enforced_ones_or_stated_by_the_use_case():
    schema = openapi_document()["components"]["schemas"]["RegisterRequest"]
    # The use case answers a short password with 422 weak_password, so the model publishes the bound only.
    assert schema["properties"]["password"]["minLength"] == 10
    short = {"email": "a@b.co", "password": "short"}  # pragma: allowlist secret
    assert bodies.validate(bodies.RegisterRequest, short).password == short["password"]
    frame = next(p for p in openapi_document()["components"]["schemas"]["GenerationRequest"]["properties"][
        "frame_count"]["anyOf"] if p.get("type") == "integer")
    assert (frame["minimum"], frame["maximum"]) == (2, 16)
    assert refusal(bodies.GenerationRequest, {"frame_count": 17})[1] == {"field": "frame_count", "maximum": 16}
