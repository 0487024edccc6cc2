"""The OpenAPI 3.1 document of the public API; a test keeps it in step with the routes."""

from __future__ import annotations

from functools import cache
from typing import Any

from .domain.catalogue import BACKGROUNDS, FRAME_RANGE, OUTPUT_FORMATS
from .domain.imaging import OUTPUT_TYPES

IMAGE_TYPES = tuple(OUTPUT_TYPES.values())
COUNT = {"type": "integer", "minimum": 0}

ERROR_STATUSES = {
    "400": "Malformed JSON, wrong types, missing fields or values out of range.",
    "401": "No, bad or expired credentials.",
    "402": "Not enough credits; details carry cost and balance.",
    "403": "Authenticated but not allowed.",
    "404": "No such resource.",
    "409": "Conflict.",
    "413": "Body too large.",
    "415": "Unsupported media type.",
    "422": "Well-formed but refused.",
    "429": "Rate limited; see Retry-After.",
    "500": "Unexpected failure.",
    "503": "A dependency is down; safe to retry.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None, extra: bool = False) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": extra,
    }


STRING = {"type": "string"}
EMAIL = {"type": "string", "format": "email", "maxLength": 254}
PASSWORD = {"type": "string", "minLength": 1, "maxLength": 10000}
NEW_PASSWORD = {"type": "string", "minLength": 10, "maxLength": 128}
TIMESTAMP = {"type": "string", "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}
POSITION = {"type": "integer", "minimum": -1_000_000, "maximum": 1_000_000}
UPSERT_TEXT = {"type": "string", "maxLength": 2000}

SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        {
            "error": _obj({"code": STRING, "message": STRING, "details": {"type": "object"}}),
            "request_id": STRING,
        }
    ),
    "User": _obj(
        {
            "id": STRING,
            "email": STRING,
            "display_name": STRING,
            "role": {"type": "string", "enum": ["user", "admin"]},
            "credits": {"type": "integer"},
            "created_at": TIMESTAMP,
        },
        {"suspended": {"type": "boolean"}},
    ),
    "Session": _obj(
        {
            "user": _ref("User"),
            "access_token": STRING,
            "refresh_token": STRING,
            "expires_in": {"type": "integer"},
        },
        {"token_type": {"type": "string", "enum": ["Bearer"]}},
    ),
    "Credits": _obj({"balance": {"type": "integer"}, "pending": {"type": "integer", "minimum": 0}}),
    "CreditPacks": _obj({"items": {"type": "array", "items": _obj({
        "id": STRING, "credits": {"type": "integer", "minimum": 1}, "amount_cents": {"type": "integer", "minimum": 1},
        "currency": STRING, "label": STRING})}}),
    "Checkout": _obj({"checkout_id": STRING, "checkout_url": {"type": "string", "format": "uri"}}),
    "Transaction": _obj({
        "id": STRING,
        "kind": {"type": "string", "enum": ["purchase", "generation", "generation_refund", "signup_bonus",
                                           "admin_grant", "admin_debit", "payment_refund", "dispute"]},
        "delta": {"type": "integer"}, "balance_after": {"type": "integer"}, "reference": STRING,
        "created_at": TIMESTAMP}),
    "Payment": _obj({
        "id": STRING,
        "status": {"type": "string", "enum": ["open", "processing", "paid", "failed", "expired", "refunded",
                                             "partially_refunded", "disputed"]},
        "credits": {"type": "integer"}, "amount_cents": {"type": "integer"}, "currency": STRING,
        "pack_id": {"type": ["string", "null"]}, "failure_reason": {"type": ["string", "null"]},
        "created_at": TIMESTAMP, "updated_at": TIMESTAMP}),
    "TransactionPage": _obj({"items": {"type": "array", "items": _ref("Transaction")},
                             "next_cursor": {"type": ["string", "null"]}}),
    "PaymentPage": _obj({"items": {"type": "array", "items": _ref("Payment")},
                         "next_cursor": {"type": ["string", "null"]}}),
    "WebhookAck": _obj({"received": {"type": "boolean"}, "outcome": STRING}),
    "Image": _obj({
        "id": STRING, "generation_id": {"type": ["string", "null"]}, "width": {"type": "integer"},
        "height": {"type": "integer"}, "content_type": {"type": "string", "enum": list(IMAGE_TYPES)},
        "bytes": {"type": "integer"}, "favorite": {"type": "boolean"}, "shared": {"type": "boolean"},
        "prompt": {"type": ["string", "null"]}, "model": {"type": ["string", "null"]}, "created_at": TIMESTAMP,
        "alt": STRING, "content_url": STRING, "thumbnail_url": STRING,
        "share_url": {"type": ["string", "null"]}, "frames": {"type": "integer", "minimum": 1},
        "has_alpha": {"type": "boolean"}}),
    "ImagePage": _obj({"items": {"type": "array", "items": _ref("Image")}, "next_cursor": {"type": ["string", "null"]}}),
    "Share": _obj({"slug": STRING, "share_url": STRING, "page_url": STRING}),
    "PublicImage": _obj({
        "slug": STRING, "prompt": {"type": ["string", "null"]}, "model": {"type": ["string", "null"]},
        "width": {"type": "integer"}, "height": {"type": "integer"}, "alt": STRING, "author": STRING,
        "created_at": TIMESTAMP, "shared_at": TIMESTAMP, "share_url": STRING, "page_url": STRING,
        "content_url": STRING, "thumbnail_url": STRING}),
    "PublicImagePage": _obj({"items": {"type": "array", "items": _ref("PublicImage")},
                             "next_cursor": {"type": ["string", "null"]}}),
    "BulkResult": _obj({"done": {"type": "array", "items": STRING}}),
    "Generation": _obj({
        "id": STRING, "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
        "prompt": STRING, "negative_prompt": {"type": ["string", "null"]}, "style_preset": {"type": ["string", "null"]},
        "model": STRING, "size": STRING, "quality": STRING, "n": {"type": "integer"},
        "cost_credits": {"type": "integer"}, "refunded_credits": {"type": "integer"},
        "source_image_id": {"type": ["string", "null"]}, "mask_image_id": {"type": ["string", "null"]},
        "background": {"type": "string", "enum": list(BACKGROUNDS)},
        "output_format": {"type": "string", "enum": list(OUTPUT_FORMATS)},
        "frame_count": {"type": ["integer", "null"]}, "operation": {"type": "string", "enum": ["generate", "edit"]},
        "parent_image_id": {"type": ["string", "null"]},
        "images": {"type": "array", "items": _ref("Image")},
        "previews": {"type": "array", "items": _obj({"index": {"type": "integer", "minimum": 0}, "url": STRING})},
        "usage": {"oneOf": [{"type": "null"}, _obj({"input_text_tokens": COUNT, "input_image_tokens": COUNT,
                                                    "output_image_tokens": COUNT})]},
        "created_at": TIMESTAMP,
        "completed_at": {"type": ["string", "null"], "format": "date-time"}}, {"error": STRING}),
    "GenerationPage": _obj({"items": {"type": "array", "items": _ref("Generation")},
                            "next_cursor": {"type": ["string", "null"]}}),
    "GenerationRequest": _obj({"prompt": {"type": "string", "minLength": 1, "maxLength": 4000}}, {
        "model": STRING, "size": STRING, "quality": STRING, "n": {"type": "integer", "minimum": 1, "maximum": 4},
        "style_preset": STRING, "negative_prompt": {"type": "string", "maxLength": 2000},
        "source_image_id": {"type": "string", "format": "uuid"}, "mask_image_id": {"type": "string", "format": "uuid"},
        "background": {"type": "string", "enum": list(BACKGROUNDS)},
        "output_format": {"type": "string", "enum": list(OUTPUT_FORMATS)},
        "frame_count": {"type": "integer", "minimum": FRAME_RANGE[0], "maximum": FRAME_RANGE[1],
                        "description": "GIF only; 9 when omitted"},
        "operation": {"type": "string", "enum": ["generate", "edit"],
                      "description": "edit needs source_image_id; derived when omitted"}}),
    "Quote": _obj({"cost_credits": {"type": "integer"}, "unit_credits": {"type": "integer"}, "model": STRING,
                   "size": STRING, "quality": STRING, "n": {"type": "integer"},
                   "background": {"type": "string", "enum": list(BACKGROUNDS)},
                   "output_format": {"type": "string", "enum": list(OUTPUT_FORMATS)},
                   "frame_count": {"type": ["integer", "null"]},
                   "breakdown": _obj({"basis": {"type": "string", "enum": ["preset", "megapixel", "frame"]},
                                      "rate_credits": {"type": "number"}, "quantity": {"type": "number"},
                                      "unit_credits": {"type": "integer"}, "n": {"type": "integer"},
                                      "cost_credits": {"type": "integer"}})}),
    "Model": _obj({
        "id": STRING, "provider": STRING, "label": STRING, "available": {"type": "boolean"},
        "unavailable_reason": {"type": ["string", "null"]}, "sizes": {"type": "array", "items": STRING},
        "custom_sizes": {"oneOf": [{"type": "null"}, _obj({
            "multiple_of": {"type": "integer"}, "max_edge": {"type": "integer"}, "max_pixels": {"type": "integer"},
            "max_aspect": {"type": "number"}})]},
        "qualities": {"type": "array", "items": STRING},
        "backgrounds": {"type": "array", "items": {"type": "string", "enum": list(BACKGROUNDS)}},
        "output_formats": {"type": "array", "items": {"type": "string", "enum": list(OUTPUT_FORMATS)}},
        "max_n": {"type": "integer"}, "supports_edit": {"type": "boolean"}, "supports_mask": {"type": "boolean"},
        "previews": {"type": "boolean"}, "offline": {"type": "boolean"}, "default": {"type": "boolean"},
        "prices": {"type": "array", "items": _obj({"size": STRING, "quality": STRING, "credits": {"type": "integer"}})},
        "rates": {"type": "array", "items": _obj({"unit": {"type": "string", "enum": ["megapixel", "frame"]},
                                                  "quality": STRING, "credits": {"type": "number"}})}}),
    "Models": _obj({"items": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}}),
    "Upload": _obj({"id": STRING, "width": {"type": "integer"}, "height": {"type": "integer"},
                    "content_type": STRING, "bytes": {"type": "integer"}}),
    "StylePresets": _obj({"items": {"type": "array", "items": _obj({"id": STRING, "label": STRING, "prompt_suffix": STRING})},
                          "next_cursor": {"type": "null"}}),
    "PromptTemplates": _obj({"items": {"type": "array", "items": _obj({
        "id": STRING, "label": STRING, "template": STRING, "variables": {"type": "array", "items": STRING}})},
        "next_cursor": {"type": "null"}}),
    "ApiKey": _obj({
        "id": STRING, "name": STRING, "prefix": STRING, "created_at": TIMESTAMP,
        "last_used_at": {"type": ["string", "null"], "format": "date-time"},
        "revoked_at": {"type": ["string", "null"], "format": "date-time"},
        "rate_limit_per_minute": {"type": "integer"}, "monthly_cap_credits": {"type": ["integer", "null"]},
        "used_this_month": {"type": "integer"}}, {"key": STRING}),
    "ApiKeyPage": _obj({"items": {"type": "array", "items": _ref("ApiKey")}, "next_cursor": {"type": "null"}}),
    "AuditState": {"type": ["object", "array", "null"], "description": "What the action changed, as it was or became"},
    "PriceRow": _obj({"model": STRING, "size": STRING, "quality": STRING,
                      "credits": {"type": "integer", "minimum": 1}, "provider_cost_usd": {"type": "number", "minimum": 0}}),
    "RateRow": _obj({"model": STRING, "unit": {"type": "string", "enum": ["megapixel", "frame"]}, "quality": STRING,
                     "credits": {"type": "number", "exclusiveMinimum": 0, "maximum": 100_000},
                     "provider_cost_usd": {"type": "number", "minimum": 0, "maximum": 1000}}),
    "Pricing": _obj({"items": {"type": "array", "items": _ref("PriceRow")},
                     "rates": {"type": "array", "items": _ref("RateRow")}}),
    "AuditEntry": _obj({"id": STRING, "actor_email": STRING, "action": STRING, "target_type": STRING,
                        "target_id": {"type": ["string", "null"]}, "before": _ref("AuditState"),
                        "after": _ref("AuditState"), "created_at": TIMESTAMP}),
    "AuditPage": _obj({"items": {"type": "array", "items": _ref("AuditEntry")}, "next_cursor": {"type": ["string", "null"]}}),
    "Health": _obj(
        {
            "status": {"type": "string", "enum": ["ok", "unavailable"]},
            "database": {"type": "string", "enum": ["ok", "unavailable"]},
            "version": STRING,
        }
    ),
}

