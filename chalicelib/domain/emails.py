"""Emails people read (issue 22): the outbox delivery that composes each kind from current facts, renders it as HTML
and plain text and sends it; who may be mailed (preferences for the optional kinds, suppressions after bounces and
complaints); signed unsubscribe links; and the watch that queues the low-balance email."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from .errors import InvalidRequest, InvalidToken
from .model import OutboxItem, User
from .ports import Clock, EmailSender, EmailTemplates, OutboxWaker
from .webhooks import WEBHOOK_DISABLED_EMAIL

VERIFY_EMAIL = "verify_email"
RESET_LINK = "password_reset"
WELCOME = "welcome"
RECEIPT = "receipt"
PAYMENT_FAILED = "payment_failed"
LOW_BALANCE = "low_balance"
SUPPORT_REPLY = "support_reply"
TEAM_INVITATION = "team_invitation"
BETA_INVITATION = "beta_invitation"
EMAIL_CHANGE = "email_change"  # to the new address: the link that confirms it
EMAIL_CHANGE_NOTICE = "email_change_notice"  # to the old address: what is happening, and what to do if not you
EMAIL_KINDS = (VERIFY_EMAIL, RESET_LINK, WEBHOOK_DISABLED_EMAIL, WELCOME, RECEIPT, PAYMENT_FAILED, LOW_BALANCE,
               SUPPORT_REPLY, TEAM_INVITATION, BETA_INVITATION, EMAIL_CHANGE, EMAIL_CHANGE_NOTICE)
# The emails a user may turn off; every other kind is about their account or money and always goes out.
OPTIONAL_CATEGORIES = ("low_balance", "product_news")
UNSUBSCRIBE_ALL = "all"  # an unsubscribe link from the footer of a non-optional email: every optional kind
LOW_BALANCE_THRESHOLD = (1, 1_000_000)
DEFAULT_LOW_BALANCE_THRESHOLD = 100
SUPPRESSION_REASONS = ("bounce", "complaint")
# Shown wherever a name is public (shared images) until the user chooses one; never derived from the email. An
# email to such a user says just "Hello".
DEFAULT_DISPLAY_NAME = "Pixmint artist"


class AddressSuppressed(Exception):
    """The address bounced for good or its owner complained: nothing is sent to it any more."""


@dataclass(frozen=True)
class EmailPreferences:
    """What optional email a user wants; low_balance_notified says the balance is under the threshold already."""

    low_balance: bool = True
    product_news: bool = False
    low_balance_threshold: int = DEFAULT_LOW_BALANCE_THRESHOLD
    low_balance_notified: bool = False


@dataclass(frozen=True)
class Letter:
    """An email composed from current facts, before it is rendered: the template names the kind's files."""

    to: str
    subject: str
    template: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    category: str | None = None  # an optional category: it is sent only when wanted, with a link to stop it


@dataclass(frozen=True)
class OutboxPolicy:
    """How the outbox retries, and how long the links it mails work."""

    attempts: int = 10
    lease: timedelta = timedelta(minutes=5)
    memory: timedelta = timedelta(days=2)
    verification_lifetime: timedelta = timedelta(days=7)
    reset_lifetime: timedelta = timedelta(hours=1)
    resets_per_hour: int = 5


