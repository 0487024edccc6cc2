"""The API's response bodies: a TypedDict per shape (what the OpenAPI document publishes, what mypy holds each
serializer to) and the one function that builds it from domain objects, shared by every route."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any, Literal, NotRequired, cast

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from ..domain.accounts import DEFAULT_DISPLAY_NAME, PUBLIC_HANDLE_PATTERN
from ..domain.admin import AuditEntry, UserSummary
from ..domain.api_keys import SCOPES, ApiKey
from ..domain.beta import WAITLIST_STATES, FeedbackEntry, InviteCode, WaitlistEntry
from ..domain.billing import PLAN_INTERVALS, SUBSCRIPTION_STATUSES, Subscription
from ..domain.billing import Plan as BillingPlan
from ..domain.boards import Board
from ..domain.catalogue import BACKGROUNDS, OUTPUT_FORMATS, PRICE_BASES, RATE_UNITS, ModelSpec, Price, Rate
from ..domain.credits import LEDGER_KINDS, PAYMENT_STATUSES, LedgerEntry, Payment
from ..domain.emails import LOW_BALANCE_THRESHOLD, OPTIONAL_CATEGORIES, UNSUBSCRIBE_ALL, EmailPreferences
from ..domain.generation import FAILURE_CODES, STATUSES, Generation, ImageRecord
from ..domain.generation_requests import Plan
from ..domain.imaging import OUTPUT_TYPES
from ..domain.library import REPORT_REASONS, SharedImage
from ..domain.model import Session
from ..domain.operations import MAX_PADDING, OPERATIONS
from ..domain.referrals import ReferralSummary, mask_email
from ..domain.reports import GROUPINGS
from ..domain.status import COMPONENT_IDS, IMPACT_NAMES, INCIDENT_STATES, Incident, incident_json
from ..domain.status import HEALTH as STATUS_HEALTH
from ..domain.support import AUTHORS, TICKET_STATUSES, SupportMessage, Ticket
from ..domain.webhooks import DELIVERY_STATES, EVENT_TYPES, Delivery, WebhookEndpoint

# A response carries exactly its documented fields: a test validates answers against the document.
CLOSED = ConfigDict(extra="forbid")


def described(text: str, **schema: Any) -> Any:
    """A field's description (and any further JSON Schema) in the document."""
    return Field(description=text, json_schema_extra=schema or None)


Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
MaybeTimestamp = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]  # null until it happens
Count = Annotated[int, Field(ge=0)]


@with_config(CLOSED)
class UserBody(TypedDict):
    """An account as its owner sees it."""

    id: str
    email: str
    email_verified: bool
    display_name: Annotated[str, described(f'"{DEFAULT_DISPLAY_NAME}" until the user sets one; private: published '
                                           "images show the public handle")]
    role: Literal["user", "admin"]
    credits: int
    two_factor: bool
    created_at: Timestamp
    suspended: bool
    public_handle: NotRequired[Annotated[str | None, described(
        "The name Community credits published images to; null until chosen", pattern=PUBLIC_HANDLE_PATTERN)]]


@with_config(CLOSED)
class SessionBody(TypedDict):
    """A signed-in session: the user and a token pair."""

    user: UserBody
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: NotRequired[Literal["Bearer"]]


@with_config(CLOSED)
class ImageBody(TypedDict):
    """One image of the library."""

    id: str
    generation_id: str | None
    width: int
    height: int
    content_type: Literal[tuple(OUTPUT_TYPES.values())]  # type: ignore[valid-type]
    bytes: int
    favorite: bool
    shared: bool
    published: Annotated[bool, described("Listed on Community; shared alone is an unlisted link")]
    prompt: str | None
    model: str | None
    created_at: Timestamp
    alt: str
    content_url: str
    thumbnail_url: str
    share_url: str | None
    frames: Annotated[int, Field(ge=1)]
    has_alpha: bool
    operation: Literal[OPERATIONS]  # type: ignore[valid-type]
    parent_image_id: Annotated[str | None, described("The image it was made from, while it exists")]
    rating: Annotated[int | None, Field(ge=1, le=5), described("Your stars, 1 to 5, when you rated it")]


@with_config(CLOSED)
class PublicImageBody(TypedDict):
    """A shared image as anyone with its link sees it."""

    slug: str
    prompt: str | None
    model: str | None
    width: int
    height: int
    alt: str
    author: str
    created_at: Timestamp
    shared_at: Timestamp
    share_url: str
    page_url: str
    content_url: str
    thumbnail_url: str
    published: NotRequired[bool]
    published_at: NotRequired[MaybeTimestamp]
    like_count: NotRequired[Count]
    liked_by_me: NotRequired[Annotated[bool, described("Only when the request is signed in")]]


@with_config(CLOSED)
class UploadBody(TypedDict):
    """An uploaded source image."""

    id: str
    width: int
    height: int
    content_type: str
    bytes: int
    duplicate_of: Annotated[str | None, described("An earlier image of yours that is the same picture (its id), "
                                                  "by perceptual hash")]


@with_config(CLOSED)
class AppliedPaddingBody(TypedDict):
    """The pixels an outpaint added on each side."""

    left: NotRequired[Annotated[int, Field(ge=0, le=MAX_PADDING)]]
    right: NotRequired[Annotated[int, Field(ge=0, le=MAX_PADDING)]]
    top: NotRequired[Annotated[int, Field(ge=0, le=MAX_PADDING)]]
    bottom: NotRequired[Annotated[int, Field(ge=0, le=MAX_PADDING)]]


@with_config(CLOSED)
class UpscaledSizeBody(TypedDict):
    """The size an upscale made."""

    width: int
    height: int


@with_config(CLOSED)
class PreviewBody(TypedDict):
    """A partial picture of one image while it renders."""

    index: Count
    url: str


@with_config(CLOSED)
class UsageBody(TypedDict):
    """The tokens a provider reported for a generation."""

    input_text_tokens: Count
    input_image_tokens: Count
    output_image_tokens: Count


@with_config(CLOSED)
class GenerationBody(TypedDict):
    """A generation request, its state and its images."""

    id: str
    status: Literal[STATUSES]  # type: ignore[valid-type]
    prompt: str
    negative_prompt: str | None
    style_preset: str | None
    model: str
    size: str
    quality: str
    n: int
    cost_credits: int
    refunded_credits: int
    source_image_id: str | None
    mask_image_id: str | None
    background: Literal[BACKGROUNDS]  # type: ignore[valid-type]
    output_format: Literal[OUTPUT_FORMATS]  # type: ignore[valid-type]
    frame_count: int | None
    operation: Literal[OPERATIONS]  # type: ignore[valid-type]
    parent_image_id: str | None
    outpaint: AppliedPaddingBody | None
    upscale: UpscaledSizeBody | None
    images: list[ImageBody]
    previews: list[PreviewBody]
    usage: UsageBody | None
    created_at: Timestamp
    completed_at: MaybeTimestamp
    error: NotRequired[str]
    error_code: NotRequired[Annotated[Literal[FAILURE_CODES], described(  # type: ignore[valid-type]
        "Why it failed, for code to branch on")]]