SCHEMAS["AdminUser"] = {**SCHEMAS["User"], "description": "A user with flags and usage totals", "properties": {
    **SCHEMAS["User"]["properties"], "flagged": {"type": "boolean"}, "flag_reason": {"type": ["string", "null"]},
    "flagged_at": {"type": ["string", "null"], "format": "date-time"},
    "usage": _obj({"generations": {"type": "integer", "minimum": 0}, "credits_spent": {"type": "integer"},
                   "credits_bought": {"type": "integer"}, "estimated_cost_usd": {"type": "number"},
                   "actual_cost_usd": {"type": "number"}, "actual_margin_usd": {"type": "number"}})},
    "required": [*SCHEMAS["User"]["required"], "suspended", "flagged", "flag_reason", "flagged_at", "usage"]}
SCHEMAS["AdminUserDetail"] = {**SCHEMAS["AdminUser"], "description": "A user with recent payments, generations and keys",
                              "properties": {**SCHEMAS["AdminUser"]["properties"],
                                             "payments": {"type": "array", "items": _ref("Payment")},
                                             "generations": {"type": "array", "items": _ref("Generation")},
                                             "api_keys": {"type": "array", "items": _ref("ApiKey")}},
                              "required": [*SCHEMAS["AdminUser"]["required"], "payments", "generations", "api_keys"]}
