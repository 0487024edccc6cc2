"""The rules of referrals (issue 18) that need no database: mailboxes, domains, farming signals, months, masks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.referrals import (
    CODE_PATTERN,
    FirstPurchase,
    Party,
    clean_code,
    custom_domain_of,
    farming_reason,
    mailbox_of,
    mask_email,
    month_of,
    new_code,
    purchase_reason,
)

AT = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize(("one", "other"), [
    ("Rita.Smith+promo@gmail.com", "ritasmith@googlemail.com"),
    ("rita+a@outlook.com", "RITA+b@Outlook.com"),
    ("rita@example.org.", "rita@example.org"),
])
def test_aliases_of_one_mailbox_are_one_mailbox(one, other):
    assert mailbox_of(one) == mailbox_of(other)


def test_dots_count_outside_gmail():
    assert mailbox_of("r.ita@outlook.com") != mailbox_of("rita@outlook.com")


def test_webmail_domains_are_nobodys_own():
    assert custom_domain_of("a@gmail.com") is None
    assert custom_domain_of("a@Rita-Studio.io") == "rita-studio.io"


def party(email: str, **sets) -> Party:
    return Party(email, **{k: frozenset(v) for k, v in sets.items()})


@pytest.mark.parametrize(("referrer", "referred", "reason"), [
    (party("rita+x@gmail.com"), party("rita@gmail.com"), "same_mailbox"),
    (party("rita@studio.io"), party("fred@studio.io"), "same_email_domain"),
    (party("rita@gmail.com", cards={"fp1", "fp2"}), party("fred@gmail.com", cards={"fp2"}), "same_card"),
    (party("rita@gmail.com", customers={"cus1"}), party("fred@gmail.com", customers={"cus1"}), "same_customer"),
    (party("rita@gmail.com", addresses={"198.51.100.1", "203.0.113.9"}),
     party("fred@gmail.com", addresses={"203.0.113.9"}), "same_signup_address"),
    (party("rita@gmail.com", cards={"fp1"}, customers={"cus1"}, addresses={"198.51.100.1"}),
     party("fred@gmail.com", cards={"fp2"}, customers={"cus2"}, addresses={"203.0.113.9"}), None),
    (party("rita@gmail.com"), party("fred@outlook.com"), None),
])
def test_farming_signals(referrer, referred, reason):
    assert farming_reason(referrer, referred) == reason


def test_a_dispute_outranks_a_refund_and_a_clean_purchase_qualifies():
    assert purchase_reason(FirstPurchase(AT, refunded=True, disputed=True)) == "first_purchase_disputed"
    assert purchase_reason(FirstPurchase(AT, refunded=True, disputed=False)) == "first_purchase_refunded"
    assert purchase_reason(FirstPurchase(AT, refunded=False, disputed=False)) is None


@pytest.mark.parametrize(("moment", "start", "end"), [
    (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
    (datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)),
    (datetime(2028, 1, 31, 12, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC), datetime(2028, 2, 1, tzinfo=UTC)),
])
def test_the_cap_counts_calendar_months(moment, start, end):
    assert month_of(moment) == (start, end)


def test_masked_emails_keep_a_hint_only():
    assert mask_email("fred@outlook.com") == "f***@o***.com"
    assert mask_email("x@localhost") == "x***@l***"


@pytest.mark.parametrize("typed", ["abcd2345", " ABCD2345 ", "\uff21BCD2345"])
def test_codes_are_read_as_typed_from_an_email(typed):
    assert clean_code(typed) == "ABCD2345"


@pytest.mark.parametrize("typed", ["ABCD234", "ABCD23450", "ABCD 2345", "ABCD-2345",  # pragma: allowlist secret
                                   "ABCD2345\n1", "A" * 100000])
def test_anything_else_is_no_code(typed):
    with pytest.raises(InvalidRequest) as refused:
        clean_code(typed)
    assert refused.value.details["field"] == "referral_code"


def test_new_codes_match_the_pattern_and_differ():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200 and all(CODE_PATTERN.match(c) for c in codes)