def suppression_key(address: str) -> str:
    """How an address is compared with the suppression list: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", address).strip().lower()


_MAC_BYTES = 18  # 144 bits of HMAC-SHA256: unforgeable, and the link stays short


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UnsubscribeLinks:
    """Signed, long-lived unsubscribe tokens naming a user and a category; nothing is stored, so a link in an old
    email keeps working, and only this deployment's key makes one."""

    def __init__(self, key: bytes, public_url: str) -> None:
        self._key = key
        self._public_url = public_url.rstrip("/")

    def token(self, user_id: str, category: str) -> str:
        """A token that unsubscribes the user from the category (or from every optional one, with "all"): the
        payload and its MAC in one URL-safe string."""
        payload = f"u1:{user_id}:{category}".encode()
        return _b64(payload + self._mac(payload))

    def url(self, user_id: str, category: str) -> str:
        """The web page that asks for a click before it unsubscribes (link scanners open links, people click)."""
        return f"{self._public_url}/unsubscribe?token={self.token(user_id, category)}"

    def read(self, token: str) -> tuple[str, str]:
        """(user id, category) of a token this deployment signed; raises InvalidToken otherwise."""
        try:
            raw = _unb64(token)
            payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
            valid = len(raw) > _MAC_BYTES and hmac.compare_digest(mac, self._mac(payload))
            version, user_id, category = payload.decode().split(":")
        except (ValueError, UnicodeDecodeError):
            valid = False
        if not valid or version != "u1" or category not in (*OPTIONAL_CATEGORIES, UNSUBSCRIBE_ALL):
            raise InvalidToken("This unsubscribe link is not valid. Change what we email you in Settings.")
        return user_id, category

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def token_digest(token: str) -> bytes:
    """The SHA-256 of a token as stored: the database never holds a usable token."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def _name(user: User) -> str | None:
    return None if user.display_name == DEFAULT_DISPLAY_NAME else user.display_name


def _money(cents: int, currency: str) -> str:
    return f"${cents / 100:,.2f}" if currency == "usd" else f"{cents / 100:,.2f} {currency.upper()}"


Composer = Callable[[Any, OutboxItem, datetime], "Letter | None"]


class EmailOutboxDelivery:
    """Sends what the outbox holds: each item is composed from the facts as they are now (a verification email for
    an address verified meanwhile is dropped), checked against the suppression list and the user's preferences,
    rendered as HTML and plain text, and sent; a failed send is retried after its lease."""

    def __init__(self, uow: Callable[[], Any], mailer: EmailSender, templates: EmailTemplates | None, clock: Clock,
                 public_url: str, links: UnsubscribeLinks, policy: OutboxPolicy = OutboxPolicy(),
                 log: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self._uow = uow
        self._mailer = mailer
        self._templates = templates
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        self._links = links
        self._policy = policy
        self._log = log or (lambda message, extra: None)
        self._composers: dict[str, Composer] = {
            VERIFY_EMAIL: self._verification, RESET_LINK: self._reset, WEBHOOK_DISABLED_EMAIL: self._webhook_disabled,
            WELCOME: self._welcome, RECEIPT: self._receipt, PAYMENT_FAILED: self._payment_failed,
            LOW_BALANCE: self._low_balance, EMAIL_CHANGE: self._email_change,
            EMAIL_CHANGE_NOTICE: self._email_change_notice,
        }

    def compose_with(self, kind: str, composer: Composer) -> None:
        """Adds the composer of another kind (support replies, team invitations), given by the use cases that queue
        it."""
        self._composers[kind] = composer

    def composer_of(self, kind: str) -> Composer:
        """The composer a kind has now, for one that wraps it (billing's failed renewals wrap payment_failed)."""
        return self._composers[kind]

    def deliver_due(self, limit: int = 100) -> dict[str, int]:
        """Sends up to limit due items, one per transaction; returns how many were sent, skipped and failed."""
        result = {"sent": 0, "skipped": 0, "failed": 0}
        for _ in range(limit):
            now = self._clock.now()
            with self._uow() as uow:
                item = uow.email_outbox.claim_due(now, now + self._policy.lease, self._policy.attempts)
                if item is None:
                    break
                letter = self._sendable(uow, item, now)
                if letter is None:
                    uow.email_outbox.finish(item.id, False, now)
                uow.commit()
            if letter is None:
                result["skipped"] += 1
                continue
            try:
                text, html = self.render(letter)
                # The header only on optional email: a mail client's "Unsubscribe" on a receipt would promise
                # what the link does not do (receipts and security emails always go out).
                unsubscribe = (self._links.url(letter.user_id, letter.category)
                               if letter.user_id and letter.category else None)
                self._mailer.send(letter.to, letter.subject, text, html=html, unsubscribe_url=unsubscribe,
                                  kind=item.kind)
            except AddressSuppressed:
                with self._uow() as uow:
                    uow.email_outbox.finish(item.id, False, self._clock.now())
                    uow.commit()
                result["skipped"] += 1
                continue
            except Exception as exc:  # noqa: BLE001 - any failure of the sender leaves the item for a retry
                with self._uow() as uow:
                    uow.email_outbox.failed(item.id, f"{type(exc).__name__}: {exc}"[:500])
                    uow.commit()
                self._log("email not sent; it will be retried", {"outbox_id": item.id, "kind": item.kind,
                                                                 "error_type": type(exc).__name__})
                result["failed"] += 1
                continue
            with self._uow() as uow:
                uow.email_outbox.finish(item.id, True, self._clock.now())
                uow.commit()
            result["sent"] += 1
        with self._uow() as uow:
            uow.email_outbox.prune(self._clock.now() - self._policy.memory)
            uow.commit()
        return result

    def render(self, letter: Letter) -> tuple[str, str]:
        """(plain text, HTML) of a letter, with the links every email carries."""
        if self._templates is None:
            raise RuntimeError("no email templates are configured")
        # Only optional email links to stopping it; the rest link to the preferences, as they always go out.
        unsubscribe = None
        if letter.user_id is not None and letter.category is not None:
            unsubscribe = self._links.url(letter.user_id, letter.category)
        facts = {"subject": letter.subject, "site_url": self._public_url,
                 "preferences_url": f"{self._public_url}/settings#email", "help_url": f"{self._public_url}/help",
                 "unsubscribe_url": unsubscribe, "category": letter.category, "name": None, **letter.facts}
        return self._templates.render(letter.template, facts)

    def _sendable(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        composer = self._composers.get(item.kind)
        letter = composer(uow, item, now) if composer is not None else None
        if letter is None or uow.email_suppressions.is_suppressed(suppression_key(letter.to)):
            return None
        if letter.category is not None and letter.user_id is not None:
            wanted = uow.email_preferences.get(letter.user_id)
            if not getattr(wanted, letter.category):
                return None
        return letter

    def _user(self, uow: Any, item: OutboxItem) -> User | None:
        return uow.users.get(item.user_id) if item.user_id else None

    # --- the kinds ---

    def _verification(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = self._user(uow, item)
        if user is None or user.email_verified:
            return None
        token = secrets.token_urlsafe(32)
        uow.email_verifications.add(user.id, token_digest(token), now + self._policy.verification_lifetime, now)
        return Letter(user.email, "Confirm your email address for Pixmint", "verify_email",
                      {"name": _name(user), "link": f"{self._public_url}/verify-email?token={token}",
                       "days": self._policy.verification_lifetime.days}, user_id=user.id)

    def _email_change(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = self._user(uow, item)
        if user is None or not item.email or user.email == item.email:
            return None
        token = secrets.token_urlsafe(32)
        uow.email_changes.add(user.id, token_digest(token), item.email, now + self._policy.verification_lifetime, now)
        return Letter(item.email, "Confirm your new email address for Pixmint", "email_change",
                      {"name": _name(user), "link": f"{self._public_url}/confirm-email?token={token}",
                       "days": self._policy.verification_lifetime.days}, user_id=user.id)

    def _email_change_notice(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = self._user(uow, item)
        if user is None or not item.email or not item.ref:
            return None
        return Letter(item.email, "Your Pixmint email address is being changed", "email_change_notice",
                      {"name": _name(user), "new_email": mask_address(item.ref),
                       "contact_url": f"{self._public_url}/contact",
                       "settings_url": f"{self._public_url}/settings"}, user_id=user.id)

    def _reset(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = uow.users.by_email(item.email) if item.email else None
        if user is None:
            return None
        if uow.password_resets.count_since(user.id, now - timedelta(hours=1)) >= self._policy.resets_per_hour:
            return None
        token = secrets.token_urlsafe(32)
        uow.password_resets.void_all(user.id, now)
        uow.password_resets.add(user.id, token_digest(token), now + self._policy.reset_lifetime, now)
        return Letter(user.email, "Reset your Pixmint password", "password_reset",
                      {"name": _name(user), "link": f"{self._public_url}/reset-password?token={token}",
                       "minutes": int(self._policy.reset_lifetime.total_seconds() // 60)}, user_id=user.id)

    def _webhook_disabled(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = self._user(uow, item)
        off = [e for e in uow.webhooks.endpoints(user.id) if not e.enabled] if user else []
        if user is None or not off:
            return None  # turned back on (or deleted) before the email went out
        return Letter(user.email, "A Pixmint webhook endpoint was turned off", "webhook_disabled",
                      {"name": _name(user), "urls": [e.url for e in off],
                       "link": f"{self._public_url}/developers/webhooks"}, user_id=user.id)

    def _welcome(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = self._user(uow, item)
        if user is None:
            return None
        return Letter(user.email, "Welcome to Pixmint", "welcome",
                      {"name": _name(user), "credits": user.credits, "generate_url": f"{self._public_url}/generate",
                       "pricing_url": f"{self._public_url}/help/pricing",
                       "quick_start_url": f"{self._public_url}/help/api-quick-start"}, user_id=user.id)

    def _receipt(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = self._user(uow, item)
        payment = uow.payments.by_session(item.ref, user.id) if user is not None and item.ref else None
        if user is None or payment is None or not payment.credited:
            return None
        return Letter(user.email, f"Your Pixmint receipt: {payment.credits:,} credits", "receipt",
                      {"name": _name(user), "credits": payment.credits,
                       "amount": _money(payment.amount_cents, payment.currency),
                       "reference": payment.checkout_session_id,
                       "paid_at": payment.updated_at.strftime("%d %B %Y, %H:%M UTC"),
                       "balance": uow.ledger.balance(user.id),
                       "transactions_url": f"{self._public_url}/credits/transactions",
                       "refunds_url": f"{self._public_url}/help/credits-and-refunds"}, user_id=user.id)

    def _payment_failed(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = self._user(uow, item)
        payment = uow.payments.by_session(item.ref, user.id) if user is not None and item.ref else None
        if user is None or payment is None or payment.status != "failed":
            return None  # paid after all (a retried bank payment) before this went out
        return Letter(user.email, "Your Pixmint payment did not go through", "payment_failed",
                      {"name": _name(user), "credits": payment.credits,
                       "amount": _money(payment.amount_cents, payment.currency),
                       "retry_url": f"{self._public_url}/credits",
                       "help_url": f"{self._public_url}/help/credits-and-refunds"}, user_id=user.id)

    def _low_balance(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        user = self._user(uow, item)
        if user is None or not user.email_verified:
            return None
        wanted = uow.email_preferences.get(user.id)
        balance = uow.ledger.balance(user.id)
        if balance >= wanted.low_balance_threshold:
            return None  # topped up before this went out
        return Letter(user.email, "Your Pixmint credits are running low", "low_balance",
                      {"name": _name(user), "balance": balance, "threshold": wanted.low_balance_threshold,
                       "buy_url": f"{self._public_url}/credits",
                       "pricing_url": f"{self._public_url}/help/pricing"}, user_id=user.id, category="low_balance")


class GuardedEmailSender:
    """An EmailSender that refuses suppressed addresses (raising AddressSuppressed), for the emails that do not go
    through the outbox (the scheduled reports to admins)."""

    def __init__(self, inner: EmailSender, is_suppressed: Callable[[str], bool]) -> None:
        self._inner = inner
        self._is_suppressed = is_suppressed

    def send(self, to: str, subject: str, text: str, html: str | None = None, unsubscribe_url: str | None = None,
             kind: str | None = None) -> None:
        """Sends through the wrapped sender unless the address is suppressed."""
        if self._is_suppressed(suppression_key(to)):
            raise AddressSuppressed(to)
        self._inner.send(to, subject, text, html=html, unsubscribe_url=unsubscribe_url, kind=kind)


class EmailPreferencesService:
    """A user's choices about optional email, unsubscribe links, and the mail service's bounce and complaint
    reports."""

    def __init__(self, uow: Callable[[], Any], clock: Clock, links: UnsubscribeLinks,
                 log: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._links = links
        self._log = log or (lambda message, extra: None)

    def preferences(self, user: User) -> tuple[EmailPreferences, bool]:
        """The user's preferences, and whether their address is suppressed (nothing reaches it)."""
        with self._uow() as uow:
            return uow.email_preferences.get(user.id), uow.email_suppressions.is_suppressed(suppression_key(user.email))

    def update(self, user: User, changes: Mapping[str, Any]) -> tuple[EmailPreferences, bool]:
        """Changes low_balance, product_news and low_balance_threshold (those given); raises InvalidRequest."""
        allowed = {"low_balance", "product_news", "low_balance_threshold"}
        if not changes or set(changes) - allowed:
            raise InvalidRequest("Send low_balance, product_news or low_balance_threshold.", {"field": "low_balance"})
        threshold = changes.get("low_balance_threshold")
        low, high = LOW_BALANCE_THRESHOLD
        if threshold is not None and not low <= threshold <= high:
            raise InvalidRequest(f"low_balance_threshold is from {low} to {high:,}.",
                                 {"field": "low_balance_threshold", "minimum": low, "maximum": high})
        with self._uow() as uow:
            current = uow.email_preferences.get(user.id)
            wanted = replace(current, **dict(changes))
            if wanted.low_balance_threshold != current.low_balance_threshold:
                # A balance under the new threshold already is not news: the next crossing is.
                under = uow.ledger.balance(user.id) < wanted.low_balance_threshold
                wanted = replace(wanted, low_balance_notified=under)
            saved = uow.email_preferences.save(user.id, wanted, self._clock.now())
            suppressed = uow.email_suppressions.is_suppressed(suppression_key(user.email))
            uow.commit()
        return saved, suppressed

    def unsubscribe(self, token: str) -> str:
        """Turns off what the signed link names; returns the category. A link of a deleted account does nothing."""
        user_id, category = self._links.read(token)
        categories = OPTIONAL_CATEGORIES if category == UNSUBSCRIBE_ALL else (category,)
        with self._uow() as uow:
            if uow.users.get(user_id) is not None:
                current = uow.email_preferences.get(user_id)
                uow.email_preferences.save(user_id, replace(current, **{c: False for c in categories}),
                                           self._clock.now())
                uow.commit()
        return category

    def record_feedback(self, notification: Mapping[str, Any]) -> dict[str, int]:
        """Suppresses the addresses of a permanent bounce or a complaint, from an SES event (event publishing's
        eventType or an identity notification's notificationType); transient bounces and other events change
        nothing. Returns how many addresses were newly suppressed."""
        kind = str(notification.get("eventType") or notification.get("notificationType") or "")
        now = self._clock.now()
        found: list[tuple[str, str, str]] = []
        if kind == "Bounce":
            bounce = notification.get("bounce") or {}
            if bounce.get("bounceType") == "Permanent":
                detail = f"{bounce.get('bounceType')}/{bounce.get('bounceSubType')}"
                found = [(r.get("emailAddress", ""), "bounce", f"{detail} {r.get('diagnosticCode') or ''}".strip())
                         for r in bounce.get("bouncedRecipients") or []]
        elif kind == "Complaint":
            complaint = notification.get("complaint") or {}
            found = [(r.get("emailAddress", ""), "complaint", str(complaint.get("complaintFeedbackType") or "abuse"))
                     for r in complaint.get("complainedRecipients") or []]
        added = 0
        with self._uow() as uow:
            for address, reason, detail in found:
                if address and uow.email_suppressions.add(suppression_key(address), reason, detail[:500], now):
                    added += 1
            uow.commit()
        if found:
            self._log("email addresses suppressed", {"event": kind, "suppressed": added})
        return {"suppressed": added, "seen": len(found)}

    def is_suppressed(self, address: str) -> bool:
        """Whether nothing may be sent to the address."""
        with self._uow() as uow:
            return bool(uow.email_suppressions.is_suppressed(suppression_key(address)))


def mask_address(email: str) -> str:
    """"a***@example.com": enough for the owner to recognise, not enough to give an attacker's address away whole."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


class LowBalanceWatch:
    """The generation and credit events, passed on to the webhooks' recorder, that also queue the low-balance email
    when a balance goes under the user's threshold: once per crossing (the guarded flip lets one of two concurrent
    transactions queue it), re-armed when the balance is back above."""

    def __init__(self, inner: Any, clock: Clock, outbox: OutboxWaker | None = None) -> None:
        self._inner = inner
        self._clock = clock
        self._outbox = outbox

    def generation_finished(self, uow: Any, generation: Any) -> None:
        """Passed on; a refund may lift the balance back above the threshold."""
        if self._inner is not None:
            self._inner.generation_finished(uow, generation)
        self._check(uow, generation.user_id)

    def credits_purchased(self, uow: Any, user_id: str) -> None:
        """Passed on; re-arms the low-balance email once the balance is back above the threshold."""
        if self._inner is not None:
            self._inner.credits_purchased(uow, user_id)
        self._check(uow, user_id)

    def balance_changed(self, uow: Any, user_id: str) -> None:
        """Passed on; queues the low-balance email when this change took the balance under the threshold."""
        if self._inner is not None:
            self._inner.balance_changed(uow, user_id)
        self._check(uow, user_id)

    def _check(self, uow: Any, user_id: str | None) -> None:
        if user_id is None:
            return
        wanted = uow.email_preferences.get(user_id)
        low = uow.ledger.balance(user_id) < wanted.low_balance_threshold
        now = self._clock.now()
        if low != wanted.low_balance_notified and uow.email_preferences.set_low_notified(user_id, low, now) and low \
                and wanted.low_balance:
            uow.email_outbox.add(LOW_BALANCE, user_id, None, now)
            on_commit = getattr(uow, "on_commit", None)
            if self._outbox is not None and on_commit is not None:
                on_commit(self._outbox.wake)  # after the commit, or the deliverer would not see the row yet
