"""Billing (issue 18): plans, Stripe subscriptions and the allowance their invoices grant.

An invoice grants its plan's monthly allowance once per month it pays for: a monthly invoice one month when it is
paid, a yearly invoice its first month when it is paid and each later month when the schedule reaches it. Every grant
is a ledger row whose reference names the invoice and the month, so replays, duplicates and any order of the events
(and of the schedule) change the books once. A refund or dispute of an invoice takes its credits back as a pack's
are taken back."""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from .errors import Conflict, InvalidRequest, NotFound, Unavailable
from .model import User
from .ports import BillingGateway, BillingUnitOfWork

PLAN_INTERVALS = ("month", "year")
LIVE_STATUSES = ("incomplete", "trialing", "active", "past_due", "unpaid", "paused")
SUBSCRIPTION_STATUSES = ("checkout", "incomplete", "incomplete_expired", "trialing", "active", "past_due", "unpaid",
                         "paused", "canceled")
FAILED_INVOICE_REF = "invoice:"  # the email outbox's ref of a failed subscription payment: invoice:<id>
GRANT_KIND = "subscription_grant"
PERK_STATUSES = ("active", "trialing")
_RANK = {"checkout": 0, "incomplete": 1, "canceled": 3}  # every other status ranks 2
SUBSCRIPTION_EVENTS = ("invoice.paid", "invoice.payment_failed", "customer.subscription.created",
                       "customer.subscription.updated", "customer.subscription.deleted")


@dataclass(frozen=True)
class Plan:
    """A subscription plan as admins set it: its price per interval, monthly allowance and perks."""

    id: str
    name: str
    interval: str
    amount_cents: int
    currency: str
    monthly_credits: int
    pack_discount_percent: int
    queue_priority: bool
    premium_models: bool
    parallel_generations: int
    active: bool = True
    position: int = 0


@dataclass(frozen=True)
class Subscription:
    """A user's subscription: ours from the checkout on, Stripe's ids once its events name them."""

    id: str
    user_id: str | None
    plan_id: str
    checkout_session_id: str
    checkout_url: str
    stripe_subscription_id: str | None
    stripe_customer_id: str | None
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    state_at: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SubscriptionInvoice:
    """A paid (or failed) subscription invoice and what it granted; credited and clawed_back are credits."""

    invoice_id: str
    subscription_id: str
    user_id: str | None
    plan_id: str
    payment_intent_id: str | None
    status: str
    amount_cents: int
    currency: str
    period_start: datetime
    period_end: datetime
    months: int
    monthly_credits: int
    months_granted: int
    credited: int
    clawed_back: int
    refunded_cents: int
    disputed: bool

    @property
    def entitled(self) -> int:
        """The credits this invoice may grant in all: its months' allowance less the refunded share, none once
        disputed."""
        if self.disputed or self.amount_cents <= 0:
            return 0
        total = self.months * self.monthly_credits
        return total * (self.amount_cents - min(self.refunded_cents, self.amount_cents)) // self.amount_cents


@dataclass(frozen=True)
class SubscriptionCheckoutOrder:
    """What a subscription checkout sells: a plan to a user, tagged with our subscription's reference."""

    user_id: str
    email: str
    plan: Plan
    reference: str
    customer_id: str | None
    success_url: str
    cancel_url: str


@dataclass(frozen=True)
class SubscriptionChange:
    """A change asked of the provider: a new plan (price and interval) and/or cancelling at the period's end."""

    stripe_subscription_id: str
    plan: Plan | None
    cancel_at_period_end: bool | None


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months later, on the month's last day when it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _when(seconds: Any) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


