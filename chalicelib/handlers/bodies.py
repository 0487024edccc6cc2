"""Every JSON request body the API takes, as one pydantic model each: the one source of a body's shape.

`parse(Model, request)` validates a request against its model and turns what pydantic finds into the API's error
envelope (a 400 naming the field, dotted for nested ones); `chalicelib/openapi.py` publishes the same models as its
request-body components. The models check shape: names, types, lengths, ranges and choices that hold whatever the
state; the use cases keep the rules that depend on state (a model's sizes, a user's balance) or answer with another
status (a weak password is a 422). A bound the edge leaves to a use case is still published, through `documented`.

Conventions: unknown fields are refused so typos surface; an optional field sent as null means "not given" unless
the model says otherwise (it then reads `model_fields_set`); JSON has one number type, so 3.0 is the whole number 3.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from chalice.app import Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..domain import errors
from ..domain.accounts import PUBLIC_HANDLE_PATTERN
from ..domain.admin import POSITION_LIMIT
from ..domain.api_keys import MAX_LIST, SCOPES
from ..domain.beta import MAX_BATCH as BETA_MAX_BATCH
from ..domain.beta import MAX_FEEDBACK as BETA_MAX_FEEDBACK
from ..domain.beta import MAX_NOTE as BETA_MAX_NOTE
from ..domain.beta import MAX_PAGE as BETA_MAX_PAGE
from ..domain.beta import MAX_USES as BETA_MAX_USES
from ..domain.billing import PLAN_INTERVALS
from ..domain.boards import MAX_BOARD_IMAGES_PER_CALL, MAX_BOARD_NAME
from ..domain.catalogue import BACKGROUNDS, FRAME_RANGE, OUTPUT_FORMATS, RATE_UNITS
from ..domain.emails import LOW_BALANCE_THRESHOLD
from ..domain.generation import MAX_NEGATIVE_PROMPT, MAX_PROMPT
from ..domain.library import MAX_BULK, MAX_REPORT_NOTE, REPORT_REASONS
from ..domain.operations import MAX_PADDING, MAX_UPSCALE_FACTOR, OPERATIONS
from ..domain.passwords import MAX_LENGTH as MAX_PASSWORD
from ..domain.passwords import MIN_LENGTH as MIN_PASSWORD
from ..domain.referrals import MAX_CODE_INPUT as REFERRAL_CODE_INPUT
from ..domain.status import COMPONENT_IDS as STATUS_COMPONENT_IDS
from ..domain.status import IMPACT_NAMES as STATUS_IMPACTS
from ..domain.status import INCIDENT_STATES as STATUS_INCIDENT_STATES
from ..domain.status import MAX_TITLE as STATUS_MAX_TITLE
from ..domain.status import MAX_UPDATE as STATUS_MAX_UPDATE
from ..domain.support import MAX_MESSAGE as MAX_SUPPORT_MESSAGE
from ..domain.support import MAX_PAGE as MAX_SUPPORT_PAGE
from ..domain.support import MAX_SUBJECT as MAX_SUPPORT_SUBJECT
from ..domain.support import TICKET_STATUSES
from ..domain.uploads import MAX_UPLOAD_BYTES, UPLOAD_TYPES
from ..domain.webhooks import EVENT_TYPES, LOW_CREDITS_RANGE
from ..domain.webhooks import MAX_DESCRIPTION as WEBHOOK_MAX_DESCRIPTION
from ..domain.webhooks import MAX_URL as WEBHOOK_MAX_URL
from .api import json_body

MAX_TEXT = 10_000  # any string the API takes without a tighter limit of its own
MAX_TOKEN = 2_000  # emailed tokens and refresh tokens are far shorter
MAX_UPSERT_TEXT = 2_000


def _whole(value: Any) -> Any:
    """JSON has one number type: 3.0 is the whole number 3, as JSON Schema reads it; 3.5 stays a float (refused)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = BeforeValidator(_whole)