SCHEMAS["AdminModel"] = {**SCHEMAS["Model"], "description": "A catalogue row as admins edit it", "properties": {
    **SCHEMAS["Model"]["properties"], "enabled": {"type": "boolean"}, "position": {"type": "integer"},
    "replacement_model": {"type": ["string", "null"]}, "fallback_model": {"type": ["string", "null"]},
    "token_rates": _obj({name: {"type": "number", "minimum": 0} for name in ("input_text", "input_image",
                                                                             "output_image")})},
    "required": [*SCHEMAS["Model"]["required"], "enabled", "position", "replacement_model", "fallback_model",
                 "token_rates"]}
SCHEMAS["AdminModelPage"] = _obj({"items": {"type": "array", "items": _ref("AdminModel")},
                                  "next_cursor": {"type": "null"}})
SCHEMAS["Settings"] = _obj({"provider_fallback": {"type": "boolean"},
                            "daily_spend_cap": {"type": ["integer", "null"], "minimum": 1},
                            "models": {"type": "object", "additionalProperties": {"type": "boolean"},
                                       "description": "Each model id and whether it is enabled"}},
                           {"signup_bonus": {"type": "integer", "minimum": 0,
                                             "description": "Absent until an admin sets it; the default applies"}})


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": STRING}


def _item_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"}}