class BillingService:
    """Plans, subscription checkout, the Customer Portal, plan switches and cancellation, and the monthly grants of
    yearly invoices; each use case is one transaction."""

    def __init__(self, uow: Callable[[], BillingUnitOfWork], gateway: BillingGateway | None, clock: Any,
                 public_url: str) -> None:
        """gateway: Stripe Billing; None where no Stripe key is set (subscriptions are then unavailable)."""
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._public_url = public_url.rstrip("/")

    def plans(self) -> list[Plan]:
        """The active plans in display order."""
        with self._uow() as uow:
            return uow.subscriptions.plans()

    def _needs_gateway(self) -> BillingGateway:
        if self._gateway is None:
            raise Unavailable("Subscriptions need Stripe, which is not configured here.")
        return self._gateway

    def start_subscription(self, user: User, plan_id: str) -> Subscription:
        """Opens a Stripe Checkout in subscription mode for the plan; raises Conflict when the user already has a
        live subscription, InvalidRequest for an unknown plan, Unavailable without Stripe."""
        with self._uow() as uow:
            plan = next((p for p in uow.subscriptions.plans() if p.id == plan_id), None)
            if plan is None:
                raise InvalidRequest("There is no such plan.", {"field": "plan_id"})
            current = uow.subscriptions.current(user.id)
            if current is not None and current.status in LIVE_STATUSES:
                raise Conflict("You already have a subscription; switch plans from the billing page.")
            customer = uow.subscriptions.customer_of(user.id)
        gateway = self._needs_gateway()
        reference = secrets.token_hex(12)
        order = SubscriptionCheckoutOrder(
            user_id=user.id, email=user.email, plan=plan, reference=reference, customer_id=customer,
            success_url=f"{self._public_url}/billing?checkout_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{self._public_url}/pricing?cancelled=1")
        session = gateway.create_subscription_checkout(order, f"pixmint-subscription-{user.id}-{reference}")
        now = self._clock.now()
        with self._uow() as uow:
            subscription = uow.subscriptions.add(reference, user.id, plan.id, session.id, session.url, now)
            uow.commit()
        return subscription

    def subscription(self, user_id: str) -> tuple[Subscription, Plan]:
        """The user's current subscription (the newest that got past checkout) and its plan; raises NotFound."""
        with self._uow() as uow:
            current = uow.subscriptions.current(user_id)
            if current is None:
                raise NotFound("You have no subscription.")
            plan = uow.subscriptions.plan(current.plan_id)
        assert plan is not None
        return current, plan

    def pack_discount_percent(self, user_id: str) -> int:
        """What the user's plan takes off credit packs: its perk while the subscription is active or trialing; a
        past-due one pauses its perks until it is paid."""
        with self._uow() as uow:
            current = uow.subscriptions.current(user_id)
            plan = uow.subscriptions.plan(current.plan_id) if current and current.status in PERK_STATUSES else None
        return plan.pack_discount_percent if plan else 0

    def portal(self, user_id: str) -> str:
        """A Stripe Customer Portal URL for the user's customer; raises NotFound before the first subscription."""
        with self._uow() as uow:
            customer = uow.subscriptions.customer_of(user_id)
        if customer is None:
            raise NotFound("You have no billing account yet; subscribe to a plan first.")
        return self._needs_gateway().portal_url(customer, f"{self._public_url}/billing")

    def change(self, user_id: str, plan_id: str | None, cancel_at_period_end: bool | None) -> tuple[Subscription,
                                                                                                      Plan]:
        """Switches the live subscription's plan (from the next invoice on) and/or sets cancel-at-period-end; raises
        NotFound without a live subscription, InvalidRequest for an unknown plan or an empty change."""
        if plan_id is None and cancel_at_period_end is None:
            raise InvalidRequest("Send plan_id or cancel_at_period_end.", {"field": "plan_id"})
        with self._uow() as uow:
            current = uow.subscriptions.current(user_id)
            if current is None or current.status not in LIVE_STATUSES or current.stripe_subscription_id is None:
                raise NotFound("You have no active subscription.")
            plan = None
            if plan_id is not None:
                plan = uow.subscriptions.plan(plan_id)
                if plan is None or plan.id not in {p.id for p in uow.subscriptions.plans()}:
                    raise InvalidRequest("There is no such plan.", {"field": "plan_id"})
                if plan.currency != (uow.subscriptions.plan(current.plan_id) or plan).currency:
                    raise InvalidRequest("That plan is billed in another currency.", {"field": "plan_id"})
        self._needs_gateway().change_subscription(
            SubscriptionChange(current.stripe_subscription_id, plan, cancel_at_period_end),
            f"pixmint-change-{current.id}-{secrets.token_hex(8)}")
        now = self._clock.now()
        with self._uow() as uow:
            locked = uow.subscriptions.lock(current.id)
            assert locked is not None
            changed = replace(locked, plan_id=plan.id if plan else locked.plan_id,
                              cancel_at_period_end=locked.cancel_at_period_end if cancel_at_period_end is None
                              else cancel_at_period_end)
            uow.subscriptions.save(changed, now)
            uow.commit()
            saved = uow.subscriptions.plan(changed.plan_id)
        assert saved is not None
        return changed, saved

    def grant_due_months(self, limit: int = 500) -> dict[str, int]:
        """Grants the months of paid yearly invoices that have begun (the schedule's work); each month once."""
        now = self._clock.now()
        granted = 0
        with self._uow() as uow:
            due = uow.subscriptions.invoices_due(now, limit)
        for invoice_id in due:
            with self._uow() as uow:
                invoice = uow.subscriptions.lock_invoice(invoice_id)
                if invoice is not None:
                    granted += grant_months(uow, invoice, now)
                uow.commit()
        return {"subscription_months_granted": granted}


