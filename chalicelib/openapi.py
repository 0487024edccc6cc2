"""The OpenAPI 3.1 document of the public API; a test keeps it in step with the routes."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from .domain.beta import WAITLIST_STATES
from .domain.library import (
    ASPECT_RATIO,
    ASPECT_SHAPES,
    LINEAGE_DEPTH,
    LINEAGE_LIMIT,
    MAX_QUERY,
    SIMILAR_DISTANCE,
    SIMILAR_LIMIT,
    SORTS,
    WIDTH_LADDER,
)
from .domain.operations import OPERATIONS
from .handlers import bodies
from .handlers.responses import RESPONSE_MODELS

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
# Every component, generated: request bodies from handlers/bodies.py, responses from handlers/responses.py.
SCHEMAS: dict[str, Any] = {}


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
LIBRARY_FILTERS = [
    {"name": "favorite", "in": "query", "required": False, "schema": {"type": "string", "enum": ["true", "false"]}},
    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": MAX_QUERY}},
    {"name": "model", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 100}},
    {"name": "board_id", "in": "query", "required": False, "schema": {"type": "string", "format": "uuid"}},
    {"name": "rating_min", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 5}},
    {"name": "operation", "in": "query", "required": False, "schema": {"type": "string", "enum": list(OPERATIONS)}},
    {"name": "since", "in": "query", "required": False, "schema": TIMESTAMP},
    {"name": "until", "in": "query", "required": False, "schema": TIMESTAMP, "description": "Exclusive."},
    {"name": "aspect", "in": "query", "required": False, "schema": {"anyOf": [
        {"type": "string", "enum": list(ASPECT_SHAPES)},
        {"type": "string", "pattern": "^" + ASPECT_RATIO.pattern + "$"}]}},
    {"name": "sort", "in": "query", "required": False, "schema": {"type": "string", "enum": list(SORTS)}},
]
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


def _add_components(schemas: dict[str, Any]) -> None:
    for name, schema in schemas.items():
        schema.setdefault("required", [])
        if SCHEMAS.setdefault(name, schema) != schema:
            raise ValueError(f"two schemas are called {name}")


def _add_response_models() -> None:
    """The response components, from the TypedDicts the serializers in handlers/responses.py return: each under
    its RESPONSE_MODELS name, a nested one under its class name without Body."""
    from pydantic import TypeAdapter

    named = {model.__name__: name for name, model in RESPONSE_MODELS.items()}

    def component(class_name: str) -> str:
        return named.get(class_name, class_name.removesuffix("Body"))

    found: dict[str, Any] = {}
    for name, model in RESPONSE_MODELS.items():
        schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
        found.update({component(n): nested for n, nested in schema.pop("$defs", {}).items()})
        found[name] = schema
    text = json.dumps(_published(found))
    text = re.sub(r'"#/components/schemas/(\w+)"', lambda m: f'"#/components/schemas/{component(m[1])}"', text)
    _add_components(json.loads(text))


def _body(model: type[bodies.Body]) -> dict[str, str]:
    """A request body's component, from its pydantic model (nested models become components of their own)."""
    schema = _published(model.model_json_schema(ref_template="#/components/schemas/{model}"))
    _add_components({**schema.pop("$defs", {}), model.__name__: schema})
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