def documented(**schema: Any) -> Any:
    """A bound published in the OpenAPI document that a use case enforces (with its own status or message)."""
    return Field(json_schema_extra=schema)


class Body(BaseModel):
    """What every request body shares: strict types, unknown fields refused."""

    # defer_build: a model's validator is built when a request first needs it, not at every cold start.
    model_config = ConfigDict(extra="forbid", strict=True, protected_namespaces=(), frozen=True, defer_build=True)

    def given(self) -> dict[str, Any]:
        """The fields the caller sent with a value (null reads as not given), nested bodies as mappings."""
        return self.model_dump(exclude_none=True)


Text = Annotated[str, Field(max_length=MAX_TEXT)]
Token = Annotated[str, Field(max_length=MAX_TOKEN)]
Password = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
NewPassword = Annotated[str, Field(max_length=MAX_TEXT), documented(minLength=MIN_PASSWORD, maxLength=MAX_PASSWORD)]
Code = Annotated[str, Field(min_length=1, max_length=100, description="6 digits from the app, or a recovery code")]
Email = Annotated[str, Field(max_length=254), documented(format="email")]
DisplayName = Annotated[str, Field(min_length=1, max_length=80)]
ImageId = Annotated[str, Field(max_length=100), documented(format="uuid")]
Position = Annotated[int, Field(ge=-POSITION_LIMIT, le=POSITION_LIMIT), Whole]
UpsertText = Annotated[str, Field(max_length=MAX_UPSERT_TEXT)]

# ------------------------------------------------------------------------------------------------ accounts


class RegisterRequest(Body):
    """POST /v1/auth/register."""

    email: Email
    password: NewPassword
    display_name: DisplayName | None = None
    invite_code: Annotated[str, Field(max_length=100, description="Needed while sign-up is invite-only (403 "
                                                                  "invite_required otherwise)")] | None = None
    referral_code: Annotated[str, Field(max_length=REFERRAL_CODE_INPUT, description=(
        "A referral code (the ref of a /signup?ref= link); one that is no one's is a 400 and creates nothing"))] \
        | None = None


class TokenRequest(Body):
    """POST /v1/auth/verify-email: the emailed token."""

    token: Token


class LoginRequest(Body):
    """POST /v1/auth/login."""

    email: Annotated[str, Field(max_length=MAX_TEXT)]
    password: Password
    code: Annotated[Code | None, Field(
        description="The authenticator's 6 digits or a recovery code, with 2FA on")] = None


class RefreshRequest(Body):
    """POST /v1/auth/refresh and /v1/auth/logout."""

    refresh_token: Token


class PasswordResetRequest(Body):
    """POST /v1/auth/password-reset."""

    email: Annotated[str, Field(max_length=MAX_TEXT)]


class PasswordResetConfirm(Body):
    """POST /v1/auth/password-reset/confirm."""

    token: Token
    new_password: NewPassword


class ProfileChange(Body):
    """PATCH /v1/me."""

    display_name: DisplayName | None = None
    public_handle: Annotated[str | None, Field(max_length=100, pattern=PUBLIC_HANDLE_PATTERN,
                                               description="Lower case only; reserved words are refused")] = None


class EmailChange(Body):
    """POST /v1/me/email: the new address, confirmed by the current password; it moves once the link is opened."""

    new_email: Email
    password: Password


class PasswordChange(Body):
    """POST /v1/me/password."""

    current_password: Password
    new_password: NewPassword


class PasswordConfirmation(Body):
    """DELETE /v1/me: the password, again."""

    password: Password


class CodeRequest(Body):
    """POST /v1/me/2fa/confirm and DELETE /v1/me/2fa."""

    code: Code

# ------------------------------------------------------------------------------------------------ credits


