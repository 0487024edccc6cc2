"""The arithmetic of subscription allowances: calendar months and what a refunded invoice may still grant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.billing import SubscriptionInvoice, add_months


@pytest.mark.parametrize(("start", "months", "expected"), [
    (datetime(2026, 1, 31, 9, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, tzinfo=UTC)),
    (datetime(2028, 1, 31, 9, tzinfo=UTC), 1, datetime(2028, 2, 29, 9, tzinfo=UTC)),
    (datetime(2026, 11, 15, tzinfo=UTC), 2, datetime(2027, 1, 15, tzinfo=UTC)),
    (datetime(2026, 3, 31, tzinfo=UTC), 11, datetime(2027, 2, 28, tzinfo=UTC)),
    (datetime(2026, 3, 31, tzinfo=UTC), 0, datetime(2026, 3, 31, tzinfo=UTC)),
])
def test_a_month_later_is_the_same_day_or_the_months_last(start, months, expected):
    assert add_months(start, months) == expected


def invoice(**changes) -> SubscriptionInvoice:
    fields = dict(invoice_id="in_1", subscription_id="s", user_id="u", plan_id="p", payment_intent_id="pi",
                  status="paid", amount_cents=12000, currency="usd", period_start=datetime(2026, 1, 1, tzinfo=UTC),
                  period_end=datetime(2027, 1, 1, tzinfo=UTC), months=12, monthly_credits=1500, months_granted=0,
                  credited=0, clawed_back=0, refunded_cents=0, disputed=False)
    return SubscriptionInvoice(**{**fields, **changes})


def test_a_yearly_invoice_is_entitled_to_twelve_months_less_its_refunded_share_and_nothing_once_disputed():
    assert invoice().entitled == 18_000
    assert invoice(refunded_cents=6000).entitled == 9_000
    assert invoice(refunded_cents=12000).entitled == 0
    assert invoice(refunded_cents=99999).entitled == 0
    assert invoice(disputed=True).entitled == 0
    assert invoice(months=1, amount_cents=1200, refunded_cents=400).entitled == 1000
