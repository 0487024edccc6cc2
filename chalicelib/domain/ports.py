"""The small interfaces through which the use cases reach the world."""

from __future__ import annotations

import builtins  # Library has a method named list, which shadows the type in annotations after it
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: every domain module may import this one without a cycle
    from .admin import AuditEntry, UserSummary
    from .api_keys import ApiKey, KeyBudget, KeyLimits
    from .catalogue import ModelSpec, Price, Rate
    from .credits import Adjustment, CheckoutOrder, CheckoutSession, CreditPack, LedgerEntry, Payment
    from .generation import Generation, GenerationFilters, ImageRecord, PendingUpload
    from .idempotency import StoredResponse
    from .imaging import ImageInfo, ProviderRequest, ProviderResult
    from .library import ImageFilters, SharedImage, Variant
    from .model import (
        LoginFailureCounts,
        OutboxItem,
        RefreshTokenRecord,
        Role,
        SessionInfo,
        StrengthEstimate,
        TwoFactorState,
        User,
    )
    from .reports import GenerationSums, LedgerSums, RevenueSums
    from .webhooks import ClaimedDelivery, Delivery, SendResult, WebhookEndpoint


class Clock(Protocol):
    def now(self) -> datetime: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class AccessTokens(Protocol):
    lifetime_seconds: int

    def issue(self, user_id: str, session_id: str, now: datetime) -> str: ...

    def verify(self, token: str, now: datetime) -> tuple[str, str]:
        """Returns (user id, session id) of a valid access token or raises Unauthorized."""
        ...


class AccountFlags(Protocol):
    def flag(self, user_id: str, reason: str, now: datetime) -> None:
        """Marks an account for an admin's review (admins see flagged accounts first); the first flag's time stays."""
        ...


class IdempotencyUnitOfWork(Protocol):
    @property
    def idempotency(self) -> IdempotencyKeys: ...

    def __enter__(self) -> IdempotencyUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


class EmailSender(Protocol):
    def send(self, to: str, subject: str, text: str) -> None: ...


class OutboxWaker(Protocol):
    def wake(self) -> None:
        """Says that emails were just committed to the outbox; delivery happens after the caller's reply."""
        ...


class OneTimeCodes(Protocol):
    def new_secret(self) -> str: ...

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str: ...

    def matching_step(self, secret: str, code: str, now: datetime) -> int | None:
        """The time step a valid code belongs to (one step of clock drift either way), else None."""
        ...


class PasswordStrength(Protocol):
    def estimate(self, password: str, user_inputs: list[str]) -> StrengthEstimate: ...


class Users(Protocol):
    def add(self, email: str, display_name: str, password_hash: str, role: Role, now: datetime) -> User | None:
        """Inserts a user; None when the email is taken (compared case-insensitively)."""
        ...

    def get(self, user_id: str) -> User | None: ...

    def get_with_session(self, user_id: str, session_id: str) -> User | None:
        """The user, only while the named session (refresh-token family) is live."""
        ...

    def by_email(self, email: str) -> User | None: ...

    def update_profile(self, user_id: str, display_name: str) -> User: ...

    def set_password(self, user_id: str, password_hash: str) -> None: ...

    def set_role(self, user_id: str, role: Role) -> None: ...

    def delete(self, user_id: str) -> None: ...

    def mark_email_verified(self, user_id: str, now: datetime) -> bool:
        """Sets the verification time once; False when it was set already."""
        ...

    def mark_signup_bonus(self, user_id: str, now: datetime) -> None: ...

    def two_factor(self, user_id: str) -> TwoFactorState: ...

    def set_pending_totp(self, user_id: str, secret: str) -> None: ...

    def enable_totp(self, user_id: str, secret: str, step: int) -> None:
        """Makes the secret the active one, with its first accepted time step."""
        ...

    def disable_totp(self, user_id: str) -> None: ...

    def advance_totp_step(self, user_id: str, step: int) -> bool:
        """Records a code's time step; False when that step or a later one was used already (a replay)."""
        ...


class EmailVerifications(Protocol):
    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None: ...

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        """Marks an unused, unexpired token used and returns its user id, in one step."""
        ...

    def void_all(self, user_id: str, now: datetime) -> None: ...


