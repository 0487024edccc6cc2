"""PostgreSQL adapters for the ledger, payments and idempotency keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from ..domain.credits import (
    Adjustment,
    CheckoutOrder,
    CheckoutSession,
    CreditPack,
    LedgerEntry,
    Payment,
)
from ..domain.idempotency import StoredResponse


class PostgresLedger:
    """Balances live in users.credits; every change is one statement that also appends its ledger row."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def spend(self, user_id: str, cost: int, kind: str, reference: str, actor: str, now: datetime) -> int | None:
        """Takes cost from a balance that covers it, with its ledger row, in one guarded statement; returns the new
        balance, None when the balance is short."""
        row = self._conn.execute(
            """WITH spent AS (
                   UPDATE users SET credits = credits - %(cost)s
                   WHERE id = %(user)s AND credits >= %(cost)s
                   RETURNING credits)
               INSERT INTO ledger (user_id, kind, delta, balance_after, reference, actor, created_at)
               SELECT %(user)s, %(kind)s, -%(cost)s, credits, %(ref)s, %(actor)s, %(now)s FROM spent
               RETURNING balance_after""",
            {"user": user_id, "cost": cost, "kind": kind, "ref": reference, "actor": actor, "now": now},
        ).fetchone()
        return None if row is None else int(row["balance_after"])

    def _change(self, user_id: str, delta: int, kind: str, reference: str, actor: str, now: datetime) -> int:
        row = self._conn.execute(
            """WITH changed AS (
                   UPDATE users SET credits = credits + %(delta)s WHERE id = %(user)s RETURNING credits)
               INSERT INTO ledger (user_id, kind, delta, balance_after, reference, actor, created_at)
               SELECT %(user)s, %(kind)s, %(delta)s, credits, %(ref)s, %(actor)s, %(now)s FROM changed
               RETURNING balance_after""",
            {"user": user_id, "delta": delta, "kind": kind, "ref": reference, "actor": actor, "now": now},
        ).fetchone()
        if row is None:
            raise LookupError(f"no user {user_id}")
        return int(row["balance_after"])

    def credit(self, user_id: str, amount: int, kind: str, reference: str, actor: str, now: datetime) -> int:
        """Adds credits with their ledger row; returns the new balance; raises LookupError for an unknown user."""
        return self._change(user_id, amount, kind, reference, actor, now)

    def take_back(self, user_id: str, amount: int, kind: str, reference: str, actor: str, now: datetime) -> int:
        """Removes credits even below zero, with their ledger row; returns the new balance; raises LookupError for an
        unknown user."""
        return self._change(user_id, -amount, kind, reference, actor, now)

    def balance(self, user_id: str) -> int:
        """The user's credits; 0 for an unknown user."""
        row = self._conn.execute("SELECT credits FROM users WHERE id = %s", (user_id,)).fetchone()
        return 0 if row is None else int(row["credits"])

    def entries(self, user_id: str, before_id: int | None, limit: int) -> list[LedgerEntry]:
        """The user's ledger rows newest first, those with ids below before_id when given."""
        rows = self._conn.execute(
            """SELECT l.id, l.kind, l.delta, l.balance_after, l.reference, l.created_at,
                      (SELECT i.id::text FROM images i
                       WHERE i.generation_id = CASE WHEN l.kind IN ('generation', 'generation_refund')
                                                    THEN split_part(l.reference, ':', 2)::uuid END
                         AND i.user_id = l.user_id
                       ORDER BY i.position LIMIT 1) AS image_id
               FROM ledger l
               WHERE l.user_id = %s AND (%s::bigint IS NULL OR l.id < %s) ORDER BY l.id DESC LIMIT %s""",
            (user_id, before_id, before_id, limit),
        ).fetchall()
        return [LedgerEntry(**row) for row in rows]


_PAYMENT_COLUMNS = """id::text AS id, user_id::text AS user_id, checkout_session_id, payment_intent_id, pack_id,
    credits, amount_cents, currency, status, credited, clawed_back, refunded_cents, disputed, checkout_url,
    failure_reason, created_at, updated_at"""


