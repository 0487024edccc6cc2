"""The small interfaces through which the use cases reach the world."""

from __future__ import annotations

import builtins  # Library has a method named list, which shadows the type in annotations after it
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: every domain module may import this one without a cycle
    from .admin import AuditEntry, UserSummary
    from .api_keys import ApiKey, KeyBudget, KeyLimits
    from .catalogue import ModelSpec, Price, Rate
    from .credits import Adjustment, CheckoutOrder, CheckoutSession, CreditPack, LedgerEntry, Payment
    from .emails import EmailPreferences
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
    from .status import DaySample, Incident, PaymentHealth
    from .support import SupportMessage, Ticket
    from .webhooks import ClaimedDelivery, Delivery, SendResult, WebhookEndpoint


class Clock(Protocol):
    """Where the use cases get the time, so tests can set it."""

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        ...


class PasswordHasher(Protocol):
    """A slow, salted password hash."""

    def hash(self, password: str) -> str:
        """A hash of the password, salt and parameters included."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches the hash; False, never an exception, for a hash it cannot read."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than today's and should be redone at the next sign-in."""
        ...


class AccessTokens(Protocol):
    """Short-lived signed access tokens naming a user and a session."""

    lifetime_seconds: int

    def issue(self, user_id: str, session_id: str, now: datetime) -> str:
        """A token for the user's session, valid for lifetime_seconds (seconds) from now."""
        ...

    def verify(self, token: str, now: datetime) -> tuple[str, str]:
        """Returns (user id, session id) of a valid access token or raises Unauthorized."""
        ...


class AccountFlags(Protocol):
    """Marks on accounts for an admin's review, in the caller's transaction."""

    def flag(self, user_id: str, reason: str, now: datetime) -> None:
        """Marks an account for an admin's review (admins see flagged accounts first); the first flag's time stays."""
        ...


class IdempotencyUnitOfWork(Protocol):
    """One transaction over the idempotency keys; rolled back unless commit() was called."""

    @property
    def idempotency(self) -> IdempotencyKeys:
        """The idempotency keys, in this transaction."""
        ...

    def __enter__(self) -> IdempotencyUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...


class EmailSender(Protocol):
    """Sends one email now: plain text, and HTML beside it when given."""

    def send(self, to: str, subject: str, text: str, html: str | None = None, unsubscribe_url: str | None = None,
             kind: str | None = None) -> None:
        """Sends the email or raises; the outbox retries what raised. unsubscribe_url goes in a List-Unsubscribe
        header; kind tags the message, so the delivery events of the mail service name it."""
        ...


class OutboxWaker(Protocol):
    """Starts delivery of the email outbox, where the stage delivers right after a reply."""

    def wake(self) -> None:
        """Says that emails were just committed to the outbox; delivery happens after the caller's reply."""
        ...


class OneTimeCodes(Protocol):
    """TOTP secrets and codes (RFC 6238)."""

    def new_secret(self) -> str:
        """A random base32 secret."""
        ...

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        """The otpauth:// URI an authenticator app reads from a QR code."""
        ...

    def matching_step(self, secret: str, code: str, now: datetime) -> int | None:
        """The time step a valid code belongs to (one step of clock drift either way), else None."""
        ...


class PasswordStrength(Protocol):
    """Estimates how guessable a password is."""

    def estimate(self, password: str, user_inputs: list[str]) -> StrengthEstimate:
        """A score from 0 (guessable) to 4 with feedback; user_inputs (email, name) count as easy to guess."""
        ...


class Users(Protocol):
    """The accounts, in the caller's transaction."""

    def add(self, email: str, display_name: str, password_hash: str, role: Role, now: datetime) -> User | None:
        """Inserts a user; None when the email is taken (compared case-insensitively)."""
        ...

    def get(self, user_id: str) -> User | None:
        """The user, or None when there is no such id."""
        ...

    def get_with_session(self, user_id: str, session_id: str) -> User | None:
        """The user, only while the named session (refresh-token family) is live."""
        ...

    def by_email(self, email: str) -> User | None:
        """The user with that email, compared case-insensitively, or None."""
        ...

    def update_profile(self, user_id: str, display_name: str) -> User:
        """Sets the display name and returns the updated user, who must exist."""
        ...

    def public_handle(self, user_id: str) -> str | None:
        """The user's public handle, or None."""
        ...

    def set_public_handle(self, user_id: str, handle: str) -> bool:
        """Sets the user's public handle; False when another user holds it (compared case-insensitively)."""
        ...

    def set_password(self, user_id: str, password_hash: str) -> None:
        """Stores a new password hash; revoking sessions is the caller's to do."""
        ...

    def set_role(self, user_id: str, role: Role) -> None:
        """Changes the user's role."""
        ...

    def delete(self, user_id: str) -> None:
        """Deletes the account; its images' S3 copies are queued, in this transaction, for the deletion schedule."""
        ...

    def mark_email_verified(self, user_id: str, now: datetime) -> bool:
        """Sets the verification time once; False when it was set already."""
        ...

    def change_email(self, user_id: str, email: str, now: datetime) -> bool:
        """Moves the account to a confirmed new address; False when another account has it."""
        ...

    def mark_signup_bonus(self, user_id: str, now: datetime) -> None:
        """Records when the signup bonus was granted."""
        ...

    def two_factor(self, user_id: str) -> TwoFactorState:
        """The active and pending TOTP secrets and the last step used; all empty for an unknown user."""
        ...

    def set_pending_totp(self, user_id: str, secret: str) -> None:
        """Stores a secret that waits for its first code; the active one is untouched."""
        ...

    def enable_totp(self, user_id: str, secret: str, step: int) -> None:
        """Makes the secret the active one, with its first accepted time step."""
        ...

    def disable_totp(self, user_id: str) -> None:
        """Clears the active and pending secrets and the last step."""
        ...

    def advance_totp_step(self, user_id: str, step: int) -> bool:
        """Records a code's time step; False when that step or a later one was used already (a replay)."""
        ...


class EmailVerifications(Protocol):
    """Single-use email verification tokens, stored as hashes."""

    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        """Stores a token's hash, usable until expires_at."""
        ...

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        """Marks an unused, unexpired token used and returns its user id, in one step."""
        ...

    def void_all(self, user_id: str, now: datetime) -> None:
        """Makes every unused verification token of the user unusable."""
        ...


