"""Login throttling: the limits, their windows, and the owner's way through a distributed attack."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import Forbidden, RateLimited, Unauthorized
from chalicelib.domain.model import FailureTally, LoginFailureCounts
from chalicelib.domain.throttle import ThrottlePolicy, check_login_allowed
from tests.fakes import START, InMemoryLoginAttempts, InMemoryState

POLICY = ThrottlePolicy()
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
HOME = "203.0.113.1"


class Attempts:
    """Login attempts recorded on a controlled clock, checked the way AccountService.login checks them."""

    def __init__(self, clock, repo) -> None:
        self.clock = clock
        self.repo = repo

    def fail(self, ip: str, email: str = EMAIL) -> None:
        self.repo.record(email, ip, False, self.clock.now())

    def succeed(self, ip: str, email: str = EMAIL) -> None:
        self.repo.record(email, ip, True, self.clock.now())

    def check(self, ip: str, email: str = EMAIL) -> None:
        now = self.clock.now()
        counts = self.repo.failures(email, ip, since=now - POLICY.window, known_ip_since=now - POLICY.known_ip_memory)
        check_login_allowed(counts, now, POLICY)


@pytest.fixture(params=["postgres", "in-memory"])
def attempts(request, clock):
    """The SQL that counts failures in production, and the in-memory stand-in the service tests use: the same
    fixed expectations hold for both, so the stand-in cannot drift from the SQL it copies."""
    if request.param == "in-memory":
        yield Attempts(clock, InMemoryLoginAttempts(InMemoryState()))
        return
    import psycopg
    from psycopg.rows import dict_row

    from chalicelib.adapters.postgres import PostgresLoginAttempts

    with psycopg.connect(request.getfixturevalue("db"), row_factory=dict_row, autocommit=True) as conn:
        yield Attempts(clock, PostgresLoginAttempts(conn))


def stranger(n: int) -> str:
    return f"192.0.2.{n % 250}" if n < 250 else f"198.18.{n // 250}.{n % 250}"


def fail_from_strangers(attempts: Attempts, count: int, every: timedelta = timedelta(seconds=30)) -> None:
    for n in range(count):
        attempts.fail(stranger(n))
        attempts.clock.advance(seconds=every.total_seconds())


def test_ninety_nine_failures_from_unknown_ips_still_allow_another_try(attempts):
    fail_from_strangers(attempts, 99)
    attempts.check("100.64.0.1")


def test_a_hundredth_failure_from_unknown_ips_within_an_hour_blocks_the_account(attempts, clock):
    fail_from_strangers(attempts, 100)
    # 100 failures 30 s apart: the oldest is 50 minutes old, so it leaves the window in 10 minutes.
    assert clock.now() - START == timedelta(minutes=50)
    with pytest.raises(RateLimited) as limited:
        attempts.check("100.64.0.1")
    assert limited.value.retry_after_seconds == 600
    assert limited.value.details == {"retry_after_seconds": 600}


def test_retry_after_counts_down_to_the_moment_the_oldest_failure_leaves_the_window(attempts, clock):
    fail_from_strangers(attempts, 100)
    clock.advance(minutes=9, seconds=30)
    with pytest.raises(RateLimited) as limited:
        attempts.check("100.64.0.1")
    assert limited.value.retry_after_seconds == 30


def test_the_account_is_allowed_again_once_the_oldest_failure_leaves_the_window(attempts, clock):
    fail_from_strangers(attempts, 100)
    clock.advance(minutes=10)
    with pytest.raises(RateLimited) as limited:
        attempts.check("100.64.0.1")
    assert limited.value.retry_after_seconds == 1
    clock.advance(seconds=1)
    attempts.check("100.64.0.1")


def test_the_account_wide_limit_applies_to_every_unknown_ip_including_attacking_ones(attempts):
    fail_from_strangers(attempts, 100)
    with pytest.raises(RateLimited):
        attempts.check(stranger(0))


def test_an_ip_that_signed_in_before_is_not_blocked_by_the_account_wide_limit(attempts, clock):
    attempts.succeed(HOME)
    clock.advance(days=10)
    fail_from_strangers(attempts, 150)
    attempts.check(HOME)
    with pytest.raises(RateLimited):
        attempts.check("100.64.0.1")


def test_an_ip_that_signed_in_before_still_counts_as_unknown_after_the_memory_lapses(attempts, clock):
    attempts.succeed(HOME)
    clock.advance(days=31)
    fail_from_strangers(attempts, 100)
    with pytest.raises(RateLimited):
        attempts.check(HOME)


def test_failures_from_a_known_ip_do_not_count_towards_the_account_wide_limit(attempts, clock):
    attempts.succeed(HOME)
    for _ in range(19):
        attempts.fail(HOME)
    fail_from_strangers(attempts, 99)
    attempts.check("100.64.0.1")


def test_a_known_ip_is_held_to_the_per_account_and_ip_limit(attempts, clock):
    attempts.succeed(HOME)
    clock.advance(minutes=1)
    for _ in range(19):
        attempts.fail(HOME)
        clock.advance(minutes=1)
    attempts.check(HOME)
    attempts.fail(HOME)
    with pytest.raises(RateLimited) as limited:
        attempts.check(HOME)
    # The oldest of the 20 failures happened 19 minutes ago.
    assert limited.value.retry_after_seconds == 41 * 60


def test_an_unknown_ip_is_held_to_the_per_account_and_ip_limit(attempts):
    for _ in range(20):
        attempts.fail("100.64.0.1")
    with pytest.raises(RateLimited):
        attempts.check("100.64.0.1")
    attempts.check("100.64.0.2")


def test_a_successful_sign_in_restarts_the_count_for_that_account_and_ip(attempts, clock):
    for _ in range(19):
        attempts.fail(HOME)
    clock.advance(seconds=1)
    attempts.succeed(HOME)
    clock.advance(seconds=1)
    for _ in range(19):
        attempts.fail(HOME)
    attempts.check(HOME)


def test_the_per_ip_limit_spans_accounts(attempts):
    ip = "100.64.0.1"
    for n in range(299):
        attempts.fail(ip, email=f"user{n}@example.com")
    attempts.check(ip, email="fresh@example.com")
    attempts.fail(ip, email="user299@example.com")
    with pytest.raises(RateLimited):
        attempts.check(ip, email="fresh@example.com")
    attempts.check("100.64.0.2", email="fresh@example.com")


def test_the_per_ip_limit_applies_even_to_an_ip_known_for_the_account(attempts, clock):
    attempts.succeed(HOME)
    clock.advance(seconds=1)
    for n in range(300):
        attempts.fail(HOME, email=f"user{n}@example.com")
    with pytest.raises(RateLimited):
        attempts.check(HOME)


def test_retry_after_is_the_longest_wait_among_the_exceeded_limits(clock):
    now = clock.now()
    counts = LoginFailureCounts(
        account_from_ip=FailureTally(20, now - timedelta(minutes=50)),
        account_from_unknown_ips=FailureTally(100, now - timedelta(minutes=10)),
        ip=FailureTally(5, now - timedelta(minutes=59)),
        ip_known_for_account=False,
    )
    with pytest.raises(RateLimited) as limited:
        check_login_allowed(counts, now, POLICY)
    assert limited.value.retry_after_seconds == 50 * 60


# --- Through AccountService.login with the in-memory unit of work. ---


def test_a_distributed_attack_blocks_new_ips_but_not_the_owners_known_ip(service, store, clock):
    service.register(EMAIL, PASSWORD)
    service.login(EMAIL, PASSWORD, HOME)
    for n in range(100):
        clock.advance(seconds=10)
        with pytest.raises(Unauthorized):
            service.login(EMAIL, f"guess number {n}", stranger(n))
    failures_before = sum(1 for a in store.state.login_attempts if not a.succeeded)
    commits_before = store.commits

    with pytest.raises(RateLimited):
        service.login(EMAIL, "guess number 101", "100.64.0.1")

    assert sum(1 for a in store.state.login_attempts if not a.succeeded) == failures_before == 100
    assert store.commits == commits_before
    assert service.login(EMAIL, PASSWORD, HOME).user.email == EMAIL


def test_the_right_password_is_refused_while_the_ip_is_rate_limited(service, clock):
    service.register(EMAIL, PASSWORD)
    for n in range(100):
        with pytest.raises(Unauthorized):
            service.login(EMAIL, f"guess number {n}", stranger(n))
    with pytest.raises(RateLimited):
        service.login(EMAIL, PASSWORD, "100.64.0.1")
    clock.advance(hours=1, seconds=1)
    assert service.login(EMAIL, PASSWORD, "100.64.0.1").user.email == EMAIL


def test_guessing_against_an_unknown_email_is_throttled_like_a_real_account(service):
    for n in range(20):
        with pytest.raises(Unauthorized):
            service.login("nobody@example.com", f"guess number {n}", "100.64.0.1")
    with pytest.raises(RateLimited):
        service.login("NOBODY@example.com", "guess number 21", "100.64.0.1")


def test_wrong_current_passwords_count_towards_the_sign_in_limits(service):
    session = service.register(EMAIL, PASSWORD)
    principal = service.authenticate(session.tokens.access_token)
    for _ in range(20):
        with pytest.raises(Forbidden):
            service.change_password(principal, "not the password", "a different horse 42", "100.64.0.1")
    with pytest.raises(RateLimited):
        service.change_password(principal, PASSWORD, "a different horse 42", "100.64.0.1")
