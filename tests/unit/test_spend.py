"""The spending rule, on an in-memory ledger."""

from __future__ import annotations

import pytest

from chalicelib.domain.credits import spend
from chalicelib.domain.errors import InsufficientCredits, InvalidRequest
from tests.fakes import START, InMemoryLedger


def test_a_spend_within_the_balance_takes_the_cost_and_writes_one_row():
    ledger = InMemoryLedger({"u": 10})
    assert spend(ledger, "u", 4, "gen-1", START) == 6
    assert ledger.rows == [("u", "generation", -4, 6, "gen-1")]


def test_the_whole_balance_can_be_spent():
    ledger = InMemoryLedger({"u": 10})
    assert spend(ledger, "u", 10, "gen-1", START) == 0


def test_a_spend_beyond_the_balance_is_refused_with_cost_and_balance_and_changes_nothing():
    ledger = InMemoryLedger({"u": 3})
    with pytest.raises(InsufficientCredits) as refused:
        spend(ledger, "u", 4, "gen-1", START)
    assert refused.value.details == {"cost": 4, "balance": 3}
    assert ledger.balances == {"u": 3} and ledger.rows == []


def test_a_negative_balance_after_a_refund_refuses_every_spend():
    ledger = InMemoryLedger({"u": -20})
    with pytest.raises(InsufficientCredits):
        spend(ledger, "u", 1, "gen-1", START)


@pytest.mark.parametrize("cost", [0, -5])
def test_a_spend_must_cost_something(cost):
    ledger = InMemoryLedger({"u": 10})
    with pytest.raises(InvalidRequest):
        spend(ledger, "u", cost, "gen-1", START)
    assert ledger.rows == []