_add_response_models()

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
                    auth=False, errors=("400", "403", "409", "422", "429"),
                    description="400 `invalid_request` for invisible or control characters in the email or name; "
                                "403 `invite_required` while sign-up is invite-only and no valid `invite_code` came "
                                "(details.reason: missing, unknown, revoked, expired, used_up or other_email); "
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
                    _ref("Accepted"),
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
                    _ref("Accepted"), _body(bodies.PasswordResetRequest),
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
    "/v1/images": {"get": _op("Your images (not your uploads), newest first, narrowed by any of the filters",
                              "images", "200", _ref("ImagePage"), errors=("400", "403", "404"),
                              parameters=[*PAGE_PARAMETERS, *LIBRARY_FILTERS],
                              description="A bad filter value is a 400 naming its parameter; a board_id that is "
                                          "not one of your boards is a 404. q is a full-text search of the prompt "
                                          "(English stemming; the last word matches as a prefix as you type); "
                                          "sort=relevance ranks by it and needs q. aspect is square, landscape, "
                                          "portrait or a ratio W:H compared reduced (16:9 finds 1920x1080, 7:4 "
                                          "finds 1792x1024).")},
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
                    _ref("Accepted"),
                    _body(bodies.ReportRequest),
                    errors=("400", "403", "404"), parameters=[_path("slug")],
                    description="One open report per user per image: another is accepted and dropped."),
    },
    "/v1/admin/community/reports": {
        "get": _op("Open reports of Community images, newest first (admin)", "admin", "200",
                   _ref("CommunityReportPage"), errors=("400", "403"), parameters=PAGE_PARAMETERS),
    },
    "/v1/showcase": {"get": _op("The landing page's showcase: Community images admins featured", "sharing", "200",
                                _ref("Showcase"), auth=False, errors=())},
    "/v1/admin/community/{slug}/featured": {
        "put": _op("Feature a Community image on the landing page (admin)", "admin", "204", None,
                   errors=("403", "404"), parameters=[_path("slug")]),
        "delete": _op("Take an image off the landing page's showcase (admin)", "admin", "204", None,
                      errors=("403", "404"), parameters=[_path("slug")]),
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
                                   _ref("AdminUserPage"), errors=("400", "403"),
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
    "/v1/me/email": {
        "post": _op("Change the email address: a link to the new one confirms it, the old one is told", "accounts",
                    "202", _ref("Accepted"), _body(bodies.EmailChange), errors=("400", "403", "409", "429"),
                    api_key=False, description="403 `forbidden` (field password) for a wrong password; 409 "
                    "`conflict` (field new_email) when another account has the address.")
    },
    "/v1/me/email/confirm": {
        "post": _op("Confirm a new email address with the emailed token", "accounts", "200", _ref("User"),
                    _body(bodies.TokenRequest), auth=False, errors=("400", "409"),
                    description="400 `invalid_token` for an unknown, used or expired token; 409 when the address "
                    "was taken since.")
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




def _with_cache_answers(operation: dict[str, Any], redirect: bool = True) -> dict[str, Any]:
    operation["responses"]["304"] = NOT_MODIFIED
    operation["responses"]["406"] = {"$ref": "#/components/responses/E406"}
    if redirect:
        operation["responses"]["302"] = REDIRECT
        # Asked for with Accept: application/json (or too large to send to a client that names JSON), the
        # answer is a short-lived link instead of the bytes.
        operation["responses"]["200"]["content"]["application/json"] = {"schema": _ref("DownloadLink")}
    return operation


for _path_name in ("/v1/images/{image_id}/content", "/v1/public/images/{slug}/content"):
    _with_cache_answers(PATHS[_path_name]["get"])
_with_cache_answers(PATHS["/v1/images/{image_id}/thumbnail"]["get"], redirect=False)
_with_cache_answers(PATHS["/v1/public/images/{slug}/thumbnail"]["get"], redirect=False)
_with_cache_answers(PATHS["/v1/images/download"]["post"])


DAY = {"type": "string", "format": "date"}
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


# Launch kit (issue 22): email preferences and unsubscribe links.
PATHS["/v1/me/email-preferences"] = {
    "get": _op("Which optional emails you get, and whether your address is suppressed", "accounts", "200",
               _ref("EmailPreferences"), errors=()),
    "patch": _op("Turn optional emails on or off, or move the low-balance line", "accounts", "200",
                 _ref("EmailPreferences"), _body(bodies.EmailPreferencesChange)),
}
PATHS["/v1/email-preferences/unsubscribe"] = {"post": _op(
    "Follow an emailed unsubscribe link (no sign-in: the signed token names the account)", "accounts", "200",
    _ref("Unsubscribed"), _body(bodies.UnsubscribeRequest), auth=False)}
# The support desk.
_TICKET_ID = [_path("ticket_id")]
PATHS["/v1/support/tickets"] = {
    "post": {**_op("Write to support (signed in, or with the email address to answer)", "support", "201",
                   _ref("TicketCreated"), _body(bodies.TicketRequest), errors=("400", "401", "429"),
                   description="No captcha: a few tickets an hour per client address, email address and account "
                               "(429 with Retry-After beyond)."),
             "security": [{}, {"bearer": []}, {"apiKey": []}]},
    "get": _op("Your tickets and their conversations, the most recently active first", "support", "200",
               _ref("TicketPage"), errors=("400",), parameters=PAGE_PARAMETERS),
}
PATHS["/v1/support/tickets/{ticket_id}/messages"] = {"post": _op(
    "Write again in your ticket (it opens again)", "support", "201", _ref("SupportMessage"),
    _body(bodies.SupportMessageRequest), errors=("400", "404"), parameters=_TICKET_ID)}
PATHS["/v1/admin/support/tickets"] = {"get": _op(
    "Support tickets, the most recently active first, each with its last message (admin)", "admin", "200",
    _ref("TicketPage"), errors=("400",), parameters=[
        {"name": "status", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(bodies.TICKET_STATUSES)}},
        *PAGE_PARAMETERS])}
PATHS["/v1/admin/support/tickets/{ticket_id}"] = {
    "get": _op("A ticket with its conversation and its account's recent generations and payments (admin)", "admin",
               "200", _ref("AdminTicket"), errors=("404",), parameters=_TICKET_ID),
    "patch": _op("Open, mark answered or close a ticket (admin, audited)", "admin", "200", _ref("Ticket"),
                 _body(bodies.TicketStatusChange), errors=("400", "404"), parameters=_TICKET_ID),
}
PATHS["/v1/admin/support/tickets/{ticket_id}/replies"] = {"post": _op(
    "Answer a ticket; the reply is emailed (admin, audited)", "admin", "201", _ref("SupportMessage"),
    _body(bodies.SupportReply), errors=("400", "404"), parameters=_TICKET_ID)}
PATHS["/v1/admin/support/tickets/{ticket_id}/refunds"] = {"post": _op(
    "Refund what a finished generation of the ticket's account cost: one generation_refund ledger row (admin, "
    "audited)", "admin", "201", _ref("Transaction"), _body(bodies.SupportRefund), errors=("400", "404", "409"),
    parameters=_TICKET_ID)}
# The status page: incidents and the file the page reads (GET /status/status.json beside the page, not under /v1).
PATHS["/v1/admin/status/incidents"] = {
    "get": _op("Incidents, newest first (admin)", "admin", "200", _ref("IncidentPage"), errors=("400",),
               parameters=PAGE_PARAMETERS),
    "post": _op("Post an incident; the status page shows it at once (admin, audited)", "admin", "201", _ref("Incident"),
                _body(bodies.IncidentRequest)),
}
PATHS["/v1/admin/status/incidents/{incident_id}/updates"] = {"post": _op(
    "Add an update to an incident; resolved ends it (admin, audited)", "admin", "201", _ref("Incident"),
    _body(bodies.IncidentUpdateRequest), errors=("400", "404"), parameters=[_path("incident_id")])}
PATHS["/v1/admin/status/publish"] = {"post": _op(
    "Check and publish the status page's file now, as the five-minute schedule does (admin)", "admin", "200",
    _ref("StatusDocument"), errors=())}
# The beta program.
PATHS["/v1/waitlist"] = {"post": _op(
    "Join the waitlist (202 whether or not the address was on it already)", "beta", "202", _ref("Accepted"),
    _body(bodies.WaitlistRequest), auth=False, errors=("400", "429"))}
PATHS["/v1/feedback"] = {"post": {**_op(
    "Send feedback from the widget on every page (signed in or not)", "beta", "202", _ref("Accepted"),
    _body(bodies.FeedbackRequest), errors=("400", "401", "429")), "security": [{}, {"bearer": []}, {"apiKey": []}]}}
PATHS["/v1/admin/waitlist"] = {"get": _op(
    "The waitlist: pending addresses oldest first, approved or joined ones newest first (admin)", "admin", "200",
    _ref("WaitlistPage"), errors=("400",), parameters=[
        {"name": "status", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(WAITLIST_STATES)}}, *PAGE_PARAMETERS])}