@with_config(CLOSED)
class CustomSizesBody(TypedDict):
    """The rule a model's free-form sizes follow."""

    multiple_of: int
    max_edge: int
    max_pixels: int
    max_aspect: float


@with_config(CLOSED)
class PriceBody(TypedDict):
    """What one size at one quality costs."""

    size: str
    quality: str
    credits: int


@with_config(CLOSED)
class RateBody(TypedDict):
    """Credits per megapixel or per frame."""

    unit: Literal[RATE_UNITS]  # type: ignore[valid-type]
    quality: str
    credits: float


@with_config(CLOSED)
class ModelBody(TypedDict):
    """An image model with its options and prices."""

    id: str
    provider: str
    label: str
    available: bool
    unavailable_reason: str | None
    sizes: list[str]
    custom_sizes: CustomSizesBody | None
    qualities: list[str]
    backgrounds: list[Literal[BACKGROUNDS]]  # type: ignore[valid-type]
    output_formats: list[Literal[OUTPUT_FORMATS]]  # type: ignore[valid-type]
    max_n: int
    supports_edit: bool
    supports_mask: bool
    previews: bool
    offline: bool
    default: bool
    prices: list[PriceBody]
    rates: list[RateBody]


@with_config(CLOSED)
class TokenPricesBody(TypedDict):
    """Credits per token of each kind."""

    input_text: Annotated[float, Field(ge=0)]
    input_image: Annotated[float, Field(ge=0)]
    output_image: Annotated[float, Field(ge=0)]


@with_config(CLOSED)
class AdminModelBody(ModelBody):
    """A catalogue row as admins edit it."""

    enabled: bool
    position: int
    replacement_model: str | None
    fallback_model: str | None
    token_rates: TokenPricesBody


@with_config(CLOSED)
class TransactionBody(TypedDict):
    """One ledger row."""

    id: str
    kind: Literal[LEDGER_KINDS]  # type: ignore[valid-type]
    delta: int
    balance_after: int
    reference: str
    created_at: Timestamp
    generation_id: Annotated[str | None, described("The generation a spend or refund was for")]
    image_id: Annotated[str | None, described("That generation's first image, while it exists")]
    payment_id: Annotated[str | None, described("The checkout a purchase, payment refund or dispute belongs to")]


@with_config(CLOSED)
class PaymentBody(TypedDict):
    """A checkout and what became of it."""

    id: str
    status: Literal[PAYMENT_STATUSES]  # type: ignore[valid-type]
    credits: int
    amount_cents: int
    currency: str
    pack_id: str | None
    failure_reason: str | None
    created_at: Timestamp
    updated_at: Timestamp


@with_config(CLOSED)
class ApiKeyBody(TypedDict):
    """A developer key without its secret (key only in the answer that created it)."""

    id: str
    name: str
    prefix: str
    created_at: Timestamp
    last_used_at: MaybeTimestamp
    revoked_at: MaybeTimestamp
    rate_limit_per_minute: int
    monthly_cap_credits: int | None
    used_this_month: int
    scopes: list[Literal[SCOPES]]  # type: ignore[valid-type]
    allowed_models: list[str] | None
    allowed_ips: Annotated[list[str] | None, described("CIDR ranges")]
    expires_at: MaybeTimestamp
    key: NotRequired[str]


@with_config(CLOSED)
class UsageTotalsBody(TypedDict):
    """What a user has made, bought and cost."""

    generations: Count
    credits_spent: int
    credits_bought: int
    estimated_cost_usd: float
    actual_cost_usd: float
    actual_margin_usd: float


@with_config(CLOSED)
class AdminUserBody(UserBody):
    """A user with flags and usage totals."""

    flagged: bool
    flag_reason: str | None
    flagged_at: MaybeTimestamp
    usage: UsageTotalsBody


@with_config(CLOSED)
class AdminUserDetailBody(AdminUserBody):
    """A user with recent payments, generations and keys."""

    payments: list[PaymentBody]
    generations: list[GenerationBody]
    api_keys: list[ApiKeyBody]


AuditState = Annotated[dict[str, Any] | list[Any] | None, described("What the action changed, as it was or became")]


@with_config(CLOSED)
class AuditEntryBody(TypedDict):
    """One admin action."""

    id: str
    actor_email: str
    action: str
    target_type: str
    target_id: str | None
    before: AuditState
    after: AuditState
    created_at: Timestamp


@with_config(CLOSED)
class WebhookEndpointBody(TypedDict):
    """A developer's webhook endpoint."""

    id: str
    url: str
    events: list[Literal[EVENT_TYPES]]  # type: ignore[valid-type]
    description: str | None
    low_credits_threshold: int
    created_at: Timestamp
    enabled: bool
    disabled_at: MaybeTimestamp
    disabled_reason: str | None
    failing_since: Annotated[str | None, described(
        "Since when every attempt failed; after three days the endpoint is turned off", format="date-time")]
    secret: NotRequired[Annotated[str, described("Only in the answer that created the endpoint",
                                                 pattern="^whsec_")]]


@with_config(CLOSED)
class WebhookDeliveryBody(TypedDict):
    """One event sent (or being sent) to an endpoint."""

    id: Annotated[str, described("The webhook-id header of every attempt")]
    event_type: str
    state: Literal[DELIVERY_STATES]  # type: ignore[valid-type]
    attempts: Count
    last_status: int | None
    last_error: str | None
    next_attempt_at: MaybeTimestamp
    last_attempt_at: MaybeTimestamp
    delivered_at: MaybeTimestamp
    failed_at: MaybeTimestamp
    created_at: Timestamp


@with_config(CLOSED)
class ErrorDetailBody(TypedDict):
    """What went wrong: a code for programs, a sentence for people, and details (e.g. the field)."""

    code: str
    message: str
    details: dict[str, Any]


@with_config(CLOSED)
class ErrorBody(TypedDict):
    """The one error envelope of every route outside /v1/openai."""

    error: ErrorDetailBody
    request_id: str


@with_config(CLOSED)
class AcceptedBody(TypedDict):
    """A request taken; what it asked for happens later or not at all (no enumeration of accounts)."""

    status: Literal["accepted"]


@with_config(CLOSED)
class CreditsBody(TypedDict):
    """The balance, and the credits of payments that have not settled yet."""

    balance: int
    pending: Count


@with_config(CLOSED)
class CreditPackBody(TypedDict):
    """A credit pack for sale."""

    id: str
    credits: Annotated[int, Field(ge=1)]
    amount_cents: Annotated[int, Field(ge=1)]
    currency: str
    label: str


@with_config(CLOSED)
class CreditPacksBody(TypedDict):
    """Every credit pack for sale, in order."""

    items: list[CreditPackBody]


@with_config(CLOSED)
class CheckoutBody(TypedDict):
    """A Stripe Checkout to send the buyer to."""

    checkout_id: str
    checkout_url: Annotated[str, Field(json_schema_extra={"format": "uri"})]


@with_config(CLOSED)
class WebhookAckBody(TypedDict):
    """What a Stripe event did."""

    received: bool
    outcome: str


@with_config(CLOSED)
class TransactionPageBody(TypedDict):
    """Ledger rows, newest first."""

    items: list[TransactionBody]
    next_cursor: str | None


