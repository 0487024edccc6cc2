"""The OpenAPI 3.1 document of the public API; a test keeps it in step with the routes."""

from __future__ import annotations

from functools import cache
from typing import Any

from .domain.accounts import DEFAULT_DISPLAY_NAME, PUBLIC_HANDLE_PATTERN
from .domain.api_keys import SCOPES
from .domain.catalogue import BACKGROUNDS, OUTPUT_FORMATS
from .domain.generation import FAILURE_CODES
from .domain.imaging import OUTPUT_TYPES
from .domain.library import LINEAGE_DEPTH, LINEAGE_LIMIT, REPORT_REASONS, WIDTH_LADDER
from .domain.operations import MAX_PADDING, OPERATIONS
from .domain.webhooks import EVENT_TYPES as WEBHOOK_EVENTS
from .handlers import bodies

IMAGE_TYPES = tuple(OUTPUT_TYPES.values())
COUNT = {"type": "integer", "minimum": 0}

ERROR_STATUSES = {
    "400": "Malformed JSON, wrong types, missing fields or values out of range.",
    "401": "No, bad or expired credentials (`two_factor_required` when a sign-in also needs its code).",
    "402": "Not enough credits; details carry cost and balance.",
    "403": "Authenticated but not allowed; details.reason says why (for example not_admin, or two_factor_required "
           "for an admin without 2FA outside the local stage).",
    "404": "No such resource.",
    "406": "The Accept header takes neither the file's type nor application/json; details name the types to send.",
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
TIMESTAMP = {"type": "string", "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}
OPERATION = {"type": "string", "enum": list(OPERATIONS)}
PADDING = _obj({}, {side: {"type": "integer", "minimum": 0, "maximum": MAX_PADDING}
                    for side in ("left", "right", "top", "bottom")})

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
            "email_verified": {"type": "boolean"},
            "display_name": {"type": "string", "description": f'"{DEFAULT_DISPLAY_NAME}" until the user sets one; '
                                                              "private: published images show the public handle"},
            "role": {"type": "string", "enum": ["user", "admin"]},
            "credits": {"type": "integer"},
            "two_factor": {"type": "boolean"},
            "created_at": TIMESTAMP,
        },
        {"suspended": {"type": "boolean"},
         "public_handle": {"type": ["string", "null"], "pattern": PUBLIC_HANDLE_PATTERN,
                           "description": "The name Community credits published images to; null until chosen"}},
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
        "created_at": TIMESTAMP,
        "generation_id": {"type": ["string", "null"], "description": "The generation a spend or refund was for"},
        "image_id": {"type": ["string", "null"], "description": "That generation's first image, while it exists"},
        "payment_id": {"type": ["string", "null"],
                       "description": "The checkout a purchase, payment refund or dispute belongs to"}}),
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
        "published": {"type": "boolean", "description": "Listed on Community; shared alone is an unlisted link"},
        "prompt": {"type": ["string", "null"]}, "model": {"type": ["string", "null"]}, "created_at": TIMESTAMP,
        "alt": STRING, "content_url": STRING, "thumbnail_url": STRING,
        "share_url": {"type": ["string", "null"]}, "frames": {"type": "integer", "minimum": 1},
        "has_alpha": {"type": "boolean"}, "operation": OPERATION,
        "parent_image_id": {"type": ["string", "null"], "description": "The image it was made from, while it exists"}}),
    "Lineage": _obj({"ancestors": {"type": "array", "items": _ref("Image")},
                     "descendants": {"type": "array", "items": _ref("Image")}}),
    "ImagePage": _obj({"items": {"type": "array", "items": _ref("Image")},
                       "next_cursor": {"type": ["string", "null"]}}),
    "Share": _obj({"slug": STRING, "share_url": STRING, "page_url": STRING}, {"published": {"type": "boolean"}}),
    "Likes": _obj({"like_count": {"type": "integer", "minimum": 0}, "liked_by_me": {"type": "boolean"}}),
    "CommunityReportPage": _obj({"items": {"type": "array", "items": _obj({
        "id": STRING, "slug": STRING, "image_id": STRING, "prompt": {"type": ["string", "null"]},
        "reason": {"type": "string", "enum": list(REPORT_REASONS)}, "note": {"type": ["string", "null"]},
        "created_at": TIMESTAMP, "open_reports": {"type": "integer", "minimum": 1}, "thumbnail_url": STRING})},
        "next_cursor": {"type": ["string", "null"]}}),
    "PublicImage": _obj({
        "slug": STRING, "prompt": {"type": ["string", "null"]}, "model": {"type": ["string", "null"]},
        "width": {"type": "integer"}, "height": {"type": "integer"}, "alt": STRING, "author": STRING,
        "created_at": TIMESTAMP, "shared_at": TIMESTAMP, "share_url": STRING, "page_url": STRING,
        "content_url": STRING, "thumbnail_url": STRING}, {
        "published": {"type": "boolean"}, "published_at": {"type": ["string", "null"], "format": "date-time"},
        "like_count": {"type": "integer", "minimum": 0},
        "liked_by_me": {"type": "boolean", "description": "Only when the request is signed in"}}),
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
        "frame_count": {"type": ["integer", "null"]}, "operation": OPERATION,
        "parent_image_id": {"type": ["string", "null"]},
        "outpaint": {"oneOf": [{"type": "null"}, PADDING]},
        "upscale": {"oneOf": [{"type": "null"}, _obj({"width": {"type": "integer"}, "height": {"type": "integer"}})]},
        "images": {"type": "array", "items": _ref("Image")},
        "previews": {"type": "array", "items": _obj({"index": {"type": "integer", "minimum": 0}, "url": STRING})},
        "usage": {"oneOf": [{"type": "null"}, _obj({"input_text_tokens": COUNT, "input_image_tokens": COUNT,
                                                    "output_image_tokens": COUNT})]},
        "created_at": TIMESTAMP,
        "completed_at": {"type": ["string", "null"], "format": "date-time"}},
        {"error": STRING, "error_code": {"type": "string", "enum": list(FAILURE_CODES),
                                         "description": "Why it failed, for code to branch on"}}),
    "GenerationPage": _obj({"items": {"type": "array", "items": _ref("Generation")},
                            "next_cursor": {"type": ["string", "null"]}}),
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
    "UploadTicket": _obj({"upload_id": UUID, "url": {"type": "string", "format": "uri"},
                          "fields": {"type": "object", "additionalProperties": STRING},
                          "expires_in": {"type": "integer", "minimum": 1}}),
    "StylePresets": _obj({"items": {"type": "array",
                                    "items": _obj({"id": STRING, "label": STRING, "prompt_suffix": STRING})},
                          "next_cursor": {"type": "null"}}),
    "PromptTemplates": _obj({"items": {"type": "array", "items": _obj({
        "id": STRING, "label": STRING, "template": STRING, "variables": {"type": "array", "items": STRING}})},
        "next_cursor": {"type": "null"}}),
    "ApiKey": _obj({
        "id": STRING, "name": STRING, "prefix": STRING, "created_at": TIMESTAMP,
        "last_used_at": {"type": ["string", "null"], "format": "date-time"},
        "revoked_at": {"type": ["string", "null"], "format": "date-time"},
        "rate_limit_per_minute": {"type": "integer"}, "monthly_cap_credits": {"type": ["integer", "null"]},
        "used_this_month": {"type": "integer"},
        "scopes": {"type": "array", "items": _ref("KeyScope")},
        "allowed_models": {"type": ["array", "null"], "items": STRING},
        "allowed_ips": {"type": ["array", "null"], "items": STRING, "description": "CIDR ranges"},
        "expires_at": {"type": ["string", "null"], "format": "date-time"}}, {"key": STRING}),
    "KeyScope": {"type": "string", "enum": list(SCOPES)},
    "ApiKeyPage": _obj({"items": {"type": "array", "items": _ref("ApiKey")}, "next_cursor": {"type": "null"}}),
    "AuditState": {"type": ["object", "array", "null"], "description": "What the action changed, as it was or became"},
    "PriceRow": _obj({"model": STRING, "size": STRING, "quality": STRING,
                      "credits": {"type": "integer", "minimum": 1},
                      "provider_cost_usd": {"type": "number", "minimum": 0}}),
    "RateRow": _obj({"model": STRING, "unit": {"type": "string", "enum": ["megapixel", "frame"]}, "quality": STRING,
                     "credits": {"type": "number", "exclusiveMinimum": 0, "maximum": 100_000},
                     "provider_cost_usd": {"type": "number", "minimum": 0, "maximum": 1000}}),
    "Pricing": _obj({"items": {"type": "array", "items": _ref("PriceRow")},
                     "rates": {"type": "array", "items": _ref("RateRow")}}),
    "AuditEntry": _obj({"id": STRING, "actor_email": STRING, "action": STRING, "target_type": STRING,
                        "target_id": {"type": ["string", "null"]}, "before": _ref("AuditState"),
                        "after": _ref("AuditState"), "created_at": TIMESTAMP}),
    "AuditPage": _obj({"items": {"type": "array", "items": _ref("AuditEntry")},
                       "next_cursor": {"type": ["string", "null"]}}),
    "Health": _obj(
        {
            "status": {"type": "string", "enum": ["ok", "unavailable"]},
            "database": {"type": "string", "enum": ["ok", "unavailable"]},
            "version": STRING,
        }
    ),
}

