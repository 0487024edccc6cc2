"""The guarded spend under a real race: 100 threads, each with its own connection, released together."""

from __future__ import annotations

import threading

import psycopg
import pytest
from psycopg.rows import dict_row

from chalicelib.adapters.postgres_credits import PostgresLedger
from chalicelib.domain.credits import spend
from chalicelib.domain.errors import InsufficientCredits
from tests.conftest import assert_ledger_matches_balances
from tests.fakes import START
from tests.helpers import room_for_connections

# Races that hold dozens of connections at once run one after another on one xdist worker, so that together
# they never exhaust the server's max_connections.
pytestmark = pytest.mark.xdist_group("many-connections")

COST = 7
AFFORDABLE = 37


def test_a_hundred_concurrent_spends_from_a_balance_worth_37_let_exactly_37_through(api, db):
    room_for_connections(db, 110)
    session = api.register()
    user_id = session["user"]["id"]
    with psycopg.connect(db, row_factory=dict_row) as conn:
        # Top the 50-credit bonus up to exactly 37 spends' worth, through the ledger.
        PostgresLedger(conn).credit(
            user_id, COST * AFFORDABLE - 50, "admin_grant", "top-up", "test", START)
        conn.commit()
    connections = [psycopg.connect(db, row_factory=dict_row) for _ in range(100)]
    barrier = threading.Barrier(100)
    results: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        conn = connections[n]
        barrier.wait()
        try:
            spend(PostgresLedger(conn), user_id, COST, f"race-{n}", START)
            conn.commit()
            outcome = "spent"
        except InsufficientCredits:
            conn.rollback()
            outcome = "refused"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for conn in connections:
        conn.close()
    assert results.count("spent") == AFFORDABLE
    assert results.count("refused") == 100 - AFFORDABLE
    with psycopg.connect(db) as conn:
        assert conn.execute("SELECT credits FROM users WHERE id = %s", (user_id,)).fetchone()[0] == 0
        assert conn.execute("SELECT min(balance_after) FROM ledger").fetchone()[0] >= 0
    assert_ledger_matches_balances(db)
