"""Issue 15's account rules against the in-memory unit of work: verification and the bonus, the sign-up throttle,
text hygiene, password strength, reset links, two-factor sign-in, sessions and who may become an admin."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest

from chalicelib.adapters.zxcvbn_strength import ZxcvbnStrength
from chalicelib.domain.accounts import (
    DEFAULT_DISPLAY_NAME,
    AccountPolicy,
    bonus_email_key,
    clean_display_name,
    normalize_email,
)
from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    InvalidCode,
    InvalidRequest,
    InvalidToken,
    NotFound,
    RateLimited,
    TwoFactorRequired,
    Unauthorized,
    WeakPassword,
)
from chalicelib.domain.model import Principal, Role

PASSWORD = "correct horse battery"  # pragma: allowlist secret
NEW_PASSWORD = "a different horse 42"  # pragma: allowlist secret
IP = "198.51.100.7"
BONUS = 50


def links(mailer, path):
    return [m.group(1) for _, _, text in mailer.sent
            for m in [re.search(re.escape(path) + r"[?#]token=([A-Za-z0-9_-]+)", text)] if m]


def principal_of(service, session):
    return service.authenticate(session.tokens.access_token)


@pytest.fixture
def bonus_service(make_service, store):
    store.settings["signup_bonus"] = BONUS
    return make_service()


# --- email verification and the signup bonus ---


def test_registration_emails_a_verification_link_and_grants_nothing_yet(bonus_service, mailer):
    session = bonus_service.register("ada@example.com", PASSWORD)
    assert session.user.credits == 0 and not session.user.email_verified
    [(to, subject, text)] = mailer.sent
    assert to == "ada@example.com" and subject == "Confirm your email address for Pixmint"
    assert re.search(r"https://pixmint\.example/verify-email\?token=[A-Za-z0-9_-]{40,}", text)


def test_verifying_grants_the_bonus_once_and_the_link_works_once(bonus_service, mailer, store):
    session = bonus_service.register("ada@example.com", PASSWORD)
    [token] = links(mailer, "/verify-email")
    user = bonus_service.verify_email(token)
    assert user.email_verified and user.credits == BONUS
    with pytest.raises(InvalidToken):
        bonus_service.verify_email(token)
    with pytest.raises(InvalidToken):
        bonus_service.verify_email("not-a-token-we-sent")
    assert bonus_service.get_user(session.user.id).credits == BONUS
    assert [row[1:3] for row in store.state.ledger] == [("signup_bonus", BONUS)]


def test_an_unverified_account_can_sign_in(bonus_service):
    bonus_service.register("ada@example.com", PASSWORD)
    assert not bonus_service.login("ada@example.com", PASSWORD, IP).user.email_verified


def test_a_deleted_account_leaves_a_key_so_signing_up_again_earns_nothing(bonus_service, mailer, store):
    first = bonus_service.register("ada@example.com", PASSWORD)
    bonus_service.verify_email(links(mailer, "/verify-email")[-1])
    bonus_service.delete_account(principal_of(bonus_service, first), PASSWORD, IP)
    assert store.state.users == {}
    assert list(store.state.bonus_claims) == [bonus_email_key(b"unit-test email key", "ada@example.com")]
    assert b"ada" not in b"".join(store.state.bonus_claims), "a keyed hash, not the address"

    bonus_service.register("Ada@Example.com", PASSWORD)
    again = bonus_service.verify_email(links(mailer, "/verify-email")[-1])
    assert again.email_verified and again.credits == 0


@pytest.mark.parametrize("variant", ["ada+second@example.com", "ADA@EXAMPLE.COM.",
                                     "ａｄａ@example.com"])  # noqa: RUF001 - fullwidth letters that NFKC folds
def test_another_spelling_of_the_same_mailbox_earns_no_second_bonus(bonus_service, mailer, variant):
    bonus_service.register("ada@example.com", PASSWORD)
    bonus_service.verify_email(links(mailer, "/verify-email")[-1])
    try:
        bonus_service.register(variant, PASSWORD)
    except Conflict:
        return  # the same address after normalisation: no second account at all
    assert bonus_service.verify_email(links(mailer, "/verify-email")[-1]).credits == 0


def test_gmail_dots_do_not_make_a_new_mailbox():
    secret = b"k"
    assert bonus_email_key(secret, "a.da.l@gmail.com") == bonus_email_key(secret, "adal+x@googlemail.com")
    assert bonus_email_key(secret, "a.da@example.com") != bonus_email_key(secret, "ada@example.com")


def test_an_account_that_had_its_bonus_at_sign_up_gets_none_at_verification(bonus_service, mailer, store, clock):
    session = bonus_service.register("old@example.com", PASSWORD)
    uid = session.user.id
    # As migration 0009 leaves an account that was given its bonus before verification existed.
    store.state.users[uid] = replace(store.state.users[uid], signup_bonus_at=clock.now(), credits=BONUS)
    assert bonus_service.verify_email(links(mailer, "/verify-email")[-1]).credits == BONUS


def test_resending_is_throttled_and_stops_once_verified(bonus_service, mailer, clock):
    session = bonus_service.register("ada@example.com", PASSWORD)
    principal = principal_of(bonus_service, session)
    for _ in range(4):
        clock.advance(minutes=1)
        bonus_service.resend_verification(principal)
    assert len(links(mailer, "/verify-email")) == 5
    with pytest.raises(RateLimited) as limited:
        bonus_service.resend_verification(principal)
    assert limited.value.retry_after_seconds == 60 * 60 - 4 * 60
    first, *_, last = links(mailer, "/verify-email")
    assert bonus_service.verify_email(first).email_verified, "every link sent works until one is used"
    with pytest.raises(InvalidToken):
        bonus_service.verify_email(last)
    clock.advance(hours=2)
    bonus_service.resend_verification(principal)
    assert len(links(mailer, "/verify-email")) == 5, "nothing to send once verified"


# --- the sign-up throttle ---


def test_sign_ups_are_limited_per_address_per_hour(make_service, clock):
    service = make_service(policy=AccountPolicy(signups_per_address_per_hour=3))
    for n in range(3):
        clock.advance(minutes=10)
        service.register(f"user{n}@example.com", PASSWORD, ip=IP)
    with pytest.raises(RateLimited) as limited:
        service.register("user3@example.com", PASSWORD, ip=IP)
    assert limited.value.retry_after_seconds == 40 * 60
    service.register("elsewhere@example.com", PASSWORD, ip="203.0.113.9")
    clock.advance(minutes=40)
    service.register("user3@example.com", PASSWORD, ip=IP)


# --- text hygiene ---


@pytest.mark.parametrize("raw, stored", [
    ("  Ada@Example.com  ", "Ada@Example.com"),
    ("ada@example.com.", "ada@example.com"),
    ("ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ada@example.com"),  # noqa: RUF001 - fullwidth look-alikes that NFKC folds
    ("ﬁne@example.com", "fine@example.com"),
])
def test_emails_are_nfkc_normalised_and_lose_a_trailing_dot(raw, stored):
    assert normalize_email(raw) == stored


@pytest.mark.parametrize("raw", ["ad\u200ba@example.com", "ada@exa\u200dmple.com", "\u202eada@example.com",
                                 "ada\u2066@example.com", "ada\u00ad@example.com", "ad\ud800a@example.com",
                                 "ada\x07@example.com", "\ufeffada@example.com"])
def test_invisible_and_control_characters_in_emails_are_refused(raw):
    with pytest.raises(InvalidRequest) as refused:
        normalize_email(raw)
    assert refused.value.details["field"] == "email"


@pytest.mark.parametrize("raw", ["Ada\u200b", "\u202eAda", "Ada\u2067 Lovelace", "A\ud800da", "Ada\x1b[31m"])
def test_invisible_and_control_characters_in_display_names_are_refused(raw):
    with pytest.raises(InvalidRequest) as refused:
        clean_display_name(raw)
    assert refused.value.details == {"field": "display_name", "reason": "invisible_characters"}


def test_display_names_keep_emoji_sequences_and_collapse_whitespace():
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    assert clean_display_name(f" Ada\t {family}\n") == f"Ada {family}"


# --- password strength ---


def test_a_guessable_password_is_refused_with_zxcvbn_feedback(make_service, store):
    service = make_service(strength=ZxcvbnStrength())
    with pytest.raises(WeakPassword) as weak:
        service.register("ada@example.com", "ada.lovelace")
    details = weak.value.details
    assert details["field"] == "password" and details["score"] < 3 and details["min_score"] == 3
    assert details["suggestions"] and weak.value.message == details["warning"]
    assert store.state.users == {}
    assert ZxcvbnStrength().estimate("Zorblax Quintaran", []).score == 4, "strong for a stranger"
    with pytest.raises(WeakPassword):
        service.register("ada@example.com", "Zorblax Quintaran", display_name="Zorblax Quintaran")
    assert service.register("ada@example.com", PASSWORD).user.email == "ada@example.com"


# --- password reset links ---


class RecordingWaker:
    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


def test_a_reset_request_sends_nothing_itself_and_queues_the_same_for_known_and_unknown(make_service, mailer, store):
    waker = RecordingWaker()
    service = make_service(outbox=waker)
    service.register("ada@example.com", PASSWORD)
    mailer.sent.clear()
    before = set(store.state.outbox)
    service.request_password_reset("ada@example.com")
    service.request_password_reset("nobody@example.com")
    queued = [store.state.outbox[i] for i in sorted(set(store.state.outbox) - before)]
    assert mailer.sent == [] and waker.wakes == 3
    assert [(r.kind, r.user_id, r.done_at) for r in queued] == [("password_reset", None, None)] * 2
    assert service.deliver_due_emails() == {"sent": 2, "skipped": 1, "failed": 0}  # verification + one reset
    assert [to for to, _, _ in mailer.sent] == ["ada@example.com", "ada@example.com"]


def test_a_new_reset_link_voids_every_older_one(service, mailer):
    service.register("ada@example.com", PASSWORD)
    service.request_password_reset("ada@example.com")
    service.request_password_reset("ada@example.com")
    older, newer = links(mailer, "/reset-password")
    with pytest.raises(InvalidToken):
        service.confirm_password_reset(older, NEW_PASSWORD)
    service.confirm_password_reset(newer, NEW_PASSWORD)


def test_using_a_reset_link_voids_the_others_a_later_one_is_fine(service, mailer, clock):
    service.register("ada@example.com", PASSWORD)
    service.request_password_reset("ada@example.com")
    [first] = links(mailer, "/reset-password")
    service.confirm_password_reset(first, NEW_PASSWORD)
    service.request_password_reset("ada@example.com")
    service.confirm_password_reset(links(mailer, "/reset-password")[-1], "yet another horse 77")


def test_a_password_change_voids_every_reset_link(service, mailer):
    session = service.register("ada@example.com", PASSWORD)
    service.request_password_reset("ada@example.com")
    [link] = links(mailer, "/reset-password")
    service.change_password(principal_of(service, session), PASSWORD, NEW_PASSWORD, IP)
    with pytest.raises(InvalidToken):
        service.confirm_password_reset(link, "yet another horse 77")
    assert service.login("ada@example.com", NEW_PASSWORD, IP).user.id == session.user.id


def test_a_failed_send_stays_in_the_outbox_and_is_retried_after_its_lease(make_service, mailer, store, clock):
    class Down:
        def send(self, to, subject, text, **extra):
            raise ConnectionError("SES is unreachable")

    service = make_service(mailer=Down())
    service.register("ada@example.com", PASSWORD)
    [row] = store.state.outbox.values()
    assert row.done_at is None and row.attempts == 1 and "ConnectionError" in row.last_error
    retry = make_service()
    assert retry.deliver_due_emails() == {"sent": 0, "skipped": 0, "failed": 0}, "leased for five minutes"
    clock.advance(minutes=5)
    assert retry.deliver_due_emails()["sent"] == 1
    assert len(links(mailer, "/verify-email")) == 1


# --- two-factor sign-in ---


def turn_on_two_factor(service, session, clock):
    setup = service.start_two_factor(principal_of(service, session))
    assert setup.otpauth_url.startswith("otpauth://totp/Pixmint:") and "issuer=Pixmint" in setup.otpauth_url
    codes = service.confirm_two_factor(principal_of(service, session), pyotp.TOTP(setup.secret).at(clock.now()), IP)
    return setup.secret, codes


def test_two_factor_set_up_needs_a_right_code_and_returns_ten_recovery_codes(service, store, clock):
    session = service.register("ada@example.com", PASSWORD)
    setup = service.start_two_factor(principal_of(service, session))
    with pytest.raises(InvalidCode):
        service.confirm_two_factor(principal_of(service, session), "000000", IP)
    assert not service.get_user(session.user.id).two_factor
    codes = service.confirm_two_factor(principal_of(service, session), pyotp.TOTP(setup.secret).at(clock.now()), IP)
    assert len(codes) == len(set(codes)) == 10 and all(re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", c) for c in codes)
    assert service.get_user(session.user.id).two_factor
    stored = {h for (_, h) in store.state.recovery_codes}
    assert not any(code.encode() in h for code in codes for h in stored), "stored hashed"
    with pytest.raises(Conflict):
        service.start_two_factor(principal_of(service, session))


def test_sign_in_with_two_factor_needs_the_code_and_refuses_a_replay(service, clock):
    session = service.register("ada@example.com", PASSWORD)
    secret, _ = turn_on_two_factor(service, session, clock)
    with pytest.raises(TwoFactorRequired) as needed:
        service.login("ada@example.com", PASSWORD, IP)
    assert needed.value.code == "two_factor_required" and needed.value.details["reason"] == "code_required"
    with pytest.raises(Unauthorized) as wrong_password:
        service.login("ada@example.com", "not the password", IP, code="123456")
    assert wrong_password.value.code == "unauthorized"
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now())
    assert service.login("ada@example.com", PASSWORD, IP, code=code).user.two_factor
    with pytest.raises(TwoFactorRequired) as replay:
        service.login("ada@example.com", PASSWORD, IP, code=code)
    assert replay.value.details["reason"] == "invalid_code"


def test_a_recovery_code_works_once_in_place_of_a_code(service, clock):
    session = service.register("ada@example.com", PASSWORD)
    _, codes = turn_on_two_factor(service, session, clock)
    assert service.login("ada@example.com", PASSWORD, IP, code=codes[3].upper().replace("-", " ")).user.id
    with pytest.raises(TwoFactorRequired):
        service.login("ada@example.com", PASSWORD, IP, code=codes[3])


def test_wrong_codes_count_towards_the_sign_in_limits(service, clock):
    session = service.register("ada@example.com", PASSWORD)
    turn_on_two_factor(service, session, clock)
    for n in range(20):
        with pytest.raises(TwoFactorRequired):
            service.login("ada@example.com", PASSWORD, IP, code=f"{n:06d}")
    with pytest.raises(RateLimited):
        service.login("ada@example.com", PASSWORD, IP, code="999999")


def test_turning_two_factor_off_needs_a_code(service, clock):
    session = service.register("ada@example.com", PASSWORD)
    _secret, codes = turn_on_two_factor(service, session, clock)
    with pytest.raises(InvalidCode):
        service.disable_two_factor(principal_of(service, session), "nope", IP)
    service.disable_two_factor(principal_of(service, session), codes[0], IP)
    assert not service.get_user(session.user.id).two_factor
    assert service.login("ada@example.com", PASSWORD, IP).user.id == session.user.id
    with pytest.raises(Conflict):
        service.disable_two_factor(principal_of(service, session), codes[1], IP)


def test_admins_need_two_factor_when_the_policy_says_so(make_service, clock):
    strict = make_service(policy=AccountPolicy(admin_needs_two_factor=True))
    strict.ensure_admin("root@example.com", PASSWORD)
    session = strict.login("root@example.com", PASSWORD, IP)
    with pytest.raises(Forbidden) as refused:
        strict.check_admin_access(principal_of(strict, session))
    assert refused.value.details["reason"] == "two_factor_required"
    turn_on_two_factor(strict, session, clock)
    strict.check_admin_access(principal_of(strict, session))
    user = strict.register("grace@example.com", PASSWORD)
    with pytest.raises(Forbidden) as not_admin:
        strict.check_admin_access(principal_of(strict, user))
    assert not_admin.value.details["reason"] == "not_admin"
    admin_without_two_factor = replace(strict.get_user(session.user.id), two_factor=False)
    make_service().check_admin_access(Principal(user=admin_without_two_factor))  # the local stage's policy


# --- sessions ---


def test_sessions_list_each_sign_in_and_end_one_at_a_time(service, store, clock):
    first = service.register("ada@example.com", PASSWORD, ip=IP, user_agent="Firefox")
    clock.advance(minutes=1)
    second = service.login("ada@example.com", PASSWORD, "203.0.113.9", user_agent="curl/8")
    principal = principal_of(service, second)
    listed = service.sessions(principal)
    assert [(s.user_agent, s.ip) for s in listed] == [("curl/8", "203.0.113.9"), ("Firefox", IP)]
    service.end_session(principal, listed[1].id)
    with pytest.raises(Unauthorized):
        service.authenticate(first.tokens.access_token)
    with pytest.raises(Unauthorized):
        service.refresh(first.tokens.refresh_token)
    assert [s.id for s in service.sessions(principal)] == [principal.session_id]
    with pytest.raises(NotFound):
        service.end_session(principal, listed[1].id)
    with pytest.raises(NotFound):
        service.end_session(principal, "not-a-uuid")


def test_a_refresh_moves_last_used_and_another_users_session_is_not_found(service, clock):
    ada = service.register("ada@example.com", PASSWORD)
    grace = service.register("grace@example.com", PASSWORD)
    clock.advance(minutes=5)
    service.refresh(ada.tokens.refresh_token)
    [info] = service.sessions(principal_of(service, ada))
    assert info.last_used_at - info.created_at == timedelta(minutes=5)
    with pytest.raises(NotFound):
        service.end_session(principal_of(service, grace), info.id)


# --- public names ---


def test_the_default_name_is_neutral_and_an_admin_gets_it_too(service):
    assert service.register("ada.lovelace@example.com", PASSWORD).user.display_name == DEFAULT_DISPLAY_NAME
    assert service.ensure_admin("root@example.com", PASSWORD).user.display_name == DEFAULT_DISPLAY_NAME
    assert service.ensure_admin("root@example.com", PASSWORD).user.role is Role.ADMIN