def grant_months(uow: BillingUnitOfWork, invoice: SubscriptionInvoice, now: datetime, paid_now: bool = False) -> int:
    """Grants each month of a locked invoice that has begun and was not granted yet, within what it is entitled to;
    returns how many months it granted. paid_now: the invoice was just paid, so its first month has begun whatever
    our clock says of Stripe's."""
    if invoice.status not in ("paid", "partially_refunded") or invoice.user_id is None:
        return 0
    granted = 0
    while invoice.months_granted < invoice.months \
            and (add_months(invoice.period_start, invoice.months_granted) <= now
                 or (paid_now and invoice.months_granted == 0)):
        amount = min(invoice.monthly_credits, invoice.entitled - invoice.credited)
        month = invoice.months_granted + 1
        if amount > 0:
            uow.ledger.credit(invoice.user_id, amount, GRANT_KIND, f"{invoice.invoice_id}:month:{month}", "stripe",
                              now)
        invoice = replace(invoice, months_granted=month, credited=invoice.credited + max(amount, 0))
        granted += 1
    if granted:
        uow.subscriptions.save_invoice(invoice, now)
    return granted


class SubscriptionEvents:
    """What Stripe's subscription and invoice events do, inside the credit service's once-per-event transaction.

    Each event finds our subscription through the reference we put in the subscription's metadata (copied by Stripe
    onto every invoice), or through Stripe's subscription id; what it cannot place yet is kept for the events that
    follow, so the order in which they arrive does not matter."""

    def handles(self, event_type: str) -> bool:
        """Whether this event type is a subscription's."""
        return event_type in SUBSCRIPTION_EVENTS

    def apply(self, uow: BillingUnitOfWork, event: dict[str, Any], now: datetime, notices: list[str]) -> str:
        """Applies one verified, first-seen subscription or invoice event; returns what it did."""
        obj, event_type = event["data"]["object"], event["type"]
        created = int(event.get("created") or 0)
        if event_type.startswith("customer.subscription."):
            return self._subscription_state(uow, obj, event_type, created, now)
        if event_type == "invoice.paid":
            return self._invoice_paid(uow, obj, created, now)
        return self._invoice_failed(uow, obj, created, now, notices)

    def session_completed(self, uow: BillingUnitOfWork, session: dict[str, Any], now: datetime) -> str:
        """A subscription-mode checkout completed: links our subscription to Stripe's subscription and customer."""
        subscription = uow.subscriptions.lock_by_session(session["id"])
        if subscription is None:
            return "unknown_session"
        subscription = replace(
            subscription, stripe_subscription_id=subscription.stripe_subscription_id or session.get("subscription"),
            stripe_customer_id=subscription.stripe_customer_id or session.get("customer"))
        uow.subscriptions.save(subscription, now)
        return "subscription_linked"

    def _find(self, uow: BillingUnitOfWork, stripe_id: str | None, metadata: dict[str, Any] | None,
              customer: str | None) -> Subscription | None:
        reference = (metadata or {}).get("pixmint_subscription")
        found = uow.subscriptions.lock_by_reference(reference) if isinstance(reference, str) else None
        if found is None and stripe_id:
            found = uow.subscriptions.lock_by_stripe_id(stripe_id)
        if found is None:
            return None
        if found.stripe_subscription_id is None or found.stripe_customer_id is None:
            found = replace(found, stripe_subscription_id=found.stripe_subscription_id or stripe_id,
                            stripe_customer_id=found.stripe_customer_id or customer)
        return found

    def _subscription_state(self, uow: BillingUnitOfWork, sub: dict[str, Any], event_type: str, created: int,
                            now: datetime) -> str:
        found = self._find(uow, sub.get("id"), sub.get("metadata"), sub.get("customer"))
        if found is None:
            return "unknown_subscription"
        status = "canceled" if event_type == "customer.subscription.deleted" else str(sub.get("status"))
        if status not in SUBSCRIPTION_STATUSES:
            status = found.status
        items = (sub.get("items") or {}).get("data") or []
        period_end = max((int(i["current_period_end"]) for i in items if i.get("current_period_end")), default=None)
        # An older state never overwrites a newer one, and a cancelled subscription never comes back; within one
        # second (Stripe's resolution) a state does not step back towards checkout.
        stale = created < found.state_at or found.status == "canceled" \
            or (created == found.state_at and _RANK.get(status, 2) < _RANK.get(found.status, 2))
        if not stale:
            plan_id = (sub.get("metadata") or {}).get("plan_id")
            found = replace(found, status=status, cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
                            state_at=created,
                            plan_id=plan_id if isinstance(plan_id, str) and uow.subscriptions.plan(plan_id)
                            else found.plan_id,
                            current_period_end=_when(period_end) if period_end else found.current_period_end)
        uow.subscriptions.save(found, now)
        return "stale" if stale else status

    def _invoice_subscription(self, uow: BillingUnitOfWork, invoice: dict[str, Any]) -> Subscription | None:
        details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
        stripe_id = details.get("subscription")
        if isinstance(stripe_id, dict):  # expanded
            stripe_id = stripe_id.get("id")
        return self._find(uow, stripe_id, details.get("metadata"), invoice.get("customer"))

    def _invoice_paid(self, uow: BillingUnitOfWork, invoice: dict[str, Any], created: int, now: datetime) -> str:
        subscription = self._invoice_subscription(uow, invoice)
        if subscription is None:
            return "unknown_subscription"
        details = invoice["parent"]["subscription_details"]
        plan = uow.subscriptions.plan(str((details.get("metadata") or {}).get("plan_id") or subscription.plan_id))
        if plan is None:
            plan = uow.subscriptions.plan(subscription.plan_id)
        assert plan is not None
        lines = [line for line in (invoice.get("lines") or {}).get("data") or []
                 if ((line.get("parent") or {}).get("subscription_item_details") or {}).get("proration") is not True]
        if not lines or int(invoice.get("amount_paid") or 0) <= 0 or invoice.get("currency") != plan.currency:
            uow.subscriptions.save(subscription, now)
            return "nothing_to_grant"
        period_start = min(int(line["period"]["start"]) for line in lines)
        period_end = max(int(line["period"]["end"]) for line in lines)
        intent = next((p["payment"].get("payment_intent") for p in (invoice.get("payments") or {}).get("data") or []
                       if (p.get("payment") or {}).get("payment_intent")), None)
        if intent:
            uow.payments.lock_intent(intent)  # the same lock refunds and disputes take
        stored = uow.subscriptions.lock_invoice(invoice["id"])
        if stored is not None and stored.status != "failed":
            outcome = "already_granted"
        else:
            stored = SubscriptionInvoice(
                invoice_id=invoice["id"], subscription_id=subscription.id, user_id=subscription.user_id,
                plan_id=plan.id, payment_intent_id=intent, status="paid", amount_cents=int(invoice["amount_paid"]),
                currency=plan.currency, period_start=_when(period_start), period_end=_when(period_end),
                months=12 if plan.interval == "year" else 1, monthly_credits=plan.monthly_credits, months_granted=0,
                credited=0, clawed_back=0, refunded_cents=0, disputed=False)
            uow.subscriptions.save_invoice(stored, now)
            stored = apply_adjustment(uow, stored, now)
            grant_months(uow, stored, now, paid_now=True)
            outcome = "granted"
        if subscription.status in ("checkout", "incomplete", "past_due", "unpaid") and created >= subscription.state_at:
            subscription = replace(subscription, status="active", state_at=created)
        if subscription.current_period_end is None or subscription.current_period_end < _when(period_end):
            subscription = replace(subscription, current_period_end=_when(period_end))
        uow.subscriptions.save(subscription, now)
        return outcome

    def _invoice_failed(self, uow: BillingUnitOfWork, invoice: dict[str, Any], created: int, now: datetime,
                        notices: list[str]) -> str:
        subscription = self._invoice_subscription(uow, invoice)
        if subscription is None:
            return "unknown_subscription"
        stored = uow.subscriptions.lock_invoice(invoice["id"])
        if stored is not None:
            uow.subscriptions.save(subscription, now)
            return "ignored"  # paid meanwhile, or this failure was seen
        lines = (invoice.get("lines") or {}).get("data") or [{"period": {"start": now.timestamp(),
                                                                         "end": now.timestamp()}}]
        uow.subscriptions.save_invoice(SubscriptionInvoice(
            invoice_id=invoice["id"], subscription_id=subscription.id, user_id=subscription.user_id,
            plan_id=subscription.plan_id, payment_intent_id=None, status="failed",
            amount_cents=int(invoice.get("amount_due") or 0), currency=str(invoice.get("currency") or "usd"),
            period_start=_when(min(int(line["period"]["start"]) for line in lines)),
            period_end=_when(max(int(line["period"]["end"]) for line in lines)), months=1, monthly_credits=1,
            months_granted=0, credited=0, clawed_back=0, refunded_cents=0, disputed=False), now)
        if subscription.status not in ("canceled", "checkout") and created >= subscription.state_at:
            subscription = replace(subscription, status="past_due", state_at=created)
        uow.subscriptions.save(subscription, now)
        if subscription.user_id:
            from .emails import PAYMENT_FAILED

            uow.email_outbox.add(PAYMENT_FAILED, subscription.user_id, None, now,
                                 ref=f"{FAILED_INVOICE_REF}{invoice['id']}")
            notices.append(PAYMENT_FAILED)
        return "past_due"

    def refund(self, uow: BillingUnitOfWork, intent: str, refunded_total: int, now: datetime) -> str | None:
        """Takes back the refunded share of the invoice paid by `intent`; None when no invoice of ours has it yet."""
        invoice = uow.subscriptions.lock_invoice_by_intent(intent)
        if invoice is None:
            return None
        apply_refund(uow, invoice, refunded_total, now)
        return "refunded"

    def dispute(self, uow: BillingUnitOfWork, intent: str, now: datetime) -> str | None:
        """Takes back all an invoice granted, and stops its later months; None when no invoice of ours has it yet."""
        invoice = uow.subscriptions.lock_invoice_by_intent(intent)
        if invoice is None:
            return None
        apply_dispute(uow, invoice, now)
        return "disputed"