class CheckoutRequest(Body):
    """POST /v1/credits/checkout: a pack or a custom amount, exactly one of them."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["pack_id"]}, {"required": ["amount_cents"]}]})

    pack_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    amount_cents: Annotated[int, Whole, documented(minimum=500, maximum=50_000, multipleOf=100)] | None = None

# ------------------------------------------------------------------------------------------------ generation


class Padding(Body):
    """Pixels added on each side of an outpaint."""

    left: Annotated[int, Field(ge=0, le=MAX_PADDING), Whole] | None = None
    right: Annotated[int, Field(ge=0, le=MAX_PADDING), Whole] | None = None
    top: Annotated[int, Field(ge=0, le=MAX_PADDING), Whole] | None = None
    bottom: Annotated[int, Field(ge=0, le=MAX_PADDING), Whole] | None = None


class Upscale(Body):
    """An upscale's factor, or the target size of the source's shape (one or the other)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["factor"]}, {"required": ["width"]},
                                                           {"required": ["height"]}]})

    factor: Annotated[float, Field(gt=1, le=MAX_UPSCALE_FACTOR)] | None = None
    width: Annotated[int, Field(ge=1, le=100_000), Whole] | None = None
    height: Annotated[int, Field(ge=1, le=100_000), Whole] | None = None


class GenerationRequest(Body):
    """POST /v1/generations and /v1/generations/quote."""

    prompt: Annotated[str | None, Field(max_length=MAX_PROMPT, description=(
        "Required to generate, edit and inpaint; the other operations have their own, and a variation takes its "
        "source's")), documented(minLength=1)] = None
    model: Annotated[str, Field(max_length=100)] | None = None
    size: Annotated[str, Field(max_length=100)] | None = None
    quality: Annotated[str, Field(max_length=100)] | None = None
    n: Annotated[int, Field(ge=1, le=10, description="At most the model's max_n"), Whole] | None = None
    style_preset: Annotated[str, Field(max_length=100)] | None = None
    negative_prompt: Annotated[str, Field(max_length=MAX_NEGATIVE_PROMPT)] | None = None
    source_image_id: ImageId | None = None
    mask_image_id: ImageId | None = None
    background: Literal[BACKGROUNDS] | None = None  # type: ignore[valid-type]
    output_format: Literal[OUTPUT_FORMATS] | None = None  # type: ignore[valid-type]
    frame_count: Annotated[int | None, Field(ge=FRAME_RANGE[0], le=FRAME_RANGE[1],
                                                    description="GIF only; 9 when omitted"), Whole] = None
    operation: Annotated[Literal[OPERATIONS] | None, Field(  # type: ignore[valid-type]
        description="Every operation but generate needs source_image_id; inpaint also mask_image_id. Omitted: edit "
                    "with a source, else generate")] = None
    outpaint: Annotated[Padding | None, Field(
        description="outpaint only: pixels added on each side (at least one)")] = None
    upscale: Annotated[Upscale | None, Field(
        description="upscale only: a factor (more than 1, at most 4) or a target size of the source's shape")] = None


class UploadTicketRequest(Body):
    """POST /v1/uploads as JSON: ask for a presigned POST of a file this big."""

    content_type: Annotated[str, Field(max_length=100), documented(enum=list(UPLOAD_TYPES))]
    bytes: Annotated[int, Whole, documented(minimum=1, maximum=MAX_UPLOAD_BYTES)]

# ------------------------------------------------------------------------------------------------ images


Ids = Annotated[list[ImageId], Field(min_length=1, max_length=MAX_BULK)]


class BulkRequest(Body):
    """POST /v1/images/bulk."""

    action: Literal["delete", "favorite", "unfavorite"]
    ids: Ids


class DownloadRequest(Body):
    """POST /v1/images/download."""

    ids: Ids


class ReportRequest(Body):
    """POST /v1/community/{slug}/report."""

    reason: Literal[REPORT_REASONS]  # type: ignore[valid-type]
    note: Annotated[str, Field(max_length=MAX_REPORT_NOTE)] | None = None


# Boards and ratings (issue 21). A name is measured after its whitespace is collapsed (by the use case).
BoardName = Annotated[str, Field(min_length=1, max_length=MAX_BOARD_NAME)]