SCHEMAS["TwoFactorSetup"] = _obj({"secret": {"type": "string", "description": "Base32, for manual entry"},
                                  "otpauth_url": {"type": "string", "pattern": "^otpauth://totp/"}})
SCHEMAS["RecoveryCodes"] = _obj({"recovery_codes": {
    "type": "array", "items": STRING, "minItems": 1,
    "description": "Each works once in place of a code; shown this once, stored hashed"}})
SCHEMAS["SignInSession"] = _obj({"id": STRING, "created_at": TIMESTAMP, "last_used_at": TIMESTAMP,
                                 "user_agent": {"type": ["string", "null"]}, "ip": {"type": ["string", "null"]},
                                 "current": {"type": "boolean"}})
SCHEMAS["SignInSessionPage"] = _obj({"items": {"type": "array", "items": _ref("SignInSession")},
                                     "next_cursor": {"type": "null"}})
SCHEMAS["AdminUser"] = {**SCHEMAS["User"], "description": "A user with flags and usage totals", "properties": {
    **SCHEMAS["User"]["properties"], "flagged": {"type": "boolean"}, "flag_reason": {"type": ["string", "null"]},
    "flagged_at": {"type": ["string", "null"], "format": "date-time"},
    "usage": _obj({"generations": {"type": "integer", "minimum": 0}, "credits_spent": {"type": "integer"},
                   "credits_bought": {"type": "integer"}, "estimated_cost_usd": {"type": "number"},
                   "actual_cost_usd": {"type": "number"}, "actual_margin_usd": {"type": "number"}})},
    "required": [*SCHEMAS["User"]["required"], "suspended",
                 "flagged", "flag_reason", "flagged_at", "usage"]}