def apply_adjustment(uow: BillingUnitOfWork, invoice: SubscriptionInvoice, now: datetime) -> SubscriptionInvoice:
    """Applies a refund or dispute that arrived before the invoice's payment did."""
    adjustment = uow.payments.take_adjustment(invoice.payment_intent_id) if invoice.payment_intent_id else None
    if adjustment is None:
        return invoice
    if adjustment.refunded_cents:
        invoice = apply_refund(uow, invoice, adjustment.refunded_cents, now)
    if adjustment.disputed:
        invoice = apply_dispute(uow, invoice, now)
    return invoice


def apply_refund(uow: BillingUnitOfWork, invoice: SubscriptionInvoice, refunded_total: int,
                 now: datetime) -> SubscriptionInvoice:
    """refunded_total is Stripe's cumulative amount, so a replay or an older refund takes nothing more."""
    refunded_total = min(refunded_total, invoice.amount_cents)
    if refunded_total <= invoice.refunded_cents or invoice.disputed:
        return invoice
    invoice = replace(invoice, refunded_cents=refunded_total)
    take = max(0, invoice.credited - invoice.clawed_back - invoice.entitled)
    if take and invoice.user_id:
        uow.ledger.take_back(invoice.user_id, take, "payment_refund",
                             f"{invoice.invoice_id}:refund:{refunded_total}", "stripe", now)
    invoice = replace(invoice, clawed_back=invoice.clawed_back + take,
                      status="refunded" if refunded_total >= invoice.amount_cents else "partially_refunded")
    uow.subscriptions.save_invoice(invoice, now)
    return invoice