class BoardRequest(Body):
    """POST /v1/boards."""

    name: BoardName


class BoardChange(Body):
    """PATCH /v1/boards/{board_id}: a new name and/or a cover (an image on the board; null for its newest image)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["name"]}, {"required": ["cover_image_id"]}]})

    name: BoardName | None = None
    cover_image_id: ImageId | None = None


class BoardImagesRequest(Body):
    """PUT and DELETE /v1/boards/{board_id}/images: the images to add or take off (your own images only)."""

    image_ids: Annotated[list[ImageId], Field(min_length=1, max_length=MAX_BOARD_IMAGES_PER_CALL)]


class RatingRequest(Body):
    """PUT /v1/images/{image_id}/rating."""

    stars: Annotated[int, Field(ge=1, le=5), Whole]

# ------------------------------------------------------------------------------------------------ developers

KeyListItem = Annotated[str, Field(min_length=1, max_length=100)]


class ApiKeyRequest(Body):
    """POST /v1/api-keys."""

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"\S")]
    monthly_cap_credits: Annotated[int, Field(ge=1, le=10_000_000), Whole] | None = None
    rate_limit_per_minute: Annotated[int, Field(ge=1, le=600), Whole] | None = None
    scopes: Annotated[list[Literal[SCOPES]] | None, Field(  # type: ignore[valid-type]
        min_length=1, max_length=len(SCOPES), description="Default: all of them")] = None
    allowed_models: Annotated[list[KeyListItem] | None, Field(min_length=1, max_length=MAX_LIST,
                                                              description="Default: any model")] = None
    allowed_ips: Annotated[list[KeyListItem] | None, Field(
        min_length=1, max_length=MAX_LIST,
        description="Addresses or CIDR ranges the key works from; default any")] = None
    expires_at: Annotated[str | None, Field(max_length=100, description="At most three years ahead; default never"),
                          documented(format="date-time")] = None


class WebhookEndpointRequest(Body):
    """POST /v1/webhook-endpoints."""

    url: Annotated[str, Field(min_length=1, max_length=WEBHOOK_MAX_URL)]
    events: Annotated[list[Literal[EVENT_TYPES]], Field(min_length=1, max_length=len(EVENT_TYPES))]  # type: ignore[valid-type]
    description: Annotated[str, Field(max_length=WEBHOOK_MAX_DESCRIPTION)] | None = None
    low_credits_threshold: Annotated[int | None, Field(
        ge=LOW_CREDITS_RANGE[0], le=LOW_CREDITS_RANGE[1],
        description="credits.low fires when the balance falls below this (100 when omitted)"), Whole] = None


class EnabledChange(Body):
    """PATCH /v1/webhook-endpoints/{id} and PUT /v1/admin/models/{id}."""

    enabled: bool

Choice = Annotated[str, Field(max_length=100)]


class _OpenAIParameters(Body):
    """What OpenAI's generation and edit requests share (the OpenAI SDK's ImageGenerateParams and ImageEditParams);
    `auto` means Pixmint's default; user and safety_identifier are accepted and Pixmint's own rules apply."""

    prompt: Annotated[str, Field(min_length=1, max_length=MAX_PROMPT)]
    model: Choice | None = None
    n: Annotated[int, Field(ge=1, le=10), Whole] | None = None
    size: Choice | None = None
    quality: Choice | None = None
    background: Literal[BACKGROUNDS] | None = None  # type: ignore[valid-type]
    output_format: Literal[OUTPUT_FORMATS] | None = None  # type: ignore[valid-type]
    output_compression: Annotated[int, Field(ge=0, le=100), Whole] | None = None
    frame_count: Annotated[int, Field(ge=FRAME_RANGE[0], le=FRAME_RANGE[1]), Whole] | None = None
    partial_images: Annotated[int, Field(ge=0, le=3), Whole] | None = None
    stream: bool | None = None
    response_format: Literal["b64_json"] | None = None
    user: Text | None = None
    safety_identifier: Text | None = None


class OpenAIImageRequest(_OpenAIParameters):
    """POST /v1/openai/images/generations (JSON)."""

    moderation: Literal["auto", "low"] | None = None


def _with_files(schema: dict[str, Any]) -> None:
    image = {"type": "string", "contentMediaType": "image/png", "format": "binary"}
    schema["properties"] = {**schema["properties"], "image": image, "mask": image}
    schema["required"] = [*schema["required"], "image"]


class OpenAIEditRequest(_OpenAIParameters):
    """POST /v1/openai/images/edits: the text fields of the multipart form (image and mask are its files)."""

    model_config = ConfigDict(json_schema_extra=_with_files)

    input_fidelity: Literal["high", "low"] | None = None

# ------------------------------------------------------------------------------------------------ admin


class UserChange(Body):
    """PATCH /v1/admin/users/{id}: at least one of them."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["suspended"]}, {"required": ["role"]}]})

    suspended: bool | None = None
    role: Literal["user", "admin"] | None = None