@with_config(CLOSED)
class PaymentPageBody(TypedDict):
    """Payments, newest first."""

    items: list[PaymentBody]
    next_cursor: str | None


@with_config(CLOSED)
class ImagePageBody(TypedDict):
    """Images, newest first."""

    items: list[ImageBody]
    next_cursor: str | None


@with_config(CLOSED)
class LineageBody(TypedDict):
    """What an image was made from and what was made from it."""

    ancestors: list[ImageBody]
    descendants: list[ImageBody]


@with_config(CLOSED)
class ShareBody(TypedDict):
    """An image's private link (and whether it is also on Community)."""

    slug: str
    share_url: str
    page_url: str
    published: NotRequired[bool]


@with_config(CLOSED)
class LikesBody(TypedDict):
    """An image's likes on Community."""

    like_count: Count
    liked_by_me: bool


@with_config(CLOSED)
class CommunityReportBody(TypedDict):
    """An open report of a Community image, with how many are open for it."""

    id: str
    slug: str
    image_id: str
    prompt: str | None
    reason: Literal[REPORT_REASONS]  # type: ignore[valid-type]
    note: str | None
    created_at: Timestamp
    open_reports: Annotated[int, Field(ge=1)]
    thumbnail_url: str


@with_config(CLOSED)
class CommunityReportPageBody(TypedDict):
    """Open reports, newest first."""

    items: list[CommunityReportBody]
    next_cursor: str | None


@with_config(CLOSED)
class PublicImagePageBody(TypedDict):
    """Published images, most recently published first."""

    items: list[PublicImageBody]
    next_cursor: str | None


@with_config(CLOSED)
class ShowcaseBody(TypedDict):
    """Community images admins featured for the landing page, newest choice first; empty when none."""

    items: list[PublicImageBody]


@with_config(CLOSED)
class BulkResultBody(TypedDict):
    """The ids a bulk action applied to."""

    done: list[str]


@with_config(CLOSED)
class BoardBody(TypedDict):
    """A named collection of your images (issue 21)."""

    id: str
    name: str
    image_count: Annotated[int, Field(ge=0)]
    cover_url: Annotated[str | None, described("The thumbnail of the chosen cover, else of the newest image; null "
                                               "while empty")]
    cover_image_id: str | None
    created_at: Timestamp


@with_config(CLOSED)
class BoardPageBody(TypedDict):
    """Boards, newest first."""

    items: list[BoardBody]
    next_cursor: str | None


def board_json(board: Board) -> BoardBody:
    cover = board.cover_image_id
    return {"id": board.id, "name": board.name, "image_count": board.image_count,
            "cover_url": f"/v1/images/{cover}/thumbnail" if cover else None, "cover_image_id": cover,
            "created_at": rfc3339(board.created_at)}


@with_config(CLOSED)
class GenerationPageBody(TypedDict):
    """Generations, newest first."""

    items: list[GenerationBody]
    next_cursor: str | None


@with_config(CLOSED)
class BreakdownBody(TypedDict):
    """How a quote's price was worked out."""

    basis: Literal[PRICE_BASES]  # type: ignore[valid-type]
    rate_credits: float
    quantity: float
    unit_credits: int
    n: int
    cost_credits: int


@with_config(CLOSED)
class QuoteBody(TypedDict):
    """What a request would cost, with the options it resolves to."""

    cost_credits: int
    unit_credits: int
    model: str
    size: str
    quality: str
    n: int
    background: Literal[BACKGROUNDS]  # type: ignore[valid-type]
    output_format: Literal[OUTPUT_FORMATS]  # type: ignore[valid-type]
    frame_count: int | None
    breakdown: BreakdownBody


@with_config(CLOSED)
class ModelsBody(TypedDict):
    """The models this deployment offers."""

    items: list[ModelBody]


@with_config(CLOSED)
class UploadTicketBody(TypedDict):
    """A presigned POST for an upload too large for one request."""

    upload_id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]
    url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    fields: dict[str, str]
    expires_in: Annotated[int, Field(ge=1)]


@with_config(CLOSED)
class StylePresetBody(TypedDict):
    """A style preset."""

    id: str
    label: str
    prompt_suffix: str


@with_config(CLOSED)
class StylePresetsBody(TypedDict):
    """Every active style preset, in order."""

    items: list[StylePresetBody]
    next_cursor: None


@with_config(CLOSED)
class PromptTemplateBody(TypedDict):
    """A prompt template and the variables it asks for."""

    id: str
    label: str
    template: str
    variables: list[str]


@with_config(CLOSED)
class PromptTemplatesBody(TypedDict):
    """Every active prompt template, in order."""

    items: list[PromptTemplateBody]
    next_cursor: None


@with_config(CLOSED)
class ApiKeyPageBody(TypedDict):
    """The caller's keys."""

    items: list[ApiKeyBody]
    next_cursor: None


@with_config(CLOSED)
class PriceRowBody(TypedDict):
    """One row of the price table."""

    model: str
    size: str
    quality: str
    credits: Annotated[int, Field(ge=1)]
    provider_cost_usd: Annotated[float, Field(ge=0)]


@with_config(CLOSED)
class RateRowBody(TypedDict):
    """One rate of the price table."""

    model: str
    unit: Literal[RATE_UNITS]  # type: ignore[valid-type]
    quality: str
    credits: Annotated[float, Field(gt=0, le=100_000)]
    provider_cost_usd: Annotated[float, Field(ge=0, le=1000)]


@with_config(CLOSED)
class PricingBody(TypedDict):
    """The price table."""

    items: list[PriceRowBody]
    rates: list[RateRowBody]


@with_config(CLOSED)
class AuditPageBody(TypedDict):
    """Admin actions, newest first."""

    items: list[AuditEntryBody]
    next_cursor: str | None


@with_config(CLOSED)
class HealthBody(TypedDict):
    """Whether the API and its database answer."""

    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]
    version: str


@with_config(CLOSED)
class TwoFactorSetupBody(TypedDict):
    """A TOTP secret to scan."""

    secret: Annotated[str, described("Base32, for manual entry")]
    otpauth_url: Annotated[str, Field(pattern="^otpauth://totp/")]


@with_config(CLOSED)
class RecoveryCodesBody(TypedDict):
    """Codes that each work once in place of the app's."""

    recovery_codes: Annotated[list[str], Field(min_length=1), described(
        "Each works once in place of a code; shown this once, stored hashed")]


@with_config(CLOSED)
class SignInSessionBody(TypedDict):
    """A signed-in session of the caller's."""

    id: str
    created_at: Timestamp
    last_used_at: Timestamp
    user_agent: str | None
    ip: str | None
    current: bool


@with_config(CLOSED)
class SignInSessionPageBody(TypedDict):
    """The caller's signed-in sessions, newest first."""

    items: list[SignInSessionBody]
    next_cursor: None


@with_config(CLOSED)
class AdminModelPageBody(TypedDict):
    """Every catalogue row."""

    items: list[AdminModelBody]
    next_cursor: None