def apply_dispute(uow: BillingUnitOfWork, invoice: SubscriptionInvoice, now: datetime) -> SubscriptionInvoice:
    """Takes back what is left of the invoice's grants; its later months are never granted."""
    if invoice.disputed:
        return invoice
    take = invoice.credited - invoice.clawed_back
    if take and invoice.user_id:
        uow.ledger.take_back(invoice.user_id, take, "dispute", f"{invoice.invoice_id}:dispute", "stripe", now)
    if invoice.user_id:
        uow.flags.flag(invoice.user_id, "subscription payment disputed", now)
    invoice = replace(invoice, disputed=True, clawed_back=invoice.credited, status="disputed")
    uow.subscriptions.save_invoice(invoice, now)
    return invoice


def failed_renewal_composer(fallback: Callable[[Any, Any, datetime], Any], public_url: str
                            ) -> Callable[[Any, Any, datetime], Any]:
    """The payment_failed email composer that also tells of a failed subscription invoice (ref invoice:<id>), from
    the facts when it is sent: nothing goes out once the invoice was paid on a retry."""
    from .emails import DEFAULT_DISPLAY_NAME, Letter

    base = public_url.rstrip("/")

    def compose(uow: Any, item: Any, now: datetime) -> Any:
        if not (item.ref or "").startswith(FAILED_INVOICE_REF):
            return fallback(uow, item, now)
        user = uow.users.get(item.user_id) if item.user_id else None
        invoice = uow.subscriptions.lock_invoice(item.ref.removeprefix(FAILED_INVOICE_REF))
        if user is None or invoice is None or invoice.status != "failed":
            return None
        plan = uow.subscriptions.plan(invoice.plan_id)
        amount = f"${invoice.amount_cents / 100:,.2f}" if invoice.currency == "usd" \
            else f"{invoice.amount_cents / 100:,.2f} {invoice.currency.upper()}"
        return Letter(user.email, "Your Pixmint subscription payment did not go through", "payment_failed",
                      {"name": None if user.display_name == DEFAULT_DISPLAY_NAME else user.display_name,
                       "credits": plan.monthly_credits if plan else 0, "amount": amount,
                       "retry_url": f"{base}/billing", "help_url": f"{base}/help/credits-and-refunds"},
                      user_id=user.id)

    return compose