class CreditAdjustment(Body):
    """POST /v1/admin/users/{id}/credits."""

    delta: Annotated[int, Field(ge=-10_000_000, le=10_000_000), Whole, documented(**{"not": {"const": 0}})]
    reason: Annotated[str, Field(max_length=500), documented(minLength=3)]


class PriceChange(Body):
    """One row of a price table change: what a size at a quality costs."""

    model: Annotated[str, Field(max_length=100)]
    size: Annotated[str, Field(max_length=100)]
    quality: Annotated[str, Field(max_length=100)]
    credits: Annotated[int, Field(ge=1, le=100_000), Whole]
    provider_cost_usd: Annotated[float, Field(ge=0, le=1000)]


class RateChange(Body):
    """One rate of a price table change: credits per megapixel or per frame."""

    model: Annotated[str, Field(max_length=100)]
    unit: Literal[RATE_UNITS]  # type: ignore[valid-type]
    quality: Annotated[str, Field(max_length=100)]
    credits: Annotated[float, Field(gt=0, le=100_000)]
    provider_cost_usd: Annotated[float, Field(ge=0, le=1000)]


class PricingChange(Body):
    """PUT /v1/admin/pricing: rows to upsert (1 to 500 in all)."""

    items: Annotated[list[PriceChange], Field(max_length=500)]
    rates: Annotated[list[RateChange] | None, Field(max_length=500)] = None


class SettingsChange(Body):
    """PATCH /v1/admin/settings: at least one; daily_spend_cap null lifts the cap, other nulls read as not given."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["signup_bonus"]}, {"required": ["provider_fallback"]}, {"required": ["daily_spend_cap"]},
        {"required": ["upload_quota_bytes"]}, {"required": ["invite_only"]},
        {"required": ["referral_reward_referrer"]}, {"required": ["referral_reward_referred"]},
        {"required": ["referral_holding_days"]}, {"required": ["referral_monthly_cap"]}]})

    signup_bonus: Annotated[int, Whole, documented(minimum=0, maximum=1_000_000)] | None = None
    daily_spend_cap: Annotated[int | None, Whole, documented(minimum=1, maximum=10_000_000)] = None
    provider_fallback: bool | None = None
    upload_quota_bytes: Annotated[int, Field(description="Bytes of uploads one user may keep"), Whole,
                                  documented(minimum=0, maximum=100 * 1024**3)] | None = None
    invite_only: Annotated[bool, Field(description="Sign-up needs an invite code (issue 22)")] | None = None
    referral_reward_referrer: Annotated[int, Field(description="Credits a referrer earns per rewarded referral"),
                                        Whole, documented(minimum=0, maximum=100_000)] | None = None
    referral_reward_referred: Annotated[int, Field(description="Credits the referred account earns"), Whole,
                                        documented(minimum=0, maximum=100_000)] | None = None
    referral_holding_days: Annotated[int, Field(description="Days the first paid purchase must stand unrefunded"),
                                     Whole, documented(minimum=0, maximum=365)] | None = None
    referral_monthly_cap: Annotated[int, Field(description="Rewarded referrals per referrer per calendar month"),
                                    Whole, documented(minimum=0, maximum=10_000)] | None = None

    def changes(self) -> dict[str, Any]:
        """The settings sent: a null daily_spend_cap is a change (no cap); other nulls are not."""
        changed = self.given()
        if "daily_spend_cap" in self.model_fields_set:
            changed["daily_spend_cap"] = self.daily_spend_cap
        return changed


class TokenRates(Body):
    """Credits per token a model's usage is priced at."""

    input_text: Annotated[float, Field(ge=0, le=10_000)] | None = None
    input_image: Annotated[float, Field(ge=0, le=10_000)] | None = None
    output_image: Annotated[float, Field(ge=0, le=10_000)] | None = None


