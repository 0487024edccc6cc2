"""Credits: the ledger rule, packs, checkout and what Stripe's events do to balances."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .emails import PAYMENT_FAILED, RECEIPT
from .errors import InsufficientCredits, InvalidRequest, NotFound
from .model import User
from .paging import decode_id_cursor, decode_time_cursor, page_of
from .ports import CreditsUnitOfWork, Ledger, OutboxWaker, PaymentGateway

CENTS_PER_CREDIT = 1  # one US dollar = 100 credits
MIN_CUSTOM_CENTS = 500
STRIPE_MINIMUM_CENTS = 50
MAX_CUSTOM_CENTS = 50_000
CREDITING_KINDS = ("purchase", "generation_refund", "signup_bonus", "admin_grant")
LEDGER_KINDS = ("purchase", "generation", "generation_refund", "signup_bonus", "admin_grant", "admin_debit",
                "payment_refund", "dispute", "subscription_grant", "referral_reward", "credit_expiry", "team_transfer")
PAYMENT_STATUSES = ("open", "processing", "paid", "failed", "expired", "refunded", "partially_refunded", "disputed")


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the append-only ledger: a signed change in credits and the balance it left."""

    id: int
    kind: str
    delta: int
    balance_after: int
    reference: str
    created_at: datetime
    image_id: str | None = None  # a generation's (or its refund's) first image, while it exists

    @property
    def generation_id(self) -> str | None:
        """The generation a spend or its refund was for."""
        prefix = {"generation": "generation:", "generation_refund": "refund:"}.get(self.kind)
        if not prefix or not self.reference.startswith(prefix):
            return None
        return self.reference.removeprefix(prefix).split(":", 1)[0]  # "refund:<id>:support" is a support refund

    @property
    def payment_id(self) -> str | None:
        """The checkout session a purchase, a payment refund or a dispute belongs to."""
        if self.kind in ("purchase", "payment_refund", "dispute"):
            return self.reference.split(":", 1)[0]
        return None


@dataclass(frozen=True)
class CreditPack:
    """A pack of credits for sale; amount_cents is in the smallest unit of currency."""

    id: str
    label: str
    credits: int
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class CheckoutOrder:
    """What a checkout sells to whom, and where the payment page returns to."""

    user_id: str
    email: str
    credits: int
    amount_cents: int
    currency: str
    label: str
    pack_id: str | None
    success_url: str
    cancel_url: str


@dataclass(frozen=True)
class CheckoutSession:
    """A hosted checkout page: the provider's session id and its URL."""

    id: str
    url: str


@dataclass(frozen=True)
class Payment:
    """A checkout payment; credited and clawed_back are credits, amounts are in cents."""

    id: str
    user_id: str | None
    checkout_session_id: str
    payment_intent_id: str | None
    pack_id: str | None
    credits: int
    amount_cents: int
    currency: str
    status: str
    credited: int
    clawed_back: int
    refunded_cents: int
    disputed: bool
    checkout_url: str
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Adjustment:
    """A refund or dispute that arrived before the payment it belongs to."""

    refunded_cents: int
    disputed: bool


@dataclass(frozen=True)
class Page:
    """One page of a list and the cursor of the next, None on the last."""

    items: list[Any]
    next_cursor: str | None




def spend(ledger: Ledger, user_id: str, cost: int, reference: str, now: datetime, kind: str = "generation",
          actor: str = "user") -> int:
    """Takes `cost` credits, or raises InsufficientCredits; returns the new balance."""
    if cost <= 0:
        raise InvalidRequest("A spend must cost at least one credit.")
    balance = ledger.spend(user_id, cost, kind, reference, actor, now)
    if balance is None:
        raise InsufficientCredits(cost, ledger.balance(user_id))
    return balance


# What each status may become; money received (paid) wins over any earlier outcome.
_NEXT = {
    "open": {"processing", "paid", "failed", "expired"},
    "processing": {"paid", "failed", "expired"},
    "failed": {"paid"},
    "expired": {"paid"},
    "paid": {"partially_refunded", "refunded", "disputed"},
    "partially_refunded": {"refunded", "disputed"},
    "refunded": {"disputed"},
    "disputed": set(),
}


