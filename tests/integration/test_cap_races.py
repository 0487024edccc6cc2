"""Spending caps under a real race: 30 threads call the generation service at once, each on its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from chalicelib.adapters.postgres_credits import PostgresLedger
from chalicelib.domain.api_keys import KeyLimits
from chalicelib.domain.errors import DailyCapReached, KeyCapReached
from chalicelib.domain.generation import GenerationRequest
from tests.conftest import assert_ledger_matches_balances
from tests.fakes import START
from tests.helpers import room_for_connections

# Races that hold dozens of connections at once run one after another on one xdist worker, so that together
# they never exhaust the server's max_connections.
pytestmark = pytest.mark.xdist_group("many-connections")

CALLERS = 30
CAP = 5
REQUEST = GenerationRequest(prompt="a cloud", model="placeholder")  # one credit


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"DB_POOL_SIZE": str(CALLERS + 2)}


@pytest.fixture
def spender(api, container, db):
    """A user with credits for every caller, so only the cap can refuse them."""
    room_for_connections(db, CALLERS + 10)
    session = api.register("racer@example.com")
    with psycopg.connect(db, row_factory=dict_row) as conn:
        PostgresLedger(conn).credit(session["user"]["id"], 1000, "admin_grant", "top-up", "test", START)
        conn.commit()
    user = container.accounts.authenticate(session["access_token"]).user
    assert container.generations.quote(user, REQUEST) == 1
    yield user
    assert_ledger_matches_balances(db)


def race(attempt: Callable[[int], Any], refused: type[Exception]) -> list[str]:
    barrier = threading.Barrier(CALLERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait()
        try:
            attempt(n)
            outcome = "accepted"
        except refused:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome = repr(exc)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def charged(db: str, user_id: str) -> int:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT coalesce(sum(cost_credits), 0) FROM generations WHERE user_id = %s",
                            (user_id,)).fetchone()[0]


def test_thirty_concurrent_spends_through_a_key_capped_at_5_let_exactly_5_through(container, spender, db):
    key, _ = container.api_keys.create(spender, "racing script", KeyLimits(monthly_cap=CAP, rate_limit=600))
    outcomes = race(lambda n: container.generations.create(spender, REQUEST, key.id), KeyCapReached)
    assert sorted(outcomes) == ["accepted"] * CAP + ["refused"] * (CALLERS - CAP)
    assert charged(db, spender.id) == CAP
    assert [k.used_this_month for k in container.api_keys.list(spender.id)] == [CAP]


def test_thirty_concurrent_spends_under_a_daily_cap_of_5_let_exactly_5_through(container, spender, db):
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE settings SET value = %s WHERE key = 'daily_spend_cap'", (str(CAP),))
    outcomes = race(lambda n: container.generations.create(spender, REQUEST), DailyCapReached)
    assert sorted(outcomes) == ["accepted"] * CAP + ["refused"] * (CALLERS - CAP)
    assert charged(db, spender.id) == CAP


def test_both_caps_hold_together_when_key_and_session_spends_race(container, spender, db):
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE settings SET value = %s WHERE key = 'daily_spend_cap'", (str(CAP + 3),))
    key, _ = container.api_keys.create(spender, "racing script", KeyLimits(monthly_cap=CAP, rate_limit=600))
    outcomes = race(lambda n: container.generations.create(spender, REQUEST, key.id if n % 2 else None),
                    (KeyCapReached, DailyCapReached))
    assert outcomes.count("accepted") == CAP + 3 and outcomes.count("refused") == CALLERS - CAP - 3
    assert charged(db, spender.id) == CAP + 3
    assert container.api_keys.list(spender.id)[0].used_this_month <= CAP