PATHS["/v1/admin/waitlist/approve"] = {"post": _op(
    "Approve waitlisted addresses in a batch: each gets a single-use invite code by email (admin, audited)", "admin",
    "200", _ref("WaitlistPage"), _body(bodies.WaitlistApproval))}
PATHS["/v1/admin/invite-codes"] = {
    "get": _op("Invite codes, newest first (admin)", "admin", "200", _ref("InviteCodePage"), errors=("400",),
               parameters=PAGE_PARAMETERS),
    "post": _op("Make an invite code for one or many sign-ups, with an expiry (admin, audited)", "admin", "201",
                _ref("InviteCode"), _body(bodies.InviteCodeRequest)),
}
PATHS["/v1/admin/invite-codes/{code_id}"] = {"delete": _op(
    "Withdraw an invite code; accounts made with it stay (admin, audited)", "admin", "204", None, errors=("404",),
    parameters=[_path("code_id")])}
PATHS["/v1/admin/feedback"] = {"get": _op(
    "Feedback widget entries, newest first, from one page when given (admin)", "admin", "200", _ref("FeedbackPage"),
    errors=("400",), parameters=[{"name": "page", "in": "query", "required": False,
                                  "schema": {"type": "string", "maxLength": 300}}, *PAGE_PARAMETERS])}
# END launch kit
# Billing (issue 18): plans and subscriptions.
PATHS["/v1/billing/plans"] = {"get": _op("The subscription plans on sale, in display order", "billing", "200",
                                         _ref("Plans"), auth=False, errors=())}