def _payment(row: dict[str, Any] | None) -> Payment | None:
    return None if row is None else Payment(**row)


class PostgresPayments:
    """Checkout payments with their status history, Stripe event ids and refunds that arrived before their payment."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, user_id: str, provider: str, session: CheckoutSession, order: CheckoutOrder,
            now: datetime) -> Payment:
        """Stores an open payment for a checkout session and the first row of its history."""
        row = self._conn.execute(
            f"""INSERT INTO payments (user_id, provider, checkout_session_id, pack_id, credits, amount_cents, currency,
                                      status, checkout_url, created_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, 'open', %s, %s, %s) RETURNING {_PAYMENT_COLUMNS}""",
            (user_id, provider, session.id, order.pack_id, order.credits, order.amount_cents, order.currency,
             session.url, now, now),
        ).fetchone()
        payment = _payment(row)
        assert payment is not None
        self._history(payment.id, "open", None, None, now)
        return payment

    def by_session(self, checkout_session_id: str, user_id: str | None = None) -> Payment | None:
        """The payment of a checkout session, only when it is user_id's if that is given."""
        return _payment(self._conn.execute(
            f"""SELECT {_PAYMENT_COLUMNS} FROM payments
                WHERE checkout_session_id = %s AND (%s::uuid IS NULL OR user_id = %s::uuid)""",
            (checkout_session_id, user_id, user_id),
        ).fetchone())

    def lock_by_session(self, checkout_session_id: str) -> Payment | None:
        """The payment of a checkout session, its row locked for the rest of the transaction."""
        return _payment(self._conn.execute(
            f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE checkout_session_id = %s FOR UPDATE", (checkout_session_id,)
        ).fetchone())

    def lock_by_intent(self, payment_intent_id: str) -> Payment | None:
        """The payment of a payment intent, its row locked for the rest of the transaction."""
        return _payment(self._conn.execute(
            f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE payment_intent_id = %s FOR UPDATE", (payment_intent_id,)
        ).fetchone())

    def lock_intent(self, payment_intent_id: str) -> None:
        """Serialises everything done for one payment intent until the transaction ends (an advisory lock)."""
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (f"intent:{payment_intent_id}",))

    def update(self, payment: Payment, now: datetime, event_id: str | None, note: str | None = None) -> None:
        """Saves the mutable fields and appends the status to the payment's history."""
        self._conn.execute(
            """UPDATE payments SET status = %s, payment_intent_id = %s, credited = %s, clawed_back = %s,
                                   refunded_cents = %s, disputed = %s, failure_reason = %s, updated_at = %s
               WHERE id = %s""",
            (payment.status, payment.payment_intent_id, payment.credited, payment.clawed_back, payment.refunded_cents,
             payment.disputed, payment.failure_reason, now, payment.id),
        )
        self._history(payment.id, payment.status, event_id, note, now)

    def _history(self, payment_id: str, status: str, event_id: str | None, note: str | None, now: datetime) -> None:
        self._conn.execute(
            "INSERT INTO payment_status_history (payment_id, status, event_id, note, created_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (payment_id, status, event_id, note, now),
        )

    def list_for_user(self, user_id: str, before: tuple[datetime, str] | None, limit: int) -> list[Payment]:
        """The user's payments, newest first, those before the (created_at, id) cursor when given."""
        at, payment_id = before if before else (None, None)
        rows = self._conn.execute(
            f"""SELECT {_PAYMENT_COLUMNS} FROM payments
                WHERE user_id = %s AND (%s::timestamptz IS NULL OR (created_at, id) < (%s, %s::uuid))
                ORDER BY created_at DESC, id DESC LIMIT %s""",
            (user_id, at, at, payment_id, limit),
        ).fetchall()
        return [Payment(**row) for row in rows]

    def pending_credits(self, user_id: str) -> int:
        """Credits of the user's payments still processing."""
        row = self._conn.execute(
            "SELECT coalesce(sum(credits), 0) AS n FROM payments WHERE user_id = %s AND status = 'processing'",
            (user_id,),
        ).fetchone()
        return int(row["n"]) if row else 0

    def record_event(self, event_id: str, event_type: str, now: datetime) -> bool:
        """Records a webhook event id; False when it was recorded before."""
        row = self._conn.execute(
            "INSERT INTO stripe_events (id, type, received_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (id) DO NOTHING RETURNING id",
            (event_id, event_type, now),
        ).fetchone()
        return row is not None

    def add_adjustment(self, payment_intent_id: str, refunded_cents: int, disputed: bool, now: datetime) -> None:
        """Keeps a refund or dispute that came before its payment; the largest refund and any dispute win."""
        self._conn.execute(
            """INSERT INTO payment_adjustments (payment_intent_id, refunded_cents, disputed, updated_at)
               VALUES (%s, %s, %s, %s)
               ON CONFLICT (payment_intent_id) DO UPDATE SET
                   refunded_cents = greatest(payment_adjustments.refunded_cents, EXCLUDED.refunded_cents),
                   disputed = payment_adjustments.disputed OR EXCLUDED.disputed,
                   updated_at = EXCLUDED.updated_at""",
            (payment_intent_id, refunded_cents, disputed, now),
        )

    def take_adjustment(self, payment_intent_id: str) -> Adjustment | None:
        """Removes and returns the adjustment kept for a payment intent, if any."""
        row = self._conn.execute(
            "DELETE FROM payment_adjustments WHERE payment_intent_id = %s RETURNING refunded_cents, disputed",
            (payment_intent_id,),
        ).fetchone()
        return None if row is None else Adjustment(**row)

    def packs(self) -> list[CreditPack]:
        """The active credit packs in display order."""
        rows = self._conn.execute(
            "SELECT id, label, credits, amount_cents, currency FROM credit_packs WHERE active ORDER BY position, id"
        ).fetchall()
        return [CreditPack(**row) for row in rows]