class BonusClaims(Protocol):
    def claim(self, email_key: bytes, now: datetime) -> bool:
        """Records the key; False when it was recorded before (by any account, live or deleted)."""
        ...


class Signups(Protocol):
    def lock_recent(self, ip: str, since: datetime) -> list[datetime]:
        """Sign-ups from the address since then; holds a lock on the address for the rest of the transaction."""
        ...

    def record(self, ip: str, now: datetime) -> None: ...


class EmailOutbox(Protocol):
    def add(self, kind: str, user_id: str | None, email: str | None, now: datetime) -> int: ...

    def recent_for_user(self, user_id: str, kind: str, since: datetime) -> list[datetime]:
        """When the user's emails of that kind were queued since then; locks the user's row first."""
        ...

    def claim_due(self, now: datetime, lease_until: datetime, max_attempts: int) -> OutboxItem | None:
        """The oldest due item, leased until then so no other deliverer takes it meanwhile."""
        ...

    def finish(self, item_id: int, sent: bool, now: datetime) -> None: ...

    def failed(self, item_id: int, error: str) -> None: ...

    def prune(self, before: datetime) -> int: ...


class RecoveryCodes(Protocol):
    def replace(self, user_id: str, code_hashes: list[bytes], now: datetime) -> None: ...

    def consume(self, user_id: str, code_hash: bytes, now: datetime) -> bool: ...

    def delete_all(self, user_id: str) -> None: ...