class EmailChanges(Protocol):
    """Single-use links that move an account to a new address, stored as hashes with the address they confirm."""

    def add(self, user_id: str, token_hash: bytes, new_email: str, expires_at: datetime, now: datetime) -> None:
        """Stores a link's hash for the new address, usable until expires_at."""
        ...

    def consume(self, token_hash: bytes, now: datetime) -> tuple[str, str] | None:
        """(user id, new address) of an unused, unexpired link, marked used in one step; None otherwise."""
        ...

    def void_all(self, user_id: str, now: datetime) -> None:
        """Makes every unused link of the user unusable."""
        ...


class BonusClaims(Protocol):
    """Mailboxes that have had the signup bonus, kept after their account is deleted."""

    def claim(self, email_key: bytes, now: datetime) -> bool:
        """Records the key; False when it was recorded before (by any account, live or deleted)."""
        ...


class Signups(Protocol):
    """Recent sign-ups per client address, to limit sign-ups from one address."""

    def lock_recent(self, ip: str, since: datetime) -> list[datetime]:
        """Sign-ups from the address since then; holds a lock on the address for the rest of the transaction."""
        ...

    def record(self, ip: str, now: datetime) -> None:
        """Counts a sign-up from the address; older ones may be forgotten after a day."""
        ...


class EmailOutbox(Protocol):
    """Emails waiting to be sent; an item holds the kind and recipient, the text is rendered when it is sent."""

    def add(self, kind: str, user_id: str | None, email: str | None, now: datetime, ref: str | None = None) -> int:
        """Queues an email, due at once; returns its id. ref names what it is about (a payment, a ticket reply)."""
        ...

    def recent_for_user(self, user_id: str, kind: str, since: datetime) -> list[datetime]:
        """When the user's emails of that kind were queued since then; locks the user's row first."""
        ...

    def claim_due(self, now: datetime, lease_until: datetime, max_attempts: int) -> OutboxItem | None:
        """The oldest due item, leased until then so no other deliverer takes it meanwhile."""
        ...

    def finish(self, item_id: int, sent: bool, now: datetime) -> None:
        """Closes an item, sent or given up, and forgets its address."""
        ...

    def failed(self, item_id: int, error: str) -> None:
        """Keeps the error of a failed attempt; the lease decides when the item is tried again."""
        ...

    def prune(self, before: datetime) -> int:
        """Deletes items closed before then; returns how many."""
        ...


class RecoveryCodes(Protocol):
    """Two-factor recovery codes, stored as hashes, each usable once."""

    def replace(self, user_id: str, code_hashes: list[bytes], now: datetime) -> None:
        """Deletes the user's codes and stores the new ones."""
        ...

    def consume(self, user_id: str, code_hash: bytes, now: datetime) -> bool:
        """Marks an unused code of the user used; False when there is none with that hash."""
        ...

    def delete_all(self, user_id: str) -> None:
        """Deletes all of the user's codes, used or not."""
        ...