class ModelChange(Body):
    """PATCH /v1/admin/models/{id}: at least one change; replacement_model null clears it."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    enabled: bool | None = None
    available: bool | None = None
    label: DisplayName | None = None
    position: Position | None = None
    replacement_model: Annotated[str, Field(max_length=100)] | None = None
    token_rates: TokenRates | None = None

    def changes(self) -> dict[str, Any]:
        """The changes sent, token rates as a plain mapping; a null replacement_model is a change (none)."""
        changed = self.given()
        if "replacement_model" in self.model_fields_set:
            changed["replacement_model"] = self.replacement_model
        if self.token_rates is not None:
            changed["token_rates"] = self.token_rates.given()
        return changed


class _Listed(Body):
    """What every admin-managed list item has besides its own fields: its place and whether it shows."""

    position: Position | None = None
    active: bool | None = None


class PresetUpsert(_Listed):
    """PUT /v1/admin/style-presets/{id}."""

    label: UpsertText
    prompt_suffix: UpsertText


class TemplateUpsert(_Listed):
    """PUT /v1/admin/prompt-templates/{id}."""

    label: UpsertText
    template: Annotated[str, Field(max_length=MAX_UPSERT_TEXT, pattern=r"\{")]


class PackUpsert(_Listed):
    """PUT /v1/admin/credit-packs/{id}."""

    label: UpsertText
    credits: Annotated[int, Whole, documented(minimum=1, maximum=10_000_000)]
    amount_cents: Annotated[int, Whole, documented(minimum=100, maximum=100_000)]


class PlanUpsert(_Listed):
    """PUT /v1/admin/plans/{id}: the whole plan; perks left out take their defaults (none)."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    interval: Literal[PLAN_INTERVALS]  # type: ignore[valid-type]  # a tuple constant, as the domain lists them
    amount_cents: Annotated[int, Whole, Field(ge=100, le=1_000_000)]
    monthly_credits: Annotated[int, Whole, Field(ge=1, le=10_000_000)]
    pack_discount_percent: Annotated[int, Whole, Field(ge=0, le=90)] | None = None
    queue_priority: bool | None = None
    premium_models: bool | None = None
    parallel_generations: Annotated[int, Whole, Field(ge=1, le=16)] | None = None

# ------------------------------------------------------------------------------------------------ parsing


B = TypeVar("B", bound=Body)

_KINDS = {"string": "a string", "int": "a whole number", "bool": "true or false", "float": "a number",
          "dict": "an object", "model": "an object", "list": "a list"}


def parse(model: type[B], request: Request) -> B:
    """The request's JSON body as `model`; InvalidRequest when it is not JSON, not an object or not the shape."""
    return validate(model, json_body(request))