SCHEMAS["AdminUserDetail"] = {**SCHEMAS["AdminUser"],
                              "description": "A user with recent payments, generations and keys",
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
                                             "description": "Absent until an admin sets it; the default applies"},
                            "upload_quota_bytes": {"type": "integer", "minimum": 0,
                                                   "description": "Bytes of uploads one user may keep"}})


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
                   "schema": {"type": "integer", "minimum": 16, "maximum": 8192},
                   "description": "Rounded up to the next of " + ", ".join(map(str, WIDTH_LADDER)) +
                                  " and never wider than the image."}
IDEMPOTENCY_PARAMETER = {"name": "Idempotency-Key", "in": "header", "required": False,
                         "schema": {"type": "string", "minLength": 1, "maxLength": 255}}


def _published(schema: Any) -> Any:
    """pydantic's schema without the titles it derives from class and field names (the names say it already) and
    without `default: null` (an optional field is simply left out; generated clients read a default as "always
    there")."""
    if isinstance(schema, dict):
        return {k: _published(v) for k, v in schema.items()
                if not (k == "title" and isinstance(v, str)) and not (k == "default" and v is None)}
    if isinstance(schema, list):
        return [_published(v) for v in schema]
    return schema


def _body(model: type[bodies.Body]) -> dict[str, str]:
    """A request body's component, from its pydantic model (nested models become components of their own)."""
    schema = _published(model.model_json_schema(ref_template="#/components/schemas/{model}"))
    for name, nested in {**schema.pop("$defs", {}), model.__name__: schema}.items():
        nested.setdefault("required", [])
        if SCHEMAS.setdefault(name, nested) != nested:
            raise ValueError(f"two schemas are called {name}")
    return _ref(model.__name__)