@with_config(CLOSED)
class SettingsBody(TypedDict):
    """The admin settings."""

    provider_fallback: bool
    daily_spend_cap: Annotated[int | None, Field(ge=1)]
    models: Annotated[dict[str, bool], described("Each model id and whether it is enabled")]
    signup_bonus: NotRequired[Annotated[int, Field(ge=0), described(
        "Absent until an admin sets it; the default applies")]]
    upload_quota_bytes: NotRequired[Annotated[int, Field(ge=0), described("Bytes of uploads one user may keep")]]
    invite_only: NotRequired[Annotated[bool, described("Sign-up needs an invite code; absent means off")]]
    referral_reward_referrer: NotRequired[Annotated[int, Field(ge=0), described(
        "Credits a referrer earns per rewarded referral; absent means the default")]]
    referral_reward_referred: NotRequired[Annotated[int, Field(ge=0), described(
        "Credits the referred account earns; absent means the default")]]
    referral_holding_days: NotRequired[Annotated[int, Field(ge=0), described(
        "Days the referred account's first paid purchase must stand; absent means the default (7)")]]
    referral_monthly_cap: NotRequired[Annotated[int, Field(ge=0), described(
        "Rewarded referrals per referrer per month; absent means the default")]]


@with_config(CLOSED)
class DownloadLinkBody(TypedDict):
    """A short-lived link to a file too large for one response."""

    url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    filename: str
    expires_in: int


@with_config(CLOSED)
class AdminUserPageBody(TypedDict):
    """Users, flagged first, with usage totals."""

    items: list[AdminUserBody]
    next_cursor: str | None


@with_config(CLOSED)
class WebhookEndpointPageBody(TypedDict):
    """The caller's webhook endpoints, newest first."""

    items: list[WebhookEndpointBody]
    next_cursor: str | None


@with_config(CLOSED)
class WebhookDeliveryPageBody(TypedDict):
    """An endpoint's deliveries, newest first."""

    items: list[WebhookDeliveryBody]
    next_cursor: str | None


RateOrNull = Annotated[float | None, Field(ge=0, le=1)]
CountOrNull = Annotated[int | None, Field(ge=0)]
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]


@with_config(CLOSED)
class UsageReportRowBody(TypedDict):
    """One group of a usage report (domain/reports.py ReportRow.to_json); money-side figures are null where the
    grouping cannot attribute them."""

    group: str
    email: str | None
    revenue_cents: int | None
    credits_sold: int | None
    credits_spent: int
    refunds_credits: Count
    payment_refunds_credits: int | None
    provider_cost_usd: float
    gross_margin_usd: float
    margin_pct: float | None
    actual_cost_usd: float
    actual_margin_usd: float
    active_users: Count
    generations: Count
    failed_generations: Count
    failure_rate: RateOrNull


# A usage report over [from, to) (domain/reports.py Report.to_json); "from" is a keyword, so the functional form.
UsageReportBody = TypedDict("UsageReportBody", {
    "from": Day, "to": Day, "group_by": Literal[GROUPINGS],  # type: ignore[valid-type]
    "generated_at": Timestamp, "rows": list[UsageReportRowBody], "total": UsageReportRowBody})
UsageReportBody.__pydantic_config__ = CLOSED  # type: ignore[attr-defined]


@with_config(CLOSED)
class StatusCountsBody(TypedDict):
    """Generations by status."""

    queued: Count
    running: Count
    succeeded: Count
    failed: Count


@with_config(CLOSED)
class RecentGenerationsBody(TypedDict):
    """Generations by status over the last hour and day."""

    last_hour: StatusCountsBody
    last_day: StatusCountsBody


@with_config(CLOSED)
class LatencyBody(TypedDict):
    """Provider latency percentiles over the last day."""

    p50: CountOrNull
    p95: CountOrNull


@with_config(CLOSED)
class StuckBody(TypedDict):
    """Generations past the time they should have finished."""

    queued: Count
    running: Count
    total: Count


@with_config(CLOSED)
class QueueBody(TypedDict):
    """The job queue's depths; null when SQS could not be asked."""

    visible: CountOrNull
    in_flight: CountOrNull
    delayed: CountOrNull
    dead_letters: CountOrNull


@with_config(CLOSED)
class MetricsBody(TypedDict):
    """The operational snapshot (domain/reports.py ReportService.metrics)."""

    generated_at: Timestamp
    generations: RecentGenerationsBody
    failure_rate: RateOrNull
    provider_latency_ms: LatencyBody
    stuck: StuckBody
    queue: QueueBody


@with_config(CLOSED)
class OpenAIErrorDetailBody(TypedDict):
    """An error as OpenAI's API shapes it, with the Pixmint generation it concerns when there is one."""

    message: str
    type: str
    param: str | None
    code: str | None
    generation_id: NotRequired[str]
    status_url: NotRequired[str]


@with_config(CLOSED)
class OpenAIErrorBody(TypedDict):
    """OpenAI's error envelope."""

    error: OpenAIErrorDetailBody


@with_config(CLOSED)
class OpenAITokenDetailsBody(TypedDict):
    """Input tokens by kind."""

    text_tokens: Count
    image_tokens: Count


@with_config(CLOSED)
class OpenAIUsageBody(TypedDict):
    """Token usage as OpenAI reports it."""

    input_tokens: Count
    output_tokens: Count
    total_tokens: Count
    input_tokens_details: OpenAITokenDetailsBody


@with_config(CLOSED)
class OpenAIImageDataBody(TypedDict):
    """One image, base64-encoded."""

    b64_json: Annotated[str, Field(json_schema_extra={"contentEncoding": "base64"})]


@with_config(CLOSED)
class PixmintGenerationBody(TypedDict):
    """The Pixmint generation behind an OpenAI-shaped answer."""

    generation_id: str
    model: str
    cost_credits: int
    refunded_credits: int


@with_config(CLOSED)
class OpenAIImagesResponseBody(TypedDict):
    """OpenAI's ImagesResponse, plus what Pixmint charged."""

    created: int
    data: list[OpenAIImageDataBody]
    background: Literal["transparent", "opaque"]
    output_format: Literal[OUTPUT_FORMATS]  # type: ignore[valid-type]
    quality: str
    size: str
    usage: OpenAIUsageBody
    pixmint: PixmintGenerationBody


@with_config(CLOSED)
class OpenAIModelBody(TypedDict):
    """A model as OpenAI's models list shows it."""

    id: str
    object: Literal["model"]
    created: int
    owned_by: str


@with_config(CLOSED)
class OpenAIModelListBody(TypedDict):
    """OpenAI's models list."""

    object: Literal["list"]
    data: list[OpenAIModelBody]