def validate(model: type[B], data: dict[str, Any]) -> B:
    """The body as `model`, or InvalidRequest naming the first field that is wrong (dotted when nested)."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        raise invalid_request(invalid) from None


def _precedence(error: Any) -> tuple[int, int]:
    """Which finding to report first: an unknown field (likely a typo), then a missing one, then a wrong type, then
    a bad value; the outermost first among equals."""
    kind = error["type"]
    rank = 0 if kind == "extra_forbidden" else 1 if kind == "missing" else 2 if kind.endswith("_type") else 3
    return rank, len(error["loc"])


def field_name(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as the API names fields: outpaint.left, items[3].credits; an item of a list of
    plain values is named by its list (scopes, not scopes[1]), which a form shows as one input."""
    if location and isinstance(location[-1], int):
        location = location[:-1]
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def invalid_request(invalid: ValidationError) -> errors.InvalidRequest:
    """The first of pydantic's findings as the API's 400: a sentence and the field it is about."""
    error = min(invalid.errors(include_url=False, include_input=False), key=_precedence)
    kind, context, location = error["type"], error.get("ctx") or {}, tuple(error["loc"])
    field = field_name(location)
    details: dict[str, Any] = {"field": field}
    subject = f"Each item of {field}" if location and isinstance(location[-1], int) else f"The field {field}"
    family = kind.split("_")[0]
    if kind == "extra_forbidden":
        message = f"Unknown field: {field}."
    elif kind == "missing":
        message = f"The field {field} is required."
    elif (kind.endswith("_type") and family in _KINDS) or kind in ("int_from_float", "int_parsing"):
        message = f"{subject} must be {_KINDS.get(family, 'a whole number')}."
    elif kind in ("string_too_long", "string_too_short"):
        bound, limit = ("max_length", "at most") if kind == "string_too_long" else ("min_length", "at least")
        details[bound] = context[bound]
        message = (f"{subject} must not be empty." if context[bound] == 1 and bound == "min_length"
                   else f"{subject} takes {limit} {context[bound]:,} characters.")
    elif kind in ("too_short", "too_long"):
        bound, limit = ("min_items", "at least") if kind == "too_short" else ("max_items", "at most")
        count = context["min_length" if kind == "too_short" else "max_length"]
        details[bound] = count
        message = f"{subject} takes {limit} {count:,} item{'s' if count != 1 else ''}."
    elif kind in _BOUNDS:
        word, bound = _BOUNDS[kind]
        details[bound] = next(iter(context.values()))
        message = f"{subject} must be {word} {details[bound]:,}."
    elif kind == "literal_error":
        message = f"{subject} must be {context['expected']}."
    elif kind == "string_pattern_mismatch":
        message = f"{subject} is not in the expected form."
    else:
        message = f"{subject} is not valid."
    return errors.InvalidRequest(message, details)


_BOUNDS = {"greater_than_equal": ("at least", "minimum"), "greater_than": ("more than", "minimum"),
           "less_than_equal": ("at most", "maximum"), "less_than": ("less than", "maximum")}


# ------------------------------------------------------------------------------------------------ launch kit (issue 22)


class EmailPreferencesChange(Body):
    """PATCH /v1/me/email-preferences: at least one of the optional emails' switches, or the low-balance line."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    low_balance: bool | None = None
    product_news: bool | None = None
    low_balance_threshold: Annotated[int, Field(ge=LOW_BALANCE_THRESHOLD[0], le=LOW_BALANCE_THRESHOLD[1],
                                                description="Email when the balance goes under this"), Whole] | None \
        = None


class UnsubscribeRequest(Body):
    """POST /v1/email-preferences/unsubscribe: the token of an emailed unsubscribe link."""

    token: Token


SupportText = Annotated[str, Field(min_length=1, max_length=MAX_SUPPORT_MESSAGE)]


class TicketRequest(Body):
    """POST /v1/support/tickets: signed in, or with the email address to answer."""

    subject: Annotated[str, Field(min_length=1, max_length=MAX_SUPPORT_SUBJECT)]
    message: SupportText
    email: Email | None = None
    page: Annotated[str, Field(max_length=MAX_SUPPORT_PAGE, description="Where the writer was, e.g. /generate")] \
        | None = None
    website: Annotated[str, Field(max_length=MAX_TEXT, description="Leave empty: people never see this field; bots "
                                                                   "fill it in")] | None = None


class SupportMessageRequest(Body):
    """POST /v1/support/tickets/{id}/messages: the customer writes again."""

    message: SupportText


class SupportReply(Body):
    """POST /v1/admin/support/tickets/{id}/replies: the answer, emailed; close ends the conversation."""

    message: SupportText
    close: bool | None = None


class TicketStatusChange(Body):
    """PATCH /v1/admin/support/tickets/{id}."""

    status: Literal[TICKET_STATUSES]  # type: ignore[valid-type]


class SupportRefund(Body):
    """POST /v1/admin/support/tickets/{id}/refunds: a finished generation of the ticket's account."""

    generation_id: Annotated[str, Field(max_length=100), documented(format="uuid")]