def _op(summary: str, tag: str, ok: str, ok_schema: dict[str, Any] | None = None, body: dict[str, Any] | None = None,
        auth: bool = True, errors: tuple[str, ...] = ("400",), parameters: list[dict[str, Any]] | None = None,
        content_type: str = "application/json", api_key: bool = True, description: str | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {ok: {"description": summary}}
    if ok_schema is not None:
        responses[ok]["content"] = {content_type: {"schema": ok_schema}}
    # Any authenticated call may meet a suspended account or a key's limits (403, 429).
    codes = set(errors) | {"500", "503"} | ({"401", "403", "429"} if auth else set())
    for code in sorted(codes):
        responses[code] = {"$ref": f"#/components/responses/E{code}"}
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        op["description"] = description
    # API keys act as their owner everywhere except administration, key management and password or account changes.
    keys_allowed = api_key and tag not in ("admin", "api keys")
    op["security"] = ([{"bearer": []}, {"apiKey": []}] if keys_allowed else [{"bearer": []}]) if auth else []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
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
                "503": {"description": "Database unreachable",
                        "content": {"application/json": {"schema": _ref("Health")}}},
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
        "post": _op("Create an account; a verification link is emailed", "accounts", "201", _ref("Session"),
                    _body(bodies.RegisterRequest),
                    auth=False, errors=("400", "409", "422", "429"),
                    description="400 `invalid_request` for invisible or control characters in the email or name; "
                                "409 `conflict` when the email is taken; 422 `weak_password` with zxcvbn's "
                                "`score`, `warning` and `suggestions` in details; 429 `rate_limited` after too many "
                                "sign-ups from one address in an hour (Retry-After). The signup bonus comes with "
                                "verification, once per email address ever.")
    },
    "/v1/auth/verify-email": {
        "post": _op("Verify the email address with the emailed token; grants the signup bonus once", "accounts", "200",
                    _ref("User"), _body(bodies.TokenRequest), auth=False, errors=("400",),
                    description="400 `invalid_token` for an unknown, used or expired token.")
    },
    "/v1/auth/verify-email/resend": {
        "post": _op("Email another verification link", "accounts", "202",
                    _obj({"status": {"type": "string", "enum": ["accepted"]}}),
                    errors=(), description="429 `rate_limited` after a few in an hour (Retry-After).")
    },
    "/v1/auth/login": {
        "post": _op("Sign in", "accounts", "200", _ref("Session"),
                    _body(bodies.LoginRequest),
                    auth=False, errors=("400", "401", "429"),
                    description="401 `unauthorized` for a wrong email or password (the same answer for both); "
                                "401 `two_factor_required` for an account with 2FA until `code` is sent, and for a "
                                "wrong code (details.reason `code_required` or `invalid_code`).")
    },
    "/v1/auth/refresh": {
        "post": _op("Rotate a refresh token for a new pair", "accounts", "200", _ref("Session"),
                    _body(bodies.RefreshRequest), auth=False, errors=("400", "401"))
    },
    "/v1/auth/logout": {
        "post": _op("End the session of a refresh token", "accounts", "204", None, _body(bodies.RefreshRequest),
                    auth=False)
    },
    "/v1/auth/password-reset": {
        "post": _op("Email a single-use reset link", "accounts", "202",
                    _obj({"status": {"type": "string", "enum": ["accepted"]}}), _body(bodies.PasswordResetRequest),
                    auth=False)
    },
    "/v1/auth/password-reset/confirm": {
        "post": _op("Set a new password with a reset token", "accounts", "204", None,
                    _body(bodies.PasswordResetConfirm), auth=False, errors=("400", "422"))
    },
    "/v1/me": {
        "get": _op("The signed-in user", "accounts", "200", _ref("User"), errors=()),
        "patch": _op("Update the profile", "accounts", "200", _ref("User"),
                     _body(bodies.ProfileChange),
                     errors=("400", "403", "409"),
                     description="400 naming the field for a bad value (nothing changes); 409 `conflict` with "
                                 "details.field `public_handle` when another account holds the handle in any case."),
        "delete": _op("Delete the account, its images and keys", "accounts", "204", None,
                      _body(bodies.PasswordConfirmation), errors=("400", "403", "429"), api_key=False),
    },
    "/v1/credits": {"get": _op("Balance and credits awaiting payment", "credits", "200", _ref("Credits"),
                               errors=("403",))},
    "/v1/credits/packs": {"get": _op("Credit packs for sale", "credits", "200", _ref("CreditPacks"), auth=False,
                                     errors=())},
    "/v1/credits/checkout": {
        "post": _op("Start a Stripe Checkout for a pack or a custom amount", "credits", "201", _ref("Checkout"),
                    _body(bodies.CheckoutRequest),
                    errors=("400", "403", "409"), parameters=[IDEMPOTENCY_PARAMETER])
    },
    "/v1/credits/transactions": {
        "get": _op("Ledger rows, newest first", "credits", "200", _ref("TransactionPage"), errors=("400", "403"),
                   parameters=PAGE_PARAMETERS)
    },
    "/v1/credits/transactions/export": {
        "get": _op("All ledger rows as CSV", "credits", "200", {"type": "string"}, errors=("403",),
                   content_type="text/csv")
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
    "/v1/style-presets": {"get": _op("Style presets", "generation", "200", _ref("StylePresets"), auth=False,
                                     errors=())},
    "/v1/prompt-templates": {"get": _op("Prompt templates", "generation", "200", _ref("PromptTemplates"), auth=False,
                                        errors=())},
    "/v1/generations/quote": {"post": _op("Price a request without charging", "generation", "200", _ref("Quote"),
                                          _body(bodies.GenerationRequest), errors=("400", "403"))},
    "/v1/generations": {
        "post": _op("Ask for images; the cost is taken now and failed images are refunded", "generation", "202",
                    _ref("Generation"), _body(bodies.GenerationRequest), errors=("400", "402", "403", "409", "422"),
                    parameters=[IDEMPOTENCY_PARAMETER]),
        "get": _op("Generations, newest first", "generation", "200", _ref("GenerationPage"), errors=("400", "403"),
                   parameters=[*PAGE_PARAMETERS,
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
                                   {"oneOf": [_ref("Upload"), _ref("UploadTicket")]},
                                   errors=("400", "403", "413", "415"),
                                   description="Send the image as the body when it fits Lambda's 6 MB payload; "
                                               "otherwise send JSON {content_type, bytes} for an UploadTicket: POST "
                                               "the fields and then the file (as `file`) to its url as a form, then "
                                               "POST /v1/uploads/{upload_id}/complete (the web app uploads "
                                               "every file this way). Uploads count against a per-user quota (413 with "
                                               "details.reason upload_quota), and uploads "
                                               "no generation uses are deleted after a day."),
                             "requestBody": {"required": True, "content": {
                                 **{t: {"schema": {"type": "string", "format": "binary"}}
                                    for t in ("image/png", "image/jpeg", "image/webp")},
                                 "application/json": {"schema": _body(bodies.UploadTicketRequest)}}}}},
    "/v1/uploads/{upload_id}/complete": {"post": _op(
        "Validate and keep the file POSTed for an upload ticket, as a direct upload is", "generation", "201",
        _ref("Upload"), errors=("403", "404", "409", "413", "415"), parameters=[_path("upload_id")],
        description="409 with details.reason not_uploaded while nothing has arrived; 413 or 415 discard the file. "
                    "Asking again for a completed upload answers the same image.")},
    "/v1/images": {"get": _op("Your images, newest first", "images", "200", _ref("ImagePage"), errors=("400", "403"),
                              parameters=[*PAGE_PARAMETERS,
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
    "/v1/images/{image_id}/lineage": {
        "get": _op("What an image was made from (nearest first) and what was made from it (nearest first, "
                   f"then oldest); {LINEAGE_DEPTH} steps either way, at most {LINEAGE_LIMIT} results", "images", "200",
                   _ref("Lineage"),
                   errors=("403", "404"), parameters=[_path("image_id")]),
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
        "post": _op("A private link under an unguessable slug; not listed on Community", "images", "200",
                    _ref("Share"), errors=("403", "404", "409"), parameters=[_path("image_id")]),
        "delete": _op("Stop sharing at once, which also unpublishes", "images", "204", None, errors=("403", "404"),
                      parameters=[_path("image_id")]),
    },
    "/v1/images/{image_id}/publish": {
        "post": _op("List on Community under the account's public handle (shares it first when needed)", "images",
                    "200", _ref("Share"), errors=("403", "404", "409"), parameters=[_path("image_id")],
                    description="409 `conflict` with details.field `public_handle` until the account has a public "
                                "handle (PATCH /v1/me); 409 with details.reason `taken_down` for an image moderators "
                                "took down. Idempotent."),
        "delete": _op("Take off Community; the private link keeps working", "images", "204", None,
                      errors=("403", "404"), parameters=[_path("image_id")]),
    },
    "/v1/images/bulk": {"post": _op("Delete, favourite or unfavourite up to 100 images", "images", "200",
                                    _ref("BulkResult"),
                                    _body(bodies.BulkRequest),
                                    errors=("400", "403"))},
    "/v1/images/download": {"post": _op("A ZIP of up to 100 originals", "images", "200",
                                        {"type": "string", "format": "binary"},
                                        _body(bodies.DownloadRequest),
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
    "/v1/community": {"get": _op("Published images, most recently published first", "sharing", "200",
                                 _ref("PublicImagePage"), auth=False, errors=("400", "401"),
                                 parameters=[*PAGE_PARAMETERS, {"name": "q", "in": "query", "required": False,
                                                                "schema": {"type": "string", "maxLength": 200},
                                                                "description": "Text the prompt contains"}],
                                 description="Signed in (optional), each item also says liked_by_me.")},
    "/v1/community/{slug}/like": {
        "put": _op("Like an image on Community (once per user)", "sharing", "200", _ref("Likes"),
                   errors=("403", "404"), parameters=[_path("slug")]),
        "delete": _op("Take the like back", "sharing", "200", _ref("Likes"), errors=("403", "404"),
                      parameters=[_path("slug")]),
    },
    "/v1/community/{slug}/report": {
        "post": _op("Report an image on Community to the moderators", "sharing", "202",
                    _obj({"status": {"type": "string", "enum": ["accepted"]}}),
                    _body(bodies.ReportRequest),
                    errors=("400", "403", "404"), parameters=[_path("slug")],
                    description="One open report per user per image: another is accepted and dropped."),
    },
    "/v1/admin/community/reports": {
        "get": _op("Open reports of Community images, newest first (admin)", "admin", "200",
                   _ref("CommunityReportPage"), errors=("400", "403"), parameters=PAGE_PARAMETERS),
    },
    "/v1/admin/community/{slug}/hide": {
        "post": _op("Take a shared image down: off Community, its link 404s, its reports closed (admin)", "admin",
                    "204", None, errors=("403", "404"), parameters=[_path("slug")]),
    },
    "/v1/admin/community/{image_id}/hidden": {
        "put": _op("Hide a shared image from the community feed (admin)", "admin", "204", None, errors=("403", "404"),
                   parameters=[_path("image_id")]),
        "delete": _op("Show it again (admin)", "admin", "204", None, errors=("403", "404"),
                      parameters=[_path("image_id")]),
    },
    "/v1/api-keys": {
        "post": _op("Create a developer key; the key is shown this once", "api keys", "201", _ref("ApiKey"),
                    _body(bodies.ApiKeyRequest),
                    errors=("400", "403")),
        "get": _op("Your keys, without their secrets, with this month's usage", "api keys", "200", _ref("ApiKeyPage"),
                   errors=("403",)),
    },
    "/v1/api-keys/{key_id}": {"delete": _op("Revoke a key at once", "api keys", "204", None, errors=("403", "404"),
                                            parameters=[_path("key_id")])},
    "/v1/admin/users": {"get": _op("Users, flagged first, with usage totals (admin)", "admin", "200",
                                   _obj({"items": {"type": "array", "items": _ref("AdminUser")},
                                         "next_cursor": {"type": ["string", "null"]}}), errors=("400", "403"),
                                   parameters=[*PAGE_PARAMETERS, {"name": "q", "in": "query", "required": False,
                                                                  "schema": STRING}])},
    "/v1/admin/users/{user_id}": {
        "get": _op("A user with payments, generations and keys (admin)", "admin", "200", _ref("AdminUserDetail"),
                   errors=("403", "404"), parameters=[_path("user_id")]),
        "patch": _op("Suspend, reinstate, promote or demote (admin)", "admin", "200", _ref("AdminUser"),
                     _body(bodies.UserChange),
                     errors=("400", "403", "404", "409"), parameters=[_path("user_id")]),
    },
    "/v1/admin/users/{user_id}/credits": {"post": _op("Grant or debit credits with a reason (admin)", "admin", "201",
                                                      _ref("Transaction"),
                                                      _body(bodies.CreditAdjustment),
                                                      errors=("400", "403", "404", "409"),
                                                      parameters=[_path("user_id")])},
    "/v1/admin/pricing": {
        "get": _op("The price table (admin)", "admin", "200", _ref("Pricing"), errors=("403",)),
        "put": _op("Upsert price rows; new requests only (admin)", "admin", "200", _ref("Pricing"),
                   _body(bodies.PricingChange), errors=("400", "403")),
    },
    "/v1/admin/settings": {
        "get": _op("Signup bonus, daily cap, provider fallback, enabled models (admin)", "admin", "200",
                   _ref("Settings"), errors=("403",)),
        "patch": _op("Change settings (admin)", "admin", "200", _ref("Settings"),
                     _body(bodies.SettingsChange), errors=("400", "403")),
    },
    "/v1/admin/models": {"get": _op("Every catalogue row with its state and token rates (admin)", "admin", "200",
                                    _ref("AdminModelPage"), errors=("403",))},
    "/v1/admin/models/{model_id}": {
        "put": _op("Enable or disable a model (admin)", "admin", "204", None, _body(bodies.EnabledChange),
                   errors=("400", "403", "404"), parameters=[_path("model_id")]),
        "patch": _op("Change a catalogue row: on/off, available again, replacement, label, order, token rates (admin)",
                     "admin", "200", _ref("AdminModel"), _body(bodies.ModelChange),
                     errors=("400", "403", "404"), parameters=[_path("model_id")]),
    },
    "/v1/admin/style-presets/{preset_id}": {"put": _op("Create or change a style preset (admin)", "admin", "204", None,
                                                       _body(bodies.PresetUpsert),
                                                       errors=("400", "403"), parameters=[_item_id("preset_id")])},
    "/v1/admin/prompt-templates/{template_id}": {"put": _op("Create or change a prompt template (admin)", "admin",
                                                            "204", None,
                                                            _body(bodies.TemplateUpsert),
                                                            errors=("400", "403"),
                                                            parameters=[_item_id("template_id")])},
    "/v1/admin/credit-packs/{pack_id}": {"put": _op("Create or change a credit pack (admin)", "admin", "204", None,
                                                    _body(bodies.PackUpsert),
                                                    errors=("400", "403"), parameters=[_item_id("pack_id")])},
    "/v1/admin/audit-log": {"get": _op("Every admin action, newest first (admin)", "admin", "200", _ref("AuditPage"),
                                       errors=("400", "403"), parameters=PAGE_PARAMETERS)},
    "/v1/me/2fa": {
        "post": _op("Start two-factor set-up: a TOTP secret to scan", "accounts", "200", _ref("TwoFactorSetup"),
                    errors=("409",), api_key=False, description="409 `conflict` when 2FA is on already."),
        "delete": _op("Turn two-factor sign-in off", "accounts", "204", None, _body(bodies.CodeRequest),
                      errors=("400", "409"), api_key=False,
                      description="400 `invalid_code` for a wrong code; 409 `conflict` when 2FA is off."),
    },
    "/v1/me/2fa/confirm": {
        "post": _op("Turn two-factor sign-in on with a code from the app; returns recovery codes", "accounts", "200",
                    _ref("RecoveryCodes"), _body(bodies.CodeRequest), errors=("400", "409"), api_key=False,
                    description="400 `invalid_code` for a wrong code; 409 `conflict` without a set-up begun.")
    },
    "/v1/me/sessions": {
        "get": _op("Signed-in sessions, newest first", "accounts", "200", _ref("SignInSessionPage"), errors=(),
                   api_key=False)
    },
    "/v1/me/sessions/{session_id}": {
        "delete": _op("End a session (its refresh token stops working at once)", "accounts", "204", None,
                      errors=("404",), api_key=False, parameters=[_path("session_id")])
    },
    "/v1/me/password": {
        "post": _op("Change the password", "accounts", "204", None,
                    _body(bodies.PasswordChange),
                    errors=("400", "403", "422", "429"), api_key=False)
    },
}


REDIRECT = {"description": "Too large for one response: a short-lived link to the file",
            "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}}}
NOT_MODIFIED = {"description": "Unchanged since the ETag in If-None-Match"}


LINK = _obj({"url": {"type": "string", "format": "uri"}, "filename": STRING, "expires_in": {"type": "integer"}})


def _with_cache_answers(operation: dict[str, Any], redirect: bool = True) -> dict[str, Any]:
    operation["responses"]["304"] = NOT_MODIFIED
    operation["responses"]["406"] = {"$ref": "#/components/responses/E406"}
    if redirect:
        operation["responses"]["302"] = REDIRECT
        # Asked for with Accept: application/json (or too large to send to a client that names JSON), the
        # answer is a short-lived link instead of the bytes.
        operation["responses"]["200"]["content"]["application/json"] = {"schema": LINK}
    return operation


for _path_name in ("/v1/images/{image_id}/content", "/v1/public/images/{slug}/content"):
    _with_cache_answers(PATHS[_path_name]["get"])
_with_cache_answers(PATHS["/v1/images/{image_id}/thumbnail"]["get"], redirect=False)
_with_cache_answers(PATHS["/v1/public/images/{slug}/thumbnail"]["get"], redirect=False)
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


# Developers (issue 16): OpenAI's Images API under /v1/openai, answered in OpenAI's shapes, and webhook endpoints.
OPENAI_ERROR_STATUSES = {
    "400": "`invalid_value` naming `param`, or `moderation_blocked`.",
    "401": "`invalid_api_key`: no, bad or revoked key.",
    "402": "`insufficient_quota`: not enough credits, or a key's or the daily spending cap (the SDKs raise "
           "APIStatusError).",
    "403": "`permission_denied`: a suspended account.",
    "404": "`model_not_found`.",
    "409": "`conflict`: an Idempotency-Key reused with another body (x-should-retry: false).",
    "413": "Body too large.",
    "415": "Not the content type this operation takes.",
    "429": "`rate_limit_exceeded`: the key's per-minute limit; see Retry-After.",
    "500": "`generation_failed` (every credit returned; `generation_id` names it; x-should-retry: false), or an "
           "unexpected failure.",
    "503": "A dependency is down; safe to retry.",
    "504": "`generation_pending`: still rendering when the time ran out; fetch `status_url` (x-should-retry: false, "
           "as asking again would charge another generation).",
}
SCHEMAS["OpenAIError"] = _obj({"error": _obj(
    {"message": STRING, "type": STRING, "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}},
    {"generation_id": STRING, "status_url": STRING})})
SCHEMAS["OpenAIUsage"] = _obj({
    "input_tokens": COUNT, "output_tokens": COUNT, "total_tokens": COUNT,
    "input_tokens_details": _obj({"text_tokens": COUNT, "image_tokens": COUNT})})
SCHEMAS["OpenAIImagesResponse"] = _obj({
    "created": {"type": "integer"},
    "data": {"type": "array", "items": _obj({"b64_json": {"type": "string", "contentEncoding": "base64"}})},
    "background": {"type": "string", "enum": ["transparent", "opaque"]},
    "output_format": {"type": "string", "enum": list(OUTPUT_FORMATS)}, "quality": STRING, "size": STRING,
    "usage": _ref("OpenAIUsage"),
    "pixmint": _obj({"generation_id": STRING, "model": STRING, "cost_credits": {"type": "integer"},
                     "refunded_credits": {"type": "integer"}}),
})
SCHEMAS["OpenAIModelList"] = _obj({
    "object": {"type": "string", "enum": ["list"]},
    "data": {"type": "array", "items": _obj({"id": STRING, "object": {"type": "string", "enum": ["model"]},
                                             "created": {"type": "integer"}, "owned_by": STRING})}})
_STREAM = {"type": "string", "description": "Server-sent events (stream=true): image_generation.partial_image (or "
                                            "image_edit.partial_image) events, then one completed event per image, "
                                            "or an error event; sent whole once the generation ends."}


def _openai_op(summary: str, ok_schema: dict[str, Any], errors: tuple[str, ...], description: str,
               body: dict[str, Any] | None = None, body_type: str = "application/json") -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": summary, "content": {"application/json": {"schema": ok_schema}},
                                         "headers": {"Pixmint-Generation-Id": {"schema": STRING}}}}
    for code in sorted(set(errors) | {"401", "403", "429", "500", "503"}):
        # A body over the gateway's 10 MB is refused before the app sees it, in the API's own envelope.
        schema = {"anyOf": [_ref("OpenAIError"), _ref("Error")]} if code == "413" else _ref("OpenAIError")
        responses[code] = {"description": OPENAI_ERROR_STATUSES[code],
                           "content": {"application/json": {"schema": schema}}}
    op: dict[str, Any] = {"summary": summary, "tags": ["openai compatible"], "description": description,
                          "responses": responses, "security": [{"bearer": []}, {"apiKey": []}]}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {body_type: {"schema": body}}}
    return op


_OPENAI_AUTH = ("Send a Pixmint API key as `Authorization: Bearer pxm_…` (the OpenAI SDK's `api_key`); X-API-Key "
                "and a signed-in access token work too. ")
_OPENAI_RUN = ("Each call is an ordinary Pixmint generation (quoted, charged, refunded on failure, in the history) "
               "and the answer waits for its images; an `Idempotency-Key` header is honoured. In AWS a call waits "
               "up to 150 s (README, \"Long calls\").")
PATHS["/v1/openai/models"] = {"get": _openai_op(
    "The models a request may name, in OpenAI's list shape", _ref("OpenAIModelList"), (), _OPENAI_AUTH)}
PATHS["/v1/openai/images/generations"] = {"post": _openai_op(
    "Generate images as OpenAI's Images API does", _ref("OpenAIImagesResponse"),
    ("400", "402", "404", "409", "415", "504"), _OPENAI_AUTH + _OPENAI_RUN, _body(bodies.OpenAIImageRequest))}
PATHS["/v1/openai/images/edits"] = {"post": _openai_op(
    "Edit an image (multipart, as the OpenAI SDK sends it)", _ref("OpenAIImagesResponse"),
    ("400", "402", "404", "409", "413", "415", "504"), _OPENAI_AUTH + _OPENAI_RUN + " The image and mask are "
    "PNG, JPEG or WebP, at most 10 MB each; they are kept as uploads.", _body(bodies.OpenAIEditRequest),
    "multipart/form-data")}
for _compatible in ("/v1/openai/images/generations", "/v1/openai/images/edits"):
    PATHS[_compatible]["post"]["responses"]["200"]["content"]["text/event-stream"] = {"schema": _STREAM}
    PATHS[_compatible]["post"]["parameters"] = [IDEMPOTENCY_PARAMETER]

WEBHOOK_EVENT = {"type": "string", "enum": list(WEBHOOK_EVENTS)}
SCHEMAS["WebhookEndpoint"] = _obj({
    "id": STRING, "url": STRING, "events": {"type": "array", "items": WEBHOOK_EVENT},
    "description": {"type": ["string", "null"]}, "low_credits_threshold": {"type": "integer"},
    "created_at": TIMESTAMP, "enabled": {"type": "boolean"},
    "disabled_at": {"type": ["string", "null"], "format": "date-time"},
    "disabled_reason": {"type": ["string", "null"]},
    "failing_since": {"type": ["string", "null"], "format": "date-time",
                      "description": "Since when every attempt failed; after three days the endpoint is turned off"}},
    {"secret": {"type": "string", "pattern": "^whsec_",
                                          "description": "Only in the answer that created the endpoint"}})
SCHEMAS["WebhookEndpointPage"] = _obj({"items": {"type": "array", "items": _ref("WebhookEndpoint")},
                                       "next_cursor": {"type": ["string", "null"]}})
SCHEMAS["WebhookDelivery"] = _obj({
    "id": {"type": "string", "description": "The webhook-id header of every attempt"},
    "event_type": STRING, "state": {"type": "string", "enum": ["pending", "delivered", "failed"]},
    "attempts": COUNT, "last_status": {"type": ["integer", "null"]}, "last_error": {"type": ["string", "null"]},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    "last_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    "delivered_at": {"type": ["string", "null"], "format": "date-time"},
    "failed_at": {"type": ["string", "null"], "format": "date-time"}, "created_at": TIMESTAMP})
SCHEMAS["WebhookDeliveryPage"] = _obj({"items": {"type": "array", "items": _ref("WebhookDelivery")},
                                       "next_cursor": {"type": ["string", "null"]}})
_WEBHOOK_RULES = ("Deliveries are signed as Standard Webhooks says (webhook-id, webhook-timestamp, webhook-signature) "
                  "and retried with backoff for about a day under the same webhook-id. Outside the local stage "
                  "only https URLs on public addresses are taken, and redirects are not followed.")
PATHS["/v1/webhook-endpoints"] = {
    "post": _op("Add a webhook endpoint; its signing secret is shown this once", "webhooks", "201",
                _ref("WebhookEndpoint"),
                _body(bodies.WebhookEndpointRequest),
                description=_WEBHOOK_RULES),
    "get": _op("Your webhook endpoints, newest first, without their secrets", "webhooks", "200",
               _ref("WebhookEndpointPage"), errors=()),
}
PATHS["/v1/webhook-endpoints/{endpoint_id}"] = {
    "patch": _op("Turn an endpoint off, or back on (what was pending for it is then sent)", "webhooks", "200",
                 _ref("WebhookEndpoint"), _body(bodies.EnabledChange), errors=("400", "404"),
                 parameters=[_path("endpoint_id")]),
    "delete": _op("Delete a webhook endpoint and its delivery log", "webhooks", "204", None, errors=("404",),
                  parameters=[_path("endpoint_id")])}
PATHS["/v1/webhook-endpoints/{endpoint_id}/deliveries"] = {"get": _op(
    "The endpoint's deliveries, newest first", "webhooks", "200", _ref("WebhookDeliveryPage"), errors=("400", "404"),
    parameters=[_path("endpoint_id"), *PAGE_PARAMETERS])}
PATHS["/v1/webhook-endpoints/{endpoint_id}/test"] = {"post": _op(
    "Send a webhook.test event now (retried like any other when it fails)", "webhooks", "202",
    _ref("WebhookDelivery"), errors=("404",), parameters=[_path("endpoint_id")])}


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
