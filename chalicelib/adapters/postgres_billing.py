"""PostgreSQL adapter for plans, subscriptions and subscription invoices (issue 18)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import DictRow

from ..domain.billing import Plan, Subscription, SubscriptionInvoice

PLAN_COLUMNS = """id, name, interval, amount_cents, currency, monthly_credits, pack_discount_percent, queue_priority,
    premium_models, parallel_generations, active, position"""
SUBSCRIPTION_COLUMNS = """id::text AS id, user_id::text AS user_id, plan_id, checkout_session_id, checkout_url,
    stripe_subscription_id, stripe_customer_id, status, current_period_end, cancel_at_period_end, state_at, created_at,
    updated_at"""
INVOICE_COLUMNS = """invoice_id, subscription_id::text AS subscription_id, user_id::text AS user_id, plan_id,
    payment_intent_id, status, amount_cents, currency, period_start, period_end, months, monthly_credits,
    months_granted, credited, clawed_back, refunded_cents, disputed"""


def _subscription(row: dict[str, Any] | None) -> Subscription | None:
    return None if row is None else Subscription(**row)


def _invoice(row: dict[str, Any] | None) -> SubscriptionInvoice | None:
    return None if row is None else SubscriptionInvoice(**row)


class PostgresSubscriptions:
    """Plans, subscriptions (keyed by our reference, the checkout session and Stripe's id) and their invoices."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def plans(self) -> list[Plan]:
        """The active plans in display order."""
        rows = self._conn.execute(f"SELECT {PLAN_COLUMNS} FROM plans WHERE active ORDER BY position, id").fetchall()
        return [Plan(**row) for row in rows]

    def plan(self, plan_id: str) -> Plan | None:
        """A plan, active or not."""
        row = self._conn.execute(f"SELECT {PLAN_COLUMNS} FROM plans WHERE id = %s", (plan_id,)).fetchone()
        return None if row is None else Plan(**row)

    def add(self, reference: str, user_id: str, plan_id: str, checkout_session_id: str, checkout_url: str,
            now: datetime) -> Subscription:
        """Stores a subscription whose checkout has just opened; the reference becomes its id's seed."""
        row = self._conn.execute(
            f"""INSERT INTO subscriptions (id, user_id, plan_id, checkout_session_id, checkout_url, status, created_at,
                                           updated_at)
                VALUES (md5(%s)::uuid, %s, %s, %s, %s, 'checkout', %s, %s)
                ON CONFLICT (checkout_session_id) DO UPDATE SET updated_at = EXCLUDED.updated_at
                RETURNING {SUBSCRIPTION_COLUMNS}""",
            (reference, user_id, plan_id, checkout_session_id, checkout_url, now, now),
        ).fetchone()
        found = _subscription(row)
        assert found is not None
        return found

    def current(self, user_id: str) -> Subscription | None:
        """The user's newest subscription that got past its checkout."""
        return _subscription(self._conn.execute(
            f"""SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE user_id = %s AND status <> 'checkout'
                ORDER BY status = 'canceled', created_at DESC LIMIT 1""", (user_id,)).fetchone())

    def customer_of(self, user_id: str) -> str | None:
        """The user's Stripe customer, once a subscription has one."""
        row = self._conn.execute(
            """SELECT stripe_customer_id FROM subscriptions WHERE user_id = %s AND stripe_customer_id IS NOT NULL
               ORDER BY created_at DESC LIMIT 1""", (user_id,)).fetchone()
        return None if row is None else str(row["stripe_customer_id"])

    def lock(self, subscription_id: str) -> Subscription | None:
        """A subscription by our id, locked."""
        return _subscription(self._conn.execute(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = %s::uuid FOR UPDATE",
            (subscription_id,)).fetchone())

    def lock_by_session(self, checkout_session_id: str) -> Subscription | None:
        """The subscription of a checkout session, locked."""
        return _subscription(self._conn.execute(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE checkout_session_id = %s FOR UPDATE",
            (checkout_session_id,)).fetchone())

    def lock_by_reference(self, reference: str) -> Subscription | None:
        """The subscription whose reference Stripe's metadata carries, locked."""
        return _subscription(self._conn.execute(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = md5(%s)::uuid FOR UPDATE",
            (reference,)).fetchone())

    def lock_by_stripe_id(self, stripe_subscription_id: str) -> Subscription | None:
        """The subscription of Stripe's subscription id, locked."""
        return _subscription(self._conn.execute(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE stripe_subscription_id = %s FOR UPDATE",
            (stripe_subscription_id,)).fetchone())

    def save(self, subscription: Subscription, now: datetime) -> None:
        """Saves the mutable fields."""
        self._conn.execute(
            """UPDATE subscriptions SET plan_id = %s, stripe_subscription_id = %s, stripe_customer_id = %s, status = %s,
                   current_period_end = %s, cancel_at_period_end = %s, state_at = %s, updated_at = %s
               WHERE id = %s::uuid""",
            (subscription.plan_id, subscription.stripe_subscription_id, subscription.stripe_customer_id,
             subscription.status, subscription.current_period_end, subscription.cancel_at_period_end,
             subscription.state_at, now, subscription.id))

    def lock_invoice(self, invoice_id: str) -> SubscriptionInvoice | None:
        """A stored invoice, locked."""
        return _invoice(self._conn.execute(
            f"SELECT {INVOICE_COLUMNS} FROM subscription_invoices WHERE invoice_id = %s FOR UPDATE",
            (invoice_id,)).fetchone())

    def lock_invoice_by_intent(self, payment_intent_id: str) -> SubscriptionInvoice | None:
        """The stored invoice a payment intent paid, locked."""
        return _invoice(self._conn.execute(
            f"SELECT {INVOICE_COLUMNS} FROM subscription_invoices WHERE payment_intent_id = %s FOR UPDATE",
            (payment_intent_id,)).fetchone())

    def save_invoice(self, invoice: SubscriptionInvoice, now: datetime) -> None:
        """Stores the invoice, or saves every field of the stored one (a failed invoice paid on retry)."""
        self._conn.execute(
            """INSERT INTO subscription_invoices (invoice_id, subscription_id, user_id, plan_id, payment_intent_id,
                   status, amount_cents, currency, period_start, period_end, months, monthly_credits, months_granted,
                   credited, clawed_back, refunded_cents, disputed, created_at, updated_at)
               VALUES (%(invoice_id)s, %(subscription_id)s, %(user_id)s, %(plan_id)s, %(payment_intent_id)s,
                   %(status)s, %(amount_cents)s, %(currency)s, %(period_start)s, %(period_end)s, %(months)s,
                   %(monthly_credits)s, %(months_granted)s, %(credited)s, %(clawed_back)s, %(refunded_cents)s,
                   %(disputed)s, %(now)s, %(now)s)
               ON CONFLICT (invoice_id) DO UPDATE SET plan_id = EXCLUDED.plan_id,
                   payment_intent_id = EXCLUDED.payment_intent_id, status = EXCLUDED.status,
                   amount_cents = EXCLUDED.amount_cents, currency = EXCLUDED.currency,
                   period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end, months = EXCLUDED.months,
                   monthly_credits = EXCLUDED.monthly_credits, months_granted = EXCLUDED.months_granted,
                   credited = EXCLUDED.credited, clawed_back = EXCLUDED.clawed_back,
                   refunded_cents = EXCLUDED.refunded_cents, disputed = EXCLUDED.disputed,
                   updated_at = EXCLUDED.updated_at""",
            {**invoice.__dict__, "now": now})

    def invoices_due(self, now: datetime, limit: int) -> list[str]:
        """Ids of paid invoices with months left whose next month may have begun (a month is at least 28 days)."""
        rows = self._conn.execute(
            """SELECT invoice_id FROM subscription_invoices
               WHERE months_granted < months AND status IN ('paid', 'partially_refunded')
                 AND period_start + make_interval(days => 28 * months_granted) <= %s
               ORDER BY period_start LIMIT %s""", (now, limit)).fetchall()
        return [str(row["invoice_id"]) for row in rows]