class RefreshTokens(Protocol):
    """Refresh tokens by hash, grouped in families: one per sign-in, a session to the user."""

    def start_family(self, user_id: str, now: datetime, user_agent: str | None = None, ip: str | None = None) -> str:
        """Opens a session for the user and returns its id."""
        ...

    def touch_family(self, family_id: str, now: datetime) -> None:
        """Records that the session was just used."""
        ...

    def live_families(self, user_id: str, now: datetime) -> list[SessionInfo]:
        """The user's sessions that are neither revoked nor expired, newest first."""
        ...

    def revoke_users_family(self, user_id: str, family_id: str, now: datetime) -> bool:
        """Revokes one live session of this user; False when the user has no such live session."""
        ...

    def add(self, family_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        """Stores a token's hash in the family, usable until expires_at."""
        ...

    def lock(self, token_hash: bytes) -> RefreshTokenRecord | None:
        """Finds a token and locks it for the rest of the transaction."""
        ...

    def mark_rotated(self, token_id: str, now: datetime) -> None:
        """Marks the token spent: it was exchanged for a successor."""
        ...

    def supersede_live(self, family_id: str, now: datetime) -> None:
        """Retires the family's unspent tokens: their reply never reached the browser."""
        ...

    def revoke_family(self, family_id: str, now: datetime) -> None:
        """Revokes the session; one revoked already keeps its first time."""
        ...

    def revoke_all_for_user(self, user_id: str, now: datetime, keep_family_id: str | None = None) -> None:
        """Revokes every live session of the user except keep_family_id's, when given."""
        ...


class PasswordResets(Protocol):
    """Single-use password reset tokens, stored as hashes."""

    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        """Stores a token's hash, usable until expires_at."""
        ...

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        """Marks an unused, unexpired token used and returns its user id, in one step."""
        ...

    def count_since(self, user_id: str, since: datetime) -> int:
        """Reset tokens issued to the user since then, used or not."""
        ...

    def void_all(self, user_id: str, now: datetime) -> None:
        """Makes every unused reset token of the user unusable."""
        ...


class LoginAttempts(Protocol):
    """Sign-in attempts by email and address, for the lockout rules."""

    def record(self, email: str, ip: str, succeeded: bool, now: datetime) -> None:
        """Stores one attempt; emails are compared case-insensitively."""
        ...

    def failures(self, email: str, ip: str, since: datetime, known_ip_since: datetime) -> LoginFailureCounts:
        """Failed attempts since then: for the account from this address (after its last success there), for the account
        from addresses it never signed in from since known_ip_since, and from this address for any account."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the account repositories; rolled back unless commit() was called."""

    # Read-only members: an adapter's own repository classes then satisfy them (a plain attribute would have to
    # be of exactly the protocol's type).
    @property
    def users(self) -> Users:
        """The users, in this transaction."""
        ...

    @property
    def ledger(self) -> Ledger:
        """The credit ledger, in this transaction."""
        ...

    @property
    def catalog(self) -> Catalog:
        """The model catalogue, in this transaction."""
        ...

    @property
    def refresh_tokens(self) -> RefreshTokens:
        """The refresh tokens, in this transaction."""
        ...

    @property
    def password_resets(self) -> PasswordResets:
        """The password reset tokens, in this transaction."""
        ...

    @property
    def login_attempts(self) -> LoginAttempts:
        """The sign-in attempts, in this transaction."""
        ...

    @property
    def email_verifications(self) -> EmailVerifications:
        """The email verification tokens, in this transaction."""
        ...

    @property
    def email_changes(self) -> EmailChanges:
        """The links that confirm a new address, in this transaction."""
        ...

    @property
    def bonus_claims(self) -> BonusClaims:
        """The signup bonus claims, in this transaction."""
        ...

    @property
    def signups(self) -> Signups:
        """The sign-ups per address, in this transaction."""
        ...

    @property
    def email_outbox(self) -> EmailOutbox:
        """The email outbox, in this transaction."""
        ...

    @property
    def recovery_codes(self) -> RecoveryCodes:
        """The recovery codes, in this transaction."""
        ...

    @property
    def webhooks(self) -> Webhooks:
        """The webhook endpoints and deliveries, in this transaction."""
        ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...


# The catalogue of models, prices and settings


class Catalog(Protocol):
    """Models, prices, token rates, presets, templates and settings, in the caller's transaction."""

    def models(self, include_disabled: bool = False) -> list[ModelSpec]:
        """The enabled models in display order, or every model with include_disabled."""
        ...

    def price(self, model: str, size: str, quality: str) -> Price | None:
        """The credits and provider cost of one image of a model at a size and quality; None when not priced."""
        ...

    def rate(self, model: str, unit: str, quality: str) -> Rate | None:
        """The credits and provider cost per token unit of a model at a quality; None when not priced."""
        ...

    def rates(self) -> list[Rate]:
        """Every token rate, ordered by model, unit and quality."""
        ...

    def mark_withdrawn(self, model: str, reason: str, now: Any) -> bool:
        """Sets a model unavailable; False when it already was (so the first worker to notice reports it)."""
        ...

    def presets(self) -> list[Any]:
        """The active style presets in display order."""
        ...

    def templates(self) -> list[Any]:
        """The active prompt templates in display order."""
        ...

    def setting(self, key: str, default: Any) -> Any:
        """A setting's stored JSON value, or default when it is not set."""
        ...


# Credits and payments


class Ledger(Protocol):
    """Balances and the append-only ledger of every change to them, in the caller's transaction."""

    def spend(self, user_id: str, cost: int, kind: str, reference: str, actor: str, now: datetime) -> int | None:
        """Takes cost from a balance that covers it, with its ledger row; None when it does not."""
        ...

    def credit(self, user_id: str, amount: int, kind: str, reference: str, actor: str, now: datetime) -> int:
        """Adds credits with their ledger row; returns the new balance; raises LookupError for an unknown user."""
        ...

    def take_back(self, user_id: str, amount: int, kind: str, reference: str, actor: str, now: datetime) -> int:
        """Removes credits even below zero (refunds and disputes of payments only)."""
        ...

    def balance(self, user_id: str) -> int:
        """The user's credits; 0 for an unknown user."""
        ...

    def entries(self, user_id: str, before_id: int | None, limit: int) -> list[LedgerEntry]:
        """The user's ledger rows newest first, those with ids below before_id when given."""
        ...


class Payments(Protocol):
    """Checkout payments, their status history, webhook event ids and early refunds, in the caller's transaction."""

    def add(self, user_id: str, provider: str, session: CheckoutSession, order: CheckoutOrder,
            now: datetime) -> Payment:
        """Stores an open payment for a checkout session and the first row of its history."""
        ...

    def by_session(self, checkout_session_id: str, user_id: str | None = None) -> Payment | None:
        """The payment of a checkout session, only when it is user_id's if that is given."""
        ...

    def lock_by_session(self, checkout_session_id: str) -> Payment | None:
        """The payment of a checkout session, its row locked for the rest of the transaction."""
        ...

    def lock_by_intent(self, payment_intent_id: str) -> Payment | None:
        """The payment of a payment intent, its row locked for the rest of the transaction."""
        ...

    def lock_intent(self, payment_intent_id: str) -> None:
        """Serialises everything done for one payment intent until the transaction ends."""
        ...

    def update(self, payment: Payment, now: datetime, event_id: str | None, note: str | None = None) -> None:
        """Saves the mutable fields and appends the status to the payment's history."""
        ...

    def list_for_user(self, user_id: str, before: tuple[datetime, str] | None, limit: int) -> list[Payment]:
        """The user's payments, newest first, those before the (created_at, id) cursor when given."""
        ...

    def pending_credits(self, user_id: str) -> int:
        """Credits of the user's payments still processing."""
        ...

    def record_event(self, event_id: str, event_type: str, now: datetime) -> bool:
        """Records a webhook event id; False when it was recorded before."""
        ...

    def add_adjustment(self, payment_intent_id: str, refunded_cents: int, disputed: bool, now: datetime) -> None:
        """Keeps a refund or dispute that came before its payment; the largest refund and any dispute win."""
        ...

    def take_adjustment(self, payment_intent_id: str) -> Adjustment | None:
        """Removes and returns the adjustment kept for a payment intent, if any."""
        ...

    def packs(self) -> list[CreditPack]:
        """The active credit packs in display order."""
        ...


class IdempotencyKeys(Protocol):
    """Idempotency keys per user and scope, with the response stored once the request is answered."""

    def claim(self, user_id: str, scope: str, key: str, request_hash: str, now: datetime,
              window: timedelta) -> StoredResponse | bool | None:
        """True when claimed for this request, a StoredResponse when answered before, None when in progress."""
        ...

    def complete(self, user_id: str, scope: str, key: str, response: StoredResponse) -> None:
        """Stores the response to replay for the key."""
        ...

    def release(self, user_id: str, scope: str, key: str) -> None:
        """Forgets the key, so a retry of the request runs again."""
        ...


class CreditsUnitOfWork(Protocol):
    """One transaction over the ledger, payments and account flags; rolled back unless commit() was called."""

    @property
    def ledger(self) -> Ledger:
        """The credit ledger, in this transaction."""
        ...

    @property
    def payments(self) -> Payments:
        """The payments, in this transaction."""
        ...

    @property
    def flags(self) -> AccountFlags:
        """The account flags, in this transaction."""
        ...

    @property
    def email_outbox(self) -> EmailOutbox:
        """The email outbox (receipts, failed payments), in this transaction."""
        ...

    def __enter__(self) -> CreditsUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...


class PaymentGateway(Protocol):
    """Where customers pay for credits (Stripe Checkout, or the local stack's test page)."""

    name: str

    def create_checkout(self, order: CheckoutOrder, idempotency_key: str) -> CheckoutSession:
        """A hosted checkout session for the order; the same idempotency key gives the same session; raises Unavailable
        when the provider fails."""
        ...


# API keys


class ApiKeys(Protocol):
    """Developer API keys (only their hashes), their request windows and monthly spend, in the caller's transaction."""

    def add(self, user_id: str, name: str, prefix: str, key_hash: bytes, limits: KeyLimits, now: datetime) -> ApiKey:
        """Stores a new key; `limits` has its rate limit filled in."""
        ...

    def for_user(self, user_id: str, month_start: datetime) -> list[ApiKey]:
        """The user's keys with the credits each used since month_start, live ones first, newest first."""
        ...

    def count_active(self, user_id: str) -> int:
        """The user's keys that are not revoked."""
        ...

    def revoke(self, user_id: str, key_id: str, now: datetime) -> ApiKey | None:
        """Revokes the user's key (a revoked one keeps its first time) and returns it; None when not theirs."""
        ...

    def set_gateway_key(self, key_id: str, gateway_key_id: str) -> None:
        """Records the API Gateway key that mirrors this key."""
        ...

    def by_hash(self, key_hash: bytes) -> tuple[ApiKey, User] | None:
        """The key with that hash and its owner, revoked or not; None when there is none."""
        ...

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
    """API keys mirrored in front of the app, for coarse throttling before the app's own limits."""

    def create(self, name: str, value: str) -> str:
        """Registers the key's value and returns the gateway's id for it."""
        ...

    def delete(self, gateway_key_id: str) -> None:
        """Removes the key from the gateway."""
        ...


# Making and handling pictures


class ImageProvider(Protocol):
    """A service that makes images from a prompt (and edits them, where the model supports it)."""

    name: str

    def generate(self, request: ProviderRequest) -> ProviderResult:
        """Returns exactly request.n entries, or raises ProviderError for the whole call."""
        ...


class Moderator(Protocol):
    """Screens prompts before any credits are spent."""

    def check(self, text: str) -> str | None:
        """The reason the text is refused, or None when it may be used."""
        ...


class ImageCodec(Protocol):
    """Decoding, checking and re-encoding image bytes."""

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
        """inspect() and thumbnail() from one decode (the info carries the picture's dhash)."""
        ...

    def dhash(self, data: bytes) -> int:
        """The picture's 64-bit difference hash, signed; raises InvalidImage."""
        ...

    def to_png(self, data: bytes) -> bytes:
        """The same picture as a PNG, upright and without metadata (a GIF's first frame, an SVG rendered)."""
        ...

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
    """Generations and their lifecycle: queued, running, then closed as succeeded or failed; in the caller's
    transaction."""

    def add(self, generation: Generation, api_key_id: str | None = None) -> None:
        """Inserts a new generation, attributed to the API key that asked for it when there is one."""
        ...

    def lock_spender(self, user_id: str) -> None:
        """Serialises this user's spends until the transaction ends; sums read after it see every earlier one."""
        ...

    def spent_since(self, user_id: str, since: datetime) -> int:
        """Credits the user's generations created since then cost, net of refunds."""
        ...

    def get(self, generation_id: str, user_id: str | None = None) -> Generation | None:
        """The generation, only when it is user_id's if that is given."""
        ...

    def claim(self, generation_id: str, now: datetime, lease: timedelta) -> Generation | None:
        """Marks a queued (or abandoned running) generation running; None when another worker has it or it is done."""
        ...

    def finish(self, generation: Generation, now: datetime) -> bool:
        """Closes a queued or running generation; False when it was already closed."""
        ...

    def release(self, generation_id: str) -> None:
        """Puts a running generation back to queued, so the next delivery of its job claims it at once."""
        ...

    def mark_enqueued(self, generation_id: str, now: datetime) -> None:
        """Records when the generation's job was last sent to the queue."""
        ...

    def due_for_enqueue(self, now: datetime, unsent_after: timedelta, resend_after: timedelta) -> list[str]:
        """Ids of queued generations never sent for unsent_after, or last sent more than resend_after ago, oldest
        first."""
        ...

    def stuck(self, now: datetime, running_for: timedelta, queued_for: timedelta) -> list[str]:
        """Ids of generations running longer than running_for or queued longer than queued_for, oldest first."""
        ...

    def cancel(self, generation_id: str, user_id: str, error: str, now: datetime) -> Generation | None:
        """Fails a generation that is still queued, refunding it in full; None when it is not queued (any more)."""
        ...

    def list_for_user(self, user_id: str, filters: GenerationFilters, before: tuple[datetime, str] | None,
                      limit: int) -> list[Generation]:
        """The user's generations matching the filters, newest first, those before the (created_at, id) cursor when
        given."""
        ...


class Images(Protocol):
    """Images with their bytes and thumbnails, and upload tickets, in the caller's transaction."""

    def add(self, record: ImageRecord, data: bytes, thumbnail: bytes) -> bool:
        """Stores an image; False when its slot is taken or its generation is no longer running."""
        ...

    def get(self, image_id: str, user_id: str) -> ImageRecord | None:
        """The user's image, or None when it is not theirs."""
        ...

    def lookalike(self, user_id: str, dhash: int, excluding: str, max_distance: int) -> str | None:
        """The id of the user's image (not `excluding`) whose dHash is nearest within max_distance bits, or None."""
        ...

    def data(self, image_id: str, user_id: str) -> bytes | None:
        """The image's bytes, for its owner only."""
        ...

    def thumbnail(self, image_id: str, user_id: str) -> bytes | None:
        """The image's thumbnail, for its owner only."""
        ...

    def for_generations(self, generation_ids: list[str]) -> dict[str, list[ImageRecord]]:
        """The images of those generations by generation id, in position order; generations without any are absent."""
        ...

    def lock_uploads(self, user_id: str) -> None:
        """Serialises this user's uploads until the transaction ends, so the quota is checked one at a time."""
        ...

    def upload_bytes(self, user_id: str, now: datetime, excluding: str | None = None) -> int:
        """Bytes of the user's uploads plus the sizes reserved by open upload tickets (but `excluding`'s)."""
        ...

    def add_pending(self, upload: PendingUpload) -> None:
        """Stores an upload ticket."""
        ...

    def pending(self, upload_id: str, user_id: str) -> PendingUpload | None:
        """The user's upload ticket, completed or not; None when it is not theirs."""
        ...

    def complete_pending(self, upload_id: str, image_id: str, now: datetime) -> None:
        """Marks a ticket completed with the image it became."""
        ...

    def drop_pending(self, upload_id: str) -> None:
        """Deletes a ticket."""
        ...


class Previews(Protocol):
    """The latest partial image of each image of a running generation; the bytes are in S3."""

    def put(self, generation_id: str, position: int, s3_key: str, content_type: str, now: datetime) -> bool:
        """Records the latest partial image of one image; False once the generation is no longer running."""
        ...

    def get(self, generation_id: str, user_id: str, position: int, finished_after: datetime) -> tuple[str, str] | None:
        """The S3 key and content type of a preview, for its owner only, while the generation renders or since
        finished_after (a page that saw the preview listed a moment ago may still fetch it)."""
        ...

    def positions(self, generation_ids: list[str]) -> dict[str, list[int]]:
        """The positions that have previews, by generation id; generations without any are absent."""
        ...

    def prune(self, finished_before: datetime) -> int:
        """Forgets the previews of generations that finished before then; S3's lifecycle removes their bytes."""
        ...


class ImageStore(Protocol):
    """An object store of image bytes by key."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Stores the object under key, replacing any there."""
        ...

    def get(self, key: str) -> bytes:
        """The object's bytes; KeyError when there is none."""
        ...


class UploadStore(ImageStore, Protocol):
    """The store that browsers upload into directly."""

    def delete(self, key: str) -> None:
        """Deletes the object; a key that is not there is no error."""
        ...

    def presigned_post(self, key: str, content_type: str, max_bytes: int, seconds: int) -> tuple[str, dict[str, str]]:
        """A URL and form fields that let a browser POST one file of that type and at most max_bytes to key."""
        ...


class JobQueue(Protocol):
    """Where generation jobs wait for the worker."""

    def send(self, generation_id: str) -> None:
        """Queues the generation's job; a job may be delivered more than once."""
        ...


class GenerationEvents(Protocol):
    """What developer webhooks hear of generations and balances."""

    def generation_finished(self, uow: Any, generation: Generation) -> None:
        """Records what subscribers hear of a closed generation, inside the transaction that closed it."""
        ...

    def balance_changed(self, uow: Any, user_id: str) -> None:
        """Records what subscribers hear of a charge, inside the transaction that took it."""
        ...


class UploadsUnitOfWork(Protocol):
    """One transaction over images and the catalogue; rolled back unless commit() was called."""

    @property
    def images(self) -> Images:
        """The images and upload tickets, in this transaction."""
        ...

    @property
    def catalog(self) -> Catalog:
        """The model catalogue, in this transaction."""
        ...

    def __enter__(self) -> UploadsUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...


class GenerationUnitOfWork(Protocol):
    """One transaction over what a generation touches; rolled back unless commit() was called."""

    @property
    def ledger(self) -> Ledger:
        """The credit ledger, in this transaction."""
        ...

    @property
    def catalog(self) -> Catalog:
        """The model catalogue, in this transaction."""
        ...

    @property
    def generations(self) -> Generations:
        """The generations, in this transaction."""
        ...

    @property
    def images(self) -> Images:
        """The images and upload tickets, in this transaction."""
        ...

    @property
    def previews(self) -> Previews:
        """The previews, in this transaction."""
        ...

    @property
    def flags(self) -> AccountFlags:
        """The account flags, in this transaction."""
        ...

    @property
    def api_keys(self) -> ApiKeys:
        """The API keys, in this transaction."""
        ...

    def __enter__(self) -> GenerationUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...


# The library


class Library(Protocol):
    """The user's images as a library, shared pages, the community feed and the S3 deletion queue, in the caller's
    transaction."""

    def list(self, user_id: str, filters: ImageFilters, before: tuple[datetime, str] | None,
             limit: int) -> list[ImageRecord]:
        """The user's images matching the filters, newest first, those before the (created_at, id) cursor when given."""
        ...

    def set_favorite(self, user_id: str, image_ids: builtins.list[str], favorite: bool) -> builtins.list[str]:
        """Sets or clears the favourite mark on those of the images that are the user's; returns their ids."""
        ...

    def lineage(self, user_id: str, image_id: str, depth: int,
                limit: int) -> tuple[builtins.list[ImageRecord], builtins.list[ImageRecord]] | None:
        """Ancestors nearest first and descendants nearest first, then oldest; None when the image is not the
        user's."""
        ...

    def delete(self, user_id: str, image_ids: builtins.list[str]) -> builtins.list[str]:
        """Deletes rows (variants and blobs cascade); returns the S3 keys to remove."""
        ...

    def variant(self, image_id: str, fmt: str, width: int, quality: int) -> Variant | None:
        """A stored variant of the image at that format, width and quality, or None."""
        ...

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

    def unshare(self, user_id: str, image_id: str) -> bool:
        """Stops sharing the user's image; False when no such image."""
        ...

    def shared(self, slug: str) -> SharedImage | None:
        """The shared image with that slug and its author's display name, or None."""
        ...

    def shared_data(self, slug: str, thumbnail: bool) -> bytes | None:
        """The bytes of a shared image, or its thumbnail; None when no image has that slug."""
        ...

    def community(self, before: tuple[datetime, str] | None, limit: int) -> builtins.list[SharedImage]:
        """Shared images not hidden from the community, most recently shared first, before the (shared_at, id) cursor
        when given."""
        ...

    def hide_from_community(self, image_id: str, hidden: bool) -> bool:
        """Hides a shared image from the community feed or shows it again; False when no shared image has that id."""
        ...

    def share_slug(self, image_id: str) -> str | None:
        """The image's share slug, or None when it is not shared or does not exist."""
        ...

    def queue_s3_deletions(self, keys: builtins.list[str], error: str, now: datetime) -> None:
        """Queues S3 keys whose deletion failed once, with the error, due again at now; keys queued already are kept."""
        ...

    def due_s3_deletions(self, now: datetime, limit: int) -> builtins.list[str]:
        """Up to `limit` queued S3 keys due by now, longest waiting first."""
        ...

    def s3_deleted(self, key: str) -> None:
        """Takes a key off the deletion queue."""
        ...

    def s3_deletion_failed(self, key: str, error: str, retry_at: datetime) -> None:
        """Counts a failed deletion and puts the key off until retry_at."""
        ...

    def missing_blobs(self, limit: int) -> builtins.list[ImageRecord]:
        """Up to `limit` images, oldest first, whose bytes are not in the database."""
        ...

    def delete_unused_uploads(self, before: datetime, limit: int) -> builtins.list[str]:
        """Deletes uploads made before `before` that no generation took as source or mask, and that are neither
        favourites nor shared; returns the S3 keys to remove."""
        ...

    def delete_old_tickets(self, before: datetime, limit: int) -> builtins.list[str]:
        """Forgets upload tickets issued before `before`; returns the staging keys of those never completed."""
        ...

    def restore_blob(self, image_id: str, data: bytes, thumbnail: bytes) -> None:
        """Puts an image's bytes and thumbnail back; an image that has them keeps its own."""
        ...


class LibraryUnitOfWork(Protocol):
    """One transaction over the library and images; rolled back unless commit() was called."""

    @property
    def library(self) -> Library:
        """The library, in this transaction."""
        ...

    @property
    def images(self) -> Images:
        """The images and upload tickets, in this transaction."""
        ...

    def __enter__(self) -> LibraryUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...


class BlobStore(ImageStore, Protocol):
    """The store of images' backup copies, which also hands out download links."""

    def get(self, key: str) -> bytes:
        """The object's bytes; KeyError when there is none."""
        ...

    def delete(self, key: str) -> None:
        """Deletes the object; a key that is not there is no error."""
        ...

    def presigned_url(self, key: str, filename: str, seconds: int) -> str:
        """A GET link valid for `seconds` that downloads the object under filename."""
        ...


# Administration


class AdminQueries(Protocol):
    """The admins' reads and writes, in the caller's transaction."""

    def users(self, q: str | None, after: int, limit: int) -> list[UserSummary]:
        """Users whose email or display name contains q (all when None), flagged first, then newest; `after` is an
        offset."""
        ...

    def user(self, user_id: str) -> UserSummary | None:
        """One user's summary, or None."""
        ...

    def set_user(self, user_id: str, suspended: bool | None, role: Role | None) -> None:
        """Sets suspension and role; None leaves that field as it is."""
        ...

    def admin_count(self) -> int:
        """Users with the admin role, suspended or not."""
        ...

    def pricing(self) -> list[dict[str, Any]]:
        """Every image price as JSON-ready dicts, in model display order."""
        ...

    def upsert_price(self, model: str, size: str, quality: str, credits: int, cost: Decimal) -> None:
        """Inserts or replaces the price of a model at a size and quality; cost is USD per image."""
        ...

    def settings(self) -> dict[str, Any]:
        """Every stored setting, plus "models": each model's enabled flag by id."""
        ...

    def set_setting(self, key: str, value: Any) -> None:
        """Stores a setting's JSON value, replacing any earlier one."""
        ...

    def set_model_enabled(self, model: str, enabled: bool) -> bool:
        """False when there is no such model."""
        ...

    def update_model(self, model: str, values: dict[str, Any]) -> bool:
        """Sets the editable fields present in values (None leaves one as it is); False when there is no such model."""
        ...

    def rates(self) -> list[dict[str, Any]]:
        """Every token rate as JSON-ready dicts, in model display order."""
        ...

    def upsert_rate(self, model: str, unit: str, quality: str, credits: Decimal, cost: Decimal) -> None:
        """Inserts or replaces the token rate of a model for a unit and quality; credits and cost are per unit."""
        ...

    def upsert_preset(self, preset_id: str, label: str, suffix: str, position: int, active: bool) -> None:
        """Inserts or replaces a style preset."""
        ...

    def upsert_template(self, template_id: str, label: str, template: str, variables: list[str], position: int,
                        active: bool) -> None:
        """Inserts or replaces a prompt template."""
        ...

    def upsert_pack(self, pack_id: str, label: str, credits: int, amount_cents: int, position: int,
                    active: bool) -> None:
        """Inserts or replaces a credit pack."""
        ...

    def plans(self) -> builtins.list[Plan]:
        """Every plan, on sale or not, in display order."""
        ...

    def upsert_plan(self, plan: Plan) -> None:
        """Inserts or replaces a plan (its id and interval stay as they were when it exists)."""
        ...

    def audit(self, actor: User, action: str, target_type: str, target_id: str | None, before: Any, after: Any,
              now: datetime) -> None:
        """Appends an audit row naming the actor, with the target's values before and after as JSON."""
        ...

    def audit_log(self, before_id: int | None, limit: int) -> list[AuditEntry]:
        """Audit rows newest first, those with ids below before_id when given."""
        ...


class AdminUnitOfWork(Protocol):
    """One transaction over what the admins change; rolled back unless commit() was called."""

    @property
    def admin(self) -> AdminQueries:
        """The admins' queries, in this transaction."""
        ...

    @property
    def catalog(self) -> Catalog:
        """The model catalogue, in this transaction."""
        ...

    @property
    def ledger(self) -> Ledger:
        """The credit ledger, in this transaction."""
        ...

    @property
    def library(self) -> Library:
        """The library, in this transaction."""
        ...

    def __enter__(self) -> AdminUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...


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

    def emails(self, user_ids: list[str]) -> dict[str, str]:
        """The emails of those users by id; deleted users are absent."""
        ...

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
    """Depths of the generation jobs queue and its dead-letter queue."""

    def depth(self) -> dict[str, int]:
        """{"visible": n, "in_flight": n, "delayed": n} of the jobs queue."""
        ...

    def dead_letters(self) -> int | None:
        """Messages in the dead-letter queue; None when there is none to look at."""
        ...


class ReportStore(Protocol):
    """Where finished reports are written."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Stores the report under key, replacing any there."""
        ...


# Developer webhooks


class Webhooks(Protocol):
    """The endpoints and the outbox of deliveries, in the caller's transaction."""

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """Stores a new endpoint."""
        ...

    def count_endpoints(self, user_id: str) -> int:
        """The user's endpoints, on or off."""
        ...

    def endpoints(self, user_id: str) -> list[WebhookEndpoint]:
        """The user's endpoints, newest first, secrets included (deliveries are signed with them)."""
        ...

    def endpoint(self, endpoint_id: str, user_id: str) -> WebhookEndpoint | None:
        """The user's endpoint, secret included, or None when not theirs."""
        ...

    def delete_endpoint(self, endpoint_id: str, user_id: str) -> bool:
        """Deletes the user's endpoint and its deliveries; False when not theirs."""
        ...

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

    def add_delivery(self, delivery: Delivery) -> None:
        """Queues a delivery, due at its next_attempt_at."""
        ...

    def claim(self, now: datetime, lease_until: datetime, limit: int,  # skips turned-off endpoints unless named
              delivery_id: str | None = None) -> list[ClaimedDelivery]:
        """Leases due deliveries (or the one named) and counts the attempt; a lease nobody closes expires."""
        ...

    def record_attempt(self, delivery: Delivery) -> bool:
        """Stores the outcome of the attempt numbered delivery.attempts; False when a later claim owns it now."""
        ...

    def deliveries(self, endpoint_id: str, before: tuple[datetime, str] | None, limit: int) -> list[Delivery]:
        """The endpoint's deliveries, newest first, those before the (created_at, id) cursor when given."""
        ...


class WebhookSender(Protocol):
    """Sends one signed webhook delivery over the network."""

    def send(self, url: str, message_id: str, timestamp: datetime, body: str, secret: str) -> SendResult:
        """POSTs one signed delivery; never raises for what the receiver or the network did."""
        ...


# Launch kit (issue 22): emails people read


class EmailTemplates(Protocol):
    """Renders an email kind's templates."""

    def render(self, template: str, facts: Mapping[str, Any]) -> tuple[str, str]:
        """(plain text, HTML) of the named template with these facts; HTML escapes every fact it shows."""
        ...


class EmailPreferenceStore(Protocol):
    """Each user's choices about optional email, in the caller's transaction."""

    def get(self, user_id: str) -> EmailPreferences:
        """The user's preferences; the defaults when they never chose."""
        ...

    def save(self, user_id: str, preferences: EmailPreferences, now: datetime) -> EmailPreferences:
        """Stores the preferences and returns them."""
        ...

    def set_low_notified(self, user_id: str, notified: bool, now: datetime) -> bool:
        """Flips the low-balance flag; False when it already had that value (another transaction flipped it)."""
        ...


class EmailSuppressions(Protocol):
    """Addresses nothing is sent to any more (a permanent bounce, a complaint), in the caller's transaction."""

    def add(self, address: str, reason: str, detail: str, now: datetime) -> bool:
        """Suppresses the address (compared in lower case); False when it was suppressed already."""
        ...

    def is_suppressed(self, address: str) -> bool:
        """Whether the address is suppressed."""
        ...

    def remove(self, address: str) -> bool:
        """Lifts a suppression; False when there was none."""
        ...


class SupportDesk(Protocol):
    """Support tickets, their conversations and the contact form's throttle counts, in the caller's transaction."""

    def lock_sender(self, ip: str) -> None:
        """Serialises the tickets of one client address until the transaction ends."""
        ...

    def recent_tickets(self, since: datetime, ip: str | None = None, email: str | None = None,
                       user_id: str | None = None) -> builtins.list[datetime]:
        """When tickets were opened since then from the address, by the email address or by the account."""
        ...

    def recent_customer_messages(self, user_id: str, since: datetime) -> builtins.list[datetime]:
        """When the account wrote messages since then."""
        ...

    def add_ticket(self, user_id: str | None, email: str, subject: str, page: str | None, ip: str,
                   now: datetime) -> Ticket:
        """Opens a ticket without messages."""
        ...

    def add_message(self, ticket_id: str, author: str, author_id: str | None, author_name: str, body: str,
                    now: datetime) -> SupportMessage:
        """Adds a message to the conversation and marks the ticket active now."""
        ...

    def set_status(self, ticket_id: str, status: str, now: datetime) -> bool:
        """Sets the ticket's status; False when there is no such ticket."""
        ...

    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket with its conversation, oldest message first."""
        ...

    def for_user(self, user_id: str, before: tuple[datetime, str] | None, limit: int) -> builtins.list[Ticket]:
        """The account's tickets with their conversations, the most recently active first."""
        ...

    def queue(self, status: str | None, before: tuple[datetime, str] | None, limit: int) -> builtins.list[Ticket]:
        """Tickets with the status (any when None), the most recently active first, each with its last message."""
        ...

    def message(self, message_id: int) -> tuple[SupportMessage, Ticket] | None:
        """A message and its ticket (without the conversation)."""
        ...

    def refund_rest(self, generation_id: str, user_id: str) -> int:
        """Marks a finished generation of the user refunded in full; returns the credits that added (0: none)."""
        ...


class StatusFile(Protocol):
    """The status page's published file, which the page reads without the API."""

    def write(self, document: dict[str, Any]) -> None:
        """Replaces the file."""
        ...

    def read(self) -> dict[str, Any] | None:
        """The file as last written, None when there is none."""
        ...


class StatusRecords(Protocol):
    """Daily check counts, incidents and the payments' health, in the caller's transaction."""

    def record(self, day: date, component: str, status: str) -> None:
        """Counts one check of the component on that day."""
        ...

    def samples(self, since: date) -> builtins.list[DaySample]:
        """Every component's daily counts from that day on."""
        ...

    def payment_health(self, stale_before: datetime, since: datetime) -> PaymentHealth:
        """Checkouts still open from before stale_before, and payments paid or failed since then."""
        ...

    def add_incident(self, title: str, impact: str, components: tuple[str, ...], status: str,
                     now: datetime) -> Incident:
        """Opens an incident without updates."""
        ...

    def add_update(self, incident_id: str, status: str, message: str, now: datetime) -> None:
        """Adds one message to the incident's timeline."""
        ...

    def set_incident_status(self, incident_id: str, status: str, now: datetime) -> None:
        """Moves the incident on; resolved sets its end."""
        ...

    def incident(self, incident_id: str) -> Incident | None:
        """The incident with its timeline."""
        ...

    def incidents(self, limit: int, offset: int = 0) -> builtins.list[Incident]:
        """Incidents newest first."""
        ...

    def incidents_since(self, resolved_after: datetime) -> builtins.list[Incident]:
        """Open incidents, and those resolved after then."""
        ...


# Billing (issue 18): plans, subscriptions and their invoices

if TYPE_CHECKING:
    from .billing import Plan, Subscription, SubscriptionChange, SubscriptionCheckoutOrder, SubscriptionInvoice


class Subscriptions(Protocol):
    """Plans, our subscriptions and their invoices, in the caller's transaction."""

    def plans(self) -> builtins.list[Plan]:
        """The active plans in display order."""
        ...

    def plan(self, plan_id: str) -> Plan | None:
        """A plan, active or not (invoices of retired plans still name them)."""
        ...

    def add(self, reference: str, user_id: str, plan_id: str, checkout_session_id: str, checkout_url: str,
            now: datetime) -> Subscription:
        """Stores a subscription whose checkout has just opened."""
        ...

    def current(self, user_id: str) -> Subscription | None:
        """The user's newest subscription that got past its checkout."""
        ...

    def customer_of(self, user_id: str) -> str | None:
        """The user's Stripe customer, once a subscription has one."""
        ...

    def lock(self, subscription_id: str) -> Subscription | None:
        """A subscription by our id, its row locked for the rest of the transaction."""
        ...

    def lock_by_session(self, checkout_session_id: str) -> Subscription | None:
        """The subscription of a checkout session, locked."""
        ...

    def lock_by_reference(self, reference: str) -> Subscription | None:
        """The subscription whose reference Stripe's metadata carries, locked."""
        ...

    def lock_by_stripe_id(self, stripe_subscription_id: str) -> Subscription | None:
        """The subscription of Stripe's subscription id, locked."""
        ...

    def save(self, subscription: Subscription, now: datetime) -> None:
        """Saves the mutable fields."""
        ...

    def lock_invoice(self, invoice_id: str) -> SubscriptionInvoice | None:
        """A stored invoice, locked."""
        ...

    def lock_invoice_by_intent(self, payment_intent_id: str) -> SubscriptionInvoice | None:
        """The stored invoice a payment intent paid, locked."""
        ...

    def save_invoice(self, invoice: SubscriptionInvoice, now: datetime) -> None:
        """Stores the invoice or saves its mutable fields."""
        ...

    def invoices_due(self, now: datetime, limit: int) -> builtins.list[str]:
        """Ids of paid invoices with months left whose next month may have begun."""
        ...


class BillingUnitOfWork(CreditsUnitOfWork, Protocol):
    """The credits' unit of work with the subscriptions too (the app's unit of work has both)."""

    @property
    def subscriptions(self) -> Subscriptions:
        """Plans, subscriptions and invoices, in this transaction."""
        ...

    def __enter__(self) -> BillingUnitOfWork: ...


class BillingGateway(Protocol):
    """Stripe Billing: subscription checkout, the Customer Portal and subscription changes."""

    def create_subscription_checkout(self, order: SubscriptionCheckoutOrder, idempotency_key: str) -> CheckoutSession:
        """A hosted checkout in subscription mode; raises Unavailable when the provider fails."""
        ...

    def portal_url(self, customer_id: str, return_url: str) -> str:
        """A Customer Portal session's URL for the customer; raises Unavailable when the provider fails."""
        ...

    def change_subscription(self, change: SubscriptionChange, idempotency_key: str) -> None:
        """Switches the price (from the next invoice, no proration) and/or sets cancel-at-period-end; raises
        Unavailable when the provider fails."""
        ...


# Referrals (issue 18)

if TYPE_CHECKING:
    from collections.abc import Callable

    from .referrals import FirstPurchase, Party, Referral


class Referrals(Protocol):
    """Referral codes, referrals and what Stripe's charges said, in the caller's transaction."""

    def ensure_code(self, user_id: str, signup_ip: str | None, now: datetime, new_code: Callable[[], str]) -> str:
        """The user's code, made (with the sign-up address, when given) if the user has none yet."""
        ...

    def owner_of(self, code: str) -> str | None:
        """The id of the account whose code this is."""
        ...

    def add(self, referrer_id: str, referred_id: str, now: datetime) -> None:
        """Records a pending referral."""
        ...

    def record_charge(self, charge_id: str, payment_intent_id: str | None, customer_id: str | None,
                      card_fingerprint: str | None, now: datetime) -> None:
        """Keeps what a succeeded charge said; a replay changes nothing."""
        ...

    def counts(self, referrer_id: str) -> dict[str, int]:
        """The referrer's referrals by status."""
        ...

    def earned(self, referrer_id: str) -> int:
        """Credits the referrer's rewarded referrals gave the referrer."""
        ...

    def list_for_referrer(self, referrer_id: str, limit: int) -> builtins.list[Referral]:
        """The referrer's referrals, newest first."""
        ...

    def due(self, paid_before: datetime, limit: int) -> builtins.list[str]:
        """Pending referrals whose referred account paid before then, or that lost an account; oldest first."""
        ...

    def lock_pending(self, referral_id: str) -> Referral | None:
        """The referral, locked, while it is pending."""
        ...

    def first_purchase(self, user_id: str) -> FirstPurchase | None:
        """The account's first paid purchase, a pack or a subscription invoice."""
        ...

    def party(self, user_id: str, sessions: bool) -> Party:
        """The account's email, client addresses (the sign-up's; with sessions, every session's too), cards and
        Stripe customers."""
        ...

    def lock_referrer(self, referrer_id: str) -> None:
        """Serialises the grants of one referrer until the transaction ends, so the cap counts each."""
        ...

    def rewarded_between(self, referrer_id: str, start: datetime, end: datetime) -> int:
        """The referrer's referrals rewarded in [start, end)."""
        ...

    def settle(self, referral_id: str, status: str, reason: str | None, referrer_credits: int,
               referred_credits: int, now: datetime) -> bool:
        """Decides a pending referral; False when it was decided already."""
        ...


class ReferralsUnitOfWork(Protocol):
    """One transaction over the referrals, the ledger and the settings."""

    @property
    def referrals(self) -> Referrals:
        """Referral codes and referrals, in this transaction."""
        ...

    @property
    def ledger(self) -> Ledger:
        """The credit ledger, in this transaction."""
        ...

    @property
    def catalog(self) -> Catalog:
        """The catalogue and the admin's settings, in this transaction."""
        ...

    def __enter__(self) -> ReferralsUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...