# Each response model under the name the OpenAPI document gives it.
RESPONSE_MODELS: dict[str, Any] = {
    "User": UserBody, "Session": SessionBody, "Image": ImageBody, "PublicImage": PublicImageBody,
    "Upload": UploadBody, "Generation": GenerationBody, "Model": ModelBody, "AdminModel": AdminModelBody,
    "Transaction": TransactionBody, "Payment": PaymentBody, "ApiKey": ApiKeyBody, "AdminUser": AdminUserBody,
    "AdminUserDetail": AdminUserDetailBody, "AuditEntry": AuditEntryBody, "WebhookEndpoint": WebhookEndpointBody,
    "WebhookDelivery": WebhookDeliveryBody, "Error": ErrorBody, "Accepted": AcceptedBody, "Credits": CreditsBody,
    "CreditPacks": CreditPacksBody, "Checkout": CheckoutBody, "WebhookAck": WebhookAckBody,
    "TransactionPage": TransactionPageBody, "PaymentPage": PaymentPageBody, "ImagePage": ImagePageBody,
    "Lineage": LineageBody, "Share": ShareBody, "Likes": LikesBody, "CommunityReportPage": CommunityReportPageBody,
    "PublicImagePage": PublicImagePageBody, "Showcase": ShowcaseBody,
    "BulkResult": BulkResultBody, "GenerationPage": GenerationPageBody,
    "Quote": QuoteBody, "Models": ModelsBody, "UploadTicket": UploadTicketBody, "StylePresets": StylePresetsBody,
    "PromptTemplates": PromptTemplatesBody, "ApiKeyPage": ApiKeyPageBody, "PriceRow": PriceRowBody,
    "RateRow": RateRowBody, "Pricing": PricingBody, "AuditPage": AuditPageBody, "Health": HealthBody,
    "TwoFactorSetup": TwoFactorSetupBody, "RecoveryCodes": RecoveryCodesBody, "SignInSession": SignInSessionBody,
    "SignInSessionPage": SignInSessionPageBody, "AdminModelPage": AdminModelPageBody, "Settings": SettingsBody,
    "DownloadLink": DownloadLinkBody, "AdminUserPage": AdminUserPageBody,
    "WebhookEndpointPage": WebhookEndpointPageBody, "WebhookDeliveryPage": WebhookDeliveryPageBody,
    "UsageReportRow": UsageReportRowBody, "UsageReport": UsageReportBody, "Metrics": MetricsBody,
    "OpenAIError": OpenAIErrorBody, "OpenAIUsage": OpenAIUsageBody, "OpenAIImagesResponse": OpenAIImagesResponseBody,
    "OpenAIModelList": OpenAIModelListBody, "Board": BoardBody, "BoardPage": BoardPageBody,
}

ACCEPTED: AcceptedBody = {"status": "accepted"}


def rfc3339(moment: Any) -> str:

    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _moment(value: Any) -> str | None:
    return None if value is None else rfc3339(value)


def user_json(user: Any) -> UserBody:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "credits": user.credits,
        "suspended": user.suspended,
        "email_verified": user.email_verified,
        "two_factor": user.two_factor,
        "created_at": rfc3339(user.created_at),
    }


def session_json(session: Session) -> SessionBody:
    return {
        "user": user_json(session.user),
        "access_token": session.tokens.access_token,
        "refresh_token": session.tokens.refresh_token,
        "token_type": "Bearer",  # nosec B105 - the OAuth token type's name, not a secret
        "expires_in": session.tokens.expires_in,
    }


def image_json(image: ImageRecord) -> ImageBody:
    return {
        "id": image.id, "generation_id": image.generation_id, "width": image.width, "height": image.height,
        "content_type": image.content_type, "bytes": image.bytes, "favorite": image.favorite,
        "shared": image.share_slug is not None, "published": image.published,
        "share_url": share_url(image.share_slug) if image.share_slug else None,
        "prompt": image.prompt, "model": image.model, "created_at": rfc3339(image.created_at),
        "alt": alt_text(image.prompt), "content_url": f"/v1/images/{image.id}/content",
        "thumbnail_url": f"/v1/images/{image.id}/thumbnail", "frames": image.frames, "has_alpha": image.has_alpha,
        "operation": image.operation, "parent_image_id": image.parent_image_id, "rating": image.rating,
    }


def alt_text(prompt: str | None) -> str:
    if not prompt:
        return "Uploaded image"
    text = " ".join(prompt.split())
    return f"AI-generated image: {text[:240]}{'…' if len(text) > 240 else ''}"


def share_url(slug: str) -> str:
    from ..bootstrap import container

    return f"{container().settings.public_url}/v1/public/images/{slug}/page"


def public_json(shared: SharedImage, liked: bool = False) -> PublicImageBody:
    image = shared.image
    base = f"/v1/public/images/{shared.slug}"
    body: PublicImageBody = {"slug": shared.slug, "prompt": image.prompt, "model": image.model, "width": image.width,
            "height": image.height, "alt": alt_text(image.prompt), "author": shared.author,
            "created_at": rfc3339(image.created_at), "shared_at": rfc3339(shared.shared_at),
            "share_url": share_url(shared.slug), "page_url": f"/s/{shared.slug}",
            "content_url": f"{base}/content", "thumbnail_url": f"{base}/thumbnail",
            "published": shared.published_at is not None, "published_at": _moment(shared.published_at),
            "like_count": shared.like_count}
    if liked:
        body["liked_by_me"] = shared.liked_by_me
    return body


def upload_json(image: ImageRecord, duplicate_of: str | None = None) -> UploadBody:
    return {"id": image.id, "width": image.width, "height": image.height, "content_type": image.content_type,
            "bytes": image.bytes, "duplicate_of": duplicate_of}


def generation_json(g: Generation) -> GenerationBody:
    body: GenerationBody = {
        "id": g.id, "status": g.status, "prompt": g.prompt, "negative_prompt": g.negative_prompt,
        "style_preset": g.style_preset, "model": g.model, "size": g.size, "quality": g.quality, "n": g.n,
        "cost_credits": g.cost_credits, "refunded_credits": g.refunded_credits,
        "source_image_id": g.source_image_id, "mask_image_id": g.mask_image_id,
        "background": g.background, "output_format": g.output_format, "frame_count": g.frame_count,
        "operation": g.operation, "parent_image_id": g.source_image_id,
        "outpaint": g.operation_params.get("outpaint"), "upscale": g.operation_params.get("upscale"),
        "images": [image_json(i) for i in g.images],
        "previews": [{"index": i, "url": f"/v1/generations/{g.id}/previews/{i}"} for i in g.previews],
        "usage": None if g.usage is None else {
            "input_text_tokens": g.usage.input_text_tokens, "input_image_tokens": g.usage.input_image_tokens,
            "output_image_tokens": g.usage.output_image_tokens},
        "created_at": rfc3339(g.created_at), "completed_at": rfc3339(g.completed_at) if g.completed_at else None,
    }
    if g.error:
        body["error"] = g.error
    if g.error_code:
        body["error_code"] = g.error_code
    return body


def model_json(spec: ModelSpec, prices: list[Price], rates: list[Rate], default: str | None) -> ModelBody:
    return {
        "id": spec.id, "provider": spec.provider, "label": spec.label, "available": spec.available,
        "unavailable_reason": spec.unavailable_reason if not spec.available else None,
        "sizes": list(spec.sizes), "custom_sizes": _custom_sizes(spec),
        "qualities": list(spec.qualities), "backgrounds": list(spec.backgrounds),
        "output_formats": list(spec.output_formats), "max_n": spec.max_n, "supports_edit": spec.supports_edit,
        "supports_mask": spec.supports_mask, "previews": spec.previews, "offline": spec.provider == "placeholder",
        "default": spec.id == default,
        "prices": [{"size": p.size, "quality": p.quality, "credits": p.credits} for p in prices],
        "rates": [{"unit": r.unit, "quality": r.quality, "credits": float(r.credits)} for r in rates],
    }


