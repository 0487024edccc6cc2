"""Any interleaving of purchases, spends, refunds, disputes and admin changes keeps the ledger exact."""

from __future__ import annotations

import uuid

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from chalicelib.adapters.postgres_credits import PostgresLedger
from chalicelib.domain.credits import spend
from chalicelib.domain.errors import InsufficientCredits
from tests.fakes import START

operations = st.lists(
    st.tuples(st.sampled_from(["purchase", "spend", "refund", "dispute", "grant", "debit"]),
              st.integers(min_value=1, max_value=500)),
    min_size=1, max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_ledger_sum_equals_balance_and_spends_never_go_below_zero(db, ops):
    with psycopg.connect(db, row_factory=dict_row) as conn:
        user_id = conn.execute(
            "INSERT INTO users (email, display_name, password_hash) VALUES (%s, 'p', 'x') RETURNING id::text AS id",
            (f"{uuid.uuid4().hex}@example.com",),
        ).fetchone()["id"]
        ledger = PostgresLedger(conn)
        expected = 0
        for n, (kind, amount) in enumerate(ops):
            reference = f"{user_id}:{kind}-{n}"  # examples share one database
            if kind == "purchase":
                ledger.credit(user_id, amount, "purchase", reference, "stripe", START)
                expected += amount
            elif kind == "grant":
                ledger.credit(user_id, amount, "admin_grant", reference, "admin", START)
                expected += amount
            elif kind in ("refund", "dispute"):
                ledger.take_back(user_id, amount, "payment_refund" if kind == "refund" else "dispute", reference,
                                 "stripe", START)
                expected -= amount
            else:
                try:
                    spend(ledger, user_id, amount, reference, START, kind="generation" if kind == "spend" else "admin_debit")
                    expected -= amount
                except InsufficientCredits:
                    assert expected < amount, "a spend the balance covers must succeed"
            conn.commit()
        row = conn.execute(
            """SELECT u.credits, coalesce(sum(l.delta), 0) AS total,
                      coalesce(min(l.balance_after) FILTER (WHERE l.kind IN ('generation', 'admin_debit')), 0) AS low
               FROM users u LEFT JOIN ledger l ON l.user_id = u.id WHERE u.id = %s GROUP BY u.credits""",
            (user_id,),
        ).fetchone()
        assert row["credits"] == row["total"] == expected
        assert row["low"] >= 0