class RefreshTokens(Protocol):
    def start_family(self, user_id: str, now: datetime, user_agent: str | None = None, ip: str | None = None) -> str:
        ...

    def touch_family(self, family_id: str, now: datetime) -> None: ...

    def live_families(self, user_id: str, now: datetime) -> list[SessionInfo]:
        """The user's sessions that are neither revoked nor expired, newest first."""
        ...

    def revoke_users_family(self, user_id: str, family_id: str, now: datetime) -> bool:
        """Revokes one live session of this user; False when the user has no such live session."""
        ...

    def add(self, family_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None: ...

    def lock(self, token_hash: bytes) -> RefreshTokenRecord | None:
        """Finds a token and locks it for the rest of the transaction."""
        ...

    def mark_rotated(self, token_id: str, now: datetime) -> None: ...

    def supersede_live(self, family_id: str, now: datetime) -> None:
        """Retires the family's unspent tokens: their reply never reached the browser."""
        ...

    def revoke_family(self, family_id: str, now: datetime) -> None: ...

    def revoke_all_for_user(self, user_id: str, now: datetime, keep_family_id: str | None = None) -> None: ...


class PasswordResets(Protocol):
    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None: ...

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        """Marks an unused, unexpired token used and returns its user id, in one step."""
        ...

    def count_since(self, user_id: str, since: datetime) -> int: ...

    def void_all(self, user_id: str, now: datetime) -> None:
        """Makes every unused reset token of the user unusable."""
        ...


class LoginAttempts(Protocol):
    def record(self, email: str, ip: str, succeeded: bool, now: datetime) -> None: ...

    def failures(self, email: str, ip: str, since: datetime, known_ip_since: datetime) -> LoginFailureCounts: ...


class UnitOfWork(Protocol):
    # Read-only members: an adapter's own repository classes then satisfy them (a plain attribute would have to
    # be of exactly the protocol's type).
    @property
    def users(self) -> Users: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def refresh_tokens(self) -> RefreshTokens: ...
    @property
    def password_resets(self) -> PasswordResets: ...
    @property
    def login_attempts(self) -> LoginAttempts: ...
    @property
    def email_verifications(self) -> EmailVerifications: ...
    @property
    def bonus_claims(self) -> BonusClaims: ...
    @property
    def signups(self) -> Signups: ...
    @property
    def email_outbox(self) -> EmailOutbox: ...
    @property
    def recovery_codes(self) -> RecoveryCodes: ...
    @property
    def webhooks(self) -> Webhooks: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


# The catalogue of models, prices and settings


class Catalog(Protocol):
    def models(self, include_disabled: bool = False) -> list[ModelSpec]: ...

    def price(self, model: str, size: str, quality: str) -> Price | None: ...

    def rate(self, model: str, unit: str, quality: str) -> Rate | None: ...

    def rates(self) -> list[Rate]: ...

    def mark_withdrawn(self, model: str, reason: str, now: Any) -> bool:
        """Sets a model unavailable; False when it already was (so the first worker to notice reports it)."""
        ...

    def presets(self) -> list[Any]: ...

    def templates(self) -> list[Any]: ...

    def setting(self, key: str, default: Any) -> Any: ...


# Credits and payments


class Ledger(Protocol):
    def spend(self, user_id: str, cost: int, kind: str, reference: str, actor: str, now: datetime) -> int | None:
        """Takes cost from a balance that covers it, with its ledger row; None when it does not."""
        ...

    def credit(self, user_id: str, amount: int, kind: str, reference: str, actor: str, now: datetime) -> int: ...

    def take_back(self, user_id: str, amount: int, kind: str, reference: str, actor: str, now: datetime) -> int:
        """Removes credits even below zero (refunds and disputes of payments only)."""
        ...

    def balance(self, user_id: str) -> int: ...

    def entries(self, user_id: str, before_id: int | None, limit: int) -> list[LedgerEntry]: ...


class Payments(Protocol):
    def add(self, user_id: str, provider: str, session: CheckoutSession, order: CheckoutOrder,
            now: datetime) -> Payment: ...

    def by_session(self, checkout_session_id: str, user_id: str | None = None) -> Payment | None: ...

    def lock_by_session(self, checkout_session_id: str) -> Payment | None: ...

    def lock_by_intent(self, payment_intent_id: str) -> Payment | None: ...

    def lock_intent(self, payment_intent_id: str) -> None:
        """Serialises everything done for one payment intent until the transaction ends."""
        ...

    def update(self, payment: Payment, now: datetime, event_id: str | None, note: str | None = None) -> None:
        """Saves the mutable fields and appends the status to the payment's history."""
        ...

    def list_for_user(self, user_id: str, before: tuple[datetime, str] | None, limit: int) -> list[Payment]: ...

    def pending_credits(self, user_id: str) -> int: ...

    def record_event(self, event_id: str, event_type: str, now: datetime) -> bool:
        """Records a webhook event id; False when it was recorded before."""
        ...

    def add_adjustment(self, payment_intent_id: str, refunded_cents: int, disputed: bool, now: datetime) -> None: ...

    def take_adjustment(self, payment_intent_id: str) -> Adjustment | None: ...

    def packs(self) -> list[CreditPack]: ...


class IdempotencyKeys(Protocol):
    def claim(self, user_id: str, scope: str, key: str, request_hash: str, now: datetime,
              window: timedelta) -> StoredResponse | bool | None:
        """True when claimed for this request, a StoredResponse when answered before, None when in progress."""
        ...

    def complete(self, user_id: str, scope: str, key: str, response: StoredResponse) -> None: ...

    def release(self, user_id: str, scope: str, key: str) -> None: ...


class CreditsUnitOfWork(Protocol):
    @property
    def ledger(self) -> Ledger: ...
    @property
    def payments(self) -> Payments: ...
    @property
    def flags(self) -> AccountFlags: ...

    def __enter__(self) -> CreditsUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


class PaymentGateway(Protocol):
    name: str

    def create_checkout(self, order: CheckoutOrder, idempotency_key: str) -> CheckoutSession: ...


# API keys


class ApiKeys(Protocol):
    def add(self, user_id: str, name: str, prefix: str, key_hash: bytes, limits: KeyLimits, now: datetime) -> ApiKey:
        """Stores a new key; `limits` has its rate limit filled in."""
        ...

    def for_user(self, user_id: str, month_start: datetime) -> list[ApiKey]: ...

    def count_active(self, user_id: str) -> int: ...

    def revoke(self, user_id: str, key_id: str, now: datetime) -> ApiKey | None: ...

    def set_gateway_key(self, key_id: str, gateway_key_id: str) -> None: ...

    def by_hash(self, key_hash: bytes) -> tuple[ApiKey, User] | None: ...

    def count_request(self, key_id: str, window_start: datetime, now: datetime) -> int:
        """Counts one request in the key's minute window and returns the window's total."""
        ...

    def prune_windows(self, before: datetime, limit: int) -> int:
        """Deletes up to `limit` per-minute windows that started before `before`; returns how many."""
        ...

    def lock_usage(self, key_id: str, month_start: datetime) -> KeyBudget | None:
        """Locks the key for the transaction, then reads its limits and the credits used this month as committed
        once the lock is held, so concurrent spends through one key are checked one after another."""
        ...


class GatewayKeys(Protocol):
    def create(self, name: str, value: str) -> str: ...

    def delete(self, gateway_key_id: str) -> None: ...


# Making and handling pictures


class ImageProvider(Protocol):
    name: str

    def generate(self, request: ProviderRequest) -> ProviderResult:
        """Returns exactly request.n entries, or raises ProviderError for the whole call."""
        ...


class Moderator(Protocol):
    def check(self, text: str) -> str | None:
        """The reason the text is refused, or None when it may be used."""
        ...


class ImageCodec(Protocol):
    def inspect(self, data: bytes) -> ImageInfo:
        """Decodes fully (so truncated or hostile files fail here) and describes the image."""
        ...

    def sanitize(self, data: bytes, max_side: int) -> tuple[bytes, ImageInfo]:
        """Re-encodes an upload in its own format without metadata; raises InvalidImage."""
        ...

    def thumbnail(self, data: bytes, max_side: int = 256) -> bytes:
        """A small WebP preview (the first frame of a GIF, a rendering of an SVG)."""
        ...

    def inspect_with_thumbnail(self, data: bytes, max_side: int = 256) -> tuple[ImageInfo, bytes]:
        """inspect() and thumbnail() from one decode."""
        ...

    def to_png(self, data: bytes) -> bytes: ...

    def extend_canvas(self, data: bytes, left: int, right: int, top: int, bottom: int) -> tuple[bytes, bytes]:
        """The picture on a larger transparent canvas and the PNG mask of the added area (alpha 0 there)."""
        ...

    def resize(self, data: bytes, width: int, height: int) -> bytes:
        """The picture resized to exactly width x height, as a PNG keeping its alpha."""
        ...

    def convert(self, data: bytes, fmt: str, width: int, quality: int) -> bytes:
        """The picture as png, jpeg or webp, scaled down to width keeping its aspect.

        Alpha is kept where the format has it."""
        ...


# Generations, images and their storage


class Generations(Protocol):
    def add(self, generation: Generation, api_key_id: str | None = None) -> None: ...

    def lock_spender(self, user_id: str) -> None:
        """Serialises this user's spends until the transaction ends; sums read after it see every earlier one."""
        ...

    def spent_since(self, user_id: str, since: datetime) -> int: ...

    def get(self, generation_id: str, user_id: str | None = None) -> Generation | None: ...

    def claim(self, generation_id: str, now: datetime, lease: timedelta) -> Generation | None:
        """Marks a queued (or abandoned running) generation running; None when another worker has it or it is done."""
        ...

    def finish(self, generation: Generation, now: datetime) -> bool:
        """Closes a queued or running generation; False when it was already closed."""
        ...

    def release(self, generation_id: str) -> None:
        """Puts a running generation back to queued, so the next delivery of its job claims it at once."""
        ...

    def mark_enqueued(self, generation_id: str, now: datetime) -> None: ...

    def due_for_enqueue(self, now: datetime, unsent_after: timedelta, resend_after: timedelta) -> list[str]: ...

    def stuck(self, now: datetime, running_for: timedelta, queued_for: timedelta) -> list[str]: ...

    def cancel(self, generation_id: str, user_id: str, error: str, now: datetime) -> Generation | None:
        """Fails a generation that is still queued, refunding it in full; None when it is not queued (any more)."""
        ...

    def list_for_user(self, user_id: str, filters: GenerationFilters, before: tuple[datetime, str] | None,
                      limit: int) -> list[Generation]: ...


class Images(Protocol):
    def add(self, record: ImageRecord, data: bytes, thumbnail: bytes) -> bool:
        """Stores an image; False when its slot is taken or its generation is no longer running."""
        ...

    def get(self, image_id: str, user_id: str) -> ImageRecord | None: ...

    def data(self, image_id: str, user_id: str) -> bytes | None: ...

    def thumbnail(self, image_id: str, user_id: str) -> bytes | None: ...

    def for_generations(self, generation_ids: list[str]) -> dict[str, list[ImageRecord]]: ...

    def lock_uploads(self, user_id: str) -> None:
        """Serialises this user's uploads until the transaction ends, so the quota is checked one at a time."""
        ...

    def upload_bytes(self, user_id: str, now: datetime, excluding: str | None = None) -> int:
        """Bytes of the user's uploads plus the sizes reserved by open upload tickets (but `excluding`'s)."""
        ...

    def add_pending(self, upload: PendingUpload) -> None: ...

    def pending(self, upload_id: str, user_id: str) -> PendingUpload | None: ...

    def complete_pending(self, upload_id: str, image_id: str, now: datetime) -> None: ...

    def drop_pending(self, upload_id: str) -> None: ...


class Previews(Protocol):
    def put(self, generation_id: str, position: int, s3_key: str, content_type: str, now: datetime) -> bool:
        """Records the latest partial image of one image; False once the generation is no longer running."""
        ...

    def get(self, generation_id: str, user_id: str, position: int, finished_after: datetime) -> tuple[str, str] | None:
        """The S3 key and content type of a preview, for its owner only, while the generation renders or since
        finished_after (a page that saw the preview listed a moment ago may still fetch it)."""
        ...

    def positions(self, generation_ids: list[str]) -> dict[str, list[int]]: ...

    def prune(self, finished_before: datetime) -> int:
        """Forgets the previews of generations that finished before then; S3's lifecycle removes their bytes."""
        ...


class ImageStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes:
        """The object's bytes; KeyError when there is none."""
        ...


class UploadStore(ImageStore, Protocol):
    def delete(self, key: str) -> None: ...

    def presigned_post(self, key: str, content_type: str, max_bytes: int, seconds: int) -> tuple[str, dict[str, str]]:
        """A URL and form fields that let a browser POST one file of that type and at most max_bytes to key."""
        ...


class JobQueue(Protocol):
    def send(self, generation_id: str) -> None: ...


class GenerationEvents(Protocol):
    def generation_finished(self, uow: Any, generation: Generation) -> None:
        """Records what subscribers hear of a closed generation, inside the transaction that closed it."""
        ...

    def balance_changed(self, uow: Any, user_id: str) -> None:
        """Records what subscribers hear of a charge, inside the transaction that took it."""
        ...


class UploadsUnitOfWork(Protocol):
    @property
    def images(self) -> Images: ...
    @property
    def catalog(self) -> Catalog: ...

    def __enter__(self) -> UploadsUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


class GenerationUnitOfWork(Protocol):
    @property
    def ledger(self) -> Ledger: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def generations(self) -> Generations: ...
    @property
    def images(self) -> Images: ...
    @property
    def previews(self) -> Previews: ...
    @property
    def flags(self) -> AccountFlags: ...
    @property
    def api_keys(self) -> ApiKeys: ...

    def __enter__(self) -> GenerationUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


# The library


class Library(Protocol):
    def list(self, user_id: str, filters: ImageFilters, before: tuple[datetime, str] | None,
             limit: int) -> list[ImageRecord]: ...

    def set_favorite(self, user_id: str, image_ids: builtins.list[str], favorite: bool) -> builtins.list[str]: ...

    def lineage(self, user_id: str, image_id: str, depth: int,
                limit: int) -> tuple[builtins.list[ImageRecord], builtins.list[ImageRecord]] | None:
        """Ancestors nearest first and descendants oldest first; None when the image is not the user's."""
        ...

    def delete(self, user_id: str, image_ids: builtins.list[str]) -> builtins.list[str]:
        """Deletes rows (variants and blobs cascade); returns the S3 keys to remove."""
        ...

    def variant(self, image_id: str, fmt: str, width: int, quality: int) -> Variant | None: ...

    def image_with_variant(self, user_id: str, image_id: str, fmt: str, width: int,
                           quality: int) -> tuple[ImageRecord, Variant | None] | None:
        """The user's image and, when asked for and already made, its variant; None when no such image."""
        ...

    def add_variant(self, image_id: str, fmt: str, width: int, quality: int, variant: Variant, now: datetime) -> None:
        """Stores a variant, or replaces the one at the same format, width and quality."""
        ...

    def share(self, user_id: str, image_id: str, slug: str, now: datetime) -> str | None:
        """Shares an image; returns its slug (an existing one is kept), None when no such image."""
        ...

    def unshare(self, user_id: str, image_id: str) -> bool: ...

    def shared(self, slug: str) -> SharedImage | None: ...

    def shared_data(self, slug: str, thumbnail: bool) -> bytes | None: ...

    def community(self, before: tuple[datetime, str] | None, limit: int) -> builtins.list[SharedImage]: ...

    def hide_from_community(self, image_id: str, hidden: bool) -> bool: ...

    def share_slug(self, image_id: str) -> str | None: ...

    def queue_s3_deletions(self, keys: builtins.list[str], error: str, now: datetime) -> None: ...

    def due_s3_deletions(self, now: datetime, limit: int) -> builtins.list[str]: ...

    def s3_deleted(self, key: str) -> None: ...

    def s3_deletion_failed(self, key: str, error: str, retry_at: datetime) -> None: ...

    def missing_blobs(self, limit: int) -> builtins.list[ImageRecord]: ...

    def delete_unused_uploads(self, before: datetime, limit: int) -> builtins.list[str]:
        """Deletes uploads made before `before` that no generation took as source or mask, and that are neither
        favourites nor shared; returns the S3 keys to remove."""
        ...

    def delete_old_tickets(self, before: datetime, limit: int) -> builtins.list[str]:
        """Forgets upload tickets issued before `before`; returns the staging keys of those never completed."""
        ...

    def restore_blob(self, image_id: str, data: bytes, thumbnail: bytes) -> None: ...


class LibraryUnitOfWork(Protocol):
    @property
    def library(self) -> Library: ...
    @property
    def images(self) -> Images: ...

    def __enter__(self) -> LibraryUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


class BlobStore(ImageStore, Protocol):
    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def presigned_url(self, key: str, filename: str, seconds: int) -> str: ...


# Administration


class AdminQueries(Protocol):
    def users(self, q: str | None, after: int, limit: int) -> list[UserSummary]: ...

    def user(self, user_id: str) -> UserSummary | None: ...

    def set_user(self, user_id: str, suspended: bool | None, role: Role | None) -> None: ...

    def admin_count(self) -> int: ...

    def pricing(self) -> list[dict[str, Any]]: ...

    def upsert_price(self, model: str, size: str, quality: str, credits: int, cost: Decimal) -> None: ...

    def settings(self) -> dict[str, Any]: ...

    def set_setting(self, key: str, value: Any) -> None: ...

    def set_model_enabled(self, model: str, enabled: bool) -> bool: ...

    def update_model(self, model: str, values: dict[str, Any]) -> bool: ...

    def rates(self) -> list[dict[str, Any]]: ...

    def upsert_rate(self, model: str, unit: str, quality: str, credits: Decimal, cost: Decimal) -> None: ...

    def upsert_preset(self, preset_id: str, label: str, suffix: str, position: int, active: bool) -> None: ...

    def upsert_template(self, template_id: str, label: str, template: str, variables: list[str], position: int,
                        active: bool) -> None: ...

    def upsert_pack(self, pack_id: str, label: str, credits: int, amount_cents: int, position: int,
                    active: bool) -> None: ...

    def audit(self, actor: User, action: str, target_type: str, target_id: str | None, before: Any, after: Any,
              now: datetime) -> None: ...

    def audit_log(self, before_id: int | None, limit: int) -> list[AuditEntry]: ...


class AdminUnitOfWork(Protocol):
    @property
    def admin(self) -> AdminQueries: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def library(self) -> Library: ...

    def __enter__(self) -> AdminUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


# Reports


class ReportQueries(Protocol):
    """The read side of the reports; every period is [start, end) in UTC."""

    def ledger_sums(self, start: datetime, end: datetime, group_by: str | None) -> list[LedgerSums]:
        """Deltas by kind per group; group_by None gives one row for the whole period.

        Grouped by model, only generation and generation_refund rows are counted (others have no model).
        """
        ...

    def revenue(self, start: datetime, end: datetime, group_by: str | None) -> list[RevenueSums]:
        """Paid USD payments' amount_cents minus refunded_cents, by the payment's creation; day, user or None."""
        ...

    def generation_sums(self, start: datetime, end: datetime, group_by: str | None) -> list[GenerationSums]:
        """Generations created in the period per group, with provider cost and distinct users."""
        ...

    def emails(self, user_ids: list[str]) -> dict[str, str]: ...

    def admin_emails(self) -> list[str]:
        """Emails of admins who are not suspended."""
        ...

    def status_counts(self, since: datetime) -> dict[str, int]:
        """Generations created since, by status."""
        ...

    def finished_counts(self, since: datetime) -> tuple[int, int]:
        """(succeeded, failed) among generations completed since."""
        ...

    def latency_percentiles(self, since: datetime) -> tuple[float | None, float | None]:
        """p50 and p95 provider latency in ms of generations completed since."""
        ...

    def stuck_counts(self, queued_before: datetime, running_before: datetime) -> tuple[int, int]:
        """(queued, running) generations waiting since before the given moments."""
        ...


class QueueStats(Protocol):
    def depth(self) -> dict[str, int]:
        """{"visible": n, "in_flight": n, "delayed": n} of the jobs queue."""
        ...

    def dead_letters(self) -> int | None:
        """Messages in the dead-letter queue; None when there is none to look at."""
        ...


class ReportStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...


# Developer webhooks


class Webhooks(Protocol):
    """The endpoints and the outbox of deliveries, in the caller's transaction."""

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    def count_endpoints(self, user_id: str) -> int: ...

    def endpoints(self, user_id: str) -> list[WebhookEndpoint]:
        """The user's endpoints, newest first, secrets included (deliveries are signed with them)."""
        ...

    def endpoint(self, endpoint_id: str, user_id: str) -> WebhookEndpoint | None: ...

    def delete_endpoint(self, endpoint_id: str, user_id: str) -> bool: ...

    def record_health(self, endpoint_id: str, ok: bool, now: datetime, disable_if_failing_since: datetime,
                      reason: str) -> bool:
        """Clears the endpoint's failing streak after a success, or starts it after a failure and turns the endpoint
        off when the streak began before `disable_if_failing_since`; True only for the call that turned it off."""
        ...

    def set_enabled(self, endpoint_id: str, user_id: str, enabled: bool, now: datetime) -> WebhookEndpoint | None:
        """Turns an endpoint on (its failing streak forgotten) or off by its owner; None when not theirs."""
        ...

    def set_low_notified(self, endpoint_id: str, notified: bool) -> bool:
        """Flips the credits.low flag; False when it already had that value (another transaction flipped it)."""
        ...

    def add_delivery(self, delivery: Delivery) -> None: ...

    def claim(self, now: datetime, lease_until: datetime, limit: int,  # skips turned-off endpoints unless named
              delivery_id: str | None = None) -> list[ClaimedDelivery]:
        """Leases due deliveries (or the one named) and counts the attempt; a lease nobody closes expires."""
        ...

    def record_attempt(self, delivery: Delivery) -> bool:
        """Stores the outcome of the attempt numbered delivery.attempts; False when a later claim owns it now."""
        ...

    def deliveries(self, endpoint_id: str, before: tuple[datetime, str] | None, limit: int) -> list[Delivery]: ...


class WebhookSender(Protocol):
    def send(self, url: str, message_id: str, timestamp: datetime, body: str, secret: str) -> SendResult:
        """POSTs one signed delivery; never raises for what the receiver or the network did."""
        ...