def share_json(slug: str, published: bool | None = None) -> ShareBody:
    """An image's private link; published says whether it is on Community too, when the answer is about that."""
    body: ShareBody = {"slug": slug, "share_url": share_url(slug), "page_url": f"/s/{slug}"}
    if published is not None:
        body["published"] = published
    return body


def settings_json(values: dict[str, Any]) -> SettingsBody:
    """The admin settings as stored, with each model's enabled flag."""
    body: SettingsBody = {"provider_fallback": values["provider_fallback"],
                          "daily_spend_cap": values["daily_spend_cap"], "models": values["models"]}
    if "signup_bonus" in values:
        body["signup_bonus"] = values["signup_bonus"]
    if "upload_quota_bytes" in values:
        body["upload_quota_bytes"] = values["upload_quota_bytes"]
    if "invite_only" in values:
        body["invite_only"] = values["invite_only"]
    for key in ("referral_reward_referrer", "referral_reward_referred", "referral_holding_days",
                "referral_monthly_cap"):
        if key in values:
            body[key] = values[key]
    return body


def pricing_json(prices: list[dict[str, Any]], rates: list[dict[str, Any]]) -> PricingBody:
    """The price table: a row per size and quality, a rate per unit and quality."""
    return {"items": [{"model": p["model"], "size": p["size"], "quality": p["quality"], "credits": p["credits"],
                       "provider_cost_usd": p["provider_cost_usd"]} for p in prices],
            "rates": [{"model": r["model"], "unit": r["unit"], "quality": r["quality"], "credits": r["credits"],
                       "provider_cost_usd": r["provider_cost_usd"]} for r in rates]}


def quote_json(plan: Plan, n: int) -> QuoteBody:
    """What a request would cost, with the options it resolves to and how the price came about."""
    options, price = plan.options, plan.price
    return {"cost_credits": plan.cost, "unit_credits": price.credits, "model": plan.spec.id, "size": options.size,
            "quality": options.quality, "n": n, "background": options.background,
            "output_format": options.output_format, "frame_count": options.frame_count,
            "breakdown": {"basis": price.basis, "rate_credits": float(price.rate_credits),
                          "quantity": float(price.quantity), "unit_credits": price.credits, "n": n,
                          "cost_credits": price.credits * n}}


def _custom_sizes(spec: ModelSpec) -> CustomSizesBody | None:
    rule = spec.custom_sizes
    if rule is None:
        return None
    return {"multiple_of": rule.multiple_of, "max_edge": rule.max_edge, "max_pixels": rule.max_pixels,
            "max_aspect": rule.max_aspect}


def entry_json(entry: LedgerEntry) -> TransactionBody:
    return {"id": str(entry.id), "kind": entry.kind, "delta": entry.delta, "balance_after": entry.balance_after,
            "reference": entry.reference, "created_at": rfc3339(entry.created_at),
            "generation_id": entry.generation_id, "image_id": entry.image_id, "payment_id": entry.payment_id}


def payment_json(payment: Payment) -> PaymentBody:
    return {"id": payment.checkout_session_id, "status": payment.status, "credits": payment.credits,
            "amount_cents": payment.amount_cents, "currency": payment.currency, "pack_id": payment.pack_id,
            "failure_reason": payment.failure_reason, "created_at": rfc3339(payment.created_at),
            "updated_at": rfc3339(payment.updated_at)}


def key_json(key: ApiKey) -> ApiKeyBody:
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "created_at": rfc3339(key.created_at),
            "last_used_at": rfc3339(key.last_used_at) if key.last_used_at else None,
            "revoked_at": rfc3339(key.revoked_at) if key.revoked_at else None,
            "rate_limit_per_minute": key.rate_limit_per_minute, "monthly_cap_credits": key.monthly_cap_credits,
            "used_this_month": key.used_this_month, "scopes": list(key.scopes),
            "allowed_models": None if key.allowed_models is None else list(key.allowed_models),
            "allowed_ips": None if key.allowed_ips is None else list(key.allowed_ips),
            "expires_at": rfc3339(key.expires_at) if key.expires_at else None}


def summary_json(summary: UserSummary) -> AdminUserBody:
    return {**user_json(summary.user), "flagged": summary.flagged_at is not None, "flag_reason": summary.flag_reason,
            "flagged_at": rfc3339(summary.flagged_at) if summary.flagged_at else None,
            "usage": {"generations": summary.generations, "credits_spent": summary.credits_spent,
                      "credits_bought": summary.credits_bought,
                      "estimated_cost_usd": float(summary.estimated_cost_usd),
                      "actual_cost_usd": float(summary.actual_cost_usd),
                      "actual_margin_usd": round(summary.credits_spent / 100 - float(summary.actual_cost_usd), 6)}}


def audit_json(entry: AuditEntry) -> AuditEntryBody:
    return {"id": str(entry.id), "actor_email": entry.actor_email, "action": entry.action,
            "target_type": entry.target_type, "target_id": entry.target_id, "before": entry.before,
            "after": entry.after, "created_at": rfc3339(entry.created_at)}


def admin_model_json(spec: ModelSpec) -> AdminModelBody:
    return {**model_json(spec, [], [], None), "enabled": spec.enabled, "position": spec.position,
            "unavailable_reason": spec.unavailable_reason, "replacement_model": spec.replacement_model,
            "fallback_model": spec.fallback_model,
            "token_rates": {"input_text": float(spec.token_rates.input_text),
                            "input_image": float(spec.token_rates.input_image),
                            "output_image": float(spec.token_rates.output_image)}}