class CreditService:
    """Balances, packs, checkout and Stripe events; each use case is one transaction."""

    def __init__(self, uow: Callable[[], CreditsUnitOfWork], gateway: PaymentGateway, clock: Any,
                 public_url: str, events: Any = None, return_origins: tuple[str, ...] = (),
                 outbox: OutboxWaker | None = None, subscriptions: Any = None,
                 pack_discount: Callable[[str], int] | None = None, charges: Any = None) -> None:
        """events: records credits.purchased for webhooks in the transaction that credits the purchase;
        return_origins: the site's origins a checkout may return to, the one it started from (else public_url);
        outbox: told when a receipt or a failed-payment email was queued; subscriptions: the SubscriptionEvents that
        apply subscription and invoice events in the same transaction (billing, issue 18); pack_discount: the percent
        a user's plan takes off credit packs; charges: the ReferralService that keeps each succeeded charge's customer
        and card fingerprint (referrals, issue 18)."""
        self._charges = charges
        self._pack_discount = pack_discount
        self._subscriptions = subscriptions
        self._return_origins = return_origins
        self._uow = uow
        self._events = events
        self._gateway = gateway
        self._clock = clock
        self._outbox = outbox
        self._public_url = public_url.rstrip("/")

    def balance(self, user_id: str) -> tuple[int, int]:
        """(balance, credits of payments still processing)."""
        with self._uow() as uow:
            return uow.ledger.balance(user_id), uow.payments.pending_credits(user_id)

    def packs(self) -> list[CreditPack]:
        """The active credit packs in display order."""
        with self._uow() as uow:
            return uow.payments.packs()

    def transactions(self, user_id: str, cursor: str | None, limit: int) -> Page:
        """A page of the user's ledger rows, newest first."""
        before = decode_id_cursor(cursor) if cursor else None
        with self._uow() as uow:
            rows = uow.ledger.entries(user_id, before, limit + 1)
        return Page(*page_of(rows, limit, lambda row: (row.id,)))

    def transactions_csv(self, user_id: str) -> str:
        """Every ledger row of the user as CSV, newest first; references that a spreadsheet would run as formulas are
        quoted."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "created_at", "kind", "delta", "balance_after", "reference"])
        cursor: int | None = None
        with self._uow() as uow:
            while True:
                rows = uow.ledger.entries(user_id, cursor, 500)
                for row in rows:
                    writer.writerow([row.id, row.created_at.isoformat(), row.kind, row.delta, row.balance_after,
                                     _csv_safe(row.reference)])
                if len(rows) < 500:
                    break
                cursor = rows[-1].id
        return out.getvalue()

    def payments(self, user_id: str, cursor: str | None, limit: int) -> Page:
        """A page of the user's payments, newest first."""
        with self._uow() as uow:
            rows = uow.payments.list_for_user(user_id, decode_time_cursor(cursor), limit + 1)
        return Page(*page_of(rows, limit, lambda row: (row.created_at.isoformat(), row.id)))

    def payment(self, user_id: str, checkout_id: str) -> Payment:
        """The user's payment of a checkout session; raises NotFound."""
        with self._uow() as uow:
            payment = uow.payments.by_session(checkout_id, user_id)
        if payment is None:
            raise NotFound("No such payment.")
        return payment

    def checkout_order(self, checkout_id: str) -> Payment:
        """A payment by its checkout id, whoever owns it: for the local test checkout page only."""
        with self._uow() as uow:
            payment = uow.payments.by_session(checkout_id)
        if payment is None:
            raise NotFound("No such checkout.")
        return payment

    def start_checkout(self, user: User, pack_id: str | None, amount_cents: int | None,
                       idempotency_key: str | None, origin: str | None = None) -> CheckoutSession:
        """Opens a checkout for a pack or a custom amount; the same key gives the gateway's same session. It returns
        to `origin` (the page's, as the browser sent it) when that is one of the site's, else to the public URL."""
        site = origin if origin and origin in self._return_origins else self._public_url
        order = self._order(user, pack_id, amount_cents, site)
        now = self._clock.now()
        gateway_key = f"pixmint-checkout-{user.id}-{idempotency_key or secrets.token_hex(16)}"
        session = self._gateway.create_checkout(order, gateway_key)
        with self._uow() as uow:
            if uow.payments.by_session(session.id) is None:
                uow.payments.add(user.id, self._gateway.name, session, order, now)
            uow.commit()
        return session

    def _order(self, user: User, pack_id: str | None, amount_cents: int | None, site: str) -> CheckoutOrder:
        if (pack_id is None) == (amount_cents is None):
            raise InvalidRequest("Send either pack_id or amount_cents.", {"field": "pack_id"})
        if pack_id is not None:
            pack = next((p for p in self.packs() if p.id == pack_id), None)
            if pack is None:
                raise InvalidRequest("There is no such credit pack.", {"field": "pack_id"})
            credits, cents, currency, label = pack.credits, pack.amount_cents, pack.currency, pack.label
            discount = self._pack_discount(user.id) if self._pack_discount is not None else 0
            if discount:  # the plan's perk; rounded in the buyer's favour, never under Stripe's 50-cent minimum
                cents = max(STRIPE_MINIMUM_CENTS, cents * (100 - discount) // 100)
                label = f"{label} ({discount}% off with your plan)"
        else:
            assert amount_cents is not None
            if not MIN_CUSTOM_CENTS <= amount_cents <= MAX_CUSTOM_CENTS or amount_cents % 100:
                raise InvalidRequest("Choose a whole number of dollars from $5 to $500.",
                                     {"field": "amount_cents", "min": MIN_CUSTOM_CENTS, "max": MAX_CUSTOM_CENTS})
            credits, cents, currency = amount_cents // CENTS_PER_CREDIT, amount_cents, "usd"
            label = f"{credits:,} Pixmint credits"
        return CheckoutOrder(
            user_id=user.id, email=user.email, credits=credits, amount_cents=cents, currency=currency, label=label,
            pack_id=pack_id, success_url=f"{site}/credits/return?checkout_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{site}/credits?cancelled=1",
        )

    def handle_stripe_event(self, event: dict[str, Any]) -> str:
        """Applies one verified Stripe event exactly once; returns what it did."""
        event_id, event_type = event["id"], event["type"]
        obj = event["data"]["object"]
        handlers = {
            "checkout.session.completed": self._session_completed,
            "checkout.session.async_payment_succeeded": self._session_completed,
            "checkout.session.async_payment_failed": self._session_failed,
            "checkout.session.expired": self._session_expired,
            "charge.refunded": self._charge_refunded,
            "charge.dispute.created": self._dispute_created,
            "charge.succeeded": self._charge_succeeded,
        }
        notices: list[str] = []  # the kinds of email queued in the transaction
        now = self._clock.now()
        with self._uow() as uow:
            if not uow.payments.record_event(event_id, event_type, now):
                return "duplicate"
            handler = handlers.get(event_type)
            if self._subscriptions is not None and self._subscriptions.handles(event_type):
                outcome = self._subscriptions.apply(uow, event, now, notices)
            elif self._subscriptions is not None and event_type == "checkout.session.completed" \
                    and obj.get("mode") == "subscription":
                outcome = self._subscriptions.session_completed(uow, obj, now)
            else:
                outcome = handler(uow, obj, event_id, event_type, now, notices) if handler else "ignored"
            uow.commit()
        if notices and self._outbox is not None:
            self._outbox.wake()
        return outcome

    def _session_completed(self, uow: CreditsUnitOfWork, session: dict, event_id: str, event_type: str,
                           now: datetime, notices: list) -> str:
        if session.get("payment_intent"):
            # Taken before the payment row, in the same order as refunds and disputes take them.
            uow.payments.lock_intent(session["payment_intent"])
        payment = uow.payments.lock_by_session(session["id"])
        if payment is None:
            return "unknown_session"
        # Amount and currency must match what we asked for; the event's own metadata is not trusted.
        if session.get("amount_total") != payment.amount_cents or session.get("currency") != payment.currency:
            uow.payments.update(payment, now, event_id, "amount or currency differs from the order; not credited")
            if payment.user_id:
                uow.flags.flag(payment.user_id, "payment amount mismatch", now)
            return "mismatch"
        intent = session.get("payment_intent") or payment.payment_intent_id
        paid = event_type == "checkout.session.async_payment_succeeded" or session.get("payment_status") == "paid"
        if not paid:
            if "processing" in _NEXT[payment.status]:
                uow.payments.update(_with(payment, status="processing", payment_intent_id=intent), now, event_id)
            return "processing"
        if payment.credited or "paid" not in _NEXT[payment.status]:
            return "already_credited"
        if payment.user_id is None:
            uow.payments.update(_with(payment, status="paid", payment_intent_id=intent), now, event_id,
                                "account deleted before payment; nothing credited")
            return "no_account"
        uow.ledger.credit(payment.user_id, payment.credits, "purchase", payment.checkout_session_id, "stripe", now)
        uow.email_outbox.add(RECEIPT, payment.user_id, None, now, ref=payment.checkout_session_id)
        notices.append(RECEIPT)
        if self._events is not None:
            self._events.credits_purchased(uow, payment.user_id)
        payment = _with(payment, status="paid", payment_intent_id=intent, credited=payment.credits)
        uow.payments.update(payment, now, event_id)
        adjustment = uow.payments.take_adjustment(intent) if intent else None
        if adjustment is not None:
            if adjustment.refunded_cents:
                payment = self._apply_refund(uow, payment, adjustment.refunded_cents, event_id, now)
            if adjustment.disputed:
                self._apply_dispute(uow, payment, event_id, now)
        return "credited"

    def _session_failed(self, uow: CreditsUnitOfWork, session: dict, event_id: str, event_type: str,
                        now: datetime, notices: list) -> str:
        payment = uow.payments.lock_by_session(session["id"])
        if payment is None:
            return "unknown_session"
        if "failed" not in _NEXT[payment.status]:
            return "ignored"
        uow.payments.update(_with(payment, status="failed", failure_reason="The bank payment did not go through."),
                            now, event_id)
        if payment.user_id:
            uow.email_outbox.add(PAYMENT_FAILED, payment.user_id, None, now, ref=payment.checkout_session_id)
            notices.append(PAYMENT_FAILED)
        return "failed"

    def _session_expired(self, uow: CreditsUnitOfWork, session: dict, event_id: str, event_type: str,
                         now: datetime, notices: list) -> str:
        payment = uow.payments.lock_by_session(session["id"])
        if payment is None:
            return "unknown_session"
        if "expired" not in _NEXT[payment.status]:
            return "ignored"
        uow.payments.update(_with(payment, status="expired"), now, event_id)
        return "expired"

    def _charge_refunded(self, uow: CreditsUnitOfWork, charge: dict, event_id: str, event_type: str,
                         now: datetime, notices: list) -> str:
        intent = charge.get("payment_intent")
        refunded = int(charge.get("amount_refunded") or 0)
        if not intent or refunded <= 0:
            return "ignored"
        uow.payments.lock_intent(intent)
        payment = uow.payments.lock_by_intent(intent)
        if payment is None and self._subscriptions is not None:
            outcome = self._subscriptions.refund(uow, intent, refunded, now)
            if outcome is not None:
                return str(outcome)
        if payment is None or not payment.credited:
            uow.payments.add_adjustment(intent, refunded, False, now)
            return "deferred"
        self._apply_refund(uow, payment, refunded, event_id, now)
        return "refunded"

    def _charge_succeeded(self, uow: CreditsUnitOfWork, charge: dict, event_id: str, event_type: str,
                          now: datetime, notices: list) -> str:
        return "ignored" if self._charges is None else str(self._charges.record_charge(uow, charge, now))

    def _dispute_created(self, uow: CreditsUnitOfWork, dispute: dict, event_id: str, event_type: str,
                         now: datetime, notices: list) -> str:
        intent = dispute.get("payment_intent")
        if not intent:
            return "ignored"
        uow.payments.lock_intent(intent)
        payment = uow.payments.lock_by_intent(intent)
        if payment is None and self._subscriptions is not None:
            outcome = self._subscriptions.dispute(uow, intent, now)
            if outcome is not None:
                return str(outcome)
        if payment is None or not payment.credited:
            uow.payments.add_adjustment(intent, 0, True, now)
            return "deferred"
        self._apply_dispute(uow, payment, event_id, now)
        return "disputed"

    def _balance_changed(self, uow: CreditsUnitOfWork, user_id: str) -> None:
        if self._events is not None:
            self._events.balance_changed(uow, user_id)

    def _apply_refund(self, uow: CreditsUnitOfWork, payment: Payment, refunded_total: int, event_id: str,
                      now: datetime) -> Payment:
        """Takes back the refunded share; refunded_total is Stripe's cumulative amount, so replays add nothing."""
        refunded_total = min(refunded_total, payment.amount_cents)
        if refunded_total <= payment.refunded_cents:
            return payment
        target = payment.credited * refunded_total // payment.amount_cents
        take = max(0, min(target, payment.credited) - payment.clawed_back)
        if take and payment.user_id:
            uow.ledger.take_back(payment.user_id, take, "payment_refund",
                                 f"{payment.checkout_session_id}:refund:{refunded_total}", "stripe", now)
            self._balance_changed(uow, payment.user_id)
        status = "refunded" if refunded_total >= payment.amount_cents else "partially_refunded"
        if status not in _NEXT[payment.status] and status != payment.status:
            status = payment.status
        updated = _with(payment, refunded_cents=refunded_total, clawed_back=payment.clawed_back + take, status=status)
        uow.payments.update(updated, now, event_id)
        return updated

    def _apply_dispute(self, uow: CreditsUnitOfWork, payment: Payment, event_id: str, now: datetime) -> None:
        if payment.disputed:
            return
        take = payment.credited - payment.clawed_back
        if take and payment.user_id:
            uow.ledger.take_back(payment.user_id, take, "dispute", f"{payment.checkout_session_id}:dispute",
                                 "stripe", now)
            self._balance_changed(uow, payment.user_id)
        uow.payments.update(_with(payment, disputed=True, clawed_back=payment.credited, status="disputed"), now,
                            event_id)
        if payment.user_id:
            uow.flags.flag(payment.user_id, "payment disputed", now)


def _with(payment: Payment, **changes: Any) -> Payment:
    from dataclasses import replace

    return replace(payment, **changes)


def _csv_safe(value: str) -> str:
    # Spreadsheet formula injection: a leading =, +, - or @ would run as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