class PostgresIdempotencyKeys:
    """Idempotency keys per user and scope, with the response stored once the request is answered."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def claim(self, user_id: str, scope: str, key: str, request_hash: str, now: datetime,
              window: timedelta) -> StoredResponse | bool | None:
        """True when claimed for this request, a StoredResponse when answered before, None when in progress or the key
        came with another request; a key older than window is forgotten first."""
        self._conn.execute(
            "DELETE FROM idempotency_keys WHERE user_id = %s AND scope = %s AND key = %s AND created_at < %s",
            (user_id, scope, key, now - window),
        )
        claimed = self._conn.execute(
            """INSERT INTO idempotency_keys (user_id, scope, key, request_hash, created_at) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT DO NOTHING RETURNING key""",
            (user_id, scope, key, request_hash, now),
        ).fetchone()
        if claimed:
            return True
        row = self._conn.execute(
            "SELECT request_hash, status, response FROM idempotency_keys"
            " WHERE user_id = %s AND scope = %s AND key = %s",
            (user_id, scope, key),
        ).fetchone()
        if row is None or row["request_hash"] != request_hash or row["status"] is None:
            return None
        return StoredResponse(row["status"], row["response"])

    def complete(self, user_id: str, scope: str, key: str, response: StoredResponse) -> None:
        """Stores the response to replay for the key."""
        self._conn.execute(
            "UPDATE idempotency_keys SET status = %s, response = %s WHERE user_id = %s AND scope = %s AND key = %s",
            (response.status, Jsonb(response.body), user_id, scope, key),
        )

    def release(self, user_id: str, scope: str, key: str) -> None:
        """Forgets the key, so a retry of the request runs again."""
        self._conn.execute("DELETE FROM idempotency_keys WHERE user_id = %s AND scope = %s AND key = %s",
                           (user_id, scope, key))