def endpoint_json(endpoint: WebhookEndpoint, with_secret: bool = False) -> WebhookEndpointBody:
    body: WebhookEndpointBody = {
        "id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events), "description": endpoint.description,
        "low_credits_threshold": endpoint.low_credits_threshold, "created_at": rfc3339(endpoint.created_at),
        "enabled": endpoint.enabled, "disabled_at": _moment(endpoint.disabled_at),
        "disabled_reason": endpoint.disabled_reason, "failing_since": _moment(endpoint.failing_since),
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def delivery_json(delivery: Delivery) -> WebhookDeliveryBody:
    return {
        "id": delivery.id, "event_type": delivery.event_type, "state": delivery.state,
        "attempts": delivery.attempts, "last_status": delivery.last_status, "last_error": delivery.last_error,
        "next_attempt_at": _moment(delivery.next_attempt_at),
        "last_attempt_at": _moment(delivery.last_attempt_at),
        "delivered_at": _moment(delivery.delivered_at), "failed_at": _moment(delivery.failed_at),
        "created_at": rfc3339(delivery.created_at),
    }


# --- launch kit (issue 22) ---


@with_config(CLOSED)
class EmailPreferencesBody(TypedDict):
    """What optional email the user gets; receipts and security emails always go out."""

    low_balance: Annotated[bool, described("An email when the balance goes under low_balance_threshold")]
    product_news: Annotated[bool, described("Now and then, what is new in Pixmint")]
    low_balance_threshold: Annotated[int, Field(ge=LOW_BALANCE_THRESHOLD[0], le=LOW_BALANCE_THRESHOLD[1])]
    suppressed: Annotated[bool, described("Mail to this address bounced or was reported as spam, so nothing is sent "
                                          "to it any more")]


@with_config(CLOSED)
class UnsubscribedBody(TypedDict):
    """What an unsubscribe link turned off."""

    category: Literal[(*OPTIONAL_CATEGORIES, UNSUBSCRIBE_ALL)]  # type: ignore[valid-type]


RESPONSE_MODELS.update({"EmailPreferences": EmailPreferencesBody, "Unsubscribed": UnsubscribedBody})


def email_preferences_json(preferences: EmailPreferences, suppressed: bool) -> EmailPreferencesBody:
    return {"low_balance": preferences.low_balance, "product_news": preferences.product_news,
            "low_balance_threshold": preferences.low_balance_threshold, "suppressed": suppressed}


@with_config(CLOSED)
class SupportMessageBody(TypedDict):
    """One message of a support conversation."""

    id: str
    author: Literal[AUTHORS]  # type: ignore[valid-type]
    author_name: Annotated[str, described("The customer's name or address, or who in support answered")]
    body: str
    created_at: Timestamp


@with_config(CLOSED)
class TicketBody(TypedDict):
    """A conversation with support; the queue lists each ticket with its last message only."""

    id: str
    subject: str
    status: Literal[TICKET_STATUSES]  # type: ignore[valid-type]
    email: Annotated[str, described("Where replies are emailed")]
    page: str | None
    created_at: Timestamp
    updated_at: Timestamp
    messages: list[SupportMessageBody]


@with_config(CLOSED)
class TicketCreatedBody(TypedDict):
    """A ticket just opened."""

    id: str
    status: Literal["open"]


@with_config(CLOSED)
class TicketAccountBody(TypedDict):
    """The account a ticket belongs to, with what support needs to see what happened."""

    user: AdminUserBody
    matched_by: Annotated[Literal["account", "email"], described(
        "account: written while signed in; email: only the address matches this account")]
    generations: Annotated[list[GenerationBody], described("The most recent ten")]
    payments: Annotated[list[PaymentBody], described("The most recent ten")]


@with_config(CLOSED)
class AdminTicketBody(TicketBody):
    """A ticket as support works on it."""

    account: TicketAccountBody | None


@with_config(CLOSED)
class TicketPageBody(TypedDict):
    """A page of tickets."""

    items: list[TicketBody]
    next_cursor: str | None


RESPONSE_MODELS.update({"SupportMessage": SupportMessageBody, "Ticket": TicketBody, "TicketCreated": TicketCreatedBody,
                        "AdminTicket": AdminTicketBody, "TicketPage": TicketPageBody})


def support_message_json(message: SupportMessage) -> SupportMessageBody:
    return {"id": str(message.id), "author": message.author, "author_name": message.author_name,
            "body": message.body, "created_at": rfc3339(message.created_at)}


def ticket_json(ticket: Ticket) -> TicketBody:
    return {"id": ticket.id, "subject": ticket.subject, "status": ticket.status, "email": ticket.email,
            "page": ticket.page, "created_at": rfc3339(ticket.created_at), "updated_at": rfc3339(ticket.updated_at),
            "messages": [support_message_json(m) for m in ticket.messages]}


@with_config(CLOSED)
class IncidentUpdateBody(TypedDict):
    """One message of an incident's timeline."""

    id: str
    status: Literal[INCIDENT_STATES]  # type: ignore[valid-type]
    message: str
    created_at: Timestamp


@with_config(CLOSED)
class IncidentBody(TypedDict):
    """An incident on the status page; minor shows its components degraded, major down."""

    id: str
    title: str
    impact: Literal[IMPACT_NAMES]  # type: ignore[valid-type]
    components: list[Literal[COMPONENT_IDS]]  # type: ignore[valid-type]
    status: Literal[INCIDENT_STATES]  # type: ignore[valid-type]
    created_at: Timestamp
    updated_at: Timestamp
    resolved_at: MaybeTimestamp
    updates: Annotated[list[IncidentUpdateBody], described("Oldest first")]


@with_config(CLOSED)
class StatusDayBody(TypedDict):
    """One day of a component's uptime."""

    date: Annotated[str, Field(json_schema_extra={"format": "date"})]
    status: Literal["operational", "degraded", "outage", "no_data"]
    uptime: Annotated[float | None, described("Percent of the day's checks that were not an outage")]


@with_config(CLOSED)
class StatusComponentBody(TypedDict):
    """One component of the status page."""

    id: Literal[COMPONENT_IDS]  # type: ignore[valid-type]
    name: str
    status: Literal[STATUS_HEALTH]  # type: ignore[valid-type]
    detail: str
    uptime_90d: float | None
    days: Annotated[list[StatusDayBody], described("The last 90 days, oldest first")]


@with_config(CLOSED)
class StatusDocumentBody(TypedDict):
    """The status page's file (status/status.json beside the page), as the metrics schedule last wrote it."""

    generated_at: Timestamp
    overall: Literal[STATUS_HEALTH]  # type: ignore[valid-type]
    components: list[StatusComponentBody]
    incidents: Annotated[list[IncidentBody], described("Open ones, and those resolved in the last 14 days")]


@with_config(CLOSED)
class IncidentPageBody(TypedDict):
    """A page of incidents."""

    items: list[IncidentBody]
    next_cursor: str | None


RESPONSE_MODELS.update({"Incident": IncidentBody, "IncidentUpdate": IncidentUpdateBody, "StatusDay": StatusDayBody,
                        "StatusComponent": StatusComponentBody, "StatusDocument": StatusDocumentBody,
                        "IncidentPage": IncidentPageBody})


def incident_body(incident: Incident) -> IncidentBody:
    return cast(IncidentBody, incident_json(incident))  # the status file's shape, which domain/status.py writes


@with_config(CLOSED)
class InviteCodeBody(TypedDict):
    """An invite code: uses is its limit, used how many accounts signed up with it."""

    id: str
    code: str
    uses: Annotated[int, Field(ge=1)]
    used: Count
    email: Annotated[str | None, described("The one address it works for (a waitlist invitation), or any")]
    note: str | None
    expires_at: MaybeTimestamp
    revoked_at: MaybeTimestamp
    created_at: Timestamp


@with_config(CLOSED)
class WaitlistEntryBody(TypedDict):
    """An address on the waitlist."""

    id: str
    email: str
    status: Literal[WAITLIST_STATES]  # type: ignore[valid-type]
    created_at: Timestamp
    approved_at: MaybeTimestamp
    joined_at: MaybeTimestamp


@with_config(CLOSED)
class FeedbackBody(TypedDict):
    """A feedback widget entry, tagged with where it was sent from and by whom."""

    id: str
    page: str
    message: str
    rating: Annotated[int | None, Field(ge=1, le=5)]
    user_id: str | None
    user_email: Annotated[str | None, described("The author's address now; null when sent signed out")]
    created_at: Timestamp


@with_config(CLOSED)
class InviteCodePageBody(TypedDict):
    """A page of invite codes."""

    items: list[InviteCodeBody]
    next_cursor: str | None


@with_config(CLOSED)
class WaitlistPageBody(TypedDict):
    """A page of the waitlist."""

    items: list[WaitlistEntryBody]
    next_cursor: str | None


@with_config(CLOSED)
class FeedbackPageBody(TypedDict):
    """A page of feedback."""

    items: list[FeedbackBody]
    next_cursor: str | None


RESPONSE_MODELS.update({"InviteCode": InviteCodeBody, "WaitlistEntry": WaitlistEntryBody, "Feedback": FeedbackBody,
                        "InviteCodePage": InviteCodePageBody, "WaitlistPage": WaitlistPageBody,
                        "FeedbackPage": FeedbackPageBody})


def invite_code_json(code: InviteCode) -> InviteCodeBody:
    return {"id": code.id, "code": code.code, "uses": code.uses, "used": code.used, "email": code.email,
            "note": code.note, "expires_at": _moment(code.expires_at), "revoked_at": _moment(code.revoked_at),
            "created_at": rfc3339(code.created_at)}


def waitlist_json(entry: WaitlistEntry) -> WaitlistEntryBody:
    status = "joined" if entry.joined_at else "approved" if entry.approved_at else "pending"
    return {"id": entry.id, "email": entry.email, "status": status, "created_at": rfc3339(entry.created_at),
            "approved_at": _moment(entry.approved_at), "joined_at": _moment(entry.joined_at)}


def feedback_json(entry: FeedbackEntry) -> FeedbackBody:
    return {"id": str(entry.id), "page": entry.page, "message": entry.message, "rating": entry.rating,
            "user_id": entry.user_id, "user_email": entry.user_email, "created_at": rfc3339(entry.created_at)}


# --- billing (issue 18) ---


@with_config(CLOSED)
class PlanPerksBody(TypedDict):
    """What a plan adds beside its allowance."""

    pack_discount_percent: Annotated[int, Field(ge=0, le=90), described("Off the price of credit packs")]
    queue_priority: Annotated[bool, described("Generations go ahead of those of accounts without it")]
    premium_models: Annotated[bool, described("Access to the models marked premium")]
    parallel_generations: Annotated[int, Field(ge=1), described("Generations that may run at once")]


@with_config(CLOSED)
class PlanBody(TypedDict):
    """A subscription plan; monthly_credits is granted each month, yearly plans included."""

    id: str
    name: str
    interval: Literal[PLAN_INTERVALS]  # type: ignore[valid-type]
    amount_cents: Annotated[int, Field(ge=1), described("Per interval, in the currency's smallest unit")]
    currency: str
    monthly_credits: Annotated[int, Field(ge=1)]
    perks: PlanPerksBody


@with_config(CLOSED)
class PlansBody(TypedDict):
    """The plans on sale, in display order."""

    items: list[PlanBody]


@with_config(CLOSED)
class AdminPlanBody(PlanBody):
    """A plan as admins manage it: also whether it is on sale and its place in the list."""

    active: bool
    position: int


@with_config(CLOSED)
class AdminPlansBody(TypedDict):
    """Every plan, on sale or not, in display order."""

    items: list[AdminPlanBody]


@with_config(CLOSED)
class SubscriptionBody(TypedDict):
    """The caller's subscription as Stripe last told us."""

    plan: PlanBody
    status: Literal[SUBSCRIPTION_STATUSES]  # type: ignore[valid-type]
    current_period_end: Timestamp | None
    cancel_at_period_end: bool


@with_config(CLOSED)
class PortalBody(TypedDict):
    """A Stripe Customer Portal session to open: change card, switch plan or cancel."""

    url: str


RESPONSE_MODELS.update({"Plan": PlanBody, "Plans": PlansBody, "AdminPlan": AdminPlanBody,
                        "AdminPlans": AdminPlansBody, "Subscription": SubscriptionBody,
                        "Portal": PortalBody})


def plan_json(plan: BillingPlan) -> PlanBody:
    return {"id": plan.id, "name": plan.name, "interval": plan.interval, "amount_cents": plan.amount_cents,
            "currency": plan.currency, "monthly_credits": plan.monthly_credits,
            "perks": {"pack_discount_percent": plan.pack_discount_percent, "queue_priority": plan.queue_priority,
                      "premium_models": plan.premium_models, "parallel_generations": plan.parallel_generations}}


def admin_plan_json(plan: BillingPlan) -> AdminPlanBody:
    return {**plan_json(plan), "active": plan.active, "position": plan.position}


def subscription_json(subscription: Subscription, plan: BillingPlan) -> SubscriptionBody:
    return {"plan": plan_json(plan), "status": subscription.status,
            "current_period_end": _moment(subscription.current_period_end),
            "cancel_at_period_end": subscription.cancel_at_period_end}
# END billing
# Referrals (issue 18)


@with_config(CLOSED)
class ReferralItemBody(TypedDict):
    """An account that signed up with your code; the address is masked."""

    email: Annotated[str, described("Masked, such as a***@e***.com; empty once the account was deleted")]
    status: Annotated[Literal["pending", "rewarded", "not_eligible"], described(
        "pending: waiting for a first paid purchase to outlive the holding period; not_eligible: no reward (a "
        "refund or dispute, the monthly cap, or accounts that look like one person's)")]
    credits: Annotated[int, Field(ge=0), described("What this referral earned you")]
    created_at: Timestamp
    decided_at: Timestamp | None


@with_config(CLOSED)
class ReferralsBody(TypedDict):
    """Your referral code and link, and what they brought."""

    code: str
    link: Annotated[str, Field(json_schema_extra={"format": "uri"}), described("{public_url}/signup?ref={code}")]
    invited: Annotated[int, Field(ge=0), described("Accounts that signed up with your code")]
    rewarded: Annotated[int, Field(ge=0)]
    pending: Annotated[int, Field(ge=0)]
    pending_credits: Annotated[int, Field(ge=0), described(
        "What the pending referrals would earn you at today's reward")]
    earned_credits: Annotated[int, Field(ge=0)]
    reward_credits: Annotated[int, Field(ge=0), described("What you earn per rewarded referral")]
    referred_reward_credits: Annotated[int, Field(ge=0), described("What the friend you invite earns")]
    holding_days: Annotated[int, Field(ge=0)]
    monthly_cap: Annotated[int, Field(ge=0), described("Rewarded referrals per calendar month at most")]
    items: Annotated[list[ReferralItemBody], described("The newest 50")]


RESPONSE_MODELS.update({"ReferralItem": ReferralItemBody, "Referrals": ReferralsBody})


def referrals_json(summary: ReferralSummary) -> ReferralsBody:
    terms = summary.terms
    return {"code": summary.code, "link": summary.link, "invited": summary.invited, "rewarded": summary.rewarded,
            "pending": summary.pending, "pending_credits": summary.pending_credits,
            "earned_credits": summary.earned_credits, "reward_credits": terms.referrer_reward,
            "referred_reward_credits": terms.referred_reward, "holding_days": terms.holding.days,
            "monthly_cap": terms.monthly_cap,
            "items": [{"email": mask_email(r.referred_email) if r.referred_email else "",
                       "status": cast(Literal["pending", "rewarded", "not_eligible"],
                                      r.status if r.status in ("pending", "rewarded") else "not_eligible"),
                       "credits": r.referrer_credits, "created_at": rfc3339(r.created_at),
                       "decided_at": _moment(r.decided_at)} for r in summary.items]}
# END referrals