PAGE_PARAMETERS = [
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
]
FORMAT_PARAMETER = {"name": "format", "in": "query", "required": False,
                    "schema": {"type": "string", "enum": ["png", "jpeg", "webp"]}}
WIDTH_PARAMETER = {"name": "width", "in": "query", "required": False,
                   "schema": {"type": "integer", "minimum": 16, "maximum": 8192}}
IDEMPOTENCY_PARAMETER = {"name": "Idempotency-Key", "in": "header", "required": False,
                         "schema": {"type": "string", "minLength": 1, "maxLength": 255}}


def _or_null(prop: dict[str, Any]) -> dict[str, Any]:
    kind = prop.get("type")
    if kind is None or kind == "null" or isinstance(kind, list) and "null" in kind:
        return prop
    nullable = {**prop, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}
    if "enum" in prop:
        nullable["enum"] = [*prop["enum"], None]
    return nullable


def _nullable_optional(schema: dict[str, Any]) -> dict[str, Any]:
    """A request body whose optional fields may also be null: the handlers read null as "not given"."""
    if "properties" not in schema:
        return schema
    required = set(schema.get("required", []))
    properties = {name: prop if name in required else _or_null(prop) for name, prop in schema["properties"].items()}
    return {**schema, "properties": properties}


SCHEMAS["GenerationRequest"] = _nullable_optional(SCHEMAS["GenerationRequest"])


def _op(summary: str, tag: str, ok: str, ok_schema: dict[str, Any] | None = None, body: dict[str, Any] | None = None,
        auth: bool = True, errors: tuple[str, ...] = ("400",), parameters: list[dict[str, Any]] | None = None,
        content_type: str = "application/json", api_key: bool = True) -> dict[str, Any]:
    responses: dict[str, Any] = {ok: {"description": summary}}
    if ok_schema is not None:
        responses[ok]["content"] = {content_type: {"schema": ok_schema}}
    # Any authenticated call may meet a suspended account or a key's limits (403, 429).
    codes = set(errors) | {"500", "503"} | ({"401", "403", "429"} if auth else set())
    for code in sorted(codes):
        responses[code] = {"$ref": f"#/components/responses/E{code}"}
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    # API keys act as their owner everywhere except administration, key management and password or account changes.
    keys_allowed = api_key and tag not in ("admin", "api keys")
    op["security"] = ([{"bearer": []}, {"apiKey": []}] if keys_allowed else [{"bearer": []}]) if auth else []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _nullable_optional(body)}}}
    if parameters:
        op["parameters"] = parameters
    return op


