"""PostgreSQL adapter of referrals (issue 18): codes, referrals, and the charges Stripe reported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import psycopg
from psycopg.rows import DictRow

from ..domain.referrals import FirstPurchase, Party, Referral

REFERRAL_COLUMNS = """r.id::text AS id, r.referrer_id::text AS referrer_id, r.referred_id::text AS referred_id,
    u.email AS referred_email, r.status, r.reason, r.referrer_credits, r.referred_credits, r.created_at,
    r.decided_at"""
# A purchase is paid when its payment was first marked paid (a pack) or its invoice was stored paid (a plan).
_FIRST_PURCHASE = """SELECT purchases.paid_at, purchases.refunded, purchases.disputed FROM (
        SELECT (SELECT min(h.created_at) FROM payment_status_history h
                WHERE h.payment_id = p.id AND h.status = 'paid') AS paid_at,
               p.refunded_cents > 0 AS refunded, p.disputed
        FROM payments p WHERE p.user_id = {user} AND p.credited > 0
        UNION ALL
        SELECT i.created_at, i.refunded_cents > 0, i.disputed FROM subscription_invoices i
        WHERE i.user_id = {user} AND i.amount_cents > 0 AND i.status <> 'failed') purchases
    WHERE purchases.paid_at IS NOT NULL ORDER BY purchases.paid_at LIMIT 1"""
FIRST_PURCHASE_OF_USER = _FIRST_PURCHASE.replace("{user}", "%(user)s")
FIRST_PURCHASE_OF_REFERRED = _FIRST_PURCHASE.replace("{user}", "r.referred_id")
CODE_ATTEMPTS = 8


class PostgresReferrals:
    """referral_codes, referrals and stripe_charges, in the caller's transaction."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def ensure_code(self, user_id: str, signup_ip: str | None, now: datetime, new_code: Callable[[], str]) -> str:
        """The user's code, made (with the sign-up address, when given) if the user has none yet."""
        for _ in range(CODE_ATTEMPTS):
            row = self._conn.execute(
                """INSERT INTO referral_codes (user_id, code, signup_ip, created_at) VALUES (%s, %s, %s, %s)
                   ON CONFLICT DO NOTHING RETURNING code""", (user_id, new_code(), signup_ip, now)).fetchone()
            if row is not None:
                return str(row["code"])
            existing = self._conn.execute("SELECT code FROM referral_codes WHERE user_id = %s",
                                          (user_id,)).fetchone()
            if existing is not None:
                return str(existing["code"])
        raise RuntimeError("no free referral code after several tries")

    def owner_of(self, code: str) -> str | None:
        """The id of the account whose code this is."""
        row = self._conn.execute("SELECT user_id::text AS user_id FROM referral_codes WHERE code = %s",
                                 (code,)).fetchone()
        return None if row is None else str(row["user_id"])

    def add(self, referrer_id: str, referred_id: str, now: datetime) -> None:
        """Records a pending referral."""
        self._conn.execute("INSERT INTO referrals (referrer_id, referred_id, created_at) VALUES (%s, %s, %s)",
                           (referrer_id, referred_id, now))

    def record_charge(self, charge_id: str, payment_intent_id: str | None, customer_id: str | None,
                      card_fingerprint: str | None, now: datetime) -> None:
        """Keeps what a succeeded charge said; a replay changes nothing."""
        self._conn.execute(
            """INSERT INTO stripe_charges (charge_id, payment_intent_id, customer_id, card_fingerprint, created_at)
               VALUES (%s, %s, %s, %s, %s) ON CONFLICT (charge_id) DO NOTHING""",
            (charge_id[:255], payment_intent_id, customer_id, card_fingerprint, now))

    def counts(self, referrer_id: str) -> dict[str, int]:
        """The referrer's referrals by status."""
        rows = self._conn.execute("SELECT status, count(*) AS n FROM referrals WHERE referrer_id = %s GROUP BY status",
                                  (referrer_id,)).fetchall()
        return {row["status"]: int(row["n"]) for row in rows}

    def earned(self, referrer_id: str) -> int:
        """Credits the referrer's rewarded referrals gave the referrer."""
        row = self._conn.execute(
            "SELECT coalesce(sum(referrer_credits), 0) AS n FROM referrals WHERE referrer_id = %s AND status = "
            "'rewarded'", (referrer_id,)).fetchone()
        return 0 if row is None else int(row["n"])

    def list_for_referrer(self, referrer_id: str, limit: int) -> list[Referral]:
        """The referrer's referrals, newest first."""
        rows = self._conn.execute(
            f"""SELECT {REFERRAL_COLUMNS} FROM referrals r LEFT JOIN users u ON u.id = r.referred_id
                WHERE r.referrer_id = %s ORDER BY r.created_at DESC, r.id LIMIT %s""", (referrer_id, limit)).fetchall()
        return [Referral(**row) for row in rows]

    def due(self, paid_before: datetime, limit: int) -> list[str]:
        """Pending referrals whose referred account paid before then, or whose first purchase was refunded or
        disputed, or that lost an account; oldest first."""
        rows = self._conn.execute(
            f"""SELECT r.id::text AS id FROM referrals r
                LEFT JOIN LATERAL ({FIRST_PURCHASE_OF_REFERRED}) f ON true
                WHERE r.status = 'pending'
                  AND (r.referrer_id IS NULL OR r.referred_id IS NULL OR f.paid_at <= %(before)s OR f.refunded
                       OR f.disputed)
                ORDER BY r.created_at, r.id LIMIT %(limit)s""", {"before": paid_before, "limit": limit}).fetchall()
        return [row["id"] for row in rows]

    def lock_pending(self, referral_id: str) -> Referral | None:
        """The referral, locked, while it is pending."""
        row = self._conn.execute(
            f"""SELECT {REFERRAL_COLUMNS} FROM referrals r LEFT JOIN users u ON u.id = r.referred_id
                WHERE r.id = %s AND r.status = 'pending' FOR UPDATE OF r""", (referral_id,)).fetchone()
        return None if row is None else Referral(**row)

    def first_purchase(self, user_id: str) -> FirstPurchase | None:
        """The account's first paid purchase, a pack or a subscription invoice."""
        row = self._conn.execute(FIRST_PURCHASE_OF_USER, {"user": user_id}).fetchone()
        return None if row is None else FirstPurchase(**row)

    def party(self, user_id: str, sessions: bool) -> Party:
        """The account's email, client addresses (the sign-up's; with sessions, every session's too), cards and
        Stripe customers."""
        row = self._conn.execute(
            """SELECT u.email, c.signup_ip FROM users u LEFT JOIN referral_codes c ON c.user_id = u.id
               WHERE u.id = %s""", (user_id,)).fetchone()
        assert row is not None  # the referral's accounts are locked by its row's foreign keys
        addresses = {row["signup_ip"]} if row["signup_ip"] else set()
        if sessions:
            addresses |= {r["ip"] for r in self._conn.execute(
                "SELECT DISTINCT ip FROM refresh_token_families WHERE user_id = %s AND ip IS NOT NULL", (user_id,))}
        charges = self._conn.execute(
            """SELECT c.card_fingerprint, c.customer_id FROM stripe_charges c
               WHERE c.payment_intent_id IN (
                   SELECT payment_intent_id FROM payments WHERE user_id = %(user)s
                   UNION SELECT payment_intent_id FROM subscription_invoices WHERE user_id = %(user)s)
               UNION ALL
               SELECT NULL, stripe_customer_id FROM subscriptions WHERE user_id = %(user)s""",
            {"user": user_id}).fetchall()
        return Party(email=row["email"], addresses=frozenset(addresses - {"unknown"}),
                     cards=frozenset(c["card_fingerprint"] for c in charges if c["card_fingerprint"]),
                     customers=frozenset(c["customer_id"] for c in charges if c["customer_id"]))

    def lock_referrer(self, referrer_id: str) -> None:
        """Serialises the grants of one referrer until the transaction ends, so the cap counts each."""
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('referrer:' || %s))", (referrer_id,))

    def rewarded_between(self, referrer_id: str, start: datetime, end: datetime) -> int:
        """The referrer's referrals rewarded in [start, end)."""
        row = self._conn.execute(
            """SELECT count(*) AS n FROM referrals
               WHERE referrer_id = %s AND status = 'rewarded' AND decided_at >= %s AND decided_at < %s""",
            (referrer_id, start, end)).fetchone()
        return 0 if row is None else int(row["n"])

    def settle(self, referral_id: str, status: str, reason: str | None, referrer_credits: int,
               referred_credits: int, now: datetime) -> bool:
        """Decides a pending referral; False when it was decided already."""
        row = self._conn.execute(
            """UPDATE referrals SET status = %s, reason = %s, referrer_credits = %s, referred_credits = %s,
                                    decided_at = %s
               WHERE id = %s AND status = 'pending' RETURNING id""",
            (status, reason, referrer_credits, referred_credits, now, referral_id)).fetchone()
        return row is not None