class IncidentRequest(Body):
    """POST /v1/admin/status/incidents: what readers of the status page are told first."""

    title: Annotated[str, Field(min_length=1, max_length=STATUS_MAX_TITLE)]
    components: Annotated[list[Literal[STATUS_COMPONENT_IDS]], Field(min_length=1, max_length=3)]  # type: ignore[valid-type]
    impact: Literal[STATUS_IMPACTS]  # type: ignore[valid-type]
    message: Annotated[str, Field(min_length=1, max_length=STATUS_MAX_UPDATE)]


class IncidentUpdateRequest(Body):
    """POST /v1/admin/status/incidents/{id}/updates: resolved ends the incident."""

    status: Literal[STATUS_INCIDENT_STATES]  # type: ignore[valid-type]
    message: Annotated[str, Field(min_length=1, max_length=STATUS_MAX_UPDATE)]


class WaitlistRequest(Body):
    """POST /v1/waitlist."""

    email: Email


class FeedbackRequest(Body):
    """POST /v1/feedback: from the widget on every page, signed in or not."""

    page: Annotated[str, Field(min_length=1, max_length=BETA_MAX_PAGE, description="The path it was sent from")]
    message: Annotated[str, Field(min_length=1, max_length=BETA_MAX_FEEDBACK)]
    rating: Annotated[int, Field(ge=1, le=5), Whole] | None = None


class WaitlistApproval(Body):
    """POST /v1/admin/waitlist/approve: the entries named, or the `count` oldest pending ones."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["ids"]}, {"required": ["count"]}]})

    ids: Annotated[list[Annotated[str, Field(max_length=100), documented(format="uuid")]],
                   Field(min_length=1, max_length=BETA_MAX_BATCH)] | None = None
    count: Annotated[int, Field(ge=1, le=BETA_MAX_BATCH), Whole] | None = None


class InviteCodeRequest(Body):
    """POST /v1/admin/invite-codes."""

    uses: Annotated[int, Field(ge=1, le=BETA_MAX_USES, description="How many accounts may sign up with it"), Whole]
    expires_at: Annotated[str | None, Field(max_length=100, description="RFC 3339 with a zone; never, without it"),
                          documented(format="date-time")] = None
    note: Annotated[str, Field(max_length=BETA_MAX_NOTE, description="For admins: who it is for")] | None = None


# ------------------------------------------------------------------------------------------------ billing (issue 18)


class SubscriptionRequest(Body):
    """POST /v1/billing/subscription: the plan to subscribe to (a Stripe Checkout in subscription mode)."""

    plan_id: Annotated[str, Field(min_length=1, max_length=63)]


class SubscriptionChangeRequest(Body):
    """PATCH /v1/billing/subscription: a new plan from the next invoice on, and/or cancelling at the period's end."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["plan_id"]},
                                                           {"required": ["cancel_at_period_end"]}]})

    plan_id: Annotated[str, Field(min_length=1, max_length=63)] | None = None
    cancel_at_period_end: bool | None = None
# END billing