PATHS: dict[str, dict[str, Any]] = {
    "/v1/health": {
        "get": {
            "summary": "Health of the API and its database",
            "tags": ["system"],
            "security": [],
            "responses": {
                "200": {"description": "Healthy", "content": {"application/json": {"schema": _ref("Health")}}},
                "503": {"description": "Database unreachable", "content": {"application/json": {"schema": _ref("Health")}}},
            },
        }
    },
    "/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "tags": ["system"],
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": _obj(
                {"openapi": {"type": "string", "pattern": "^3\\.1\\."}, "info": {"type": "object"},
                 "paths": {"type": "object"}, "components": {"type": "object"}}, {"servers": {"type": "array"}})}}}},
        }
    },
    "/v1/auth/register": {
        "post": _op("Create an account", "accounts", "201", _ref("Session"),
                    _obj({"email": EMAIL, "password": NEW_PASSWORD}, {"display_name": {"type": "string", "minLength": 1, "maxLength": 80}}),
                    auth=False, errors=("400", "409", "422"))
    },
    "/v1/auth/login": {
        "post": _op("Sign in", "accounts", "200", _ref("Session"), _obj({"email": STRING, "password": PASSWORD}),
                    auth=False, errors=("400", "401", "429"))
    },
    "/v1/auth/refresh": {
        "post": _op("Rotate a refresh token for a new pair", "accounts", "200", _ref("Session"),
                    _obj({"refresh_token": STRING}), auth=False, errors=("400", "401"))
    },
    "/v1/auth/logout": {
        "post": _op("End the session of a refresh token", "accounts", "204", None, _obj({"refresh_token": STRING}),
                    auth=False)
    },
    "/v1/auth/password-reset": {
        "post": _op("Email a single-use reset link", "accounts", "202",
                    _obj({"status": {"type": "string", "enum": ["accepted"]}}), _obj({"email": STRING}), auth=False)
    },
    "/v1/auth/password-reset/confirm": {
        "post": _op("Set a new password with a reset token", "accounts", "204", None,
                    _obj({"token": STRING, "new_password": NEW_PASSWORD}), auth=False, errors=("400", "422"))
    },
    "/v1/me": {
        "get": _op("The signed-in user", "accounts", "200", _ref("User"), errors=()),
        "patch": _op("Update the profile", "accounts", "200", _ref("User"),
                     _obj({}, {"display_name": {"type": "string", "minLength": 1, "maxLength": 80}}), errors=("400", "403")),
        "delete": _op("Delete the account, its images and keys", "accounts", "204", None,
                      _obj({"password": PASSWORD}), errors=("400", "403", "429"), api_key=False),
    },
    "/v1/credits": {"get": _op("Balance and credits awaiting payment", "credits", "200", _ref("Credits"), errors=("403",))},
    "/v1/credits/packs": {"get": _op("Credit packs for sale", "credits", "200", _ref("CreditPacks"), auth=False, errors=())},
    "/v1/credits/checkout": {
        "post": _op("Start a Stripe Checkout for a pack or a custom amount", "credits", "201", _ref("Checkout"),
                    {**_obj({}, {"pack_id": {"type": "string", "minLength": 1},
                                 "amount_cents": {"type": "integer", "minimum": 500, "maximum": 50000,
                                                  "multipleOf": 100}}),
                     # Exactly one of them, not null.
                     "oneOf": [{"required": ["pack_id"], "properties": {"pack_id": {"type": "string"}}},
                               {"required": ["amount_cents"], "properties": {"amount_cents": {"type": "integer"}}}]},
                    errors=("400", "403", "409"), parameters=[IDEMPOTENCY_PARAMETER])
    },
    "/v1/credits/transactions": {
        "get": _op("Ledger rows, newest first", "credits", "200", _ref("TransactionPage"), errors=("400", "403"),
                   parameters=PAGE_PARAMETERS)
    },
    "/v1/credits/transactions/export": {
        "get": _op("All ledger rows as CSV", "credits", "200", {"type": "string"}, errors=("403",), content_type="text/csv")
    },
    "/v1/credits/payments": {
        "get": _op("Payments, newest first", "credits", "200", _ref("PaymentPage"), errors=("400", "403"),
                   parameters=PAGE_PARAMETERS)
    },
    "/v1/credits/payments/{checkout_id}": {
        "get": _op("One payment by its checkout id", "credits", "200", _ref("Payment"), errors=("403", "404"),
                   parameters=[{"name": "checkout_id", "in": "path", "required": True, "schema": STRING}])
    },
    "/v1/webhooks/stripe": {
        "post": _op("Stripe events (signed over the raw body)", "credits", "200", _ref("WebhookAck"),
                    {"type": "object"}, auth=False,
                    parameters=[{"name": "Stripe-Signature", "in": "header", "required": True, "schema": STRING}])
    },
    "/v1/models": {"get": _op("Image models with their sizes, qualities and prices", "generation", "200",
                              _ref("Models"), auth=False, errors=())},
    "/v1/style-presets": {"get": _op("Style presets", "generation", "200", _ref("StylePresets"), auth=False, errors=())},
    "/v1/prompt-templates": {"get": _op("Prompt templates", "generation", "200", _ref("PromptTemplates"), auth=False,
                                        errors=())},
    "/v1/generations/quote": {"post": _op("Price a request without charging", "generation", "200", _ref("Quote"),
                                          _ref("GenerationRequest"), errors=("400", "403"))},
    "/v1/generations": {
        "post": _op("Ask for images; the cost is taken now and failed images are refunded", "generation", "202",
                    _ref("Generation"), _ref("GenerationRequest"), errors=("400", "402", "403", "409", "422"),
                    parameters=[IDEMPOTENCY_PARAMETER]),
        "get": _op("Generations, newest first", "generation", "200", _ref("GenerationPage"), errors=("400", "403"),
                   parameters=PAGE_PARAMETERS + [
                       {"name": "status", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]}},
                       {"name": "model", "in": "query", "required": False, "schema": STRING},
                       {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}},
                       {"name": "since", "in": "query", "required": False, "schema": TIMESTAMP},
                       {"name": "until", "in": "query", "required": False, "schema": TIMESTAMP}]),
    },
    "/v1/generations/{generation_id}/cancel": {"post": _op(
        "Cancel a queued generation: it fails with every credit returned (409 once it has started)", "generation",
        "200", _ref("Generation"), errors=("403", "404", "409"), parameters=[_path("generation_id")])},
    "/v1/generations/{generation_id}/previews/{index}": {"get": _op(
        "The latest partial picture of one image while it renders (owner only)", "generation", "200",
        {"type": "string", "format": "binary"}, errors=("403", "404"), content_type="image/*",
        parameters=[_path("generation_id"), {"name": "index", "in": "path", "required": True,
                                              "schema": {"type": "integer", "minimum": 0, "maximum": 64}}])},
    "/v1/generations/{generation_id}": {"get": _op("One generation", "generation", "200", _ref("Generation"),
                                                   errors=("403", "404"), parameters=[_path("generation_id")])},
    "/v1/uploads": {"post": {**_op("Upload a PNG, JPEG or WebP (≤ 10 MB, ≤ 4096×4096) to edit", "generation", "201",
                                   _ref("Upload"), errors=("400", "403", "413", "415")),
                             "requestBody": {"required": True, "content": {
                                 t: {"schema": {"type": "string", "format": "binary"}}
                                 for t in ("image/png", "image/jpeg", "image/webp")}}}},
    "/v1/images": {"get": _op("Your images, newest first", "images", "200", _ref("ImagePage"), errors=("400", "403"),
                              parameters=PAGE_PARAMETERS + [
                                  {"name": "favorite", "in": "query", "required": False,
                                   "schema": {"type": "string", "enum": ["true", "false"]}},
                                  {"name": "q", "in": "query", "required": False,
                                   "schema": {"type": "string", "maxLength": 200}},
                                  {"name": "model", "in": "query", "required": False, "schema": STRING}])},
    "/v1/images/{image_id}": {
        "get": _op("One image", "images", "200", _ref("Image"), errors=("403", "404"), parameters=[_path("image_id")]),
        "delete": _op("Delete an image, its variants and its S3 copies", "images", "204", None, errors=("403", "404"),
                      parameters=[_path("image_id")]),
    },
    "/v1/images/{image_id}/content": {"get": {
        **_op("The image bytes as an attachment, converted and scaled on request", "images", "200",
              {"type": "string", "format": "binary"}, errors=("400", "403", "404"), content_type="image/*",
              parameters=[_path("image_id"),
                          FORMAT_PARAMETER, WIDTH_PARAMETER,
                          {"name": "quality", "in": "query", "required": False,
                           "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                          {"name": "If-None-Match", "in": "header", "required": False, "schema": STRING}]),
    }},
    "/v1/images/{image_id}/thumbnail": {"get": _op("A small WebP preview", "images", "200",
                                                   {"type": "string", "format": "binary"}, errors=("403", "404"),
                                                   parameters=[_path("image_id")], content_type="image/webp")},
    "/v1/images/{image_id}/favorite": {
        "put": _op("Mark as favourite", "images", "204", None, errors=("403", "404"), parameters=[_path("image_id")]),
        "delete": _op("Unmark as favourite", "images", "204", None, errors=("403", "404"),
                      parameters=[_path("image_id")]),
    },
    "/v1/images/{image_id}/share": {
        "post": _op("Share publicly under an unguessable slug", "images", "200", _ref("Share"), errors=("403", "404"),
                    parameters=[_path("image_id")]),
        "delete": _op("Stop sharing at once", "images", "204", None, errors=("403", "404"),
                      parameters=[_path("image_id")]),
    },
    "/v1/images/bulk": {"post": _op("Delete, favourite or unfavourite up to 100 images", "images", "200",
                                    _ref("BulkResult"), _obj({"action": {"type": "string", "enum": ["delete", "favorite",
                                                                                                      "unfavorite"]},
                                                             "ids": {"type": "array", "items": UUID,
                                                                     "minItems": 1, "maxItems": 100}}),
                                    errors=("400", "403"))},
    "/v1/images/download": {"post": _op("A ZIP of up to 100 originals", "images", "200",
                                        {"type": "string", "format": "binary"},
                                        _obj({"ids": {"type": "array", "items": UUID, "minItems": 1, "maxItems": 100}}),
                                        errors=("400", "403", "404"), content_type="application/zip")},
    "/v1/public/images/{slug}": {"get": _op("A shared image", "sharing", "200", _ref("PublicImage"), auth=False,
                                            errors=("404",), parameters=[_path("slug")])},
    "/v1/public/images/{slug}/content": {"get": _op("A shared image's bytes", "sharing", "200",
                                                    {"type": "string", "format": "binary"}, auth=False,
                                                    errors=("400", "404"), content_type="image/*",
                                                    parameters=[_path("slug"), FORMAT_PARAMETER, WIDTH_PARAMETER])},
    "/v1/public/images/{slug}/thumbnail": {"get": _op("A shared image's preview", "sharing", "200",
                                                      {"type": "string", "format": "binary"}, auth=False,
                                                      errors=("404",), content_type="image/webp",
                                                      parameters=[_path("slug")])},
    "/v1/public/images/{slug}/page": {"get": _op("The share link: Open Graph tags, then on to the app", "sharing",
                                                 "200", {"type": "string"}, auth=False, errors=("404",),
                                                 content_type="text/html", parameters=[_path("slug")])},
    "/v1/community": {"get": _op("Shared images, newest first", "sharing", "200", _ref("PublicImagePage"), auth=False,
                                 parameters=PAGE_PARAMETERS)},
    "/v1/admin/community/{image_id}/hidden": {
        "put": _op("Hide a shared image from the community feed (admin)", "admin", "204", None, errors=("403", "404"),
                   parameters=[_path("image_id")]),
        "delete": _op("Show it again (admin)", "admin", "204", None, errors=("403", "404"),
                      parameters=[_path("image_id")]),
    },
    "/v1/api-keys": {
        "post": _op("Create a developer key; the key is shown this once", "api keys", "201", _ref("ApiKey"),
                    _obj({"name": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": "\\S"}},
                         {"monthly_cap_credits": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
                          "rate_limit_per_minute": {"type": "integer", "minimum": 1, "maximum": 600}}),
                    errors=("400", "403")),
        "get": _op("Your keys, without their secrets, with this month's usage", "api keys", "200", _ref("ApiKeyPage"),
                   errors=("403",)),
    },
    "/v1/api-keys/{key_id}": {"delete": _op("Revoke a key at once", "api keys", "204", None, errors=("403", "404"),
                                            parameters=[_path("key_id")])},
    "/v1/admin/users": {"get": _op("Users, flagged first, with usage totals (admin)", "admin", "200",
                                   _obj({"items": {"type": "array", "items": _ref("AdminUser")},
                                         "next_cursor": {"type": ["string", "null"]}}), errors=("400", "403"),
                                   parameters=PAGE_PARAMETERS + [{"name": "q", "in": "query", "required": False,
                                                                  "schema": STRING}])},
    "/v1/admin/users/{user_id}": {
        "get": _op("A user with payments, generations and keys (admin)", "admin", "200", _ref("AdminUserDetail"),
                   errors=("403", "404"), parameters=[_path("user_id")]),
        "patch": _op("Suspend, reinstate, promote or demote (admin)", "admin", "200", _ref("AdminUser"),
                     {**_obj({}, {"suspended": {"type": "boolean"}, "role": {"type": "string", "enum": ["user", "admin"]}}),
                      "anyOf": [{"required": ["suspended"], "properties": {"suspended": {"type": "boolean"}}},
                                {"required": ["role"], "properties": {"role": {"type": "string"}}}]},
                     errors=("400", "403", "404", "409"), parameters=[_path("user_id")]),
    },
    "/v1/admin/users/{user_id}/credits": {"post": _op("Grant or debit credits with a reason (admin)", "admin", "201",
                                                      _ref("Transaction"),
                                                      _obj({"delta": {"type": "integer", "minimum": -10_000_000,
                                                                      "maximum": 10_000_000, "not": {"const": 0}},
                                                            "reason": {"type": "string", "minLength": 3,
                                                                       "maxLength": 500}}),
                                                      errors=("400", "403", "404", "409"),
                                                      parameters=[_path("user_id")])},
    "/v1/admin/pricing": {
        "get": _op("The price table (admin)", "admin", "200", _ref("Pricing"), errors=("403",)),
        "put": _op("Upsert price rows; new requests only (admin)", "admin", "200", _ref("Pricing"),
                   _obj({"items": {"type": "array", "items": _ref("PriceRow")}},
                        {"rates": {"type": "array", "items": _ref("RateRow")}}), errors=("400", "403")),
    },
    "/v1/admin/settings": {
        "get": _op("Signup bonus, daily cap, provider fallback, enabled models (admin)", "admin", "200",
                   _ref("Settings"), errors=("403",)),
        "patch": _op("Change settings (admin)", "admin", "200", _ref("Settings"),
                     {**_obj({}, {"signup_bonus": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
                                  "daily_spend_cap": {"type": ["integer", "null"], "minimum": 1, "maximum": 10_000_000},
                                  "provider_fallback": {"type": "boolean"}}),
                      # At least one setting; daily_spend_cap null lifts the cap, other nulls read as not given.
                      "anyOf": [{"required": ["signup_bonus"], "properties": {"signup_bonus": {"type": "integer"}}},
                                {"required": ["provider_fallback"],
                                 "properties": {"provider_fallback": {"type": "boolean"}}},
                                {"required": ["daily_spend_cap"]}]}, errors=("400", "403")),
    },
    "/v1/admin/models": {"get": _op("Every catalogue row with its state and token rates (admin)", "admin", "200",
                                    _ref("AdminModelPage"), errors=("403",))},
    "/v1/admin/models/{model_id}": {
        "put": _op("Enable or disable a model (admin)", "admin", "204", None, _obj({"enabled": {"type": "boolean"}}),
                   errors=("400", "403", "404"), parameters=[_path("model_id")]),
        "patch": _op("Change a catalogue row: on/off, available again, replacement, label, order, token rates (admin)",
                     "admin", "200", _ref("AdminModel"), {**_obj({}, {
                         "enabled": {"type": "boolean"}, "available": {"type": "boolean"},
                         "label": {"type": "string", "minLength": 1, "maxLength": 80}, "position": POSITION,
                         "replacement_model": {"type": ["string", "null"]},
                         "token_rates": _obj({}, {name: {"type": "number", "minimum": 0, "maximum": 10_000}
                                                  for name in ("input_text", "input_image", "output_image")})}),
                         "minProperties": 1},
                     errors=("400", "403", "404"), parameters=[_path("model_id")]),
    },
    "/v1/admin/style-presets/{preset_id}": {"put": _op("Create or change a style preset (admin)", "admin", "204", None,
                                                       _obj({"label": UPSERT_TEXT, "prompt_suffix": UPSERT_TEXT},
                                                            {"position": POSITION, "active": {"type": "boolean"}}),
                                                       errors=("400", "403"), parameters=[_item_id("preset_id")])},
    "/v1/admin/prompt-templates/{template_id}": {"put": _op("Create or change a prompt template (admin)", "admin",
                                                            "204", None,
                                                            _obj({"label": UPSERT_TEXT,
                                                                  "template": {**UPSERT_TEXT, "pattern": "\\{"}},
                                                                 {"position": POSITION, "active": {"type": "boolean"}}),
                                                            errors=("400", "403"), parameters=[_item_id("template_id")])},
    "/v1/admin/credit-packs/{pack_id}": {"put": _op("Create or change a credit pack (admin)", "admin", "204", None,
                                                    _obj({"label": UPSERT_TEXT,
                                                          "credits": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
                                                          "amount_cents": {"type": "integer", "minimum": 100,
                                                                           "maximum": 100_000}},
                                                         {"position": POSITION, "active": {"type": "boolean"}}),
                                                    errors=("400", "403"), parameters=[_item_id("pack_id")])},
    "/v1/admin/audit-log": {"get": _op("Every admin action, newest first (admin)", "admin", "200", _ref("AuditPage"),
                                       errors=("400", "403"), parameters=PAGE_PARAMETERS)},
    "/v1/me/password": {
        "post": _op("Change the password", "accounts", "204", None,
                    _obj({"current_password": PASSWORD, "new_password": NEW_PASSWORD}), errors=("400", "403", "422", "429"), api_key=False)
    },
}


REDIRECT = {"description": "Too large for one response: a short-lived link to the file",
            "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}}}
NOT_MODIFIED = {"description": "Unchanged since the ETag in If-None-Match"}


LINK = _obj({"url": {"type": "string", "format": "uri"}, "filename": STRING, "expires_in": {"type": "integer"}})


def _with_cache_answers(operation: dict[str, Any], redirect: bool = True) -> dict[str, Any]:
    operation["responses"]["304"] = NOT_MODIFIED
    if redirect:
        operation["responses"]["302"] = REDIRECT
        # With application/json in Accept, a file too large to send comes back as a link instead of a redirect.
        operation["responses"]["200"]["content"]["application/json"] = {"schema": LINK}
    return operation


for _path_name in ("/v1/images/{image_id}/content", "/v1/public/images/{slug}/content"):
    _with_cache_answers(PATHS[_path_name]["get"])
_with_cache_answers(PATHS["/v1/images/{image_id}/thumbnail"]["get"], redirect=False)
_with_cache_answers(PATHS["/v1/images/download"]["post"])


COUNT_OR_NULL = {"type": ["integer", "null"], "minimum": 0}
INT_OR_NULL = {"type": ["integer", "null"]}
RATE_OR_NULL = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
DAY = {"type": "string", "format": "date"}
STATUS_COUNTS = _obj({s: COUNT for s in ("queued", "running", "succeeded", "failed")})

SCHEMAS["UsageReportRow"] = _obj({
    "group": STRING, "email": {"type": ["string", "null"]},
    "revenue_cents": INT_OR_NULL, "credits_sold": INT_OR_NULL, "credits_spent": {"type": "integer"},
    "refunds_credits": COUNT, "payment_refunds_credits": INT_OR_NULL,
    "provider_cost_usd": {"type": "number"}, "gross_margin_usd": {"type": "number"},
    "margin_pct": {"type": ["number", "null"]}, "actual_cost_usd": {"type": "number"},
    "actual_margin_usd": {"type": "number"}, "active_users": COUNT, "generations": COUNT,
    "failed_generations": COUNT, "failure_rate": RATE_OR_NULL})
SCHEMAS["UsageReport"] = _obj({
    "from": DAY, "to": DAY, "group_by": {"type": "string", "enum": ["day", "model", "user", "api_key"]},
    "generated_at": TIMESTAMP, "rows": {"type": "array", "items": _ref("UsageReportRow")},
    "total": _ref("UsageReportRow")})
SCHEMAS["Metrics"] = _obj({
    "generated_at": TIMESTAMP,
    "generations": _obj({"last_hour": STATUS_COUNTS, "last_day": STATUS_COUNTS}),
    "failure_rate": RATE_OR_NULL,
    "provider_latency_ms": _obj({"p50": COUNT_OR_NULL, "p95": COUNT_OR_NULL}),
    "stuck": _obj({"queued": COUNT, "running": COUNT, "total": COUNT}),
    "queue": _obj({"visible": COUNT_OR_NULL, "in_flight": COUNT_OR_NULL, "delayed": COUNT_OR_NULL,
                   "dead_letters": COUNT_OR_NULL})})

PATHS["/v1/admin/reports/usage"] = {"get": _op(
    "Revenue, credits sold and spent, provider cost and margin over [from, to) in UTC (admin)", "admin", "200",
    _ref("UsageReport"), errors=("400", "403"),
    parameters=[{"name": "from", "in": "query", "required": True, "schema": DAY},
                {"name": "to", "in": "query", "required": True, "schema": DAY,
                 "description": "Exclusive; at most 366 days after from."},
                {"name": "group_by", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["day", "model", "user", "api_key"], "default": "day"}},
                {"name": "format", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}}])}
PATHS["/v1/admin/reports/usage"]["get"]["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
PATHS["/v1/admin/metrics"] = {"get": _op(
    "Generations by status, failure rate, provider latency, stuck generations and queue depths (admin)", "admin",
    "200", _ref("Metrics"), errors=("403",))}


def _blank_reads_as_absent(parameter: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter sent empty (?status=&q= from a cleared filter) means "not given"; limit excepted."""
    if parameter["in"] != "query" or parameter["required"] or parameter["name"] == "limit":
        return parameter
    return {**parameter, "schema": {"anyOf": [parameter["schema"], {"type": "string", "maxLength": 0}]}}


for _operations in PATHS.values():
    for _operation in _operations.values():
        if "parameters" in _operation:
            _operation["parameters"] = [_blank_reads_as_absent(p) for p in _operation["parameters"]]


@cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pixmint API",
            "version": "1",
            "description": "Pay-as-you-go AI image studio. Errors share one envelope: see the Error schema.",
        },
        "servers": [{"url": "/"}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                f"E{code}": {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
                for code, text in ERROR_STATUSES.items()
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