PATHS["/v1/billing/subscription"] = {
    "post": _op("Subscribe to a plan: a Stripe Checkout in subscription mode (409 while one is live)", "billing",
                "201", _ref("Checkout"), _body(bodies.SubscriptionRequest), errors=("400", "409", "503"),
                api_key=False),
    "get": _op("Your subscription: plan, status, renewal date (404 when none)", "billing", "200",
               _ref("Subscription"), errors=("404",)),
    "patch": _op("Switch plan (from the next invoice on) or cancel at the period's end", "billing", "200",
                 _ref("Subscription"), _body(bodies.SubscriptionChangeRequest), errors=("400", "404", "503"),
                 api_key=False),
}
PATHS["/v1/billing/portal"] = {"post": _op(
    "Open the Stripe Customer Portal: change card, switch or cancel (404 before a first subscription)", "billing",
    "201", _ref("Portal"), errors=("404", "503"), api_key=False)}
PATHS["/v1/admin/plans"] = {"get": _op("Every subscription plan, on sale or not (admin)", "admin", "200",
                                       _ref("AdminPlans"), errors=("403",))}
PATHS["/v1/admin/plans/{plan_id}"] = {"put": _op(
    "Create or change a plan (admin): a new price or allowance applies to checkouts and invoices from now on",
    "admin", "200", _ref("AdminPlan"), _body(bodies.PlanUpsert), errors=("400", "403", "409"),
    parameters=[_path("plan_id")], description="409 `conflict` when the interval differs from the plan's.")}
# END billing
# Referrals (issue 18)
PATHS["/v1/referrals"] = {"get": _op(
    "Your referral code and link, and the accounts they brought: invited, pending, rewarded, credits earned",
    "billing", "200", _ref("Referrals"), errors=(), api_key=False,
    description="Both sides earn the admin's reward once the referred account's first paid purchase is older than "
                "the holding period and was neither refunded nor disputed, within a monthly cap per referrer; "
                "accounts that share a mailbox, a custom email domain, a card, a Stripe customer or a sign-up "
                "address earn nothing.")}
# END referrals

# Library recall (issue 21): boards, ratings, similar pictures.
_BOARD_ID = [_path("board_id")]
PATHS["/v1/boards"] = {
    "post": _op("Make a board, a named collection of your images", "images", "201", _ref("Board"),
                _body(bodies.BoardRequest), errors=("400", "403")),
    "get": _op("Your boards, newest first", "images", "200", _ref("BoardPage"), errors=("400", "403"),
               parameters=PAGE_PARAMETERS),
}
PATHS["/v1/boards/{board_id}"] = {
    "get": _op("One board", "images", "200", _ref("Board"), errors=("403", "404"), parameters=_BOARD_ID),
    "patch": _op("Rename a board or choose its cover (an image on it; null goes back to the newest)", "images",
                 "200", _ref("Board"), _body(bodies.BoardChange), errors=("400", "403", "404"), parameters=_BOARD_ID),
    "delete": _op("Delete a board; its images stay in your library", "images", "204", None, errors=("403", "404"),
                  parameters=_BOARD_ID),
}
PATHS["/v1/boards/{board_id}/images"] = {
    "put": _op("Add images to a board (an image can be on several boards)", "images", "200", _ref("Board"),
               _body(bodies.BoardImagesRequest), errors=("400", "403", "404"), parameters=_BOARD_ID,
               description="Your own images only: any id that is not one of your images is a 404 (details.ids names "
                           "them) and nothing is added. Images already on the board stay."),
    "delete": _op("Take images off a board; they stay in your library", "images", "200", _ref("Board"),
                  _body(bodies.BoardImagesRequest), errors=("400", "403", "404"), parameters=_BOARD_ID,
                  description="Any id that is not one of your images is a 404 and nothing changes."),
}
PATHS["/v1/images/{image_id}/rating"] = {
    "put": _op("Rate an image 1 to 5 stars", "images", "204", None, _body(bodies.RatingRequest),
               errors=("400", "403", "404"), parameters=[_path("image_id")]),
    "delete": _op("Clear an image's rating", "images", "204", None, errors=("403", "404"),
                  parameters=[_path("image_id")]),
}
PATHS["/v1/images/{image_id}/similar"] = {"get": _op(
    "More like this: your images that look alike, most alike first", "images", "200", _ref("ImagePage"),
    errors=("403", "404"), parameters=[_path("image_id")],
    description=f"Compared by a 64-bit perceptual difference hash (dHash): images within {SIMILAR_DISTANCE} "
                f"differing bits, nearest first, then newest; at most {SIMILAR_LIMIT}, never the image itself; "
                "next_cursor is always null.")}
# END library recall


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
